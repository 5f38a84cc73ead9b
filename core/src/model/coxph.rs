//! Cox proportional hazards (`CoxPHMojoModel`): the linear predictor `lp`, centred on the
//! row's stratum.
//!
//! The row's features start with the stratification columns (`strata_len` of them); the
//! predictors follow, categoricals first (`cats`, one coefficient block each from
//! `cat_offsets`), then numerics. genmodel computes
//! `lp = categoricals + numerics - base(stratum) + offset`, where `base` is the coefficients
//! applied to the stratum's training means (`x_mean_cat`, `x_mean_num`). Every sum here runs
//! in genmodel's order, so the result is its bit for bit.
//!
//! Interaction terms (`interaction_targets`, columns such as `x1_x2`, `x1_grp`,
//! `grp_site`) are computed from the row when it leaves them NA, as genmodel's
//! `evaluateInteractions` does, on a copy of the row in scratch: a product of two numerics;
//! for a categorical and a numeric, the numeric (0 below the first level with a
//! coefficient) with a coefficient per level; for two categoricals, the target's level
//! named `<level1>_<level2>` (a table filled at load), or -1. genmodel's index arithmetic is
//! kept where it mixes the row's columns with the predictors' (strata columns come first in
//! the row but not among the predictors): a categorical counts as an interaction column when
//! its *predictor* index is an interaction target's *column* index, and a categorical by
//! numeric interaction writes its level's coefficient index at the numeric *target - cats*.
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::{Sink, Writer, NONE};
use super::{Span, WithFile};
use crate::error::{Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::read::Reader;

/// A CoxPH model's coefficients, layout and strata.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CoxPh {
    coef: Span,
    /// `cat_offsets` (integers, as doubles): categorical `c`'s coefficients are
    /// `cat_offsets[c]..cat_offsets[c + 1]`.
    cat_offsets: Span,
    cats: u32,
    use_all_factor_levels: bool,
    /// `num_numerical_columns` and `num_offsets`; `None` for MOJOs written before them, whose
    /// numeric coefficients follow the categorical ones.
    nums: Option<(u32, Span)>,
    strata_len: u32,
    /// `strata_count` keys of `strata_len` values each, back to back.
    strata: Span,
    strata_count: u32,
    /// The training means per stratum: `rows` rows of `cat_width` and `num_width` values.
    x_mean_cat: Span,
    x_mean_num: Span,
    cat_width: u32,
    num_width: u32,
    rows: u32,
    /// Per interaction, [`INTERACTION`] doubles: kind ([`ENUM_ENUM`], [`NUM_NUM`],
    /// [`ENUM_NUM`]), target column, the two predictor columns, whether the first is the
    /// categorical, and for two categoricals where their `levels1 x levels2` table of
    /// target levels starts and `levels2`.
    interactions: Span,
}

const INTERACTION: usize = 7;
const ENUM_ENUM: f64 = 0.0;
const NUM_NUM: f64 = 1.0;
const ENUM_NUM: f64 = 2.0;

/// Entries of one categorical-by-categorical table (`levels1 x levels2`).
const MAX_PAIR_TABLE: usize = 1 << 22;

/// Reads an `int[]` key of column indices (the interactions').
fn indices(ini: &Ini<'_>, key: &'static str) -> Result<heapless::Vec<u32, 256>, ModelError> {
    super::u32_list(ini, key, "CoxPH interactions")
}

impl CoxPh {
    /// Reads the model from `model.ini`; `blob(name, f)` calls `f` with the bytes of the
    /// archive's file `name` (the big-endian mean matrices).
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        blob: &mut WithFile<'_>,
        sink: &mut dyn Sink,
    ) -> Result<CoxPh, Error> {
        let coef = super::doubles(ini, "coef", sink)?.ok_or(ModelError::MissingKey("coef"))?;
        let cat_offsets = super::int_doubles(ini, "cat_offsets", sink)?;
        let cats = super::require_u32(ini, "cats")?;
        let use_all_factor_levels = ini.flag("use_all_factor_levels")?;
        let nums = match ini.get("num_numerical_columns") {
            None => None,
            Some(_) => Some((
                super::require_u32(ini, "num_numerical_columns")?,
                super::int_doubles(ini, "num_offsets", sink)?,
            )),
        };
        let strata_count = super::require_u32(ini, "strata_count")?;
        let mut strata_len = None;
        let mut first = None;
        for i in 0..strata_count {
            let mut key = heapless::String::<24>::new();
            write!(key, "strata_{i}").map_err(|_| ModelError::TooLarge("strata"))?;
            let text = ini.get(&key).ok_or(ModelError::MissingKey("strata_<i>"))?;
            let items = ini::array(text).ok_or(ModelError::BadValue("strata_<i>"))?;
            let mut bad = false;
            let mut n = 0u32;
            let at = sink.f64s(&mut items.map(|s| {
                n += 1;
                ini::double(s).unwrap_or_else(|| {
                    bad = true;
                    f64::NAN
                })
            }))?;
            // genmodel reads every key with the first key's length.
            if bad || strata_len.is_some_and(|l| l != n) {
                return Err(ModelError::BadValue("strata_<i>").into());
            }
            strata_len = Some(n);
            first.get_or_insert(at);
        }
        let strata_len = strata_len.unwrap_or(0);
        let mut matrix = |name: &'static str| -> Result<(Span, u32, u32), Error> {
            let size = |suffix| -> Result<u32, ModelError> {
                let mut key = heapless::String::<24>::new();
                write!(key, "{name}{suffix}").map_err(|_| ModelError::TooLarge("key"))?;
                let n = ini
                    .get(&key)
                    .and_then(ini::int)
                    .ok_or(ModelError::MissingKey(name))?;
                u32::try_from(n).map_err(|_| ModelError::BadValue(name))
            };
            let (rows, width) = (size("_size1")?, size("_size2")?);
            let n = rows as usize * width as usize;
            let first = blob(name, &mut |bytes| {
                if bytes.len() < n.saturating_mul(8) {
                    return Err(ModelError::Corrupt("a CoxPH mean matrix is short").into());
                }
                let mut r = Reader::new(bytes);
                Ok(sink.f64s(&mut core::iter::from_fn(|| r.be_f64()).take(n))?)
            })?;
            Ok((
                Span {
                    first,
                    len: n as u32,
                },
                rows,
                width,
            ))
        };
        let (x_mean_cat, cat_rows, cat_width) = matrix("x_mean_cat")?;
        let (x_mean_num, num_rows, num_width) = matrix("x_mean_num")?;
        // genmodel's `computeLpBase`: one base per stratum (one without strata), reading the
        // stratum's row of each matrix; the numeric means start after the first row's
        // categorical ones.
        let rows = strata_count.max(1);
        let cat_width = if cat_rows >= 1 { cat_width } else { 0 };
        if cat_rows < rows && cat_width > 0
            || num_rows < rows && num_width > 0
            || cat_width as usize + num_width as usize > coef.len as usize
        {
            return Err(ModelError::Corrupt("CoxPH means do not match the strata").into());
        }
        let n_predictors = cats as usize + nums.map_or(0, |(n, _)| n as usize);
        if strata_len as usize + n_predictors > n_features
            || cat_offsets.len != cats + 1 && !use_all_factor_levels
            || cat_offsets.len == 0
        {
            return Err(ModelError::Corrupt("CoxPH columns do not match the features").into());
        }
        let interactions = Self::interactions(ini, n_features, cats, nums, sink)?;
        Ok(CoxPh {
            interactions,
            coef,
            cat_offsets,
            cats,
            use_all_factor_levels,
            nums,
            strata_len,
            strata: Span {
                first: first.unwrap_or(0),
                len: strata_count * strata_len,
            },
            strata_count,
            x_mean_cat,
            x_mean_num,
            cat_width,
            num_width,
            rows,
        })
    }

    /// The interaction records (`interaction_targets`, `interactions_1`, `interactions_2`),
    /// each kind decided as genmodel's reader does, by which predictors have a domain.
    fn interactions(
        ini: &Ini<'_>,
        n_features: usize,
        cats: u32,
        nums: Option<(u32, Span)>,
        sink: &mut dyn Sink,
    ) -> Result<Span, Error> {
        if ini.get("interaction_targets").is_none() {
            return Ok(Span::default());
        }
        let targets = indices(ini, "interaction_targets")?;
        let (first, second) = (
            indices(ini, "interactions_1")?,
            indices(ini, "interactions_2")?,
        );
        let levels = |c: usize| ini.domains().find(|d| d.column == c).map(|d| d.levels);
        if first.len() < targets.len() || second.len() < targets.len() {
            return Err(ModelError::Corrupt("CoxPH interactions").into());
        }
        let mut records = heapless::Vec::<[f64; INTERACTION], 256>::new();
        for ((&target, &a), &b) in targets.iter().zip(&first).zip(&second) {
            let (target, a, b) = (target as usize, a as usize, b as usize);
            if [target, a, b].iter().any(|&c| c >= n_features) {
                return Err(ModelError::Corrupt("CoxPH interaction columns").into());
            }
            let record = match (levels(a), levels(b)) {
                (Some(n1), Some(n2)) => {
                    // genmodel looks `<level1>_<level2>` up in the target's domain.
                    if levels(target).is_none() {
                        return Err(ModelError::Unsupported(
                            "a CoxPH categorical interaction without levels (genmodel fails on \
                             every row)",
                        )
                        .into());
                    }
                    let n = n1
                        .checked_mul(n2)
                        .filter(|&n| n <= MAX_PAIR_TABLE)
                        .ok_or(ModelError::TooLarge("CoxPH interaction levels"))?;
                    let table = sink.f64s(&mut core::iter::repeat_n(-1.0, n))?;
                    [
                        ENUM_ENUM,
                        target as f64,
                        a as f64,
                        b as f64,
                        1.0,
                        f64::from(table),
                        n2 as f64,
                    ]
                }
                (None, None) => [NUM_NUM, target as f64, a as f64, b as f64, 0.0, 0.0, 0.0],
                (first_levels, _) => {
                    // genmodel indexes the numerics by `target - cats`.
                    let numeric = target.checked_sub(cats as usize);
                    if nums.is_some_and(|(n, _)| numeric.is_none_or(|i| i >= n as usize)) {
                        return Err(ModelError::Unsupported(
                            "a CoxPH interaction genmodel indexes past its numerics (it fails \
                             on every row)",
                        )
                        .into());
                    }
                    let enum_first = if first_levels.is_some() { 1.0 } else { 0.0 };
                    [
                        ENUM_NUM,
                        target as f64,
                        a as f64,
                        b as f64,
                        enum_first,
                        0.0,
                        0.0,
                    ]
                }
            };
            records
                .push(record)
                .map_err(|_| ModelError::TooLarge("CoxPH interactions"))?;
        }
        let first = sink.f64s(&mut records.iter().flatten().copied())?;
        Ok(Span {
            first,
            len: (INTERACTION * records.len()) as u32,
        })
    }

    /// Fills each categorical interaction's table once the levels are written: entry
    /// `(l1, l2)` is the index of `<level l1>_<level l2>` among the target's levels, or -1
    /// (genmodel's `indexOf`).
    pub(super) fn fill(&self, w: &mut Writer<'_>, first_column: u32) -> Result<(), ModelError> {
        let corrupt = ModelError::Corrupt("CoxPH interactions");
        for k in 0..self.interactions.len as usize / INTERACTION {
            let field = |w: &Writer<'_>, i: usize| {
                w.f64_at(self.interactions.first as usize + k * INTERACTION + i)
                    .ok_or(corrupt)
            };
            if field(w, 0)? != ENUM_ENUM {
                continue;
            }
            let column = |w: &Writer<'_>, i: usize| -> Result<(usize, usize), ModelError> {
                let c = w
                    .column_at(first_column as usize + field(w, i)? as usize)
                    .filter(|c| c.first_level != NONE)
                    .ok_or(corrupt)?;
                Ok((c.first_level as usize, c.n_levels as usize))
            };
            let (target, a, b) = (column(w, 1)?, column(w, 2)?, column(w, 3)?);
            let (table, n2) = (field(w, 5)? as usize, field(w, 6)? as usize);
            for t in 0..target.1 {
                // The pairs whose `<level1>_<level2>` is this level (one, unless a level
                // itself holds `_`), found before any is written.
                let mut pairs = heapless::Vec::<usize, 16>::new();
                let name = w.level_text(target.0 + t).ok_or(corrupt)?;
                for l1 in 0..a.1 {
                    let first = w.level_text(a.0 + l1).ok_or(corrupt)?;
                    let Some(rest) = name.strip_prefix(first).and_then(|r| r.strip_prefix(b"_"))
                    else {
                        continue;
                    };
                    for l2 in 0..b.1 {
                        let entry = table + l1 * n2 + l2;
                        let unset = w.f64_at(entry).ok_or(corrupt)? < 0.0;
                        if unset && w.level_text(b.0 + l2) == Some(rest) {
                            pairs
                                .push(entry)
                                .map_err(|_| ModelError::TooLarge("CoxPH interaction levels"))?;
                        }
                    }
                }
                for entry in pairs {
                    w.set_f64(entry, t as f64)?;
                }
            }
        }
        Ok(())
    }

    /// Scratch [`CoxPh::score`] needs: a copy of the row and the numerics' coefficient
    /// indices, for models with interactions.
    pub(super) fn work_len(&self, n_features: usize) -> usize {
        match (self.interactions.len, self.nums) {
            (0, _) | (_, None) => 0,
            (_, Some((n, _))) => n_features + n as usize,
        }
    }

    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let spans = [
            self.coef,
            self.cat_offsets,
            self.strata,
            self.x_mean_cat,
            self.x_mean_num,
            self.interactions,
        ];
        let offsets_ok = self.cat_offsets.len <= self.coef.len + 1
            && (0..self.cat_offsets.len as usize).all(|i| {
                let v = f64s
                    .get(self.cat_offsets.first as usize + i)
                    .copied()
                    .unwrap_or(-1.0);
                (0.0..=f64::from(self.coef.len)).contains(&v)
            });
        let nums = self.nums.map_or(Span::default(), |(_, s)| s);
        if Span::all_within(&spans, f64s) && Span::all_within(&[nums], f64s) && offsets_ok {
            Ok(())
        } else {
            Err(ModelError::Corrupt("CoxPH arrays"))
        }
    }

    /// `lp` of `row` into `preds[0]`; a row genmodel throws on (a non-integral level, or a
    /// stratum it has no base for) is rejected. `work` is scratch of [`CoxPh::work_len`].
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let need = self.work_len(row.len());
        let short = ScoreError::WorkLength {
            expected: need as u32,
            found: work.len() as u32,
        };
        let (row, enum_offsets) = if need == 0 {
            (row, &[][..])
        } else {
            let (copy, offsets) = work
                .get_mut(..need)
                .and_then(|w| w.split_at_mut_checked(row.len()))
                .ok_or(short)?;
            copy.copy_from_slice(row);
            offsets.fill(-1.0);
            self.evaluate_interactions(f64s, copy, offsets)?;
            (&*copy, &*offsets)
        };
        let at = |s: Span, i: usize| s.at(f64s, i);
        let coef = |i: usize| at(self.coef, i).unwrap_or(f64::NAN);
        let cat_offset = |i: usize| at(self.cat_offsets, i).map_or(i32::MAX, |v| v as i32);
        let feature = |i: usize| {
            row.get(i + self.strata_len as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        // genmodel's `forOneCategory`: the level, less the lowest one with a coefficient.
        let one = |c: usize, lowest: i32| -> Result<f64, ScoreError> {
            let v = feature(c);
            let value = (v as i32).wrapping_sub(lowest);
            if f64::from(value) != v - f64::from(lowest) {
                return Err(ScoreError::Rejected {
                    column: c as u32 + self.strata_len,
                    reason: "categorical value out of range",
                });
            }
            let x = value.wrapping_add(cat_offset(c));
            Ok(if value >= 0 && x < cat_offset(c + 1) {
                coef(x as usize)
            } else {
                0.0
            })
        };
        let mut categorical = 0.0;
        if self.use_all_factor_levels {
            for c in 0..(self.cat_offsets.len as usize).saturating_sub(1) {
                categorical += one(c, 0)?;
            }
        } else {
            for c in 0..self.cats as usize {
                let v = feature(c);
                if v.is_nan() {
                    categorical = f64::NAN;
                } else if v >= 0.0 {
                    // genmodel compares the predictor index with the targets' column indices.
                    categorical += one(c, if self.is_target(f64s, c) { 0 } else { 1 })?;
                }
            }
        }
        let mut numeric = 0.0;
        let n_coef = self.coef.len as usize;
        match self.nums {
            // Numeric `i` has coefficient `num_offsets[i]`; the first past the coefficients
            // ends the sum.
            // An interaction of a categorical and a numeric gives its numeric the level's
            // coefficient instead.
            Some((n, offsets)) => {
                for i in 0..n as usize {
                    let level = enum_offsets.get(i).copied().unwrap_or(-1.0);
                    let k = if level < 0.0 {
                        at(offsets, i).map_or(usize::MAX, |v| v as usize)
                    } else {
                        level as usize
                    };
                    if k >= n_coef {
                        break;
                    }
                    numeric += coef(k) * feature(i + self.cats as usize);
                }
            }
            None => {
                let shift = i64::from(cat_offset(self.cats as usize)) - i64::from(self.cats);
                let mut i = self.cats as usize;
                while let Ok(k) = usize::try_from(i as i64 + shift) {
                    if k >= n_coef {
                        break;
                    }
                    numeric += coef(k) * feature(i);
                    i += 1;
                }
            }
        }
        let stratum = self.stratum(f64s, row)?;
        let mut base = 0.0;
        for i in 0..self.cat_width as usize {
            let mean = at(self.x_mean_cat, stratum * self.cat_width as usize + i);
            base += mean.unwrap_or(f64::NAN) * coef(i);
        }
        for i in 0..self.num_width as usize {
            let mean = at(self.x_mean_num, stratum * self.num_width as usize + i);
            base += mean.unwrap_or(f64::NAN) * coef(i + self.cat_width as usize);
        }
        if let Some(p) = preds.first_mut() {
            *p = categorical + numeric - base + offset;
        }
        Ok(())
    }

    /// Whether `c` is the column index of an interaction target (genmodel's
    /// `_interaction_column_index.contains`).
    fn is_target(&self, f64s: &[f64], c: usize) -> bool {
        (0..self.interactions.len as usize / INTERACTION)
            .any(|k| self.interactions.at(f64s, k * INTERACTION + 1) == Some(c as f64))
    }

    /// genmodel's `evaluateInteractions` on `row` (a copy): each target the row leaves NA is
    /// computed in order; `enum_offsets[i]` becomes the coefficient index of numeric `i`
    /// when a categorical-by-numeric interaction writes it.
    fn evaluate_interactions(
        &self,
        f64s: &[f64],
        row: &mut [f64],
        enum_offsets: &mut [f64],
    ) -> Result<(), ScoreError> {
        let out_of_range = |column: usize| ScoreError::Rejected {
            column: column as u32,
            reason: "categorical value out of range",
        };
        for k in 0..self.interactions.len as usize / INTERACTION {
            let field = |i: usize| {
                self.interactions
                    .at(f64s, k * INTERACTION + i)
                    .unwrap_or(f64::NAN)
            };
            let (target, a, b) = (field(1) as usize, field(2) as usize, field(3) as usize);
            let value = |c: usize| row.get(c).copied().unwrap_or(f64::NAN);
            if !value(target).is_nan() {
                continue;
            }
            let computed = if field(0) == ENUM_ENUM {
                // Java's `(int)` casts: NaN is level 0; a level past the domain throws.
                let (n2, l1, l2) = (field(6) as usize, value(a) as i32, value(b) as i32);
                let l1 = usize::try_from(l1).map_err(|_| out_of_range(a))?;
                let l2 = usize::try_from(l2)
                    .ok()
                    .filter(|&l| l < n2)
                    .ok_or(out_of_range(b))?;
                f64s.get(field(5) as usize + l1 * n2 + l2)
                    .copied()
                    .ok_or(out_of_range(a))?
            } else if field(0) == NUM_NUM {
                value(a) * value(b)
            } else {
                let (categorical, numeric) = if field(4) == 1.0 { (a, b) } else { (b, a) };
                let lowest = if self.use_all_factor_levels { 0 } else { 1 };
                let level = (value(categorical) as i32).wrapping_sub(lowest);
                let i = target.wrapping_sub(self.cats as usize);
                let offset = self
                    .nums
                    .and_then(|(_, offsets)| offsets.at(f64s, i))
                    .unwrap_or(f64::NAN);
                if let Some(o) = enum_offsets.get_mut(i) {
                    *o = f64::from(level) + offset;
                }
                if level < 0 {
                    0.0
                } else {
                    value(numeric)
                }
            };
            if let Some(t) = row.get_mut(target) {
                *t = computed;
            }
        }
        Ok(())
    }

    /// The row's stratum: genmodel's `HashMap` of strata keys, compared as Java `int`s (the
    /// last equal key wins, as its `put`s did); 0 without strata.
    fn stratum(&self, f64s: &[f64], row: &[f64]) -> Result<usize, ScoreError> {
        if self.strata_count == 0 {
            return Ok(0);
        }
        let len = self.strata_len as usize;
        let key = row.get(..len).unwrap_or_default();
        (0..self.strata_count as usize)
            .rev()
            .find(|&s| {
                let start = self.strata.first as usize + s * len;
                f64s.get(start..start + len)
                    .is_some_and(|k| k.iter().zip(key).all(|(a, b)| *a as i32 == *b as i32))
            })
            .filter(|&s| s < self.rows as usize)
            .ok_or(ScoreError::Rejected {
                column: 0,
                reason: "the row's stratum was not seen in training",
            })
    }
}
