//! genmodel's shared prediction arithmetic (`GenModel` and the tree models' `unifyPreds`):
//! link inverses, softmax, class-distribution correction, calibration and the predicted
//! label with its tie-break. Every expression keeps Java's evaluation order.
#![warn(clippy::indexing_slicing)]

use super::math::{java_max, java_min};
use crate::java::JavaRandom;

/// A GBM link function (`LinkFunctionType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Log,
    Logit,
    Identity,
    Ologit,
    Ologlog,
    Oprobit,
    Inverse,
    Tweedie,
}

impl Link {
    pub fn from_key(s: &str) -> Option<Link> {
        Some(match s {
            "log" => Link::Log,
            "logit" => Link::Logit,
            "identity" => Link::Identity,
            "ologit" => Link::Ologit,
            "ologlog" => Link::Ologlog,
            "oprobit" => Link::Oprobit,
            "inverse" => Link::Inverse,
            "tweedie" => Link::Tweedie,
            _ => return None,
        })
    }
}

/// The functions of genmodel's arithmetic that HotSpot computes with CPU-specific intrinsics,
/// `Math.exp`, `Math.log` and `Math.pow`: ours are correctly rounded in all but rare cases,
/// HotSpot's are not on a few arguments in a thousand. Scoring calls [`CorrectlyRounded`]; a
/// test that attributes a difference from genmodel to HotSpot's last bit calls a stand-in
/// that moves chosen results.
pub trait JavaMath {
    fn exp(&mut self, x: f64) -> f64;
    fn log(&mut self, x: f64) -> f64;
    fn pow(&mut self, x: f64, y: f64) -> f64;
}

/// The intrinsics every scoring function here is handed.
pub type Java<'e> = &'e mut dyn JavaMath;

/// The core's [`super::math::exp`], [`super::math::log`] and [`super::math::pow`]: what
/// scoring uses.
#[derive(Clone, Copy, Debug, Default)]
pub struct CorrectlyRounded;

impl JavaMath for CorrectlyRounded {
    #[inline]
    fn exp(&mut self, x: f64) -> f64 {
        super::math::exp(x)
    }

    #[inline]
    fn log(&mut self, x: f64) -> f64 {
        super::math::log(x)
    }

    #[inline]
    fn pow(&mut self, x: f64, y: f64) -> f64 {
        super::math::pow(x, y)
    }
}

/// `GbmMojoModel.linkInv`, including its `inverse` link that clamps to `-1e-5` on both
/// sides (kept for parity). Its exponential is capped: `min(1e19, Math.exp(x))`.
pub fn gbm_link_inv(link: Link, f: f64, java: Java<'_>) -> f64 {
    let mut gbm_exp = |x: f64| java_min(1e19, java.exp(x));
    match link {
        Link::Log => gbm_exp(f),
        Link::Logit | Link::Ologit => 1.0 / (1.0 + gbm_exp(-f)),
        Link::Ologlog => {
            let inner = gbm_exp(f);
            1.0 - gbm_exp(-inner)
        }
        Link::Oprobit => 0.0,
        Link::Inverse => {
            let xx = if f < 0.0 {
                java_min(-1e-5, f)
            } else {
                java_max(-1e-5, f)
            };
            1.0 / xx
        }
        Link::Identity | Link::Tweedie => f,
    }
}

/// `GenModel.GBM_rescale`: softmax over `preds[1..]`, dividing by the sum.
pub fn gbm_rescale(preds: &mut [f64], java: Java<'_>) {
    let Some(probs) = preds.get_mut(1..) else {
        return;
    };
    let max = probs.iter().fold(f64::NEG_INFINITY, |m, &p| java_max(m, p));
    let mut sum = 0.0;
    for p in probs.iter_mut() {
        *p = java.exp(*p - max);
        sum += *p;
    }
    for p in probs.iter_mut() {
        *p /= sum;
    }
}

/// `GenModel.correctProbabilities`: reweights by prior over training class distribution
/// (after `balance_classes`), then renormalises when the sum is positive.
pub fn correct_probabilities(preds: &mut [f64], prior: &[f64], model: &[f64]) {
    let Some(probs) = preds.get_mut(1..) else {
        return;
    };
    let mut sum = 0.0;
    for ((p, &pr), &md) in probs.iter_mut().zip(prior).zip(model) {
        if pr != 0.0 && md != 0.0 {
            *p *= pr / md;
        }
        sum += *p;
    }
    if sum > 0.0 {
        for p in probs.iter_mut() {
            *p /= sum;
        }
    }
}

/// `GenModel.getPrediction`: the label index for `preds` (`[_, p0, p1, …]`).
///
/// Binomial: `p1 >= threshold`. Multinomial: the first maximum, except that ties are broken
/// by a `java.util.Random` seeded from the raw row bits, over a tie list that genmodel never
/// clears when a new maximum appears (so the result may be a class that is not maximal).
pub fn prediction(preds: &[f64], prior: Option<&[f64]>, row: &[f64], threshold: f64) -> usize {
    if preds.len() == 3 {
        return usize::from(preds.get(2).is_some_and(|&p1| p1 >= threshold));
    }
    let at = |i: usize| preds.get(i).copied().unwrap_or(f64::NAN);
    // The tie list holds at most one entry per class; it is walked twice, so it is
    // recomputed rather than stored (the core does not allocate).
    let ties = || {
        let mut best = 1usize;
        core::iter::once(0usize).chain((2..preds.len()).filter_map(move |c| {
            if at(best) < at(c) {
                best = c;
                None
            } else if at(best) == at(c) {
                Some(c - 1)
            } else {
                None
            }
        }))
    };
    let mut best = 1usize;
    let mut tie_count = 0u32;
    for c in 2..preds.len() {
        if at(best) < at(c) {
            best = c;
            tie_count = 0;
        } else if at(best) == at(c) {
            tie_count += 1;
        }
    }
    if tie_count == 0 {
        return best - 1;
    }
    let hash = row.iter().fold(0i64, |h, d| h ^ (d.to_bits() as i64 >> 6));
    if let Some(prior) = prior {
        let p = |i: usize| prior.get(i).copied().unwrap_or(f64::NAN);
        let sum: f64 = ties().fold(0.0, |s, i| s + p(i));
        let r = JavaRandom::new(hash).next_double();
        let mut partial = 0.0;
        for i in ties() {
            partial += p(i) / sum;
            if r <= partial {
                return i;
            }
        }
    }
    // No prior (or the walk fell through): pick among the classes equal to the best.
    let mut idx = (hash as i32).wrapping_rem(tie_count as i32 + 1);
    let best_value = at(best);
    for i in 1..preds.len() {
        if best_value == at(i) {
            idx -= 1;
            if idx < 0 {
                return i - 1;
            }
        }
    }
    best - 1
}

/// Platt scaling (`CalibrationMojoHelper`): a logistic GLM over `preds[1]`, i.e. P(class 0).
pub fn platt(preds: &[f64], beta: [f64; 2], java: Java<'_>) -> [f64; 2] {
    let p0 = preds.get(1).copied().unwrap_or(f64::NAN);
    let p = 1.0 / (java.exp(-(p0 * beta[0] + beta[1])) + 1.0);
    [1.0 - p, p]
}

/// Isotonic calibration (`IsotonicCalibrator.calibrateP1`) of `p1`.
pub fn isotonic(p1: f64, min_x: f64, max_x: f64, xs: &[f64], ys: &[f64]) -> [f64; 2] {
    let x = if p1.is_nan() {
        f64::NAN
    } else if p1 < min_x {
        min_x
    } else {
        java_min(p1, max_x)
    };
    let p = isotonic_score(x, min_x, max_x, xs, ys);
    [1.0 - p, p]
}

fn isotonic_score(x: f64, min_x: f64, max_x: f64, xs: &[f64], ys: &[f64]) -> f64 {
    if x.is_nan() || x < min_x || x > max_x {
        return f64::NAN;
    }
    match java_binary_search(xs, x) {
        Ok(i) => ys.get(i).copied().unwrap_or(f64::NAN),
        Err(hi) => {
            let (Some(lo), true) = (hi.checked_sub(1), hi < xs.len()) else {
                return f64::NAN;
            };
            let (Some(&x_lo), Some(&x_hi), Some(&y_lo), Some(&y_hi)) =
                (xs.get(lo), xs.get(hi), ys.get(lo), ys.get(hi))
            else {
                return f64::NAN;
            };
            let slope = (y_hi - y_lo) / (x_hi - x_lo);
            y_lo + slope * (x - x_lo)
        }
    }
}

/// `Arrays.binarySearch(double[], double)`, probe for probe: `Ok(index)` of a match, or
/// `Err(insertion point)`.
fn java_binary_search(a: &[f64], key: f64) -> Result<usize, usize> {
    let java_bits = |d: f64| {
        if d.is_nan() {
            0x7ff8_0000_0000_0000i64
        } else {
            d.to_bits() as i64
        }
    };
    let (mut low, mut high) = (0i64, a.len() as i64 - 1);
    while low <= high {
        let mid = ((low + high) as u64 >> 1) as i64;
        let v = a.get(mid as usize).copied().unwrap_or(f64::NAN);
        if v < key {
            low = mid + 1;
        } else if v > key {
            high = mid - 1;
        } else {
            let (m, k) = (java_bits(v), java_bits(key));
            if m == k {
                return Ok(mid as usize);
            } else if m < k {
                low = mid + 1;
            } else {
                high = mid - 1;
            }
        }
    }
    Err(low as usize)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn binomial_threshold_ties_to_class_1() {
        assert_eq!(prediction(&[0.0, 0.5, 0.5], None, &[], 0.5), 1);
        assert_eq!(prediction(&[0.0, 0.6, 0.4], None, &[], 0.5), 0);
        assert_eq!(prediction(&[0.0, f64::NAN, f64::NAN], None, &[], 0.5), 0);
    }

    #[test]
    fn multinomial_first_max_without_ties() {
        assert_eq!(prediction(&[0.0, 0.2, 0.5, 0.3], None, &[], 0.5), 1);
    }

    #[test]
    fn stale_ties_can_pick_a_non_maximal_class() {
        // Classes 0 and 1 tie at 0.25 (list [0, 1]); class 2 becomes the best at 0.5 without
        // clearing the list; class 3 ties with it (list [0, 1, 3]).
        let preds = [0.0, 0.25, 0.25, 0.5, 0.5];
        let prior = [0.25, 0.25, 0.25, 0.25];
        let mut seen = [false; 4];
        for k in 0..200 {
            let row = [k as f64, 1.0];
            seen[prediction(&preds, Some(&prior), &row, 0.5)] = true;
        }
        // Ties list: [0, 1, 3]; class 2 (a maximum) can never be chosen, class 0 can.
        assert_eq!(seen, [true, true, false, true]);
    }

    #[test]
    fn binary_search_like_java() {
        let a = [0.1, 0.3, 0.3, 0.5];
        assert_eq!(java_binary_search(&a, 0.3), Ok(1));
        assert_eq!(java_binary_search(&a, 0.4), Err(3));
        assert_eq!(java_binary_search(&a, 0.0), Err(0));
        assert_eq!(java_binary_search(&[-0.0, 0.0], 0.0), Ok(1));
    }

    #[test]
    fn isotonic_interpolates() {
        let xs = [0.0, 0.5, 1.0];
        let ys = [0.0, 0.2, 1.0];
        assert_eq!(
            isotonic(0.75, 0.0, 1.0, &xs, &ys)[1],
            0.2 + (0.8 / 0.5) * 0.25
        );
        assert_eq!(isotonic(2.0, 0.0, 1.0, &xs, &ys)[1], 1.0, "clipped to max");
        assert!(isotonic(f64::NAN, 0.0, 1.0, &xs, &ys)[1].is_nan());
    }

    #[test]
    fn correct_probabilities_reweights() {
        let mut p = [0.0, 0.5, 0.5];
        correct_probabilities(&mut p, &[0.9, 0.1], &[0.5, 0.5]);
        assert_eq!(p, [0.0, 0.9, 0.1]);
    }
}
