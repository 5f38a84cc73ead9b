//! Generalized Additive Models (`GamMojoModel`) with cubic regression splines.
//!
//! A GAM is a GLM over the model's features, among which each GAM column's spline basis,
//! centred: `<col>_0_center_cs__<k>`, `nk - 1` of them for `nk` knots. genmodel's row
//! converter (`GamRowToRawDataConverter`) computes them from the source column's value `x`
//! (`GamUtilsCubicRegression`: the cubic on `x`'s knot interval, then `zTranspose`); here
//! the source column is an *input* of the model (see `encoding.rs`) whose encoder writes
//! those slots ([`Gam::expand`]). Scoring then imputes NA values with the training means
//! (`catNAFills`, `numNAFillsCenter`), sums `beta_center` over the row as genmodel's
//! `generateEta` does, and applies the link. Every operation runs in genmodel's order.
//!
//! Not handled (refused at load): thin plate, I-spline and M-spline columns
//! (`num_TP_col`, `num_IS_col`, `num_MS_col`), multinomial and ordinal GAMs. Pre-expanded
//! columns are not inputs (genmodel accepts them, and then skips the splines).
#![warn(clippy::indexing_slicing)]

use super::glm::GlmLink;
use super::layout::{ColumnRec, Sink, NONE};
use super::predict::Exp;
use super::{Span, WithFile};
use crate::error::{Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::limits;

/// A GAM: the GLM part, and the spline columns.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Gam {
    classifier: bool,
    link: GlmLink,
    threshold: f64,
    use_all_factor_levels: bool,
    cats: u32,
    cat_offsets: Span,
    mean_imputation: bool,
    nums_center: u32,
    cat_na_fills: Span,
    num_na_fills: Span,
    beta: Span,
    /// Per spline column, five doubles: its first row slot, knots `nk`, and where its
    /// knots, `zTranspose` (`(nk - 1) x nk`) and `B^-1 D` (`(nk - 2) x nk`) start.
    splines: Span,
    n_splines: u32,
}

const SPLINE: usize = 5;

fn ints<const N: usize>(
    ini: &Ini<'_>,
    key: &'static str,
) -> Result<heapless::Vec<u32, N>, ModelError> {
    let text = ini.get(key).ok_or(ModelError::MissingKey(key))?;
    let mut out = heapless::Vec::new();
    for item in ini::array(text).ok_or(ModelError::BadValue(key))? {
        let v = ini::int(item)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(ModelError::BadValue(key))?;
        out.push(v)
            .map_err(|_| ModelError::TooLarge("GAM columns"))?;
    }
    Ok(out)
}

fn count(ini: &Ini<'_>, key: &'static str) -> Result<u32, ModelError> {
    u32::try_from(ini.require_int(key)?).map_err(|_| ModelError::BadValue(key))
}

/// The most spline columns a GAM may have here (each is one input's encoder).
const MAX_SPLINES: usize = 256;

impl Gam {
    /// Reads the GAM from `model.ini` and its blobs; `names(f)` calls `f` with the text of
    /// `gam_columns_sorted` (the spline columns' source names, in slot order).
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        n_classes: usize,
        threshold: f64,
        file: &mut WithFile<'_>,
        sink: &mut dyn Sink,
    ) -> Result<Gam, Error> {
        let family = ini.require("family")?;
        let classifier = matches!(family, "bernoulli" | "fractionalbinomial" | "quasibinomial");
        if matches!(family, "multinomial" | "ordinal") || n_classes > 2 {
            return Err(ModelError::Unsupported("multinomial and ordinal GAMs").into());
        }
        for key in ["num_TP_col", "num_IS_col", "num_MS_col"] {
            if count(ini, key)? != 0 {
                return Err(ModelError::Unsupported(
                    "GAM splines other than cubic regression (bs = 0)",
                )
                .into());
            }
        }
        let knots = ints::<MAX_SPLINES>(ini, "num_knots_sorted")?;
        let n_cs = count(ini, "num_CS_col")?;
        let bs = ints::<MAX_SPLINES>(ini, "bs_sorted")?;
        let dims = ints::<MAX_SPLINES>(ini, "_d")?;
        let name_dims = ints::<MAX_SPLINES>(ini, "gam_column_dim_sorted")?;
        let n = knots.len();
        if n != n_cs as usize
            || bs.len() != n
            || bs.iter().any(|&b| b != 0)
            || dims.len() != n
            || dims.iter().any(|&d| d != 1)
            || name_dims.iter().any(|&d| d != 1)
            || knots.iter().any(|&k| !(3..=1 << 16).contains(&k))
        {
            return Err(ModelError::Unsupported(
                "GAM splines other than cubic regression on one column each",
            )
            .into());
        }
        let doubles = |key: &'static str, sink: &mut dyn Sink| {
            super::doubles(ini, key, sink)?.ok_or(ModelError::MissingKey(key))
        };
        let beta = doubles("beta_center", sink)?;
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
        if expanded != knots.iter().map(|&k| k as usize - 1).sum::<usize>()
            || mean_imputation && (cat_na_fills.len < cats || num_na_fills.len < nums_center)
            || cats as usize + nums_center as usize > n_features
        {
            return Err(ModelError::Corrupt("GAM columns").into());
        }
        // The three blobs, one matrix per spline column after another (big-endian doubles).
        let mut blob = |name: &'static str,
                        shape: &dyn Fn(usize) -> usize,
                        sink: &mut dyn Sink|
         -> Result<u32, Error> {
            let total: usize = knots.iter().map(|&k| shape(k as usize)).sum();
            file(name, &mut |bytes| {
                if bytes.len() < total.saturating_mul(8) {
                    return Err(ModelError::Corrupt("a GAM matrix is short").into());
                }
                let mut r = crate::read::Reader::new(bytes);
                Ok(sink.f64s(&mut core::iter::from_fn(|| r.be_f64()).take(total))?)
            })
        };
        let knots_at = blob("knots", &|k| k, sink)?;
        let zt_at = blob("zTranspose", &|k| (k - 1) * k, sink)?;
        let binvd_at = blob("_binvD", &|k| (k - 2) * k, sink)?;
        let (mut slot, mut k_at, mut zt, mut bd) = (first_expanded, 0usize, 0usize, 0usize);
        let mut first = None;
        for &k in &knots {
            let k = k as usize;
            let record = [
                slot as f64,
                k as f64,
                (knots_at as usize + k_at) as f64,
                (zt_at as usize + zt) as f64,
                (binvd_at as usize + bd) as f64,
            ];
            first.get_or_insert(sink.f64s(&mut record.into_iter())?);
            slot += k - 1;
            k_at += k;
            zt += (k - 1) * k;
            bd += (k - 2) * k;
        }
        Ok(Gam {
            classifier,
            link: GlmLink::read(ini, false)?,
            threshold,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            cats,
            cat_offsets,
            mean_imputation,
            nums_center,
            cat_na_fills,
            num_na_fills,
            beta,
            splines: Span {
                first: first.unwrap_or(0),
                len: (SPLINE * n) as u32,
            },
            n_splines: n as u32,
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
        // `generateEta` reads beta[numStart + i] for i in cats..numEnd, numEnd at most the
        // row's length.
        let num_start =
            offsets.get(self.cats as usize).copied().unwrap_or(-1.0) - f64::from(self.cats);
        let num_end = f64::from(self.beta.len) - 1.0 - num_start;
        let ok = super::Span::all_within(&spans, f64s)
            && self.cat_offsets.len > self.cats
            && offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b))
            && offsets
                .iter()
                .all(|&o| (0.0..f64::from(self.beta.len)).contains(&o))
            && num_start >= 0.0
            && num_end <= n_features as f64
            && self.beta.len >= 1;
        if ok {
            Ok(())
        } else {
            Err(ModelError::Corrupt("GAM arrays"))
        }
    }

    /// Writes spline column `g`'s centred basis at `x` into its slots of `row`
    /// (`GamUtilsCubicRegression.expandOneGamCol`, then `ArrayUtils.multArray`).
    pub(super) fn expand(&self, f64s: &[f64], g: usize, x: f64, row: &mut [f64]) {
        let field = |k: usize| {
            f64s.get(self.splines.first as usize + g * SPLINE + k)
                .map_or(0, |&v| v as usize)
        };
        let (slot, nk) = (field(0), field(1));
        let at = |base: usize, i: usize| f64s.get(base + i).copied().unwrap_or(f64::NAN);
        let knot = |i: usize| at(field(2), i);
        let zt = |r: usize, c: usize| at(field(3), r * nk + c);
        let binvd = |r: usize, c: usize| at(field(4), r * nk + c);
        // `x`'s knot interval and the terms of its cubic, once for the whole block.
        let interval = (!x.is_nan() && nk >= 3).then(|| {
            let j = locate_bin(x, nk, &knot);
            let hj = knot(j + 1) - knot(j);
            let (cmj, cpj) = (cubic(knot(j + 1) - x, hj), cubic(x - knot(j), hj));
            let (amj, apj) = ((knot(j + 1) - x) / hj, (x - knot(j)) / hj);
            (j, cmj, cpj, amj, apj)
        });
        let basis = |c: usize| -> f64 {
            let Some((j, cmj, cpj, amj, apj)) = interval else {
                return f64::NAN;
            };
            let f = if j == 0 {
                binvd(j, c) * cpj
            } else if j >= nk - 2 {
                binvd(j - 1, c) * cmj
            } else {
                binvd(j - 1, c) * cmj + binvd(j, c) * cpj
            };
            if c == j {
                f + amj
            } else if c == j + 1 {
                f + apj
            } else {
                f
            }
        };
        for r in 0..nk.saturating_sub(1) {
            let mut z = 0.0;
            for c in 0..nk {
                z += basis(c) * zt(r, c);
            }
            if let Some(out) = row.get_mut(slot + r) {
                *out = z;
            }
        }
    }

    /// `GamMojoModel.score0`: mean imputation, `generateEta` over `beta_center`, the link.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        preds: &mut [f64],
        exp: Exp<'_>,
    ) -> Result<(), ScoreError> {
        let at = |s: Span, i: usize| s.at(f64s, i).unwrap_or(f64::NAN);
        let cats = self.cats as usize;
        let value = |i: usize| {
            let v = row.get(i).copied().unwrap_or(f64::NAN);
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
        let offset = |i: usize| at(self.cat_offsets, i) as i32;
        let beta = |i: usize| at(self.beta, i);
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
        let num_end = i64::from(self.beta.len) - 1 - num_start;
        for i in cats..usize::try_from(num_end).unwrap_or(0) {
            eta += beta((num_start + i as i64) as usize) * value(i);
        }
        eta += beta(self.beta.len as usize - 1);
        let mu = self.link.inverse(eta, exp);
        let out = if self.classifier {
            let label = if mu >= self.threshold { 1.0 } else { 0.0 };
            [label, 1.0 - mu, mu]
        } else {
            [mu, 0.0, 0.0]
        };
        for (p, v) in preds.iter_mut().zip(out) {
            *p = v;
        }
        Ok(())
    }

    /// The spline columns' count, for the inputs that encode them.
    pub(super) fn n_splines(&self) -> usize {
        self.n_splines as usize
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
fn locate_bin(x: f64, n: usize, knot: &impl Fn(usize) -> f64) -> usize {
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

/// The inputs of a GAM: its features before the spline block (the GLM's own columns, with
/// their levels), each also encoding a spline column when it is one's source, then the
/// spline sources that are not features. Records go after the model's columns, and each
/// input's two doubles are its slot (-1: none) and its spline column (-1: none).
#[allow(clippy::too_many_arguments)]
pub(super) fn inputs(
    ini: &Ini<'_>,
    sources: &str,
    first_expanded: usize,
    n_splines: usize,
    first_level: usize,
    sink: &mut dyn Sink,
) -> Result<(u32, u32, Span), Error> {
    let names = || ini::java_lines(sources).map(ini::java_trim).take(n_splines);
    if names().count() != n_splines {
        return Err(ModelError::Corrupt("gam_columns_sorted").into());
    }
    let first = sink.position().columns as u32;
    let mut slots_first = None;
    let mut kept = 0u32;
    // The model's own level runs, in column order (as `Mojo::columns` wrote them).
    let mut level_at = first_level;
    let mut domains = ini.domains().peekable();
    for (i, name) in ini.columns().enumerate().take(first_expanded) {
        let levels = match domains.peek() {
            Some(d) if d.column == i => domains.next().map(|d| d.levels),
            _ => None,
        };
        let spline = names().position(|s| s == name);
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
        let pair = [i as f64, spline.map_or(-1.0, |g| g as f64)];
        slots_first.get_or_insert(sink.f64s(&mut pair.into_iter())?);
        kept += 1;
    }
    let features = || ini.columns().take(first_expanded);
    for (g, name) in names().enumerate() {
        if features().any(|f| f == name) {
            continue;
        }
        let name = sink.text(name.as_bytes())?;
        sink.column(ColumnRec {
            name,
            first_level: NONE,
            n_levels: 0,
        })?;
        let pair = [-1.0, g as f64];
        slots_first.get_or_insert(sink.f64s(&mut pair.into_iter())?);
        kept += 1;
    }
    if kept as usize > limits::MAX_COLUMNS {
        return Err(ModelError::TooLarge("columns").into());
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
