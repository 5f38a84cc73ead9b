//! Generalized Linear Models (`GlmMojoModel`, `GlmMultinomialMojoModel`,
//! `GlmOrdinalMojoModel`): binomial-like, regression, multinomial and ordinal families.
//!
//! Categorical predictors are the first `cats` columns; a level selects one coefficient
//! through `cat_offsets` (level 0 has none unless `use_all_factor_levels`). Coefficients are
//! stored de-standardised, so there is no normalisation at scoring. With mean imputation, NA
//! categoricals take `cat_modes` and NA numerics `num_means`; without it, an NA categorical
//! is an error, as in genmodel. Sums keep genmodel's order: categoricals, numerics,
//! intercept, offset.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::math::{java_max, java_min};
use super::predict::Java;
use super::Span;
use crate::error::{ModelError, ScoreError};
use crate::ini::{self, Ini};

/// How a GLM turns the linear predictor into outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlmFamily {
    /// binomial, quasibinomial, fractionalbinomial: `[label, 1-mu, mu]`.
    Binomial,
    Multinomial,
    Ordinal,
    /// Every other family: `mu`.
    Regression,
}

/// A GLM inverse link.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum GlmLink {
    Identity,
    Logit,
    Log,
    Inverse,
    /// `tweedie` with its link power.
    Tweedie(f64),
    Ologit,
}

impl GlmLink {
    /// `link` (and `tweedie_link_power`) of `model.ini`; `family_decides` for multinomial
    /// and ordinal models, which have no single inverse link.
    pub(super) fn read(ini: &Ini<'_>, family_decides: bool) -> Result<GlmLink, ModelError> {
        Ok(match ini.require("link")? {
            "identity" => GlmLink::Identity,
            "logit" => GlmLink::Logit,
            "log" => GlmLink::Log,
            "inverse" => GlmLink::Inverse,
            "ologit" => GlmLink::Ologit,
            "tweedie" => GlmLink::Tweedie(match ini.get("tweedie_link_power") {
                Some(v) => ini::double(v).ok_or(ModelError::BadValue("tweedie_link_power"))?,
                None => 0.0,
            }),
            _ if family_decides => GlmLink::Identity,
            _ => return Err(ModelError::BadValue("link")),
        })
    }

    /// genmodel's inverse link (`GenModel.GLM_*Inv`).
    pub(super) fn inverse(self, eta: f64, java: Java<'_>) -> f64 {
        match self {
            GlmLink::Identity => eta,
            GlmLink::Logit | GlmLink::Ologit => 1.0 / (java.exp(-eta) + 1.0),
            GlmLink::Log => java.exp(eta),
            GlmLink::Inverse => {
                let xx = if eta < 0.0 {
                    java_min(-1e-5, eta)
                } else {
                    java_max(1e-5, eta)
                };
                1.0 / xx
            }
            GlmLink::Tweedie(power) => {
                if power == 0.0 {
                    java_max(2e-16, java.exp(eta))
                } else {
                    java.pow(eta, 1.0 / power)
                }
            }
        }
    }
}

/// Rows a batch scores together ([`Glm::score_lanes`]): a row's linear predictor is one
/// chain of dependent additions, so the core waits on each; four chains side by side keep
/// its floating-point adders busy.
pub const ROW_LANES: usize = 4;

/// Everything a GLM needs at scoring time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glm {
    pub family: GlmFamily,
    pub link: GlmLink,
    use_all_factor_levels: bool,
    cats: u32,
    nums: u32,
    /// `cats + 1` block starts, stored as doubles.
    cat_offsets: Span,
    mean_imputation: bool,
    num_means: Span,
    cat_modes: Span,
    beta: Span,
    /// Coefficients a block: genmodel's `P = beta.length / nclasses`, divided at load.
    block_len: u32,
    n_classes: u32,
    /// The binomial label threshold (`default_threshold`).
    threshold: f64,
}

/// Coefficient blocks: one per class for multinomial and ordinal (genmodel's
/// `P = beta.length / nclasses`; ordinal uses only the intercepts of the extra blocks).
fn blocks(family: GlmFamily, n_classes: usize) -> usize {
    match family {
        GlmFamily::Multinomial | GlmFamily::Ordinal => n_classes.max(1),
        _ => 1,
    }
}

fn ints(ini: &Ini<'_>, key: &'static str, sink: &mut dyn Sink) -> Result<Span, ModelError> {
    super::doubles(ini, key, sink).map(Option::unwrap_or_default)
}

impl Glm {
    /// Reads the GLM keys of `model.ini`.
    pub fn build(
        ini: &Ini<'_>,
        n_features: usize,
        n_classes: usize,
        threshold: f64,
        sink: &mut dyn Sink,
    ) -> Result<Glm, ModelError> {
        let family = match ini.require("family")? {
            "binomial" | "quasibinomial" | "fractionalbinomial" => GlmFamily::Binomial,
            "multinomial" => GlmFamily::Multinomial,
            "ordinal" => GlmFamily::Ordinal,
            _ => GlmFamily::Regression,
        };
        let multi = matches!(family, GlmFamily::Multinomial | GlmFamily::Ordinal);
        let link = GlmLink::read(ini, multi)?;
        let count = |key: &'static str| -> Result<u32, ModelError> {
            match ini.get(key) {
                None => Ok(0),
                Some(v) => ini::int(v)
                    .and_then(|n| u32::try_from(n).ok())
                    .ok_or(ModelError::BadValue(key)),
            }
        };
        let cats = count("cats")?;
        let nums = count("nums")?;
        if (cats + nums) as usize > n_features {
            return Err(ModelError::BadValue("cats"));
        }
        let cat_offsets = ints(ini, "cat_offsets", sink)?;
        if cat_offsets.len != cats + 1 {
            return Err(ModelError::BadValue("cat_offsets"));
        }
        let mean_imputation = ini.flag("mean_imputation")?;
        let num_means = ints(ini, "num_means", sink)?;
        let cat_modes = ints(ini, "cat_modes", sink)?;
        if mean_imputation && (num_means.len != nums || cat_modes.len != cats) {
            return Err(ModelError::BadValue("mean_imputation"));
        }
        let beta = super::doubles(ini, "beta", sink)?.ok_or(ModelError::MissingKey("beta"))?;
        Ok(Glm {
            family,
            link,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            cats,
            nums,
            cat_offsets,
            mean_imputation,
            num_means,
            cat_modes,
            beta,
            block_len: beta.len / blocks(family, n_classes) as u32,
            n_classes: n_classes as u32,
            threshold,
        })
    }

    /// Checks the spans against the loaded doubles, so that scoring cannot index outside.
    pub fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let n_classes = self.n_classes as usize;
        let ok = |s: Span| (s.first as usize + s.len as usize) <= f64s.len();
        if !(ok(self.cat_offsets) && ok(self.num_means) && ok(self.cat_modes) && ok(self.beta)) {
            return Err(ModelError::Corrupt("GLM arrays"));
        }
        let offsets = span(f64s, self.cat_offsets);
        let p = self.block_len as usize;
        if p * blocks(self.family, n_classes) != self.beta.len as usize {
            return Err(ModelError::BadValue("beta"));
        }
        let increasing = offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b));
        let last = offsets.last().copied().unwrap_or(0.0);
        if !increasing || offsets.first().is_some_and(|&f| f < 0.0) || last > p as f64 || p < 1 {
            return Err(ModelError::BadValue("cat_offsets"));
        }
        // The numeric block must fit: beta[noff + i] for i < nums, then the intercept.
        if last as usize + self.nums as usize + 1 > p {
            return Err(ModelError::BadValue("beta"));
        }
        Ok(())
    }

    /// Categorical and numeric predictor counts.
    pub fn counts(&self) -> (usize, usize) {
        (self.cats as usize, self.nums as usize)
    }

    fn inv_link(&self, eta: f64, java: Java<'_>) -> f64 {
        self.link.inverse(eta, java)
    }

    /// Scores `row` into `preds` (genmodel's `score0` for the family).
    pub fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: Java<'_>,
    ) -> Result<(), ScoreError> {
        self.score_lanes(f64s, [row], [offset], [preds], java)
    }

    /// [`Glm::score`] of `L` rows (each `preds` one row's buffer). Every row's values are
    /// bit-identical to scoring it alone; its linear predictor is summed beside the others',
    /// so the rows' chains of additions overlap. On a rejected row, returns that error with
    /// `preds` partly written: the caller scores the rows one by one to find which.
    pub fn score_lanes<const L: usize>(
        &self,
        f64s: &[f64],
        rows: [&[f64]; L],
        offsets: [f64; L],
        mut preds: [&mut [f64]; L],
        java: Java<'_>,
    ) -> Result<(), ScoreError> {
        let n_classes = self.n_classes as usize;
        match self.family {
            GlmFamily::Binomial => {
                let etas = self.linear_predictors(f64s, &rows, 0)?;
                for ((eta, offset), preds) in etas.into_iter().zip(offsets).zip(preds) {
                    let mu = self.inv_link(eta + offset, java);
                    // Three stores: a zip of `preds` with the three values compiles to a call
                    // to `memcpy` of `min(len, 3)` doubles, 6 % of a row.
                    if let [label, p0, p1, ..] = preds {
                        *label = if mu >= self.threshold { 1.0 } else { 0.0 };
                        *p0 = 1.0 - mu;
                        *p1 = mu;
                    }
                }
            }
            GlmFamily::Regression => {
                let etas = self.linear_predictors(f64s, &rows, 0)?;
                for ((eta, offset), preds) in etas.into_iter().zip(offsets).zip(preds) {
                    if let Some(p) = preds.first_mut() {
                        *p = self.inv_link(eta + offset, java);
                    }
                }
            }
            GlmFamily::Multinomial | GlmFamily::Ordinal => {
                // Each class's linear predictor into its slot, then the family's outputs
                // from them in place. Ordinal reads the first `n_classes - 1` blocks.
                let ordinal = self.family == GlmFamily::Ordinal;
                for p in preds.iter_mut() {
                    p.fill(0.0);
                }
                for c in 0..n_classes.saturating_sub(usize::from(ordinal)) {
                    let etas = self.linear_predictors(f64s, &rows, c)?;
                    for (eta, p) in etas.into_iter().zip(preds.iter_mut()) {
                        if let Some(slot) = p.get_mut(c + 1) {
                            *slot = eta;
                        }
                    }
                }
                for (p, offset) in preds.into_iter().zip(offsets) {
                    match ordinal {
                        true => ordinal_outputs(p, offset, n_classes, java),
                        false => multinomial(p, java),
                    }
                }
            }
        }
        Ok(())
    }

    /// The linear predictors of block `b` for `L` rows: categoricals, numerics, then the
    /// intercept, summed in genmodel's order (without the offset). Each row's sum is its own
    /// chain, in the order of one row alone; the rows' terms are interleaved only so that
    /// their chains overlap. A rejected row fails all `L`.
    fn linear_predictors<const L: usize>(
        &self,
        f64s: &[f64],
        rows: &[&[f64]; L],
        b: usize,
    ) -> Result<[f64; L], ScoreError> {
        let beta = span(f64s, self.beta);
        let offsets = span(f64s, self.cat_offsets);
        let cats = self.cats as usize;
        let nums = self.nums as usize;
        let p = self.block_len as usize;
        let block = beta.get(b * p..(b + 1) * p).unwrap_or(&[]);
        let mut etas = [0.0; L];
        for i in 0..cats {
            let (lo, hi) = (
                offsets.get(i).copied().unwrap_or(0.0),
                offsets.get(i + 1).copied().unwrap_or(0.0),
            );
            for (eta, row) in etas.iter_mut().zip(rows) {
                let mut x = row.get(i).copied().unwrap_or(f64::NAN);
                if x.is_nan() && self.mean_imputation {
                    x = span(f64s, self.cat_modes)
                        .get(i)
                        .copied()
                        .unwrap_or(f64::NAN);
                }
                let level = if self.use_all_factor_levels {
                    x
                } else if x == 0.0 {
                    continue;
                } else {
                    x - 1.0
                };
                // genmodel: (int) cast, and the cast must round-trip (NaN and fractions fail).
                let idx = level as i32;
                if f64::from(idx) != level || idx < 0 {
                    return Err(ScoreError::Rejected {
                        column: i as u32,
                        reason: match x.is_nan() {
                            true => "an NA categorical (the GLM was trained without imputing NAs)",
                            false => "categorical value out of range",
                        },
                    });
                }
                let idx = f64::from(idx) + lo;
                if idx < hi {
                    *eta += block.get(idx as usize).copied().unwrap_or(0.0);
                }
            }
        }
        // Numeric coefficients start where the categorical blocks end; validate and
        // score_inner made the slices whole (first_numeric + nums < p, cats + nums <= row).
        let first_numeric = offsets.get(cats).copied().unwrap_or(0.0) as usize;
        let numeric_beta = block
            .get(first_numeric..first_numeric + nums)
            .unwrap_or(&[]);
        let numeric_rows = rows.map(|row| row.get(cats..cats + nums).unwrap_or(&[]));
        let at = |row: &[f64], i: usize| row.get(i).copied().unwrap_or(f64::NAN);
        if self.mean_imputation {
            let means = span(f64s, self.num_means);
            for (i, (&b, &mean)) in numeric_beta.iter().zip(means).enumerate() {
                for (eta, row) in etas.iter_mut().zip(&numeric_rows) {
                    let x = at(row, i);
                    *eta += b * if x.is_nan() { mean } else { x };
                }
            }
        } else {
            for (i, &b) in numeric_beta.iter().enumerate() {
                for (eta, row) in etas.iter_mut().zip(&numeric_rows) {
                    *eta += b * at(row, i);
                }
            }
        }
        let intercept = block.get(p.wrapping_sub(1)).copied().unwrap_or(0.0);
        Ok(etas.map(|eta| eta + intercept))
    }
}

/// The ordinal outputs from the first `n_classes - 1` classes' linear predictors in
/// `preds[1..]` (genmodel's `GlmOrdinalMojoModel`): each class's probability is its
/// cumulative logistic minus the one before, the last class takes the rest, and the label
/// is `ArrayUtils.maxIndex` over the whole array with `preds[0] = 0` (the first strict
/// maximum), minus one.
fn ordinal_outputs(preds: &mut [f64], offset: f64, n_classes: usize, java: Java<'_>) {
    let mut previous = 0.0;
    for c in 0..n_classes.saturating_sub(1) {
        if let Some(slot) = preds.get_mut(c + 1) {
            let cdf = 1.0 / (1.0 + java.exp(-(*slot + offset)));
            *slot = cdf - previous;
            previous = cdf;
        }
    }
    if let Some(slot) = preds.get_mut(n_classes) {
        *slot = 1.0 - previous;
    }
    if let Some(p) = preds.first_mut() {
        *p = 0.0;
    }
    let at = |i: usize| preds.get(i).copied().unwrap_or(f64::NAN);
    let mut best = 0usize;
    for i in 1..preds.len() {
        if at(i) > at(best) {
            best = i;
        }
    }
    if let Some(p) = preds.first_mut() {
        *p = best as f64 - 1.0;
    }
}

fn span(f64s: &[f64], s: Span) -> &[f64] {
    s.values(f64s)
}

/// genmodel's multinomial step over `preds[1..]` (`GLMMultinomialModel`, and the same in
/// `GamMojoMultinomialModel.postPredMultinomial`): the softmax from a maximum that starts
/// at 0, not minus infinity, and in `preds[0]` the first class whose probability is above
/// all before it, from 0 (so class 0 when none is).
pub(super) fn multinomial(preds: &mut [f64], java: Java<'_>) {
    let Some((label, probs)) = preds.split_first_mut() else {
        return;
    };
    let max = probs.iter().fold(0.0, |m, &v| if v > m { v } else { m });
    let mut sum = 0.0;
    for p in probs.iter_mut() {
        *p = java.exp(*p - max);
        sum += *p;
    }
    let inverse = 1.0 / sum;
    let (mut best, mut class) = (0.0, 0.0);
    for (i, p) in probs.iter_mut().enumerate() {
        *p *= inverse;
        if *p > best {
            best = *p;
            class = i as f64;
        }
    }
    *label = class;
}
