//! Principal Components Analysis (`PCAMojoModel`): projections onto `k` eigenvectors.
//!
//! Categoricals (through `permutation`, which puts them first) pick one eigenvector row per
//! level; NA and out-of-range levels contribute nothing. Numerics are standardised with
//! `normSub`/`normMul`; an NA numeric makes the component NaN, as in genmodel.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::Span;
use crate::error::{Error, ModelError};
use crate::ini::{self, Ini};
use crate::read::Reader;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pca {
    k: u32,
    ncats: u32,
    nnums: u32,
    use_all_factor_levels: bool,
    permutation: Span,
    cat_offsets: Span,
    norm_sub: Span,
    norm_mul: Span,
    /// `eigenvector_size` rows of `k` values, row-major.
    eigenvectors: Span,
}

impl Pca {
    pub(super) fn build(
        ini: &Ini<'_>,
        blob: &[u8],
        n_features: usize,
        sink: &mut dyn Sink,
    ) -> Result<Pca, Error> {
        let count = |key: &'static str| -> Result<u32, ModelError> {
            ini::int(ini.require(key)?)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or(ModelError::BadValue(key))
        };
        let (k, ncats, nnums, size) = (
            count("k")?,
            count("ncats")?,
            count("nnums")?,
            count("eigenvector_size")?,
        );
        let span = |key, sink: &mut dyn Sink| {
            super::doubles(ini, key, sink).map(Option::unwrap_or_default)
        };
        let permutation = span("permutation", sink)?;
        let cat_offsets = span("catOffsets", sink)?;
        let norm_sub = span("normSub", sink)?;
        let norm_mul = span("normMul", sink)?;
        if (ncats + nnums) as usize > n_features
            || permutation.len != ncats + nnums
            || cat_offsets.len != ncats + 1
            || norm_sub.len < nnums
            || norm_mul.len < nnums
        {
            return Err(ModelError::BadValue("PCA sizes").into());
        }
        let n = (size as usize)
            .checked_mul(k as usize)
            .ok_or(ModelError::TooLarge("eigenvectors"))?;
        if blob.len() != n.saturating_mul(8) {
            return Err(ModelError::Corrupt("eigenvectors_raw has the wrong size").into());
        }
        let mut r = Reader::new(blob);
        let first = sink.f64s(&mut core::iter::from_fn(|| r.be_f64()))?;
        Ok(Pca {
            k,
            ncats,
            nnums,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            permutation,
            cat_offsets,
            norm_sub,
            norm_mul,
            eigenvectors: Span {
                first,
                len: n as u32,
            },
        })
    }

    pub fn k(&self) -> usize {
        self.k as usize
    }

    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let ok = |s: Span| (s.first as usize + s.len as usize) <= f64s.len();
        let spans = [
            self.permutation,
            self.cat_offsets,
            self.norm_sub,
            self.norm_mul,
            self.eigenvectors,
        ];
        if spans.iter().all(|&s| ok(s)) {
            Ok(())
        } else {
            Err(ModelError::Corrupt("PCA arrays"))
        }
    }

    pub(super) fn score(&self, f64s: &[f64], row: &[f64], preds: &mut [f64]) {
        let get = |s: Span, i: usize| f64s.get(s.first as usize + i).copied().unwrap_or(f64::NAN);
        let k = self.k as usize;
        let eig = |r: usize, c: usize| get(self.eigenvectors, r * k + c);
        let input = |j: usize| {
            row.get(get(self.permutation, j) as usize)
                .copied()
                .unwrap_or(f64::NAN)
        };
        let num_start = get(self.cat_offsets, self.ncats as usize) as usize;
        for (i, p) in preds.iter_mut().enumerate().take(k) {
            *p = 0.0;
            for j in 0..self.ncats as usize {
                let x = input(j);
                if x.is_nan() {
                    continue;
                }
                let (lo, hi) = (
                    get(self.cat_offsets, j) as i64,
                    get(self.cat_offsets, j + 1) as i64,
                );
                let last = hi - lo - 1;
                let level = i64::from(x as i32) - i64::from(!self.use_all_factor_levels);
                if level < 0 || level > last {
                    continue;
                }
                *p += eig((lo + level) as usize, i);
            }
            for jj in 0..self.nnums as usize {
                let x = input(self.ncats as usize + jj);
                *p +=
                    (x - get(self.norm_sub, jj)) * get(self.norm_mul, jj) * eig(num_start + jj, i);
            }
        }
    }
}
