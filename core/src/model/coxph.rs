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
//! Not handled (refused at load): interaction terms (`interaction_targets`).
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::Sink;
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
        if ini.get("interaction_targets").is_some() {
            return Err(ModelError::Unsupported("CoxPH with interaction terms").into());
        }
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
        Ok(CoxPh {
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

    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let spans = [
            self.coef,
            self.cat_offsets,
            self.strata,
            self.x_mean_cat,
            self.x_mean_num,
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
    /// stratum it has no base for) is rejected.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
    ) -> Result<(), ScoreError> {
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
                    categorical += one(c, 1)?;
                }
            }
        }
        let mut numeric = 0.0;
        let n_coef = self.coef.len as usize;
        match self.nums {
            // Numeric `i` has coefficient `num_offsets[i]`; the first past the coefficients
            // ends the sum.
            Some((n, offsets)) => {
                for i in 0..n as usize {
                    let k = at(offsets, i).map_or(usize::MAX, |v| v as usize);
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
