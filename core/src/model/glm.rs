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
    n_classes: u32,
    /// The binomial label threshold (`default_threshold`).
    threshold: f64,
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
        let blocks = self.blocks(n_classes);
        let p = self.beta.len as usize / blocks;
        if p * blocks != self.beta.len as usize {
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

    /// Coefficient blocks: one per class for multinomial and ordinal (genmodel's
    /// `P = beta.length / nclasses`; ordinal uses only the intercepts of the extra blocks).
    fn blocks(&self, n_classes: usize) -> usize {
        match self.family {
            GlmFamily::Multinomial | GlmFamily::Ordinal => n_classes.max(1),
            _ => 1,
        }
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
        let (n_classes, threshold) = (self.n_classes as usize, self.threshold);
        let beta = span(f64s, self.beta);
        let offsets = span(f64s, self.cat_offsets);
        let cats = self.cats as usize;
        let nums = self.nums as usize;
        let value = |i: usize| -> f64 {
            let v = row.get(i).copied().unwrap_or(f64::NAN);
            if v.is_nan() && self.mean_imputation {
                if i < cats {
                    return span(f64s, self.cat_modes)
                        .get(i)
                        .copied()
                        .unwrap_or(f64::NAN);
                }
                return span(f64s, self.num_means)
                    .get(i - cats)
                    .copied()
                    .unwrap_or(f64::NAN);
            }
            v
        };
        let blocks = self.blocks(n_classes);
        let p = beta.len() / blocks;
        // Numeric coefficients start where the categorical blocks end.
        let first_numeric = offsets.get(cats).copied().unwrap_or(0.0) as usize;
        // Linear predictor of block `b`, summed in genmodel's order (without the offset).
        let eta = |b: usize| -> Result<f64, ScoreError> {
            let block = beta.get(b * p..(b + 1) * p).unwrap_or(&[]);
            let mut eta = 0.0;
            for i in 0..cats {
                let x = value(i);
                let (lo, hi) = (
                    offsets.get(i).copied().unwrap_or(0.0),
                    offsets.get(i + 1).copied().unwrap_or(0.0),
                );
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
                    eta += block.get(idx as usize).copied().unwrap_or(0.0);
                }
            }
            for i in 0..nums {
                eta += block.get(first_numeric + i).copied().unwrap_or(0.0) * value(cats + i);
            }
            Ok(eta + block.get(p - 1).copied().unwrap_or(0.0))
        };
        match self.family {
            GlmFamily::Binomial => {
                let mu = self.inv_link(eta(0)? + offset, java);
                // Three stores: a zip of `preds` with the three values compiles to a call to
                // `memcpy` of `min(len, 3)` doubles, 6 % of a row.
                if let [label, p0, p1, ..] = preds {
                    *label = if mu >= threshold { 1.0 } else { 0.0 };
                    *p0 = 1.0 - mu;
                    *p1 = mu;
                }
            }
            GlmFamily::Regression => {
                if let Some(p) = preds.first_mut() {
                    *p = self.inv_link(eta(0)? + offset, java);
                }
            }
            GlmFamily::Multinomial => {
                preds.fill(0.0);
                for c in 0..n_classes {
                    if let Some(slot) = preds.get_mut(c + 1) {
                        *slot = eta(c)?;
                    }
                }
                multinomial(preds, java);
            }
            GlmFamily::Ordinal => {
                preds.fill(0.0);
                let last = n_classes.saturating_sub(1);
                let mut previous = 0.0;
                for c in 0..last {
                    let cdf = 1.0 / (1.0 + java.exp(-(eta(c)? + offset)));
                    if let Some(slot) = preds.get_mut(c + 1) {
                        *slot = cdf - previous;
                    }
                    previous = cdf;
                }
                if let Some(slot) = preds.get_mut(n_classes) {
                    *slot = 1.0 - previous;
                }
                // ArrayUtils.maxIndex over the whole array with preds[0] = 0: first strict max.
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
        }
        Ok(())
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
