//! Generalized Additive Models (`GamMojoModel`, `GamMojoMultinomialModel`).
//!
//! A GAM is a GLM over the model's features, among which each GAM column's spline basis
//! (its centred block, `<col>_..._center__<k>`). genmodel's row converter
//! (`GamRowToRawDataConverter`) computes every block from its source columns; here the
//! sources are *inputs* of the model (see `encoding.rs`) whose encoders only *stage* their
//! value in the first slots of the column's block, and [`Gam::score`] computes the blocks
//! into scratch in genmodel's column order, then imputes, sums `beta_center` (one vector per
//! class for multinomial and ordinal models) as `generateEta` does, and applies the link or
//! the multinomial/ordinal transform. Every operation runs in genmodel's order.
//!
//! Spline types, as genmodel 3.46 computes them:
//! - cubic regression (`bs = 0`, `GamUtilsCubicRegression`): the cubic on the value's knot
//!   interval, centred by `zTranspose`;
//! - thin plate (`bs = 1`, `GamUtilsThinPlateRegression`), on one or more columns: distances
//!   to the knots through `zTransposeCS`, the polynomial basis, centred by `zTranspose`;
//! - I-splines (`bs = 2`, `ISplines`): sums of B-splines of one order more, not centred;
//! - M-splines (`bs = 3`, `MSplines`): centred with the `zTranspose` of the sorted column
//!   whose index is the M-spline's own count (genmodel's, kept: the first column's matrix
//!   when others precede it).
//!
//! genmodel places every block `knots - 1` slots after the previous one, whatever its width,
//! so I- and M-spline blocks of other orders overlap the next block (which overwrites them)
//! and leave slots at the end unwritten (mean imputation fills them). Kept.
//!
//! Not handled (refused at load): models genmodel fails on every row of (a block past the
//! row, an M-spline borrowing a matrix too small, a thin plate column whose polynomial
//! list genmodel reads with fewer entries than sources, thin plate with `standardize`).
//! Pre-expanded columns are not inputs (genmodel accepts them, and then skips the splines).
#![warn(clippy::indexing_slicing)]

use super::glm::{self, GlmLink};
use super::layout::{ColumnRec, Sink, NONE};
use super::math;
use super::predict::Java;
use super::{Span, WithFile};
use crate::error::{Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::limits;

/// What the model predicts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Response {
    /// One linear predictor through the link: a regression, or a binomial classifier.
    Single {
        classifier: bool,
    },
    Multinomial,
    Ordinal,
}

/// A GAM: the GLM part, and the spline columns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gam {
    response: Response,
    link: GlmLink,
    threshold: f64,
    use_all_factor_levels: bool,
    mean_imputation: bool,
    cats: u32,
    cat_offsets: Span,
    nums_center: u32,
    cat_na_fills: Span,
    num_na_fills: Span,
    /// `beta_center`, or the classes' vectors one after another, `per_class` each.
    beta: Span,
    per_class: u32,
    /// The row's first spline slot; the spline slots run to the row's end.
    first_expanded: u32,
    /// Per spline column, [`REC`] doubles (see [`field`]).
    splines: Span,
    /// Scratch doubles [`Gam::score`] needs: the spline slots, then one column's terms.
    work_len: u32,
}

/// The fields of a spline column's record.
mod field {
    /// 0 cubic regression, 1 thin plate, 2 I-spline, 3 M-spline (genmodel's `bs`).
    pub const KIND: usize = 0;
    /// The row slot its block starts at; its sources are staged there.
    pub const POS: usize = 1;
    pub const KNOTS: usize = 2;
    /// Its source columns (more than one for thin plate only).
    pub const SOURCES: usize = 3;
    /// Slots its block writes.
    pub const WIDTH: usize = 4;
    /// Its knots, `SOURCES x KNOTS`.
    pub const KNOTS_AT: usize = 5;
    /// The centring matrix it uses, `ZT_ROWS x ZT_COLS` (none for I-splines).
    pub const ZT_AT: usize = 6;
    pub const ZT_ROWS: usize = 7;
    pub const ZT_COLS: usize = 8;
    /// Cubic: `B^-1 D` (`(KNOTS - 2) x KNOTS`); I- and M-splines: the order; thin plate:
    /// `zTransposeCS` (`(KNOTS - M) x KNOTS`).
    pub const AUX: usize = 9;
    /// Thin plate: the polynomial basis's exponents (`M` lists of `POLY_DIM`, as genmodel
    /// reads them), `m`, `M`, the distance's constant factor, and whether `SOURCES` is even.
    pub const POLY_AT: usize = 10;
    pub const POLY_DIM: usize = 11;
    pub const SMALL_M: usize = 12;
    pub const BIG_M: usize = 13;
    pub const CONSTANT: usize = 14;
    pub const EVEN: usize = 15;
}

const REC: usize = 16;
const CUBIC: u32 = 0;
const THIN_PLATE: u32 = 1;
const I_SPLINE: u32 = 2;
const M_SPLINE: u32 = 3;

/// The value a spline source is staged as when the cell was the text `NaN`: genmodel parses
/// it and computes with it (an I-spline of NaN is all zeros), while a missing source leaves
/// the block NaN. A NaN with its own payload, so the row's NaN means "missing".
pub(super) const PRESENT_NAN: f64 = f64::from_bits(0x7ff8_0000_6761_6d4e);

/// The most spline columns a GAM may have here (each is one input's encoder).
const MAX_SPLINES: usize = 256;
/// Knots of one spline column: scoring a row costs `knots^2` per column.
const MAX_KNOTS: u32 = 1 << 16;
/// The highest I- or M-spline order: a basis value takes `order^2` steps and one
/// order's values on the stack.
const MAX_ORDER: usize = 32;
/// Source columns of one thin plate column (H2O's polynomial basis grows as `m^d`).
const MAX_SOURCES: u32 = 64;

fn ints<const N: usize>(
    ini: &Ini<'_>,
    key: &'static str,
) -> Result<heapless::Vec<u32, N>, ModelError> {
    super::u32_list(ini, key, "GAM columns")
}

fn count(ini: &Ini<'_>, key: &'static str) -> Result<u32, ModelError> {
    u32::try_from(ini.require_int(key)?).map_err(|_| ModelError::BadValue(key))
}

/// A spline column's shape, from `model.ini`.
#[derive(Clone, Copy, Debug)]
struct Column {
    kind: u32,
    knots: u32,
    sources: u32,
    /// I- and M-splines' order (0 otherwise).
    order: u32,
    /// Slots its block writes.
    width: u32,
    /// Its centring matrix, `rows x cols`, as genmodel reads `zTranspose`.
    zt_rows: u32,
    zt_cols: u32,
}

impl Column {
    /// Basis values before centring (what scratch holds besides the slots).
    fn terms(&self) -> usize {
        match self.kind {
            THIN_PLATE => 2 * self.knots as usize,
            I_SPLINE | M_SPLINE => (self.knots + self.order) as usize - 2,
            _ => self.knots as usize,
        }
    }
}

/// The spline columns in genmodel's sorted order, checked to be what genmodel can run.
fn columns(ini: &Ini<'_>) -> Result<heapless::Vec<Column, MAX_SPLINES>, ModelError> {
    let knots = ints::<MAX_SPLINES>(ini, "num_knots_sorted")?;
    let bs = ints::<MAX_SPLINES>(ini, "bs_sorted")?;
    let dims = ints::<MAX_SPLINES>(ini, "_d")?;
    let name_dims = ints::<MAX_SPLINES>(ini, "gam_column_dim_sorted")?;
    let n = knots.len();
    let [cs, is, ms, tp] = ["num_CS_col", "num_IS_col", "num_MS_col", "num_TP_col"]
        .map(|k| count(ini, k).map(|c| c as usize));
    let (cs, is, ms, tp) = (cs?, is?, ms?, tp?);
    let orders = if is + ms > 0 {
        ints::<MAX_SPLINES>(ini, "spline_orders_sorted")?
    } else {
        knots.iter().map(|_| 0).collect()
    };
    if [
        bs.len(),
        dims.len(),
        name_dims.len(),
        orders.len(),
        cs + is + ms + tp,
    ]
    .iter()
    .any(|&len| len != n)
        || dims != name_dims
    {
        return Err(ModelError::Corrupt("GAM columns"));
    }
    let mut out = heapless::Vec::new();
    for (g, (((&k, &b), &d), &order)) in knots.iter().zip(&bs).zip(&dims).zip(&orders).enumerate() {
        // genmodel's per-type counters assume the sorted columns grouped in this order.
        let kind = if g < cs {
            CUBIC
        } else if g < cs + is {
            I_SPLINE
        } else if g < cs + is + ms {
            M_SPLINE
        } else {
            THIN_PLATE
        };
        let bad = b != kind
            || !(2..=MAX_KNOTS).contains(&k)
            || kind != I_SPLINE && k < 3
            || !(1..=MAX_SOURCES).contains(&d)
            || kind != THIN_PLATE && d != 1
            || matches!(kind, I_SPLINE | M_SPLINE) && !(1..=MAX_ORDER as u32).contains(&order)
            || kind == M_SPLINE && k + order < 4;
        if bad {
            return Err(ModelError::Corrupt("GAM spline columns"));
        }
        let (width, zt_rows, zt_cols) = match kind {
            I_SPLINE => (k + order - 2, 0, 0),
            M_SPLINE => (k + order - 3, k + order - 3, k + order - 2),
            _ => (k - 1, k - 1, k),
        };
        let order = if matches!(kind, I_SPLINE | M_SPLINE) {
            order
        } else {
            0
        };
        out.push(Column {
            kind,
            knots: k,
            sources: d,
            order,
            width,
            zt_rows,
            zt_cols,
        })
        .map_err(|_| ModelError::TooLarge("GAM columns"))?;
    }
    Ok(out)
}

/// The row slot each column's block starts at: genmodel's `dataIndEnd`, `knots - 1` after
/// the previous block's start whatever that block's width.
fn positions(columns: &[Column], first_expanded: usize) -> impl Iterator<Item = usize> + '_ {
    columns.iter().scan(first_expanded, |at, c| {
        let pos = *at;
        *at += c.knots as usize - 1;
        Some(pos)
    })
}

/// `GamUtilsThinPlateRegression.calTPConstantTerm`, with Java's `int` factorials.
fn thin_plate_constant(m: i32, d: i32, even: bool) -> f64 {
    let factorial = |n: i32| (1..=n).fold(1i32, |p, i| p.wrapping_mul(i));
    let pi = core::f64::consts::PI;
    if even {
        math::pow(-1.0, f64::from(m + 1) + f64::from(d) / 2.0)
            / (math::pow(2.0, f64::from(2 * m - 1))
                * math::pow(pi, f64::from(d) / 2.0)
                * f64::from(factorial(m - 1))
                * f64::from(factorial(m - d / 2)))
    } else {
        math::pow(-1.0, f64::from(m)) * f64::from(m)
            / (f64::from(factorial(2 * m)) * math::pow(pi, f64::from(d - 1) / 2.0))
    }
}

impl Gam {
    /// Reads the GAM from `model.ini` and its blobs.
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        n_classes: usize,
        threshold: f64,
        file: &mut WithFile<'_>,
        sink: &mut dyn Sink,
    ) -> Result<Gam, Error> {
        let response = match ini.require("family")? {
            "multinomial" => Response::Multinomial,
            "ordinal" => Response::Ordinal,
            _ if n_classes > 2 => return Err(ModelError::Corrupt("GAM classes").into()),
            family => Response::Single {
                classifier: matches!(family, "bernoulli" | "fractionalbinomial" | "quasibinomial"),
            },
        };
        let columns = columns(ini)?;
        let doubles = |key: &'static str, sink: &mut dyn Sink| {
            super::doubles(ini, key, sink)?.ok_or(ModelError::MissingKey(key))
        };
        let (beta, per_class) = match response {
            Response::Single { .. } => {
                let beta = doubles("beta_center", sink)?;
                (beta, beta.len)
            }
            Response::Multinomial | Response::Ordinal => {
                if !(2..=limits::MAX_CLASSES).contains(&n_classes) {
                    return Err(ModelError::Corrupt("GAM classes").into());
                }
                let per_class = count(ini, "beta center length per class")?;
                let beta = read_doubles(
                    file,
                    "beta_multinomial_centering",
                    n_classes.saturating_mul(per_class as usize),
                    sink,
                )?;
                (beta, per_class)
            }
        };
        let cat_offsets = doubles("cat_offsets", sink)?;
        let mean_imputation = ini.flag("mean_imputation")?;
        let (cat_na_fills, num_na_fills) = if mean_imputation {
            (
                doubles("catNAFills", sink)?,
                doubles("numNAFillsCenter", sink)?,
            )
        } else {
            (Span::default(), Span::default())
        };
        let cats = count(ini, "cats")?;
        let nums_center = count(ini, "numsCenter")?;
        let expanded = count(ini, "num_expanded_gam_columns_center")? as usize;
        let first_expanded = n_features
            .checked_sub(expanded)
            .ok_or(ModelError::Corrupt("GAM expanded columns"))?;
        if expanded != columns.iter().map(|c| c.width as usize).sum::<usize>()
            || mean_imputation && (cat_na_fills.len < cats || num_na_fills.len < nums_center)
            || cats as usize + nums_center as usize > n_features
        {
            return Err(ModelError::Corrupt("GAM columns").into());
        }
        for (c, pos) in columns.iter().zip(positions(&columns, first_expanded)) {
            // genmodel's `System.arraycopy` throws past the row; the staged sources must not
            // reach the next block.
            if pos + c.width as usize > n_features {
                return Err(ModelError::Unsupported(
                    "a GAM whose spline blocks genmodel writes past the row (it fails on every row)",
                )
                .into());
            }
            if c.sources >= c.knots {
                return Err(ModelError::Corrupt("GAM thin plate knots").into());
            }
        }

        // The blobs, one matrix per column after another, with genmodel's shapes.
        let total = |f: &dyn Fn(&Column) -> usize| columns.iter().map(f).sum::<usize>();
        let knots_at = read_doubles(
            file,
            "knots",
            total(&|c| (c.sources * c.knots) as usize),
            sink,
        )?;
        let zt_at = read_doubles(
            file,
            "zTranspose",
            total(&|c| (c.zt_rows * c.zt_cols) as usize),
            sink,
        )?;
        let cubic = columns.iter().filter(|c| c.kind == CUBIC);
        let binvd_at = if cubic.clone().next().is_some() {
            let n = cubic.map(|c| ((c.knots - 2) * c.knots) as usize).sum();
            read_doubles(file, "_binvD", n, sink)?.first
        } else {
            0
        };
        let thin = ThinPlates::read(ini, &columns, file, sink)?;

        let (mut knots_off, mut zt_off, mut binvd_off) = (0usize, 0usize, 0usize);
        let (mut zcs_off, mut poly_off, mut ms_counter, mut tp_counter) = (0, 0, 0, 0);
        let mut work = 0usize;
        let mut first = None;
        for (c, pos) in columns.iter().zip(positions(&columns, first_expanded)) {
            let mut rec = [0.0; REC];
            rec[field::KIND] = f64::from(c.kind);
            rec[field::POS] = pos as f64;
            rec[field::KNOTS] = f64::from(c.knots);
            rec[field::SOURCES] = f64::from(c.sources);
            rec[field::WIDTH] = f64::from(c.width);
            rec[field::KNOTS_AT] = (knots_at.first as usize + knots_off) as f64;
            rec[field::ZT_AT] = (zt_at.first as usize + zt_off) as f64;
            rec[field::ZT_ROWS] = f64::from(c.zt_rows);
            rec[field::ZT_COLS] = f64::from(c.zt_cols);
            match c.kind {
                CUBIC => {
                    rec[field::AUX] = (binvd_at as usize + binvd_off) as f64;
                    binvd_off += ((c.knots - 2) * c.knots) as usize;
                }
                I_SPLINE => rec[field::AUX] = f64::from(c.order),
                M_SPLINE => {
                    rec[field::AUX] = f64::from(c.order);
                    // `addMSGamification` centres with `_zTranspose[msCounter]`.
                    let borrowed = columns
                        .get(ms_counter)
                        .ok_or(ModelError::Corrupt("GAM spline columns"))?;
                    if borrowed.zt_rows < c.zt_rows || borrowed.zt_cols < c.zt_cols {
                        return Err(ModelError::Unsupported(
                            "a GAM whose M-spline genmodel centres with a smaller column's \
                             matrix (it fails on every row with a value)",
                        )
                        .into());
                    }
                    let before: usize = columns
                        .iter()
                        .take(ms_counter)
                        .map(|c| (c.zt_rows * c.zt_cols) as usize)
                        .sum();
                    rec[field::ZT_AT] = (zt_at.first as usize + before) as f64;
                    rec[field::ZT_ROWS] = f64::from(borrowed.zt_rows);
                    rec[field::ZT_COLS] = f64::from(borrowed.zt_cols);
                    ms_counter += 1;
                }
                _ => {
                    let tp = thin.column(tp_counter, c)?;
                    rec[field::AUX] = (thin.zcs_at as usize + zcs_off) as f64;
                    rec[field::POLY_AT] = (thin.poly_at as usize + poly_off) as f64;
                    rec[field::POLY_DIM] = f64::from(tp.poly_dim);
                    rec[field::SMALL_M] = f64::from(tp.m);
                    rec[field::BIG_M] = f64::from(tp.big_m);
                    let even = c.sources % 2 == 0;
                    rec[field::CONSTANT] = thin_plate_constant(tp.m as i32, c.sources as i32, even);
                    rec[field::EVEN] = if even { 1.0 } else { 0.0 };
                    zcs_off += ((c.knots - tp.big_m) * c.knots) as usize;
                    poly_off += (tp.big_m * tp.poly_dim) as usize;
                    tp_counter += 1;
                }
            }
            knots_off += (c.sources * c.knots) as usize;
            zt_off += (c.zt_rows * c.zt_cols) as usize;
            work = work.max(c.terms());
            first.get_or_insert(sink.f64s(&mut rec.into_iter())?);
        }
        Ok(Gam {
            response,
            link: match response {
                Response::Single { .. } => GlmLink::read(ini, false)?,
                _ => GlmLink::Identity,
            },
            threshold,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            mean_imputation,
            cats,
            cat_offsets,
            nums_center,
            cat_na_fills,
            num_na_fills,
            beta,
            per_class,
            first_expanded: first_expanded as u32,
            splines: Span {
                first: first.unwrap_or(0),
                len: (REC * columns.len()) as u32,
            },
            work_len: u32::try_from(expanded + work)
                .map_err(|_| ModelError::TooLarge("GAM columns"))?,
        })
    }

    pub(super) fn validate(&self, f64s: &[f64], n_features: usize) -> Result<(), ModelError> {
        let spans = [
            self.beta,
            self.cat_offsets,
            self.cat_na_fills,
            self.num_na_fills,
            self.splines,
        ];
        let offsets = self.cat_offsets.values(f64s);
        let per_class = f64::from(self.per_class);
        // `generateEta` reads beta[numStart + i] for i in cats..numEnd, numEnd at most the
        // row's length.
        let num_start =
            offsets.get(self.cats as usize).copied().unwrap_or(-1.0) - f64::from(self.cats);
        let num_end = per_class - 1.0 - num_start;
        let ok = super::Span::all_within(&spans, f64s)
            && self.cat_offsets.len > self.cats
            && offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b))
            && offsets.iter().all(|&o| (0.0..per_class).contains(&o))
            && num_start >= 0.0
            && num_end <= n_features as f64
            && self.per_class >= 1
            && self.beta.len % self.per_class == 0
            && self.first_expanded as usize <= n_features
            && self.splines.len as usize % REC == 0
            && (0..self.n_splines()).all(|g| self.record_ok(f64s, g, n_features));
        if ok {
            Ok(())
        } else {
            Err(ModelError::Corrupt("GAM arrays"))
        }
    }

    /// Whether spline column `g`'s record stays within the row, the scratch and `f64s`.
    fn record_ok(&self, f64s: &[f64], g: usize, n_features: usize) -> bool {
        let rec = |k: usize| self.splines.at(f64s, g * REC + k).unwrap_or(f64::NAN);
        let int = |k: usize, max: f64| {
            let v = rec(k);
            (0.0..=max).contains(&v) && libm::trunc(v) == v
        };
        let within = |k: usize, len: f64| rec(k) + len <= f64s.len() as f64;
        let (knots, sources, width) = (rec(field::KNOTS), rec(field::SOURCES), rec(field::WIDTH));
        let first = f64::from(self.first_expanded);
        let terms = f64::from(self.work_len) - (n_features as f64 - first);
        let shape_ok = int(field::KIND, 3.0)
            && int(field::KNOTS, f64::from(MAX_KNOTS))
            && knots >= 2.0
            && int(field::SOURCES, f64::from(MAX_SOURCES))
            && sources >= 1.0
            && int(field::WIDTH, n_features as f64)
            && int(field::POS, n_features as f64)
            && rec(field::POS) >= first
            && rec(field::POS) + width.max(sources) <= n_features as f64
            && int(field::ZT_ROWS, f64::from(MAX_KNOTS) + MAX_ORDER as f64)
            && int(field::ZT_COLS, f64::from(MAX_KNOTS) + MAX_ORDER as f64)
            && within(field::KNOTS_AT, sources * knots)
            && within(field::ZT_AT, rec(field::ZT_ROWS) * rec(field::ZT_COLS));
        shape_ok
            && match rec(field::KIND) as u32 {
                CUBIC => {
                    within(field::AUX, (knots - 2.0) * knots)
                        && terms >= knots
                        && rec(field::ZT_ROWS) >= width
                        && rec(field::ZT_COLS) >= knots
                }
                THIN_PLATE => {
                    let big_m = rec(field::BIG_M);
                    int(field::BIG_M, knots - 1.0)
                        && int(field::SMALL_M, MAX_ORDER as f64)
                        && int(field::POLY_DIM, f64::from(MAX_SOURCES))
                        && rec(field::POLY_DIM) >= sources
                        && within(field::AUX, (knots - big_m) * knots)
                        && within(field::POLY_AT, big_m * rec(field::POLY_DIM))
                        && terms >= 2.0 * knots
                        && rec(field::ZT_ROWS) >= width
                        && rec(field::ZT_COLS) >= knots
                }
                _ => {
                    let order = rec(field::AUX);
                    let basis = knots + order - 2.0;
                    int(field::AUX, MAX_ORDER as f64)
                        && order >= 1.0
                        && terms >= basis
                        && width <= basis
                        && (rec(field::KIND) as u32 == I_SPLINE
                            || rec(field::ZT_ROWS) >= width && rec(field::ZT_COLS) >= basis)
                }
            }
    }

    fn n_splines(&self) -> usize {
        self.splines.len as usize / REC
    }

    /// Scratch doubles [`Gam::score`] needs.
    pub(super) fn work_len(&self) -> usize {
        self.work_len as usize
    }

    /// genmodel's `score0` after its row converter: the spline blocks from the staged
    /// sources, mean imputation, `generateEta` per class, the link or the class transform.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let first = self.first_expanded as usize;
        let short = ScoreError::WorkLength {
            expected: self.work_len,
            found: work.len() as u32,
        };
        let (expanded, terms) = work
            .get_mut(..self.work_len as usize)
            .and_then(|w| w.split_at_mut_checked(row.len().saturating_sub(first)))
            .ok_or(short)?;
        expanded.fill(f64::NAN);
        for g in 0..self.n_splines() {
            self.expand(f64s, g, row, expanded, terms, &mut *java);
        }
        let at = |s: Span, i: usize| s.at(f64s, i).unwrap_or(f64::NAN);
        let cats = self.cats as usize;
        let value = |i: usize| {
            let v = if i < first {
                row.get(i)
            } else {
                expanded.get(i - first)
            };
            let v = v.copied().unwrap_or(f64::NAN);
            if !(v.is_nan() && self.mean_imputation) {
                v
            } else if i < cats {
                at(self.cat_na_fills, i)
            } else if i - cats < self.nums_center as usize {
                at(self.num_na_fills, i - cats)
            } else {
                v
            }
        };
        match self.response {
            Response::Single { classifier } => {
                let mu = self.link.inverse(self.eta(f64s, 0, &value), java);
                let out = if classifier {
                    let label = if mu >= self.threshold { 1.0 } else { 0.0 };
                    [label, 1.0 - mu, mu]
                } else {
                    [mu, 0.0, 0.0]
                };
                for (p, v) in preds.iter_mut().zip(out) {
                    *p = v;
                }
            }
            Response::Multinomial | Response::Ordinal => {
                let k = (self.beta.len / self.per_class.max(1)) as usize;
                let found = preds.len() as u32;
                let probs = preds.get_mut(1..=k).ok_or(ScoreError::PredsLength {
                    expected: k as u32 + 1,
                    found,
                })?;
                for (c, p) in probs.iter_mut().enumerate() {
                    *p = self.eta(f64s, c, &value);
                }
                if self.response == Response::Multinomial {
                    glm::multinomial(preds, java);
                } else {
                    ordinal(preds, java);
                }
            }
        }
        Ok(())
    }

    /// `generateEta` over class `class`'s coefficients.
    fn eta(&self, f64s: &[f64], class: usize, value: &dyn Fn(usize) -> f64) -> f64 {
        let per_class = self.per_class as usize;
        let beta = |i: usize| {
            self.beta
                .at(f64s, class * per_class + i)
                .filter(|_| i < per_class)
                .unwrap_or(f64::NAN)
        };
        let offset = |i: usize| self.cat_offsets.at(f64s, i).unwrap_or(f64::NAN) as i32;
        let cats = self.cats as usize;
        let mut eta = 0.0;
        for i in 0..(self.cat_offsets.len as usize).saturating_sub(1) {
            // genmodel's `readCatVal`: Java `int` arithmetic on the level.
            let level = value(i) as i32;
            let v = if self.use_all_factor_levels {
                level
            } else {
                level.wrapping_sub(1)
            };
            let index = if v < 0 { -1 } else { v.wrapping_add(offset(i)) };
            if index < offset(i + 1) && index >= 0 {
                eta += beta(index as usize);
            }
        }
        let num_start = offset(cats) as i64 - cats as i64;
        let num_end = per_class as i64 - 1 - num_start;
        for i in cats..usize::try_from(num_end).unwrap_or(0) {
            eta += beta((num_start + i as i64) as usize) * value(i);
        }
        eta + beta(per_class.saturating_sub(1))
    }

    /// Writes spline column `g`'s block into `expanded` (the row's spline slots) from its
    /// sources staged in `row`, as genmodel's `add*Gamification` does; `terms` is scratch.
    fn expand(
        &self,
        f64s: &[f64],
        g: usize,
        row: &[f64],
        expanded: &mut [f64],
        terms: &mut [f64],
        java: Java<'_>,
    ) {
        let rec = |k: usize| self.splines.at(f64s, g * REC + k).unwrap_or(0.0);
        let at = |base: usize, i: usize| f64s.get(base + i).copied().unwrap_or(f64::NAN);
        let pos = rec(field::POS) as usize;
        let (nk, d) = (rec(field::KNOTS) as usize, rec(field::SOURCES) as usize);
        let width = rec(field::WIDTH) as usize;
        let source = |j: usize| row.get(pos + j).copied().unwrap_or(f64::NAN);
        // A missing source leaves the block missing (genmodel finds no value to parse).
        if (0..d).any(|j| source(j).is_nan() && source(j).to_bits() != PRESENT_NAN.to_bits()) {
            return;
        }
        let knots_at = rec(field::KNOTS_AT) as usize;
        let knot = |p: usize, k: usize| at(knots_at, p * nk + k);
        let (zt_at, zt_cols) = (rec(field::ZT_AT) as usize, rec(field::ZT_COLS) as usize);
        let aux = rec(field::AUX) as usize;
        let term = |terms: &[f64], i: usize| terms.get(i).copied().unwrap_or(f64::NAN);
        let set = |terms: &mut [f64], i: usize, v: f64| {
            if let Some(t) = terms.get_mut(i) {
                *t = v;
            }
        };
        // genmodel's `ArrayUtils.multArray`: `n` terms from `from` times the centring matrix.
        let centre = |terms: &[f64], from: usize, n: usize, expanded: &mut [f64]| {
            let out = pos - self.first_expanded as usize;
            for r in 0..width {
                let mut z = 0.0;
                for c in 0..n {
                    z += term(terms, from + c) * at(zt_at, r * zt_cols + c);
                }
                if let Some(o) = expanded.get_mut(out + r) {
                    *o = z;
                }
            }
        };
        let x = source(0);
        match rec(field::KIND) as u32 {
            CUBIC => {
                cubic_basis(
                    x,
                    nk,
                    &|k| knot(0, k),
                    &|r, c| at(aux, r * nk + c),
                    &mut |c, v| set(terms, c, v),
                );
                centre(terms, 0, nk, expanded);
            }
            I_SPLINE => {
                let out = pos - self.first_expanded as usize;
                for b in 0..width {
                    if let Some(o) = expanded.get_mut(out + b) {
                        *o = i_spline(x, b, aux, nk, &|k| knot(0, k));
                    }
                }
            }
            M_SPLINE => {
                let basis = nk + aux - 2;
                let knots = |i: usize| filled(i, aux, nk, &|k| knot(0, k));
                for b in 0..basis {
                    set(terms, b, m_spline(x, b, aux, &knots));
                }
                centre(terms, 0, basis, expanded);
            }
            _ => {
                let big_m = rec(field::BIG_M) as usize;
                let power = 2.0 * rec(field::SMALL_M) - d as f64;
                let (constant, even) = (rec(field::CONSTANT), rec(field::EVEN) != 0.0);
                // `calculateDistance`: a radial term per knot.
                for k in 0..nk {
                    let mut sum = 0.0;
                    for p in 0..d {
                        let t = source(p) - knot(p, k);
                        sum += t * t;
                    }
                    let distance = java.pow(libm::sqrt(sum), power);
                    let mut v = constant * distance;
                    if even && distance != 0.0 {
                        v *= java.log(distance);
                    }
                    set(terms, k, v);
                }
                // Through `zTransposeCS`, then `calculatePolynomialBasis` after them.
                for i in 0..nk - big_m {
                    let mut z = 0.0;
                    for k in 0..nk {
                        z += term(terms, k) * at(aux, i * nk + k);
                    }
                    set(terms, nk + i, z);
                }
                let (poly_at, poly_dim) =
                    (rec(field::POLY_AT) as usize, rec(field::POLY_DIM) as usize);
                for c in 0..big_m {
                    let mut v = 1.0;
                    for p in 0..d {
                        v *= java.pow(source(p), at(poly_at, c * poly_dim + p));
                    }
                    set(terms, 2 * nk - big_m + c, v);
                }
                centre(terms, nk, nk, expanded);
            }
        }
    }
}

/// `GamMojoMultinomialModel.postPredOrdinal`: cumulative logits of all classes but the
/// last; the label is the first class whose linear predictor is positive.
fn ordinal(preds: &mut [f64], java: Java<'_>) {
    let Some((label, probs)) = preds.split_first_mut() else {
        return;
    };
    let last = probs.len().saturating_sub(1);
    *label = last as f64;
    let mut previous = 0.0;
    let mut chosen = false;
    for (c, p) in probs.iter_mut().take(last).enumerate() {
        let eta = *p;
        let cdf = 1.0 / (1.0 + java.exp(-eta));
        *p = cdf - previous;
        previous = cdf;
        if eta > 0.0 && !chosen {
            *label = c as f64;
            chosen = true;
        }
    }
    if let Some(p) = probs.last_mut() {
        *p = 1.0 - previous;
    }
}

/// The cubic regression basis at `x` (`GamUtilsCubicRegression.expandOneGamCol`): writes
/// `nk` values through `set`; NaN for NaN.
fn cubic_basis(
    x: f64,
    nk: usize,
    knot: &dyn Fn(usize) -> f64,
    binvd: &dyn Fn(usize, usize) -> f64,
    set: &mut dyn FnMut(usize, f64),
) {
    if x.is_nan() || nk < 3 {
        (0..nk).for_each(|c| set(c, f64::NAN));
        return;
    }
    // `x`'s knot interval and the terms of its cubic, once for the whole block.
    let j = locate_bin(x, nk, knot);
    let hj = knot(j + 1) - knot(j);
    let (cmj, cpj) = (cubic(knot(j + 1) - x, hj), cubic(x - knot(j), hj));
    let (amj, apj) = ((knot(j + 1) - x) / hj, (x - knot(j)) / hj);
    for c in 0..nk {
        let f = if j == 0 {
            binvd(j, c) * cpj
        } else if j >= nk - 2 {
            binvd(j - 1, c) * cmj
        } else {
            binvd(j - 1, c) * cmj + binvd(j, c) * cpj
        };
        set(
            c,
            if c == j {
                f + amj
            } else if c == j + 1 {
                f + apj
            } else {
                f
            },
        );
    }
}

/// `(t^3 / h - t * h) / 6`, genmodel's `gen_c_m_j` / `gen_c_p_j` for `t` the distance to
/// the interval's far (or near) knot.
fn cubic(t: f64, h: f64) -> f64 {
    let t3 = (t * t) * t;
    (t3 / h - t * h) / 6.0
}

/// `GamUtilsCubicRegression.locateBin`: the knot interval of `x` (the first or last one
/// outside the knots), found by genmodel's bisection.
fn locate_bin(x: f64, n: usize, knot: &dyn Fn(usize) -> f64) -> usize {
    if x <= knot(0) {
        return 0;
    }
    let mut hi = n - 1;
    if x >= knot(hi) {
        return hi - 1;
    }
    let (mut lo, mut try_bin) = (0usize, 0usize);
    for _ in 0..n {
        try_bin = libm::floor((hi + lo) as f64 * 0.5) as usize;
        if x >= knot(try_bin) && x < knot(try_bin + 1) {
            return try_bin;
        }
        if x > knot(try_bin) {
            lo = try_bin;
        } else if x < knot(try_bin) {
            hi = try_bin;
        }
    }
    try_bin
}

/// Knot `i` of the `nk` knots padded for order `m` (`GamUtilsISplines.fillKnots`: `m - 1`
/// copies of the first before, of the last after), read as `extractKnots` does: 0 past
/// the padded array.
fn filled(i: usize, m: usize, nk: usize, knot: &dyn Fn(usize) -> f64) -> f64 {
    let lead = m.saturating_sub(1);
    if i >= nk + 2 * lead {
        0.0
    } else if i < lead {
        knot(0)
    } else if i - lead < nk {
        knot(i - lead)
    } else {
        knot(nk - 1)
    }
}

/// `1 / t`, or 0 for `t == 0` (genmodel's spline denominators).
fn inverse_or_zero(t: f64) -> f64 {
    if t == 0.0 {
        0.0
    } else {
        1.0 / t
    }
}

/// The recursion genmodel's `BSplineBasis.evaluate` and `MSplineBasis.evaluate` run, by
/// order instead of by call (the same values, each computed once): basis function `i` of
/// order `order` at `x` over knots `k`, with `leaf` giving an order-1 function inside its
/// interval and `node(n, o, left, right)` an order-`o` one from its two children.
fn spline_recursion(
    x: f64,
    i: usize,
    order: usize,
    k: &dyn Fn(usize) -> f64,
    leaf: &dyn Fn(usize) -> f64,
    node: &dyn Fn(usize, usize, f64, f64) -> f64,
) -> f64 {
    let outside = |n: usize, o: usize| x < k(n) || x >= k(n + o);
    let mut values = [0.0; MAX_ORDER + 2];
    for (j, v) in values.iter_mut().take(order).enumerate() {
        *v = if outside(i + j, 1) { 0.0 } else { leaf(i + j) };
    }
    for o in 2..=order {
        for j in 0..=order - o {
            let (left, right) = (
                values.get(j).copied().unwrap_or(0.0),
                values.get(j + 1).copied().unwrap_or(0.0),
            );
            if let Some(v) = values.get_mut(j) {
                *v = if outside(i + j, o) {
                    0.0
                } else {
                    node(i + j, o, left, right)
                };
            }
        }
    }
    values.first().copied().unwrap_or(0.0)
}

/// `NBSplinesTypeII.BSplineBasis.evaluate`: B-spline `i` of order `order` at `x`.
fn b_spline(x: f64, i: usize, order: usize, k: &dyn Fn(usize) -> f64) -> f64 {
    let node = |n: usize, o: usize, left: f64, right: f64| {
        let (a, b) = (
            inverse_or_zero(k(n + o - 1) - k(n)),
            inverse_or_zero(k(n + o) - k(n + 1)),
        );
        (x - k(n)) * a * left + (k(n + o) - x) * b * right
    };
    spline_recursion(x, i, order, k, &|_| 1.0, &node)
}

/// `NBSplinesTypeI.MSplineBasis.evaluate`: M-spline `i` of order `order` at `x`.
fn m_spline(x: f64, i: usize, order: usize, k: &dyn Fn(usize) -> f64) -> f64 {
    let leaf = |n: usize| inverse_or_zero(k(n + 1) - k(n));
    let node = |n: usize, o: usize, left: f64, right: f64| {
        let constant = o as f64 / (o as f64 - 1.0);
        let a = inverse_or_zero(k(n + o) - k(n));
        constant * ((x - k(n)) * a * left + (k(n + o) - x) * a * right)
    };
    spline_recursion(x, i, order, k, &leaf, &node)
}

#[allow(clippy::neg_cmp_op_on_partial_ord)] // NaN must pass `!(x < k)`, as in genmodel.
/// `ISplines.gamifyVal` for basis `b` of order `order`: 0 before its knots, 1 after, and
/// between them the sum of the B-splines of order `order + 1` from `b + 1` on (the
/// comparisons are the bytecode's, which the decompiled source gets wrong for NaN).
fn i_spline(x: f64, b: usize, order: usize, nk: usize, knot: &dyn Fn(usize) -> f64) -> f64 {
    let own = |i: usize| filled(i, order, nk, knot);
    if x < own(b) {
        return 0.0;
    }
    if x >= own(b + order) {
        return 1.0;
    }
    let higher = order + 1;
    let k = |i: usize| filled(i, higher, nk, knot);
    let mut sum = 0.0;
    let mut i = b + 1;
    // `if (val < knots[0]) break;` in the bytecode: a NaN runs through every B-spline.
    while i < nk + higher - 2 && !(x < k(i)) {
        sum += if x >= k(i + higher) {
            1.0
        } else {
            b_spline(x, i, higher, &k)
        };
        i += 1;
    }
    sum
}

/// `n` big-endian doubles from blob `name` (genmodel's `readblob` and `getDouble`).
fn read_doubles(
    file: &mut WithFile<'_>,
    name: &'static str,
    n: usize,
    sink: &mut dyn Sink,
) -> Result<Span, Error> {
    let len = u32::try_from(n).map_err(|_| ModelError::TooLarge("a GAM matrix"))?;
    let first = file(name, &mut |bytes| {
        if bytes.len() / 8 < n {
            return Err(ModelError::Corrupt("a GAM matrix is short").into());
        }
        let mut r = crate::read::Reader::new(bytes);
        Ok(sink.f64s(&mut core::iter::from_fn(|| r.be_f64()).take(n))?)
    })?;
    Ok(Span { first, len })
}

/// `n` big-endian `int`s from blob `name`, stored as doubles.
fn read_ints(
    file: &mut WithFile<'_>,
    name: &'static str,
    n: usize,
    sink: &mut dyn Sink,
) -> Result<u32, Error> {
    file(name, &mut |bytes| {
        if bytes.len() / 4 < n {
            return Err(ModelError::Corrupt("a GAM matrix is short").into());
        }
        let mut r = crate::read::Reader::new(bytes);
        let mut ints = core::iter::from_fn(|| r.be_i32().map(f64::from)).take(n);
        Ok(sink.f64s(&mut ints)?)
    })
}

/// The thin plate columns' parameters (`_m`, `_M`, `num_knots_TP`) and blobs.
struct ThinPlates {
    m: heapless::Vec<u32, MAX_SPLINES>,
    big_m: heapless::Vec<u32, MAX_SPLINES>,
    knots: heapless::Vec<u32, MAX_SPLINES>,
    /// Entries per polynomial basis list as genmodel reads them: the `_d` of sorted column
    /// `num_CS_col + i` (not of the thin plate column itself when I- or M-splines precede).
    poly_dims: heapless::Vec<u32, MAX_SPLINES>,
    zcs_at: u32,
    poly_at: u32,
}

/// One thin plate column's parameters.
struct ThinPlate {
    m: u32,
    big_m: u32,
    poly_dim: u32,
}

impl ThinPlates {
    fn read(
        ini: &Ini<'_>,
        columns: &[Column],
        file: &mut WithFile<'_>,
        sink: &mut dyn Sink,
    ) -> Result<ThinPlates, Error> {
        let n = columns.iter().filter(|c| c.kind == THIN_PLATE).count();
        if n == 0 {
            return Ok(ThinPlates {
                m: heapless::Vec::new(),
                big_m: heapless::Vec::new(),
                knots: heapless::Vec::new(),
                poly_dims: heapless::Vec::new(),
                zcs_at: 0,
                poly_at: 0,
            });
        }
        // genmodel reads the standardizing means and scales with zero length, then indexes
        // them for every row.
        if ini.flag("standardize")? {
            return Err(ModelError::Unsupported(
                "a thin plate GAM trained with standardize (genmodel fails on every row)",
            )
            .into());
        }
        let m = ints::<MAX_SPLINES>(ini, "_m")?;
        let big_m = ints::<MAX_SPLINES>(ini, "_M")?;
        let knots = ints::<MAX_SPLINES>(ini, "num_knots_TP")?;
        let cs = columns.iter().filter(|c| c.kind == CUBIC).count();
        let poly_dims: heapless::Vec<u32, MAX_SPLINES> =
            columns.iter().skip(cs).take(n).map(|c| c.sources).collect();
        let ok = [m.len(), big_m.len(), knots.len(), poly_dims.len()]
            .iter()
            .all(|&len| len == n)
            && big_m.iter().zip(&knots).all(|(&mm, &k)| mm >= 1 && mm < k)
            && m.iter().all(|&m| (1..=MAX_ORDER as u32).contains(&m))
            && knots.iter().all(|&k| k <= MAX_KNOTS)
            && big_m.iter().all(|&mm| mm <= MAX_KNOTS);
        if !ok {
            return Err(ModelError::Corrupt("GAM thin plate columns").into());
        }
        let zcs: usize = big_m
            .iter()
            .zip(&knots)
            .map(|(&mm, &k)| ((k - mm) * k) as usize)
            .sum();
        let zcs_at = read_doubles(file, "zTransposeCS", zcs, sink)?.first;
        let polys: usize = big_m
            .iter()
            .zip(&poly_dims)
            .map(|(&mm, &d)| (mm * d) as usize)
            .sum();
        let poly_at = read_ints(file, "polynomialBasisList", polys, sink)?;
        Ok(ThinPlates {
            m,
            big_m,
            knots,
            poly_dims,
            zcs_at,
            poly_at,
        })
    }

    /// Thin plate column `i` (sorted column `c`), checked against its column.
    fn column(&self, i: usize, c: &Column) -> Result<ThinPlate, ModelError> {
        let (Some(&m), Some(&big_m), Some(&knots), Some(&poly_dim)) = (
            self.m.get(i),
            self.big_m.get(i),
            self.knots.get(i),
            self.poly_dims.get(i),
        ) else {
            return Err(ModelError::Corrupt("GAM thin plate columns"));
        };
        if knots != c.knots {
            return Err(ModelError::Corrupt("GAM thin plate knots"));
        }
        if poly_dim < c.sources {
            return Err(ModelError::Unsupported(
                "a GAM whose thin plate polynomial genmodel reads with fewer entries than \
                 sources (it fails on every row with values)",
            ));
        }
        Ok(ThinPlate { m, big_m, poly_dim })
    }
}

/// The inputs of a GAM: its features before the spline block (the GLM's own columns, with
/// their levels), each also a spline source when it is one, then the spline sources that
/// are not features. Records go after the model's columns. Each input has two doubles, its
/// slot (-1: none) and where its staging list starts after the inputs' doubles (-1: none);
/// a list is a count, then the row slots the input's value is staged in (its place among
/// each spline column's sources that it is, from the column's first slot).
pub(super) fn inputs(
    ini: &Ini<'_>,
    sources: &str,
    first_expanded: usize,
    first_level: usize,
    sink: &mut dyn Sink,
) -> Result<(u32, u32, Span), Error> {
    let columns = columns(ini)?;
    let n_names: usize = columns.iter().map(|c| c.sources as usize).sum();
    let names = || ini::java_lines(sources).map(ini::java_trim).take(n_names);
    if names().count() != n_names {
        return Err(ModelError::Corrupt("gam_columns_sorted").into());
    }
    // Each source name's staging slot, in the order of the names.
    let stages = || {
        columns
            .iter()
            .zip(positions(&columns, first_expanded))
            .flat_map(|(c, pos)| (0..c.sources as usize).map(move |j| pos + j))
    };
    let uses = |name: &str| names().filter(|&s| s == name).count();
    let first = sink.position().columns as u32;
    let mut slots_first = None;
    let mut kept = 0u32;
    let mut lists = 0usize;
    let mut pair = |slot: f64, name: &str, sink: &mut dyn Sink| -> Result<(), Error> {
        let n = uses(name);
        let list = if n == 0 { -1.0 } else { lists as f64 };
        lists += if n == 0 { 0 } else { 1 + n };
        slots_first.get_or_insert(sink.f64s(&mut [slot, list].into_iter())?);
        kept += 1;
        Ok(())
    };
    // The model's own level runs, in column order (as `Mojo::columns` wrote them).
    let mut level_at = first_level;
    let mut domains = ini.domains().peekable();
    for (i, name) in ini.columns().enumerate().take(first_expanded) {
        let levels = match domains.peek() {
            Some(d) if d.column == i => domains.next().map(|d| d.levels),
            _ => None,
        };
        let rec = ColumnRec {
            name: sink.text(name.as_bytes())?,
            first_level: match levels {
                Some(_) => u32::try_from(level_at).map_err(|_| ModelError::TooLarge("levels"))?,
                None => NONE,
            },
            n_levels: levels.unwrap_or(0) as u32,
        };
        level_at += levels.unwrap_or(0);
        sink.column(rec)?;
        pair(i as f64, name, sink)?;
    }
    let features = || ini.columns().take(first_expanded);
    let extra = || {
        names().enumerate().filter(move |&(g, name)| {
            !features().any(|f| f == name) && !names().take(g).any(|s| s == name)
        })
    };
    for (_, name) in extra() {
        let text = sink.text(name.as_bytes())?;
        sink.column(ColumnRec {
            name: text,
            first_level: NONE,
            n_levels: 0,
        })?;
        pair(-1.0, name, sink)?;
    }
    if kept as usize > limits::MAX_COLUMNS {
        return Err(ModelError::TooLarge("columns").into());
    }
    // The staging lists, in the inputs' order, right after their doubles.
    let inputs = features().chain(extra().map(|(_, name)| name));
    for name in inputs {
        let n = uses(name);
        if n > 0 {
            let slots = names()
                .zip(stages())
                .filter(|&(s, _)| s == name)
                .map(|(_, slot)| slot as f64);
            sink.f64s(&mut core::iter::once(n as f64).chain(slots))?;
        }
    }
    Ok((
        first,
        kept,
        Span {
            first: slots_first.unwrap_or(0),
            len: 2 * kept,
        },
    ))
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use crate::model::predict::CorrectlyRounded;
    use std::vec::Vec;

    /// genmodel's recursion as written (`BSplineBasis` / `MSplineBasis.evaluate`), one call
    /// per node, for checking [`spline_recursion`] against.
    fn recursive(x: f64, i: usize, o: usize, k: &dyn Fn(usize) -> f64, m: bool) -> f64 {
        if x < k(i) || x >= k(i + o) {
            return 0.0;
        }
        if o == 1 {
            return if m {
                inverse_or_zero(k(i + 1) - k(i))
            } else {
                1.0
            };
        }
        let (left, right) = (
            recursive(x, i, o - 1, k, m),
            recursive(x, i + 1, o - 1, k, m),
        );
        if m {
            let a = inverse_or_zero(k(i + o) - k(i));
            o as f64 / (o as f64 - 1.0) * ((x - k(i)) * a * left + (k(i + o) - x) * a * right)
        } else {
            let a = inverse_or_zero(k(i + o - 1) - k(i));
            let b = inverse_or_zero(k(i + o) - k(i + 1));
            (x - k(i)) * a * left + (k(i + o) - x) * b * right
        }
    }

    const KNOTS: [f64; 6] = [-1.5, -0.25, 0.0, 0.8, 0.8, 3.0];

    fn knot(i: usize) -> f64 {
        KNOTS.get(i).copied().unwrap_or(f64::NAN)
    }

    fn xs() -> Vec<f64> {
        let mut xs: Vec<f64> = (0..=90).map(|i| -2.0 + f64::from(i) * 0.0625).collect();
        xs.extend(KNOTS);
        xs.extend([f64::NAN, -0.0, 1e300, -1e300]);
        xs
    }

    #[test]
    fn spline_values_by_order_are_genmodels_recursion_bit_for_bit() {
        let nk = KNOTS.len();
        for order in 1..=5 {
            let k = |i: usize| filled(i, order, nk, &knot);
            for x in xs() {
                for i in 0..nk + order - 2 {
                    let (b, m) = (b_spline(x, i, order, &k), m_spline(x, i, order, &k));
                    let (want_b, want_m) = (
                        recursive(x, i, order, &k, false),
                        recursive(x, i, order, &k, true),
                    );
                    assert_eq!(b.to_bits(), want_b.to_bits(), "B x={x} i={i} o={order}");
                    assert_eq!(m.to_bits(), want_m.to_bits(), "M x={x} i={i} o={order}");
                }
            }
        }
    }

    #[test]
    fn i_splines_rise_from_zero_to_one_and_are_nan_for_nan() {
        let nk = KNOTS.len();
        for order in 1..=4 {
            for b in 0..nk + order - 2 {
                let at = |x: f64| i_spline(x, b, order, nk, &knot);
                assert_eq!(at(-2.0), 0.0, "before the knots, b={b} o={order}");
                assert_eq!(at(3.0), 1.0, "at the last knot, b={b} o={order}");
                assert!(at(f64::NAN).is_nan(), "b={b} o={order}");
                let values: Vec<f64> = xs()
                    .into_iter()
                    .filter(|x| x.abs() < 10.0)
                    .map(at)
                    .collect();
                assert!(
                    values.iter().all(|v| (-1e-12..=1.0 + 1e-12).contains(v)),
                    "{values:?}"
                );
            }
        }
    }

    #[test]
    fn an_order_one_m_spline_of_nan_is_a_number_as_in_genmodel() {
        // Why a parsed `NaN` is staged apart from a missing value: it can score differently.
        let k = |i: usize| filled(i, 1, KNOTS.len(), &knot);
        assert_eq!(m_spline(f64::NAN, 0, 1, &k), 1.0 / 1.25);
        assert!(m_spline(f64::NAN, 0, 2, &k).is_nan());
        assert!(PRESENT_NAN.is_nan() && PRESENT_NAN.to_bits() != f64::NAN.to_bits());
    }

    #[test]
    fn filled_knots_repeat_the_ends_and_read_zero_past_them() {
        let k: Vec<f64> = (0..12).map(|i| filled(i, 3, KNOTS.len(), &knot)).collect();
        assert_eq!(
            k,
            [-1.5, -1.5, -1.5, -0.25, 0.0, 0.8, 0.8, 3.0, 3.0, 3.0, 0.0, 0.0]
        );
    }

    #[test]
    fn multinomial_starts_its_maximum_at_zero_and_ordinal_takes_the_first_positive_eta() {
        let mut java = CorrectlyRounded;
        let mut preds = [9.0, -3.0, -1.0, -2.0];
        glm::multinomial(&mut preds, &mut java);
        let sum = math::exp(-3.0) + math::exp(-1.0) + math::exp(-2.0);
        assert_eq!(
            preds,
            [
                1.0,
                math::exp(-3.0) * (1.0 / sum),
                math::exp(-1.0) * (1.0 / sum),
                math::exp(-2.0) * (1.0 / sum)
            ]
        );
        let mut all_nan = [9.0, f64::NAN, f64::NAN];
        glm::multinomial(&mut all_nan, &mut java);
        assert_eq!(all_nan[0], 0.0, "genmodel's fresh array: class 0");

        let cdf = |eta: f64| 1.0 / (1.0 + math::exp(-eta));
        let mut preds = [9.0, -0.5, 0.25, 2.0, 7.0];
        ordinal(&mut preds, &mut java);
        let (a, b, c) = (cdf(-0.5), cdf(0.25), cdf(2.0));
        assert_eq!(preds, [1.0, a, b - a, c - b, 1.0 - c]);
        let mut preds = [9.0, -3.0, -2.0, 0.0];
        ordinal(&mut preds, &mut java);
        assert_eq!(preds[0], 2.0, "no positive eta: the last class");
    }

    #[test]
    fn thin_plate_constants_follow_genmodels_formula() {
        // d = 1, m = 2: (-1)^2 * 2 / (4! * pi^0) = 1/12.
        assert_eq!(thin_plate_constant(2, 1, false), 2.0 / 24.0);
        // d = 2, m = 2: (-1)^(3 + 1) / (2^3 * pi * 1! * 1!).
        assert_eq!(
            thin_plate_constant(2, 2, true),
            1.0 / (8.0 * core::f64::consts::PI)
        );
    }
}
