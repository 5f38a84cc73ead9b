//! Generalized Low Rank Models (`GlrmMojoModel`): a row's `k` coordinates `x` over the
//! archetypes `Y`, found by proximal gradient descent on the row's loss.
//!
//! genmodel starts each row from `k` draws of `new Random(seed + n).nextGaussian()`, where
//! `n` counts the rows that model instance scored before (`_rcnt`), projects the start onto
//! the regularizer's set, and then takes up to 100 steps (`_iterNumber`). Each step tries
//! ten step sizes (`2^-1 .. 2^-10`, divided by the objective when that exceeds 10) and keeps
//! the lowest objective; it stops when a step improves the objective by less than `1e-10`
//! relative.
//! A row's result therefore depends on `n`: [`Glrm::score`] takes it from the caller
//! (`Model` keeps genmodel's counter).
//!
//! Reproduced exactly, quirks included:
//! - The archetype column of a categorical level, and of every numeric, is offset by the
//!   levels of the categoricals *present in the row* before it: an NA categorical shifts the
//!   columns of everything after it (genmodel's `cat_offset` is not advanced for it).
//! - A categorical level at or past the column's level count is NA (`getRowData`).
//! - Ties for the largest coordinate (the one-sparse regularizers) are broken with
//!   `Random.nextInt` on the row's generator, as `ArrayUtils.maxIndex` does.
//! - `Math.exp` and `Math.log` (Poisson and logistic losses) may differ by one ulp from
//!   HotSpot's intrinsics; over the iterations such a difference can grow, as it can between
//!   two JVMs on different CPUs. The other losses use only `+ - * /` and comparisons.
//!
//! Not handled (refused at load): the Periodic loss (H2O writes it as `Periodic(<period>)`,
//! which genmodel's reader cannot parse either), a GLRM of categoricals only (genmodel's
//! reader fails on its empty `norm_sub`) and MOJO version 1.00 (no seed: genmodel starts from
//! the clock).
//!
//! [`Glrm::reconstruct`] is PredictCsv's `--glrmReconstruct` (`GlrmMojoModel.impute_data`):
//! each column's value imputed from `x Y` (a categorical's best level by its loss, a
//! numeric's value through its loss, standardisation undone if the model says so).
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::predict::Java;
use super::{math, Span, WithFile};
use crate::error::{Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::java::JavaRandom;
use crate::read::Reader;

/// Iterations per row unless set otherwise: genmodel's default (`_iterNumber`, which
/// `EasyPredictModelWrapper.Config` sets to 100 and PredictCsv's `--glrmIterNumber` changes).
const ITERATIONS: u32 = 100;

/// Step sizes tried per iteration (`_numAlphaFactors`): `2^-1` down to `2^-10`.
const STEP_SIZES: usize = 10;

/// Relative improvement below which a row is done (`_accuracyEps`).
const ACCURACY: f64 = 1e-10;

/// The loss of one column (`GlrmLoss`), stored as its index in the model's memory.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Loss {
    Quadratic,
    Absolute,
    Huber,
    Poisson,
    Logistic,
    Hinge,
    Categorical,
    Ordinal,
}

impl Loss {
    const ALL: [Loss; 8] = [
        Loss::Quadratic,
        Loss::Absolute,
        Loss::Huber,
        Loss::Poisson,
        Loss::Logistic,
        Loss::Hinge,
        Loss::Categorical,
        Loss::Ordinal,
    ];

    fn from_name(name: &str) -> Option<Loss> {
        Loss::ALL.into_iter().find(|l| l.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Loss::Quadratic => "Quadratic",
            Loss::Absolute => "Absolute",
            Loss::Huber => "Huber",
            Loss::Poisson => "Poisson",
            Loss::Logistic => "Logistic",
            Loss::Hinge => "Hinge",
            Loss::Categorical => "Categorical",
            Loss::Ordinal => "Ordinal",
        }
    }

    fn from_code(code: f64) -> Loss {
        Loss::ALL
            .get(code as usize)
            .copied()
            .unwrap_or(Loss::Quadratic)
    }

    fn code(self) -> f64 {
        Loss::ALL.iter().position(|&l| l == self).unwrap_or(0) as f64
    }

    /// Whether the loss is over a categorical's levels (`mloss`) rather than one value.
    fn is_multi(self) -> bool {
        matches!(self, Loss::Categorical | Loss::Ordinal)
    }

    /// `loss(u, a)` of a one-value loss.
    fn loss(self, u: f64, a: f64, java: Java<'_>) -> f64 {
        match self {
            Loss::Quadratic => (u - a) * (u - a),
            Loss::Absolute => libm::fabs(u - a),
            Loss::Huber => {
                let x = u - a;
                if x > 1.0 {
                    x - 0.5
                } else if x < -1.0 {
                    -x - 0.5
                } else {
                    0.5 * x * x
                }
            }
            Loss::Poisson => {
                let rest = if a == 0.0 {
                    0.0
                } else {
                    -a * u + a * java.log(a) - a
                };
                java.exp(u) + rest
            }
            Loss::Logistic => {
                let e = java.exp((1.0 - 2.0 * a) * u);
                java.log(1.0 + e)
            }
            Loss::Hinge => math::java_max(1.0 + (1.0 - 2.0 * a) * u, 0.0),
            Loss::Categorical | Loss::Ordinal => f64::NAN,
        }
    }

    /// `lgrad(u, a)`: the derivative of [`Loss::loss`] in `u`.
    fn gradient(self, u: f64, a: f64, java: Java<'_>) -> f64 {
        match self {
            Loss::Quadratic => 2.0 * (u - a),
            Loss::Absolute => signum(u - a),
            // `x > 1 ? 1 : x < -1 ? -1 : x`, NaN and -0 included.
            Loss::Huber => (u - a).clamp(-1.0, 1.0),
            Loss::Poisson => java.exp(u) - a,
            Loss::Logistic => {
                let s = 1.0 - 2.0 * a;
                s / (1.0 + java.exp(-s * u))
            }
            Loss::Hinge => {
                let s = 1.0 - 2.0 * a;
                if 1.0 + s * u > 0.0 {
                    s
                } else {
                    0.0
                }
            }
            Loss::Categorical | Loss::Ordinal => f64::NAN,
        }
    }

    /// `mloss(u, a)` of a categorical's level scores `u` for level `a`; genmodel throws for
    /// a level outside `u`.
    fn multi_loss(self, u: &[f64], a: i32) -> Result<f64, ScoreError> {
        let a = level_in(u, a)?;
        let at = |i: usize| u.get(i).copied().unwrap_or(f64::NAN);
        Ok(match self {
            Loss::Categorical => {
                let mut sum = 0.0;
                for &v in u {
                    sum += math::java_max(1.0 + v, 0.0);
                }
                sum += math::java_max(1.0 - at(a), 0.0) - math::java_max(1.0 + at(a), 0.0);
                sum
            }
            Loss::Ordinal => {
                let mut sum = 0.0;
                for (i, &v) in u.iter().enumerate().take(u.len() - 1) {
                    sum += if a > i {
                        math::java_max(1.0 - v, 0.0)
                    } else {
                        1.0
                    };
                }
                sum
            }
            _ => f64::NAN,
        })
    }

    /// `mlgrad(u, a)` into `grad` (as long as `u`).
    fn multi_gradient(self, u: &[f64], a: i32, grad: &mut [f64]) -> Result<(), ScoreError> {
        let a = level_in(u, a)?;
        match self {
            Loss::Categorical => {
                for (g, &v) in grad.iter_mut().zip(u) {
                    *g = if 1.0 + v > 0.0 { 1.0 } else { 0.0 };
                }
                let ua = u.get(a).copied().unwrap_or(f64::NAN);
                if let Some(g) = grad.get_mut(a) {
                    *g = if 1.0 - ua > 0.0 { -1.0 } else { 0.0 };
                }
            }
            Loss::Ordinal => {
                grad.fill(0.0);
                for (i, (g, &v)) in grad.iter_mut().zip(u).enumerate().take(u.len() - 1) {
                    *g = if a > i && 1.0 - v > 0.0 { -1.0 } else { 0.0 };
                }
            }
            _ => grad.fill(f64::NAN),
        }
        Ok(())
    }
}

/// The level `a` as an index into `u`, or genmodel's `IndexOutOfBoundsException` (its
/// column is filled in by [`Glrm::naming`]).
fn level_in(u: &[f64], a: i32) -> Result<usize, ScoreError> {
    usize::try_from(a)
        .ok()
        .filter(|&a| a < u.len())
        .ok_or(ScoreError::Rejected {
            column: 0,
            reason: "a categorical level outside the GLRM's levels",
        })
}

/// `Math.signum`.
fn signum(x: f64) -> f64 {
    if x.is_nan() || x == 0.0 {
        x
    } else if x > 0.0 {
        1.0
    } else {
        -1.0
    }
}

/// The regularizer of `x` (`GlrmRegularizer`, `regularizationX`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Regularizer {
    None,
    Quadratic,
    L2,
    L1,
    NonNegative,
    OneSparse,
    UnitOneSparse,
    Simplex,
}

impl Regularizer {
    fn from_name(name: &str) -> Option<Regularizer> {
        Some(match name {
            "None" => Regularizer::None,
            "Quadratic" => Regularizer::Quadratic,
            "L2" => Regularizer::L2,
            "L1" => Regularizer::L1,
            "NonNegative" => Regularizer::NonNegative,
            "OneSparse" => Regularizer::OneSparse,
            "UnitOneSparse" => Regularizer::UnitOneSparse,
            "Simplex" => Regularizer::Simplex,
            _ => return None,
        })
    }

    /// `regularize(u)`.
    fn value(self, u: &[f64]) -> f64 {
        let squares = || u.iter().fold(0.0, |s, &v| s + v * v);
        match self {
            Regularizer::None => 0.0,
            Regularizer::Quadratic => squares(),
            Regularizer::L2 => libm::sqrt(squares()),
            Regularizer::L1 => u.iter().fold(0.0, |s, &v| s + libm::fabs(v)),
            Regularizer::NonNegative => inside(u.iter().all(|&v| v >= 0.0 || v.is_nan())),
            Regularizer::OneSparse => {
                let mut card = 0;
                for &v in u {
                    if v < 0.0 {
                        return f64::INFINITY;
                    }
                    card += usize::from(v > 0.0);
                }
                inside(card == 1)
            }
            Regularizer::UnitOneSparse => {
                let (mut ones, mut zeros) = (0, 0);
                for &v in u {
                    if v == 1.0 {
                        ones += 1;
                    } else if v == 0.0 {
                        zeros += 1;
                    } else {
                        return f64::INFINITY;
                    }
                }
                inside(ones == 1 && zeros == u.len() - 1)
            }
            Regularizer::Simplex => {
                let (mut sum, mut abs_sum) = (0.0, 0.0);
                for &v in u {
                    if v < 0.0 {
                        return f64::INFINITY;
                    }
                    sum += v;
                    abs_sum += libm::fabs(v);
                }
                // `MathUtils.equalsWithinRecSumErr(sum, 1, n, absum)`.
                let bound = (u.len() as f64 - 1.0) * ulp(sum) * abs_sum;
                inside(libm::fabs(sum - 1.0) <= bound)
            }
        }
    }

    /// `rproxgrad(u, delta, rand)` into `out` (as long as `u`); `sort` is scratch for the
    /// simplex projection.
    fn prox(self, u: &[f64], delta: f64, rng: &mut JavaRandom, out: &mut [f64], sort: &mut [f64]) {
        if delta == 0.0 || self == Regularizer::None {
            out.copy_from_slice(u);
            return;
        }
        match self {
            Regularizer::None => out.copy_from_slice(u),
            Regularizer::Quadratic => {
                let f = 1.0 / (1.0 + 2.0 * delta);
                for (o, &v) in out.iter_mut().zip(u) {
                    *o = v * f;
                }
            }
            Regularizer::L2 => {
                let norm = libm::sqrt(u.iter().fold(0.0, |s, &v| s + v * v));
                let weight = 1.0 - delta / norm;
                for (o, &v) in out.iter_mut().zip(u) {
                    *o = if weight < 0.0 { 0.0 } else { weight * v };
                }
            }
            Regularizer::L1 => {
                for (o, &v) in out.iter_mut().zip(u) {
                    *o = math::java_max(v - delta, 0.0) + math::java_min(v + delta, 0.0);
                }
            }
            Regularizer::NonNegative => {
                for (o, &v) in out.iter_mut().zip(u) {
                    *o = math::java_max(v, 0.0);
                }
            }
            Regularizer::OneSparse | Regularizer::UnitOneSparse => {
                out.fill(0.0);
                let i = max_index(u, rng);
                let v = u.get(i).copied().unwrap_or(f64::NAN);
                if let Some(o) = out.get_mut(i) {
                    *o = match self {
                        Regularizer::OneSparse if v > 0.0 => v,
                        Regularizer::OneSparse => 1e-6,
                        _ => 1.0,
                    };
                }
            }
            Regularizer::Simplex => simplex(u, out, sort),
        }
    }

    /// `project(u, rand)` into `out`.
    fn project(self, u: &[f64], rng: &mut JavaRandom, out: &mut [f64], sort: &mut [f64]) {
        match self {
            Regularizer::NonNegative | Regularizer::OneSparse | Regularizer::UnitOneSparse => {
                self.prox(u, 1.0, rng, out, sort)
            }
            Regularizer::Simplex if self.value(u) != 0.0 => self.prox(u, 1.0, rng, out, sort),
            _ => out.copy_from_slice(u),
        }
    }
}

/// The value of a regularizer that is a set's indicator: 0 inside, infinite outside.
fn inside(member: bool) -> f64 {
    if member {
        0.0
    } else {
        f64::INFINITY
    }
}

/// `Math.ulp`.
fn ulp(x: f64) -> f64 {
    let x = libm::fabs(x);
    if x.is_nan() || x.is_infinite() {
        return x;
    }
    if x == f64::MAX {
        return f64::from_bits(0x7ca0_0000_0000_0000);
    }
    f64::from_bits(x.to_bits() + 1) - x
}

/// `ArrayUtils.maxIndex(from, rand)`: the first largest value, except that each later value
/// equal to the current best replaces it when `rand.nextInt(++count) == 0`.
fn max_index(u: &[f64], rng: &mut JavaRandom) -> usize {
    let mut best = 0;
    let mut count = 0;
    let at = |i: usize| u.get(i).copied().unwrap_or(f64::NAN);
    for i in 1..u.len() {
        if at(i) > at(best) {
            best = i;
            count = 1;
        } else if at(i) == at(best) {
            count += 1;
            if rng.next_int_below(count) == Some(0) {
                best = i;
            }
        }
    }
    best
}

/// The simplex projection of `GlrmRegularizer.Simplex.rproxgrad`: `max(u - t, 0)` for the
/// threshold `t` found over `u` in ascending order. genmodel sorts indices with its
/// insertion sort (`ArrayUtils.sort`, below 500 values: swap while the previous value is
/// larger, so a NaN never moves and equal values keep their order) and only ever reads the
/// values through them; sorting a copy of the values in `sorted` with the same swaps gives
/// the same sequence.
fn simplex(u: &[f64], out: &mut [f64], sorted: &mut [f64]) {
    let n = u.len();
    let (Some(sorted), true) = (sorted.get_mut(..n), out.len() == n && n > 0) else {
        return;
    };
    sorted.copy_from_slice(u);
    for i in 1..n {
        let mut j = i;
        // `Some(a) > Some(b)` is `a > b`: false for a NaN, as Java's `>`.
        while j > 0 && sorted.get(j - 1) > sorted.get(j) {
            sorted.swap(j - 1, j);
            j -= 1;
        }
    }
    let sorted = &*sorted;
    // Suffix sums, kept in `out` until the threshold is known: out[j] = sum of sorted(j..n),
    // added from the end.
    let mut sum = None;
    for (o, &v) in out.iter_mut().zip(sorted).rev() {
        let s = sum.map_or(v, |s| s + v);
        (*o, sum) = (s, Some(s));
    }
    let csum = |k: usize| out.get(k).copied().unwrap_or(f64::NAN);
    let mut t = (csum(0) - 1.0) / n as f64;
    for k in (1..n).rev() {
        let tmp = (csum(k) - 1.0) / (n - k) as f64;
        if tmp >= sorted.get(k - 1).copied().unwrap_or(f64::NAN) {
            t = tmp;
            break;
        }
    }
    for (o, &v) in out.iter_mut().zip(u) {
        *o = math::java_max(v - t, 0.0);
    }
}

/// A GLRM's scoring parameters and where its arrays are.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Glrm {
    /// `k`: coordinates per row (`ncolX`, also the archetypes' rows).
    rank: u32,
    ncats: u32,
    /// Columns of the archetypes (`ncolY`).
    width: u32,
    /// Most levels of any categorical (sizes the per-column scratch).
    max_levels: u32,
    regularizer: Regularizer,
    gamma_x: f64,
    seed: i64,
    /// Descent steps per row at most.
    iterations: u32,
    /// Whether reconstructed numerics are put back on the data's scale
    /// (`reverse_transform`, H2O's `impute_original`).
    reverse_transform: bool,
    /// Feature index of each column (categoricals first, then numerics).
    permutation: Span,
    /// Levels of each categorical.
    levels: Span,
    norm_sub: Span,
    norm_mul: Span,
    /// [`Loss`] codes, one per column.
    losses: Span,
    /// `rank` rows of `width` values, row-major.
    archetypes: Span,
}

/// The arrays of a loaded GLRM.
struct Arrays<'m> {
    permutation: &'m [f64],
    levels: &'m [f64],
    norm_sub: &'m [f64],
    norm_mul: &'m [f64],
    losses: &'m [f64],
    archetypes: &'m [f64],
}

fn at(values: &[f64], i: usize) -> f64 {
    values.get(i).copied().unwrap_or(f64::NAN)
}

/// `x Y` for the `N` archetype columns from `first` into `out`, each summed over `k` in
/// order; returns `N`. (`Y` is `x.len()` rows of `width`, checked at load.)
fn tile_scores<const N: usize>(
    archetypes: &[f64],
    width: usize,
    x: &[f64],
    first: usize,
    out: &mut [f64],
) -> usize {
    let mut sums = [0.0; N];
    for (k, &xk) in x.iter().enumerate() {
        let y_k = archetypes
            .get(k * width + first..)
            .and_then(<[f64]>::first_chunk::<N>);
        for (sum, &y) in sums.iter_mut().zip(y_k.into_iter().flatten()) {
            *sum += xk * y;
        }
    }
    for (o, sum) in out.iter_mut().zip(sums) {
        *o = sum;
    }
    N
}

impl Glrm {
    /// Reads the model from `model.ini`, its `losses` text and its big-endian `archetypes`.
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        file: &mut WithFile<'_>,
        sink: &mut dyn Sink,
    ) -> Result<Glrm, Error> {
        let rank = super::require_u32(ini, "ncolX")?;
        let (ncats, nnums) = (
            super::require_u32(ini, "num_categories")?,
            super::require_u32(ini, "num_numeric")?,
        );
        let width = super::require_u32(ini, "ncolY")?;
        let n_cols = super::require_u32(ini, "ncolA")? as usize;
        if super::require_u32(ini, "nrowY")? != rank || rank == 0 {
            return Err(ModelError::BadValue("nrowY").into());
        }
        if ncats as usize + nnums as usize != n_cols || n_cols != n_features {
            return Err(ModelError::BadValue("ncolA").into());
        }
        let regularizer = ini
            .get("regularizationX")
            .and_then(Regularizer::from_name)
            .ok_or(ModelError::BadValue("regularizationX"))?;
        let gamma_x = ini.require_double("gammaX")?;
        let seed = ini
            .require("seed")?
            .parse::<i64>()
            .map_err(|_| ModelError::BadValue("seed"))?;
        // Without either key genmodel's reader falls back to seeding rows from the clock.
        if ini.get("reverse_transform").is_none() || ini.get("transposed").is_none() {
            return Err(ModelError::Unsupported(
                "GLRM MOJOs without reverse_transform or transposed (genmodel seeds them from the clock)",
            )
            .into());
        }

        // genmodel's reader keeps an empty array's text, `[]`, as a string and fails casting
        // it to `double[]`: a GLRM of categoricals only (no numerics to normalise) does not
        // load there.
        if ["norm_sub", "norm_mul"]
            .iter()
            .any(|k| ini.get(k).map(str::trim) == Some("[]"))
        {
            return Err(ModelError::Unsupported(
                "a GLRM without numeric columns (genmodel cannot read its empty norm_sub back either)",
            )
            .into());
        }
        let permutation = super::int_doubles(ini, "cols_permutation", sink)?;
        let levels = super::int_doubles(ini, "num_levels_per_category", sink)?;
        let norm_sub = super::doubles(ini, "norm_sub", sink)?;
        let norm_mul = super::doubles(ini, "norm_mul", sink)?;
        let (norm_sub, norm_mul) = (
            norm_sub.ok_or(ModelError::MissingKey("norm_sub"))?,
            norm_mul.ok_or(ModelError::MissingKey("norm_mul"))?,
        );
        // The categoricals' level counts: each at least 0 (numerics have -1 after them),
        // and together with the numerics no wider than the archetypes.
        // `catOffsets` (where each categorical's archetype columns start, which only the
        // reconstruction reads) must be their running sum, as H2O writes it.
        let mut max_levels = 0u32;
        let mut level_sum = u64::from(nnums);
        let mut offsets = ini::array(ini.require("catOffsets")?)
            .ok_or(ModelError::BadValue("catOffsets"))?
            .map(ini::int);
        let cat_levels = ini::array(ini.require("num_levels_per_category")?)
            .into_iter()
            .flatten()
            .take(ncats as usize);
        for l in cat_levels {
            let l = ini::int(l)
                .and_then(|l| u32::try_from(l).ok())
                .ok_or(ModelError::BadValue("num_levels_per_category"))?;
            if offsets.next().flatten().map(i64::from) != Some(level_sum as i64 - i64::from(nnums))
            {
                return Err(ModelError::BadValue("catOffsets").into());
            }
            max_levels = max_levels.max(l);
            level_sum += u64::from(l);
        }
        if offsets.next().flatten().map(i64::from) != Some(level_sum as i64 - i64::from(nnums)) {
            return Err(ModelError::BadValue("catOffsets").into());
        }
        if level_sum > u64::from(width) {
            return Err(
                ModelError::Corrupt("GLRM archetypes are narrower than the columns").into(),
            );
        }
        if permutation.len as usize != n_cols
            || (levels.len as usize) < ncats as usize
            || norm_sub.len < nnums
            || norm_mul.len < nnums
        {
            return Err(ModelError::BadValue("GLRM sizes").into());
        }

        let losses = file("losses", &mut |bytes| {
            let text = core::str::from_utf8(bytes).map_err(|_| ModelError::NotUtf8("losses"))?;
            let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
            let mut bad = None;
            let mut n = 0;
            let first = sink.f64s(&mut core::iter::from_fn(|| {
                let line = lines.next()?;
                let loss = Loss::from_name(line);
                let fits = loss.is_some_and(|l| l.is_multi() == (n < ncats as usize));
                if !fits && bad.is_none() {
                    bad = Some(line);
                }
                n += 1;
                Some(loss.map_or(0.0, Loss::code))
            }))?;
            match bad {
                Some(l) if l.starts_with("Periodic") => Err(ModelError::Unsupported(
                    "GLRM's Periodic loss (genmodel cannot read it back either)",
                )
                .into()),
                Some(_) => Err(ModelError::Corrupt("a GLRM loss does not fit its column").into()),
                None if n != n_cols => {
                    Err(ModelError::Corrupt("GLRM losses are not one per column").into())
                }
                None => Ok(first),
            }
        })?;

        let cells = (rank as usize)
            .checked_mul(width as usize)
            .ok_or(ModelError::TooLarge("archetypes"))?;
        let archetypes = file("archetypes", &mut |bytes| {
            if bytes.len() != cells.saturating_mul(8) {
                return Err(ModelError::Corrupt("archetypes has the wrong size").into());
            }
            let mut r = Reader::new(bytes);
            Ok(sink.f64s(&mut core::iter::from_fn(|| r.be_f64()))?)
        })?;
        Ok(Glrm {
            rank,
            ncats,
            width,
            max_levels,
            regularizer,
            gamma_x,
            seed,
            iterations: ITERATIONS,
            reverse_transform: ini.flag("reverse_transform")?,
            permutation,
            levels,
            norm_sub,
            norm_mul,
            losses: Span {
                first: losses,
                len: n_cols as u32,
            },
            archetypes: Span {
                first: archetypes,
                len: cells as u32,
            },
        })
    }

    /// Coordinates per row (`k`).
    pub fn rank(&self) -> usize {
        self.rank as usize
    }

    /// The regularizer of the coordinates (`regularizationX`).
    pub fn regularizer(&self) -> Regularizer {
        self.regularizer
    }

    /// Descent steps per row at most (100 unless [`super::Model::set_glrm_iterations`]).
    pub fn iterations(&self) -> u32 {
        self.iterations
    }

    pub(super) fn set_iterations(&mut self, n: u32) {
        self.iterations = n;
    }

    fn arrays<'m>(&self, f64s: &'m [f64]) -> Arrays<'m> {
        Arrays {
            permutation: self.permutation.values(f64s),
            levels: self.levels.values(f64s),
            norm_sub: self.norm_sub.values(f64s),
            norm_mul: self.norm_mul.values(f64s),
            losses: self.losses.values(f64s),
            archetypes: self.archetypes.values(f64s),
        }
    }

    /// Checks that the loaded arrays are where the model says and that the permutation
    /// names features; every index scoring makes is then in range.
    pub(super) fn validate(&self, f64s: &[f64], n_features: usize) -> Result<(), ModelError> {
        let spans = [
            self.permutation,
            self.levels,
            self.norm_sub,
            self.norm_mul,
            self.losses,
            self.archetypes,
        ];
        if !Span::all_within(&spans, f64s) {
            return Err(ModelError::Corrupt("GLRM arrays"));
        }
        let features = 0.0..n_features as f64;
        if !self
            .arrays(f64s)
            .permutation
            .iter()
            .all(|p| features.contains(p))
        {
            return Err(ModelError::BadValue("cols_permutation"));
        }
        Ok(())
    }

    /// Scratch doubles a row needs: two per column (its [`Placed`] archetype column and
    /// value), six vectors of `k` (`x`, the trial point, the gradient, the prox result, the
    /// best point, the simplex order), the scores `x Y` (one per archetype column) and a
    /// categorical's level gradient (the most levels).
    pub(super) fn work_len(&self) -> usize {
        2 * self.permutation.len as usize
            + 6 * self.rank as usize
            + self.width as usize
            + self.max_levels as usize
    }

    /// Scores `row` as the model's row number `n` (genmodel's `_rcnt`): `k` coordinates into
    /// `preds`.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        n: u64,
        preds: &mut [f64],
        java: Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let short = ScoreError::WorkLength {
            expected: self.work_len() as u32,
            found: work.len() as u32,
        };
        let v = self.arrays(f64s);
        let k = self.rank as usize;
        let n_cols = self.permutation.len as usize;
        let levels = self.max_levels as usize;
        let (first, work) = work.split_at_mut_checked(n_cols).ok_or(short)?;
        let (value, work) = work.split_at_mut_checked(n_cols).ok_or(short)?;
        let (x, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (trial, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (grad, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (next, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (best, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (order, work) = work.split_at_mut_checked(k).ok_or(short)?;
        let (scores, work) = work
            .split_at_mut_checked(self.width as usize)
            .ok_or(short)?;
        let level_grad = work.get_mut(..levels).ok_or(short)?;
        let mut scratch = Scratch { scores, level_grad };

        let numerics_at = self.place(&v, row, first, value);
        let a = Placed {
            first,
            value,
            numerics_at,
        };

        let mut rng = JavaRandom::new(self.seed.wrapping_add(n as i64));
        for xi in trial.iter_mut() {
            *xi = rng.next_gaussian();
        }
        self.regularizer.project(trial, &mut rng, x, order);

        let mut old = self.objective(&v, x, &a, &mut scratch, java)?;
        for _ in 0..self.iterations {
            self.gradient(&v, x, &a, grad, &mut scratch, java)?;
            // `applyBestAlpha`.
            let obj = if old == 0.0 {
                0.0
            } else {
                let scale = if old > 10.0 { 1.0 / old } else { 1.0 };
                let mut lowest = f64::MAX;
                best.fill(0.0);
                let mut alpha_base = 1.0;
                for _ in 0..STEP_SIZES {
                    alpha_base *= 0.5;
                    let alpha = alpha_base * scale;
                    for ((t, &xi), &g) in trial.iter_mut().zip(x.iter()).zip(grad.iter()) {
                        *t = xi - alpha * g;
                    }
                    self.regularizer
                        .prox(trial, alpha * self.gamma_x, &mut rng, next, order);
                    let new = self.objective(&v, next, &a, &mut scratch, java)?;
                    if lowest > new {
                        best.copy_from_slice(next);
                        lowest = new;
                    }
                    if new == 0.0 {
                        break;
                    }
                }
                if lowest < old {
                    x.copy_from_slice(best);
                }
                lowest
            };
            let improvement = 1.0 - obj / old;
            old = obj;
            if improvement < 0.0 || improvement < ACCURACY {
                break;
            }
        }
        for (p, &xi) in preds.iter_mut().zip(x.iter()) {
            *p = xi;
        }
        Ok(())
    }

    /// PredictCsv's `--glrmReconstruct` (`impute_data`): the row's values imputed from its
    /// coordinates `x` (what [`Glrm::score`] gave), one per feature in the model's column
    /// order. A categorical gets the index of its best level by its loss (`mimpute`), a
    /// numeric its loss's `impute` of `x y`, put back on the data's scale when the model
    /// says so (`reverse_transform`).
    pub(super) fn reconstruct(&self, f64s: &[f64], x: &[f64], out: &mut [f64], java: Java<'_>) {
        let v = self.arrays(f64s);
        let ncats = self.ncats as usize;
        let numerics_at = self.level_total(&v);
        let mut offset = 0;
        for (d, &feature) in v.permutation.iter().enumerate() {
            let loss = Loss::from_code(at(v.losses, d));
            let value = if d < ncats {
                let levels = at(v.levels, d) as usize;
                let level = |l: usize| self.column_score(&v, x, offset + l);
                let best = match loss {
                    // `ArrayUtils.maxIndex`: the first largest.
                    Loss::Categorical => {
                        (1..levels).fold(0, |best, l| if level(l) > level(best) { l } else { best })
                    }
                    // The level whose ordinal loss is least (the first such).
                    _ => {
                        let mut sum = levels as f64 - 1.0;
                        let (mut best_loss, mut best) = (sum, 0);
                        for a in 1..levels {
                            sum -= math::java_min(1.0, level(a - 1));
                            if sum < best_loss {
                                (best_loss, best) = (sum, a);
                            }
                        }
                        best
                    }
                };
                offset += levels;
                best as f64
            } else {
                let ds = d - ncats;
                let u = self.column_score(&v, x, numerics_at + ds);
                let value = match loss {
                    Loss::Poisson => java.exp(u),
                    Loss::Logistic | Loss::Hinge => {
                        if u > 0.0 {
                            1.0
                        } else {
                            0.0
                        }
                    }
                    _ => u,
                };
                if self.reverse_transform {
                    value / at(v.norm_mul, ds) + at(v.norm_sub, ds)
                } else {
                    value
                }
            };
            if let Some(o) = out.get_mut(feature as usize) {
                *o = value;
            }
        }
    }

    /// Archetype columns of all the categoricals (where the numerics' start).
    fn level_total(&self, v: &Arrays<'_>) -> usize {
        let levels = v.levels.get(..self.ncats as usize).unwrap_or(&[]);
        levels.iter().map(|&l| l as usize).sum()
    }

    /// `x Y`, every archetype column's score, into `scores`. Each is summed over `k` in
    /// order, as [`Glrm::column_score`] and genmodel sum one, but a tile of columns at a
    /// time, their sums kept apart in registers: the tile's additions proceed side by side
    /// instead of each column being one long chain of dependent additions.
    fn archetype_scores(&self, v: &Arrays<'_>, x: &[f64], scores: &mut [f64]) {
        let width = self.width as usize;
        let mut first = 0;
        while first < width {
            let out = scores.get_mut(first..).unwrap_or(&mut []);
            first += match width - first {
                8.. => tile_scores::<8>(v.archetypes, width, x, first, out),
                4.. => tile_scores::<4>(v.archetypes, width, x, first, out),
                _ => tile_scores::<1>(v.archetypes, width, x, first, out),
            };
        }
    }

    /// `x y_c` for archetype column `c`.
    fn column_score(&self, v: &Arrays<'_>, x: &[f64], c: usize) -> f64 {
        let width = self.width as usize;
        let mut sum = 0.0;
        for (k, &xk) in x.iter().enumerate() {
            sum += xk * at(v.archetypes, k * width + c);
        }
        sum
    }

    /// `getRowData` and the columns' placement, once per row: for each column in the
    /// model's order, its first archetype column (`first`, NaN when the row has no value for
    /// it: NA, or a level at or past the column's count) and the value its loss sees
    /// (`value`: a categorical's level, a numeric's standardised value); returns the first
    /// numeric's archetype column (the numerics' are consecutive). genmodel advances
    /// the categoricals' archetype column offset only past the categoricals present in the
    /// row, so an NA categorical shifts every later column onto its neighbour's archetype
    /// column; this is the one place that does so.
    fn place(&self, v: &Arrays<'_>, row: &[f64], first: &mut [f64], value: &mut [f64]) -> usize {
        let ncats = self.ncats as usize;
        let mut offset = 0;
        for (j, (f, val)) in first.iter_mut().zip(value.iter_mut()).enumerate() {
            let raw = at(row, at(v.permutation, j) as usize);
            if j < ncats {
                let levels = at(v.levels, j);
                let present = !raw.is_nan() && raw < levels;
                (*f, *val) = if present {
                    (offset as f64, raw)
                } else {
                    (f64::NAN, f64::NAN)
                };
                if present {
                    offset += levels as usize;
                }
            } else {
                let js = j - ncats;
                (*f, *val) = if raw.is_nan() {
                    (f64::NAN, f64::NAN)
                } else {
                    (
                        (js + offset) as f64,
                        (raw - at(v.norm_sub, js)) * at(v.norm_mul, js),
                    )
                };
            }
        }
        offset
    }

    /// `e` naming column `j`'s feature if it is a level error, as genmodel's exception would
    /// point at it.
    fn naming(&self, v: &Arrays<'_>, j: usize, e: ScoreError) -> ScoreError {
        match e {
            ScoreError::Rejected { reason, .. } => ScoreError::Rejected {
                column: at(v.permutation, j) as u32,
                reason,
            },
            e => e,
        }
    }

    /// The row's loss at `x` plus the regularization (`objective`).
    fn objective(
        &self,
        v: &Arrays<'_>,
        x: &[f64],
        a: &Placed<'_>,
        scratch: &mut Scratch<'_>,
        java: Java<'_>,
    ) -> Result<f64, ScoreError> {
        self.archetype_scores(v, x, scratch.scores);
        let scores = &*scratch.scores;
        let ncats = self.ncats as usize;
        let mut res = 0.0;
        for (j, first, level) in a.categoricals(ncats) {
            let loss = Loss::from_code(at(v.losses, j));
            let levels = at(v.levels, j) as usize;
            let u = scores.get(first..first + levels).unwrap_or(&[]);
            res += loss
                .multi_loss(u, level as i32)
                .map_err(|e| self.naming(v, j, e))?;
        }
        for (js, column, value) in a.numerics(ncats) {
            let loss = Loss::from_code(at(v.losses, ncats + js));
            res += loss.loss(at(scores, column), value, &mut *java);
        }
        Ok(res + self.gamma_x * self.regularizer.value(x))
    }

    /// The gradient of the row's loss at `x` into `grad` (`gradientL`).
    fn gradient(
        &self,
        v: &Arrays<'_>,
        x: &[f64],
        a: &Placed<'_>,
        grad: &mut [f64],
        scratch: &mut Scratch<'_>,
        java: Java<'_>,
    ) -> Result<(), ScoreError> {
        self.archetype_scores(v, x, scratch.scores);
        let scores = &*scratch.scores;
        let width = self.width as usize;
        let y = |k: usize, c: usize| at(v.archetypes, k * width + c);
        let ncats = self.ncats as usize;
        grad.fill(0.0);
        for (j, first, level) in a.categoricals(ncats) {
            let loss = Loss::from_code(at(v.losses, j));
            let levels = at(v.levels, j) as usize;
            let u = scores.get(first..first + levels).unwrap_or(&[]);
            let level_grad = scratch.level_grad.get_mut(..levels).unwrap_or(&mut []);
            loss.multi_gradient(u, level as i32, level_grad)
                .map_err(|e| self.naming(v, j, e))?;
            for (k, g) in grad.iter_mut().enumerate() {
                for (c, &lg) in level_grad.iter().enumerate() {
                    *g += lg * y(k, first + c);
                }
            }
        }
        for (js, column, value) in a.numerics(ncats) {
            let loss = Loss::from_code(at(v.losses, ncats + js));
            let lg = loss.gradient(at(scores, column), value, &mut *java);
            for (k, g) in grad.iter_mut().enumerate() {
                *g += lg * y(k, column);
            }
        }
        Ok(())
    }
}

/// A row's columns as [`Glrm::place`] put them: each one's first archetype column (NaN
/// when absent) and the value its loss sees.
struct Placed<'w> {
    first: &'w [f64],
    value: &'w [f64],
    /// The first numeric's archetype column.
    numerics_at: usize,
}

impl Placed<'_> {
    /// The present categoricals: column, first archetype column, level.
    fn categoricals(&self, ncats: usize) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        let columns = self.first.iter().zip(self.value.iter()).take(ncats);
        columns
            .enumerate()
            .filter(|(_, (first, _))| !first.is_nan())
            .map(|(j, (&first, &level))| (j, first as usize, level))
    }

    /// The present numerics: index among the numerics, archetype column, standardised
    /// value. (Their archetype columns follow on from [`Placed::numerics_at`]; no
    /// conversion back from `first` is needed.)
    fn numerics(&self, ncats: usize) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        let columns = self.first.iter().zip(self.value.iter()).skip(ncats);
        columns
            .enumerate()
            .filter(|(_, (first, _))| !first.is_nan())
            .map(|(js, (_, &value))| (js, self.numerics_at + js, value))
    }
}

/// Scratch for the objective and the gradient: every archetype column's score and a
/// categorical's level gradient.
struct Scratch<'w> {
    scores: &'w mut [f64],
    level_grad: &'w mut [f64],
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;
    use crate::model::predict::CorrectlyRounded;

    #[test]
    fn ulp_is_javas() {
        assert_eq!(ulp(1.0), f64::EPSILON);
        assert_eq!(ulp(-1.0), f64::EPSILON);
        assert_eq!(ulp(0.0), f64::from_bits(1));
        assert_eq!(ulp(f64::MAX), libm::ldexp(1.0, 971));
        assert_eq!(ulp(f64::INFINITY), f64::INFINITY);
        assert!(ulp(f64::NAN).is_nan());
    }

    #[test]
    fn ties_for_the_largest_value_are_drawn_from_the_rows_generator() {
        let mut rng = JavaRandom::new(5);
        // No tie: the first largest, and no draw.
        assert_eq!(max_index(&[1.0, 3.0, 2.0], &mut rng), 1);
        assert_eq!(rng, JavaRandom::new(5));
        // `count` starts at 0, so the first tie after a start at index 0 always moves
        // (nextInt(1) is 0), and each later one moves with probability 1/count.
        for seed in 0..50 {
            let mut r = JavaRandom::new(seed);
            let mut java = JavaRandom::new(seed);
            let _ = java.next_int_below(1);
            let want = if java.next_int_below(2) == Some(0) {
                2
            } else {
                1
            };
            assert_eq!(max_index(&[2.0, 2.0, 2.0], &mut r), want, "seed {seed}");
        }
    }

    #[test]
    fn a_tile_of_scores_has_the_bits_of_one_chain_per_column() {
        let mut rng = JavaRandom::new(5);
        let (rank, width) = (37, 13);
        let y: [f64; 37 * 13] = core::array::from_fn(|_| rng.next_gaussian() * 1e3);
        let x: [f64; 37] = core::array::from_fn(|_| rng.next_gaussian());
        let chain = |c: usize| (0..rank).fold(0.0, |s, k| s + x[k] * y[k * width + c]);
        let mut out = [0.0; 8];
        for first in 0..width {
            let n = match width - first {
                8.. => tile_scores::<8>(&y, width, &x, first, &mut out),
                4.. => tile_scores::<4>(&y, width, &x, first, &mut out),
                _ => tile_scores::<1>(&y, width, &x, first, &mut out),
            };
            for (i, &got) in out[..n].iter().enumerate() {
                assert_eq!(
                    got.to_bits(),
                    chain(first + i).to_bits(),
                    "column {}",
                    first + i
                );
            }
        }
    }

    #[test]
    fn the_simplex_projection_lands_on_the_simplex() {
        let mut rng = JavaRandom::new(11);
        let mut order = [0.0; 6];
        for _ in 0..200 {
            let u: [f64; 6] = core::array::from_fn(|_| rng.next_gaussian() * 3.0);
            let mut x = [0.0; 6];
            simplex(&u, &mut x, &mut order);
            assert!(x.iter().all(|&v| v >= 0.0), "{x:?}");
            let sum: f64 = x.iter().sum();
            assert!((sum - 1.0).abs() < 1e-12, "{sum}");
            // (Not always `value(x) == 0`: genmodel's tolerance, (n - 1) ulps of the sum
            // times the sum of magnitudes, is tighter than the projection's own rounding.)
            // The projection keeps the order of the coordinates.
            for i in 0..6 {
                for j in 0..6 {
                    if u[i] < u[j] {
                        assert!(x[i] <= x[j]);
                    }
                }
            }
        }
        // A point already on the simplex stays where it is.
        let mut x = [0.0; 3];
        simplex(&[0.25, 0.5, 0.25], &mut x, &mut order[..3]);
        assert_eq!(x, [0.25, 0.5, 0.25]);
    }

    #[test]
    fn level_losses_follow_genmodel() {
        let u = [0.5, -2.0, 1.5];
        // Categorical: sum of max(1 + u, 0), then the true level's term swapped.
        let want = (1.5 + 0.0 + 2.5) + ((1.0f64 - 1.5).max(0.0) - 2.5);
        assert_eq!(Loss::Categorical.multi_loss(&u, 2), Ok(want));
        let mut grad = [9.0; 3];
        Loss::Categorical.multi_gradient(&u, 1, &mut grad).unwrap();
        assert_eq!(grad, [1.0, -1.0, 1.0]);
        // Ordinal: levels below the true one pay max(1 - u, 0), the others 1; the last
        // level never counts.
        assert_eq!(Loss::Ordinal.multi_loss(&u, 1), Ok(0.5 + 1.0));
        Loss::Ordinal.multi_gradient(&u, 2, &mut grad).unwrap();
        assert_eq!(grad, [-1.0, -1.0, 0.0]);
        // A level outside the scores is genmodel's IndexOutOfBoundsException.
        assert!(Loss::Categorical.multi_loss(&u, 3).is_err());
        assert!(Loss::Ordinal.multi_gradient(&u, -1, &mut grad).is_err());
    }

    #[test]
    fn value_losses_and_their_gradients_agree() {
        let mut java = CorrectlyRounded;
        let value_losses = Loss::ALL
            .into_iter()
            .filter(|l| !matches!(l, Loss::Categorical | Loss::Ordinal));
        for loss in value_losses {
            for (u, a) in [(0.3, 1.0), (-2.5, 0.0), (4.0, 1.0), (1.7, 3.0)] {
                let h = 1e-6;
                let slope =
                    (loss.loss(u + h, a, &mut java) - loss.loss(u - h, a, &mut java)) / (2.0 * h);
                let g = loss.gradient(u, a, &mut java);
                assert!(
                    (slope - g).abs() < 1e-5,
                    "{loss:?} at ({u}, {a}): {slope} vs {g}"
                );
            }
        }
        assert_eq!(signum(-0.0).to_bits(), (-0.0f64).to_bits());
        assert!(signum(f64::NAN).is_nan());
    }
}
