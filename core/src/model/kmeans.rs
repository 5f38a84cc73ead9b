//! K-Means (`KMeansMojoModel`): the nearest centre, after genmodel's standardisation.
//!
//! With `standardize`, NA numerics take the training mean and every numeric becomes
//! `(x - mean) * mult`; NA categoricals take the mode. Distances skip NA coordinates and
//! scale up by the share skipped; a categorical coordinate adds 1 when it differs. The
//! first centre with a strictly smaller distance wins, starting from `Double.MAX_VALUE`, so
//! a row whose distances are all NaN or huge is cluster -1, as in genmodel.
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::Sink;
use super::Span;
use crate::error::ModelError;
use crate::ini::{self, Ini};

/// The centres and the standardisation.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KMeans {
    standardize: bool,
    means: Span,
    mults: Span,
    /// Per column: the mode for categoricals, -1 for numerics.
    modes: Span,
    /// `k` centres of `dim` coordinates each, back to back.
    centers: Span,
    k: u32,
    dim: u32,
}

impl KMeans {
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        sink: &mut dyn Sink,
    ) -> Result<KMeans, ModelError> {
        let standardize = ini.flag("standardize")?;
        let span = |key, sink: &mut dyn Sink| {
            super::doubles(ini, key, sink).map(Option::unwrap_or_default)
        };
        let (means, mults, modes) = if standardize {
            (
                span("standardize_means", sink)?,
                span("standardize_mults", sink)?,
                span("standardize_modes", sink)?,
            )
        } else {
            (Span::default(), Span::default(), Span::default())
        };
        let k = ini.require_int("center_num")?;
        let k = u32::try_from(k).map_err(|_| ModelError::BadValue("center_num"))?;
        let mut first = None;
        let mut dim = None;
        for i in 0..k {
            let mut key = heapless::String::<24>::new();
            write!(key, "center_{i}").map_err(|_| ModelError::TooLarge("centers"))?;
            let text = ini.get(&key).ok_or(ModelError::MissingKey("center_<i>"))?;
            let mut bad = false;
            let items = ini::array(text).ok_or(ModelError::BadValue("center_<i>"))?;
            let mut values = items.map(|v| {
                ini::double(v).unwrap_or_else(|| {
                    bad = true;
                    f64::NAN
                })
            });
            let at = sink.f64s(&mut values)?;
            let len = ini::array(text).map(|it| it.count()).unwrap_or(0) as u32;
            if bad || dim.is_some_and(|d| d != len) {
                return Err(ModelError::BadValue("center_<i>"));
            }
            first.get_or_insert(at);
            dim = Some(len);
        }
        let dim = dim.unwrap_or(0);
        if dim as usize > n_features
            || (standardize && (means.len != dim || mults.len != dim || modes.len != dim))
        {
            return Err(ModelError::BadValue("standardize_means"));
        }
        Ok(KMeans {
            standardize,
            means,
            mults,
            modes,
            centers: Span {
                first: first.unwrap_or(0),
                len: k * dim,
            },
            k,
            dim,
        })
    }

    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let ok = |s: Span| (s.first as usize + s.len as usize) <= f64s.len();
        if [self.means, self.mults, self.modes, self.centers]
            .iter()
            .all(|&s| ok(s))
        {
            Ok(())
        } else {
            Err(ModelError::Corrupt("K-Means arrays"))
        }
    }

    /// The cluster of `row` (`is_categorical(i)` tells the column types).
    pub(super) fn cluster(
        &self,
        f64s: &[f64],
        row: &[f64],
        is_categorical: impl Fn(usize) -> bool,
    ) -> f64 {
        let get = |s: Span, i: usize| f64s.get(s.first as usize + i).copied().unwrap_or(f64::NAN);
        let dim = self.dim as usize;
        // The standardised value of coordinate i (genmodel mutates the row; we recompute).
        let value = |i: usize| -> f64 {
            let mut x = row.get(i).copied().unwrap_or(f64::NAN);
            if self.standardize {
                if get(self.modes, i) == -1.0 {
                    if x.is_nan() {
                        x = get(self.means, i);
                    }
                    x = (x - get(self.means, i)) * get(self.mults, i);
                } else if x.is_nan() {
                    x = get(self.modes, i);
                }
            }
            x
        };
        let mut best = -1i64;
        let mut min = f64::MAX;
        for c in 0..self.k as usize {
            let center = |i: usize| {
                f64s.get(self.centers.first as usize + c * dim + i)
                    .copied()
                    .unwrap_or(f64::NAN)
            };
            let mut dist = 0.0;
            let mut points = row.len();
            for i in 0..dim {
                let d = value(i);
                if d.is_nan() {
                    points -= 1;
                } else if is_categorical(i) {
                    if d != center(i) {
                        dist += 1.0;
                    }
                } else {
                    let delta = d - center(i);
                    dist += delta * delta;
                }
            }
            if 0 < points && points < row.len() {
                dist *= row.len() as f64 / points as f64;
            }
            if dist < min {
                best = c as i64;
                min = dist;
            }
        }
        best as f64
    }
}
