//! Deep Learning (`DeeplearningMojoModel`): a feed-forward network scored layer by layer.
//!
//! The input vector is genmodel's `setInput`: one-hot categoricals (each block ends with an
//! NA slot), then standardised numerics with NA as 0. Each layer is `NeuralNetwork.fprop1Layer`:
//! a dot product of f32 weights (stored here widened to f64) with the f64 inputs, summed in
//! genmodel's eight partial sums, plus the f64 bias, then the activation. The output layer is
//! softmax for classifiers, linear for regression and the hidden activation for autoencoders.
//!
//! Memory: the normalisation arrays, `cat_offsets`, then per layer its weights and biases,
//! then a table of [`LAYER_FIELDS`] doubles per layer. Scratch: two layers' worth of doubles,
//! used alternately as a layer's input and output.
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::Sink;
use super::math::java_min;
use super::predict::Java;
use super::{Family, Span};
use crate::error::{ModelError, ScoreError};
use crate::ini::{self, Ini};

/// Widest layer (units, counting both Maxout channels) or input vector a network may have.
/// It bounds the per-row scratch (two layers: 16 MiB at this width) and keeps the layer
/// table's index arithmetic far from `u32` overflow; H2O networks are hundreds wide, and the
/// input grows with categorical levels.
const MAX_UNITS: usize = 1 << 20;

/// Layers (hidden plus output) a network may have: build collects the layer table on the
/// stack before storing it. H2O's `hidden` lists rarely exceed a handful.
const MAX_LAYERS: usize = 128;

/// Doubles per layer in the stored table: inputs, units, channels, first weight, first bias,
/// dropout ratio.
const LAYER_FIELDS: usize = 6;

/// A layer's activation (`NeuralNetwork.createActFuns`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Activation {
    Tanh,
    Rectifier,
    ExpRectifier,
    /// The maximum over the layer's channels (`bias.len / units` of them).
    Maxout,
    Softmax,
    Linear,
}

/// What the output layer means (`modifyOutputs`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Output {
    /// One probability per class; genmodel's classifier finish follows.
    Classifier,
    /// One value, un-normalised and put through the distribution's inverse link.
    Regression,
    /// The reconstructed input vector, numerics un-standardised.
    AutoEncoder,
}

/// The Deep Learning inverse link (`DeeplearningMojoModel.linkInv`), capped at 1e19.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Link {
    Identity,
    Logistic,
    Exp,
}

/// Everything a Deep Learning model needs at scoring time (spans into the model's doubles).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeepLearning {
    output: Output,
    link: Link,
    /// `(norm_resp_mul[0], norm_resp_sub[0])` when the response was standardised.
    response_norm: Option<(f64, f64)>,
    hidden: Activation,
    hidden_dropout: bool,
    last: Activation,
    last_dropout: bool,
    use_all_factor_levels: bool,
    cats: u32,
    nums: u32,
    /// `cats + 1` block starts in the input vector, stored as doubles.
    cat_offsets: Span,
    /// Per-numeric `(x - sub) * mul`; both empty when the model does not standardise.
    norm_mul: Span,
    norm_sub: Span,
    /// [`LAYER_FIELDS`] doubles per layer.
    layers: Span,
    n_layers: u32,
    /// `neural_network_sizes[0]`: the input vector's length.
    input_width: u32,
    /// The widest input vector or layer (before Maxout's reduction): one scratch half.
    max_width: u32,
    n_classes: u32,
}

/// One row of the layer table, as scoring reads it.
#[derive(Clone, Copy, Debug)]
struct Layer {
    inputs: usize,
    units: usize,
    channels: usize,
    weights: usize,
    bias: usize,
    dropout: f64,
}

impl Layer {
    fn from_row(row: &[f64]) -> Option<Layer> {
        let &[inputs, units, channels, weights, bias, dropout] = row else {
            return None;
        };
        // Stored by build from usize values below MAX_UNITS and span starts, so exact.
        Some(Layer {
            inputs: inputs as usize,
            units: units as usize,
            channels: channels as usize,
            weights: weights as usize,
            bias: bias as usize,
            dropout,
        })
    }
}

fn activation(name: &str) -> Option<(Activation, bool)> {
    Some(match name {
        "Tanh" => (Activation::Tanh, false),
        "TanhWithDropout" => (Activation::Tanh, true),
        "Rectifier" => (Activation::Rectifier, false),
        "RectifierWithDropout" => (Activation::Rectifier, true),
        "ExpRectifier" => (Activation::ExpRectifier, false),
        "ExpRectifierWithDropout" => (Activation::ExpRectifier, true),
        "Maxout" => (Activation::Maxout, false),
        "MaxoutWithDropout" => (Activation::Maxout, true),
        _ => return None,
    })
}

/// Stores the `[a, b, …]` array at `key` (`None` when absent or `null`); `narrow` rounds each
/// value to f32 first, as genmodel's `convertDouble2Float` does to weights.
fn array(
    ini: &Ini<'_>,
    key: &str,
    name: &'static str,
    narrow: bool,
    sink: &mut dyn Sink,
) -> Result<Option<Span>, ModelError> {
    let Some(text) = ini.get(key) else {
        return Ok(None);
    };
    let items = ini::array(text).ok_or(ModelError::BadValue(name))?;
    let mut bad = false;
    let mut n = 0u32;
    let mut values = items.map(|s| {
        n = n.saturating_add(1);
        let v = ini::double(s).unwrap_or_else(|| {
            bad = true;
            f64::NAN
        });
        if narrow {
            f64::from(v as f32)
        } else {
            v
        }
    });
    let first = sink.f64s(&mut values)?;
    if bad {
        return Err(ModelError::BadValue(name));
    }
    Ok(Some(Span { first, len: n }))
}

/// `prefix` followed by the layer number (`weight_layer0`).
fn layer_key(prefix: &str, layer: usize) -> Result<heapless::String<32>, ModelError> {
    let mut key = heapless::String::new();
    write!(key, "{prefix}{layer}").map_err(|_| ModelError::TooLarge("Deep Learning layers"))?;
    Ok(key)
}

fn count(ini: &Ini<'_>, key: &'static str) -> Result<u32, ModelError> {
    ini::int(ini.require(key)?)
        .and_then(|n| u32::try_from(n).ok())
        .ok_or(ModelError::BadValue(key))
}

impl DeepLearning {
    /// Reads the network from `model.ini` into `sink`.
    pub(super) fn build(
        ini: &Ini<'_>,
        n_features: usize,
        n_classes: usize,
        sink: &mut dyn Sink,
    ) -> Result<DeepLearning, ModelError> {
        let output = match ini.require("category")? {
            "AutoEncoder" => Output::AutoEncoder,
            "Binomial" | "Multinomial" | "Ordinal" => Output::Classifier,
            _ => Output::Regression,
        };
        let family = Family::from_key(ini.require("distribution")?)
            .ok_or(ModelError::BadValue("distribution"))?;
        let link = match family {
            Family::Bernoulli | Family::Quasibinomial | Family::ModifiedHuber | Family::Ordinal => {
                Link::Logistic
            }
            Family::Multinomial | Family::Poisson | Family::Gamma | Family::Tweedie => Link::Exp,
            _ => Link::Identity,
        };
        if family == Family::ModifiedHuber && output != Output::AutoEncoder {
            // genmodel ignores the network and returns label -1 with constant probabilities,
            // which its EasyPredict wrapper (and so PredictCsv) cannot turn into a label.
            return Err(ModelError::Unsupported(
                "Deep Learning with distribution modified_huber (genmodel predicts label -1)",
            ));
        }
        let (hidden, hidden_dropout) =
            activation(ini.require("activation")?).ok_or(ModelError::BadValue("activation"))?;
        let (last, last_dropout) = match output {
            Output::AutoEncoder => (hidden, hidden_dropout),
            Output::Classifier => (Activation::Softmax, false),
            Output::Regression => (Activation::Linear, false),
        };
        let cats = count(ini, "cats")?;
        let nums = count(ini, "nums")?;
        if cats as usize + nums as usize > n_features {
            return Err(ModelError::BadValue("cats"));
        }

        let mut units = [0usize; MAX_LAYERS + 1];
        let mut n_units = 0usize;
        let sizes = ini::array(ini.require("neural_network_sizes")?)
            .ok_or(ModelError::BadValue("neural_network_sizes"))?;
        for s in sizes {
            let n = ini::int(s)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|&n| (1..=MAX_UNITS).contains(&n))
                .ok_or(ModelError::BadValue("neural_network_sizes"))?;
            *units
                .get_mut(n_units)
                .ok_or(ModelError::TooLarge("Deep Learning layers"))? = n;
            n_units += 1;
        }
        let n_layers = n_units
            .checked_sub(1)
            .filter(|&n| n >= 1)
            .ok_or(ModelError::BadValue("neural_network_sizes"))?;

        let norm_mul = array(ini, "norm_mul", "norm_mul", false, sink)?.unwrap_or_default();
        let norm_sub = array(ini, "norm_sub", "norm_sub", false, sink)?.unwrap_or_default();
        let cat_offsets =
            array(ini, "cat_offsets", "cat_offsets", false, sink)?.unwrap_or_default();
        let response_norm = match (ini.get("norm_resp_mul"), ini.get("norm_resp_sub")) {
            (None, _) => None,
            (Some(mul), Some(sub)) => {
                let first = |text: &str, key: &'static str| {
                    ini::array(text)
                        .and_then(|mut items| items.next())
                        .and_then(ini::double)
                        .ok_or(ModelError::BadValue(key))
                };
                Some((first(mul, "norm_resp_mul")?, first(sub, "norm_resp_sub")?))
            }
            // genmodel dereferences norm_resp_sub whenever norm_resp_mul is present.
            (Some(_), None) => return Err(ModelError::MissingKey("norm_resp_sub")),
        };
        let dropouts = ini
            .get("hidden_dropout_ratios")
            .and_then(ini::array)
            .ok_or(ModelError::BadValue("hidden_dropout_ratios"))?;
        let mut dropouts = dropouts.map(ini::double);

        let mut table = [[0.0f64; LAYER_FIELDS]; MAX_LAYERS];
        let mut max_width = units.first().copied().unwrap_or(0);
        for (layer, row) in table.iter_mut().enumerate().take(n_layers) {
            let (inputs, width) = match units.get(layer..layer + 2) {
                Some(&[a, b]) => (a, b),
                _ => return Err(ModelError::BadValue("neural_network_sizes")),
            };
            let bias = array(
                ini,
                &layer_key("bias_layer", layer)?,
                "bias_layer",
                false,
                sink,
            )?
            .ok_or(ModelError::MissingKey("bias_layer"))?;
            let weights = array(
                ini,
                &layer_key("weight_layer", layer)?,
                "weight_layer",
                true,
                sink,
            )?
            .ok_or(ModelError::MissingKey("weight_layer"))?;
            let activation = if layer + 1 == n_layers { last } else { hidden };
            // NeuralNetwork: a Maxout layer has `bias.length / units` channels.
            let channels = if activation == Activation::Maxout {
                bias.len as usize / width
            } else {
                1
            };
            // MaxoutOut walks channel k at offset 0+1+…+k, which only stays inside the
            // layer for one or two channels; genmodel fails on every row otherwise.
            if !(1..=2).contains(&channels) {
                return Err(ModelError::Corrupt("Deep Learning Maxout channels"));
            }
            // genmodel reads exactly these many; H2O writes exactly these many.
            if bias.len as usize != width * channels
                || weights.len as usize != width * channels * inputs
            {
                return Err(ModelError::Corrupt("Deep Learning layer sizes"));
            }
            let dropout = dropouts
                .next()
                .flatten()
                .ok_or(ModelError::BadValue("hidden_dropout_ratios"))?;
            max_width = max_width.max(width * channels);
            *row = [
                inputs as f64,
                width as f64,
                channels as f64,
                f64::from(weights.first),
                f64::from(bias.first),
                dropout,
            ];
        }
        if max_width > MAX_UNITS {
            return Err(ModelError::TooLarge("Deep Learning layer width"));
        }
        let mut cells = table.iter().take(n_layers).flatten().copied();
        let first = sink.f64s(&mut cells)?;
        let layers = Span {
            first,
            len: (n_layers * LAYER_FIELDS) as u32,
        };
        Ok(DeepLearning {
            output,
            link,
            response_norm,
            hidden,
            hidden_dropout,
            last,
            last_dropout,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            cats,
            nums,
            cat_offsets,
            norm_mul,
            norm_sub,
            layers,
            n_layers: n_layers as u32,
            input_width: units.first().copied().unwrap_or(0) as u32,
            max_width: max_width as u32,
            n_classes: n_classes as u32,
        })
    }

    /// Checks the loaded values, so that scoring cannot index outside them.
    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let corrupt = ModelError::Corrupt("Deep Learning arrays");
        let in_range = |s: Span| s.first as usize + s.len as usize <= f64s.len();
        if ![self.cat_offsets, self.norm_mul, self.norm_sub, self.layers]
            .into_iter()
            .all(in_range)
        {
            return Err(corrupt);
        }
        let (cats, nums) = (self.cats as usize, self.nums as usize);
        let input_width = self.input_width as usize;
        let max_width = self.max_width as usize;
        if input_width > max_width || max_width > MAX_UNITS {
            return Err(corrupt);
        }

        let offsets = span(f64s, self.cat_offsets);
        let integral = |v: f64| v >= 0.0 && v <= MAX_UNITS as f64 && v == libm::trunc(v);
        if offsets.len() != cats + 1
            || !offsets.iter().all(|&v| integral(v))
            || !offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b))
        {
            return Err(ModelError::BadValue("cat_offsets"));
        }
        let numeric_start = offsets.last().copied().unwrap_or(0.0) as usize;
        if numeric_start + nums != input_width {
            return Err(ModelError::Corrupt(
                "Deep Learning input layer does not match its columns",
            ));
        }
        let standardised = self.norm_mul.len != 0;
        if standardised
            && (self.norm_mul.len as usize != nums || self.norm_sub.len as usize != nums)
        {
            return Err(ModelError::BadValue("norm_mul"));
        }

        let table = span(f64s, self.layers);
        if table.len() != self.n_layers as usize * LAYER_FIELDS || self.n_layers == 0 {
            return Err(corrupt);
        }
        let mut width = input_width;
        for row in table.chunks_exact(LAYER_FIELDS) {
            let layer = Layer::from_row(row).ok_or(corrupt)?;
            let cells = layer.units.saturating_mul(layer.channels);
            let fits = |first: usize, len: Option<usize>| {
                len.and_then(|len| first.checked_add(len))
                    .is_some_and(|end| end <= f64s.len())
            };
            if layer.inputs != width
                || layer.units == 0
                || !(1..=2).contains(&layer.channels)
                || cells > max_width
                || !fits(layer.weights, cells.checked_mul(layer.inputs))
                || !fits(layer.bias, Some(cells))
            {
                return Err(ModelError::Corrupt("Deep Learning layer sizes"));
            }
            width = layer.units;
        }
        let expected = match self.output {
            Output::Classifier => self.n_classes as usize,
            Output::Regression => 1,
            Output::AutoEncoder => input_width,
        };
        if width != expected {
            return Err(ModelError::Corrupt(
                "Deep Learning output layer does not match the model category",
            ));
        }
        Ok(())
    }

    /// Scratch doubles [`DeepLearning::score`] needs.
    pub(super) fn work_len(&self) -> usize {
        2 * self.max_width as usize
    }

    /// Values in a prediction buffer (genmodel's `getPredsSize`): the input vector's length
    /// for an autoencoder, otherwise `1 + n_classes` for classifiers and 2 for regression.
    pub fn preds_len(&self) -> usize {
        match self.output {
            Output::AutoEncoder => self.input_width as usize,
            Output::Classifier => 1 + self.n_classes as usize,
            Output::Regression => 2,
        }
    }

    /// Scores `row` into `preds`; returns whether genmodel's classifier finish (class
    /// distribution correction and `getPrediction`) still has to run.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
        work: &mut [f64],
    ) -> Result<bool, ScoreError> {
        let width = self.max_width as usize;
        if work.len() < 2 * width {
            return Err(ScoreError::WorkLength {
                expected: 2 * self.max_width,
                found: work.len() as u32,
            });
        }
        if preds.len() != self.preds_len() {
            return Err(ScoreError::PredsLength {
                expected: self.preds_len() as u32,
                found: preds.len() as u32,
            });
        }
        let (mut current, rest) = work.split_at_mut(width);
        let mut next = rest.get_mut(..width).unwrap_or(&mut []);
        let mut n = self.input_width as usize;
        self.set_input(f64s, row, current.get_mut(..n).unwrap_or(&mut []));

        let table = span(f64s, self.layers);
        let n_layers = self.n_layers as usize;
        for (i, cells) in table.chunks_exact(LAYER_FIELDS).enumerate() {
            let Some(layer) = Layer::from_row(cells) else {
                break;
            };
            let inputs = current.get(..n).unwrap_or(&[]);
            let out = next
                .get_mut(..layer.units * layer.channels)
                .unwrap_or(&mut []);
            let weights = f64s
                .get(layer.weights..layer.weights + out.len() * n)
                .unwrap_or(&[]);
            let bias = f64s.get(layer.bias..layer.bias + out.len()).unwrap_or(&[]);
            if layer.channels == 1 {
                dense(weights, bias, inputs, out);
            } else {
                maxout_dense(weights, bias, inputs, out, layer.channels);
            }
            let (activation, dropout) = if i + 1 == n_layers {
                (self.last, self.last_dropout)
            } else {
                (self.hidden, self.hidden_dropout)
            };
            activate(activation, out, layer.channels, &mut *java);
            let out = out.get_mut(..layer.units).unwrap_or(&mut []);
            // ActivationUtils.applyDropout: scale by the keep ratio, only when positive.
            if dropout && layer.dropout > 0.0 {
                let keep = 1.0 - layer.dropout;
                out.iter_mut().for_each(|v| *v *= keep);
            }
            n = layer.units;
            core::mem::swap(&mut current, &mut next);
        }
        let out = current.get(..n).unwrap_or(&[]);
        self.finish(f64s, out, preds, java)
    }

    /// `GenModel.setInput` with `replaceMissingWithZero`: `input` is the whole input vector.
    fn set_input(&self, f64s: &[f64], row: &[f64], input: &mut [f64]) {
        input.fill(0.0);
        let offsets = span(f64s, self.cat_offsets);
        // Validated: small non-negative integers.
        let offset = |i: usize| offsets.get(i).map_or(0, |&v| v as i32);
        let cats = self.cats as usize;
        for i in 0..cats {
            let x = row.get(i).copied().unwrap_or(f64::NAN);
            let end = offset(i + 1);
            // GenModel.setCats, in Java int arithmetic (a cast saturates, sums wrap).
            let hot = if x.is_nan() {
                end.wrapping_sub(1)
            } else {
                let level = x as i32;
                let hot = if self.use_all_factor_levels {
                    level.wrapping_add(offset(i))
                } else if level != 0 {
                    level.wrapping_sub(1).wrapping_add(offset(i))
                } else {
                    -1
                };
                if hot >= end {
                    end.wrapping_sub(1)
                } else {
                    hot
                }
            };
            if let Some(slot) = usize::try_from(hot).ok().and_then(|h| input.get_mut(h)) {
                *slot = 1.0;
            }
        }
        let mul = span(f64s, self.norm_mul);
        let sub = span(f64s, self.norm_sub);
        let numeric = row.get(cats..cats + self.nums as usize).unwrap_or(&[]);
        let start = offset(cats) as usize;
        let slots = input.get_mut(start..).unwrap_or(&mut []);
        for (j, (slot, &x)) in slots.iter_mut().zip(numeric).enumerate() {
            let x = match (mul.get(j), sub.get(j)) {
                (Some(&m), Some(&s)) => (x - s) * m,
                _ => x,
            };
            *slot = if x.is_nan() { 0.0 } else { x };
        }
    }

    /// `DeeplearningMojoModel.modifyOutputs` for the output layer `out`.
    fn finish(
        &self,
        f64s: &[f64],
        out: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
    ) -> Result<bool, ScoreError> {
        match self.output {
            Output::Classifier => {
                for (slot, &p) in preds.iter_mut().skip(1).zip(out) {
                    if p.is_nan() {
                        return Err(ScoreError::Rejected {
                            column: 0,
                            reason: "predicted class probability is NaN",
                        });
                    }
                    *slot = p;
                }
                Ok(true)
            }
            Output::Regression => {
                let mut v = out.first().copied().unwrap_or(f64::NAN);
                if let Some((mul, sub)) = self.response_norm {
                    v = v / mul + sub;
                }
                v = match self.link {
                    Link::Identity => v,
                    Link::Logistic => 1.0 / (1.0 + java_min(1e19, java.exp(-v))),
                    Link::Exp => java_min(1e19, java.exp(v)),
                };
                if v.is_nan() {
                    return Err(ScoreError::Rejected {
                        column: 0,
                        reason: "predicted regression target is NaN",
                    });
                }
                if let Some(slot) = preds.first_mut() {
                    *slot = v;
                }
                Ok(false)
            }
            Output::AutoEncoder => {
                let mul = span(f64s, self.norm_mul);
                let sub = span(f64s, self.norm_sub);
                // Numerics close the vector; only they are un-standardised.
                let first_numeric = if mul.is_empty() {
                    out.len()
                } else {
                    out.len().saturating_sub(self.nums as usize)
                };
                for (i, (slot, &v)) in preds.iter_mut().zip(out).enumerate() {
                    *slot = match i.checked_sub(first_numeric) {
                        Some(j) => match (mul.get(j), sub.get(j)) {
                            (Some(&m), Some(&s)) => v / m + s,
                            _ => v,
                        },
                        None => v,
                    };
                }
                Ok(false)
            }
        }
    }
}

/// `NeuralNetwork.formNNInputs`: `out[r] = Σ w[r][c] x[c] + bias[r]`, summed as H2O's
/// `gemv_row_optimized` does so that the bits match: eight running sums over whole blocks
/// of eight columns, folded as `0 + ((s0+s1)+s2)+s3` then `+ ((s4+s5)+s6)+s7`, then the
/// remaining columns one by one, then the bias.
fn dense(weights: &[f64], bias: &[f64], inputs: &[f64], out: &mut [f64]) {
    let n = inputs.len();
    for (r, slot) in out.iter_mut().enumerate() {
        let w = weights.get(r * n..(r + 1) * n).unwrap_or(&[]);
        let mut w8 = w.chunks_exact(8);
        let mut x8 = inputs.chunks_exact(8);
        let mut s = [0.0f64; 8];
        for (wc, xc) in (&mut w8).zip(&mut x8) {
            for ((s, &w), &x) in s.iter_mut().zip(wc).zip(xc) {
                *s += w * x;
            }
        }
        let [s0, s1, s2, s3, s4, s5, s6, s7] = s;
        let mut acc = 0.0;
        acc += ((s0 + s1) + s2) + s3;
        acc += ((s4 + s5) + s6) + s7;
        for (&w, &x) in w8.remainder().iter().zip(x8.remainder()) {
            acc += w * x;
        }
        *slot = acc + bias.get(r).copied().unwrap_or(0.0);
    }
}

/// `NeuralNetwork.formNNInputsMaxOut`: channel `k` of unit `r` is
/// `Σ x[c] w[channels (r n + c) + k] + bias[channels r + k]`, summed in column order.
fn maxout_dense(weights: &[f64], bias: &[f64], inputs: &[f64], out: &mut [f64], channels: usize) {
    let n = inputs.len();
    for (idx, slot) in out.iter_mut().enumerate() {
        let (r, k) = (idx / channels, idx % channels);
        let w = weights
            .get(channels * r * n..channels * (r + 1) * n)
            .unwrap_or(&[]);
        let mut acc = 0.0;
        for (&x, &w) in inputs.iter().zip(w.iter().skip(k).step_by(channels)) {
            acc += x * w;
        }
        *slot = acc + bias.get(idx).copied().unwrap_or(0.0);
    }
}

/// `ActivationUtils.*Out.eval` in place; a Maxout layer leaves its units at the front.
fn activate(activation: Activation, out: &mut [f64], channels: usize, java: Java<'_>) {
    match activation {
        Activation::Tanh => out
            .iter_mut()
            .for_each(|v| *v = 1.0 - 2.0 / (1.0 + java.exp(2.0 * *v))),
        Activation::Rectifier => out.iter_mut().for_each(|v| *v = 0.5 * (*v + v.abs())),
        Activation::ExpRectifier => out
            .iter_mut()
            .for_each(|v| *v = if *v >= 0.0 { *v } else { java.exp(*v) - 1.0 }),
        Activation::Maxout => {
            // Unit r reads its channels at r*channels and after, so writing out[r] never
            // clobbers a value still to be read.
            for r in 0..out.len() / channels.max(1) {
                let first = r * channels;
                let mut max = out.get(first).copied().unwrap_or(f64::NAN);
                for &v in out.get(first..first + channels).unwrap_or(&[]) {
                    max = if max > v { max } else { v };
                }
                if let Some(slot) = out.get_mut(r) {
                    *slot = max;
                }
            }
        }
        Activation::Softmax => {
            let mut max = out.first().copied().unwrap_or(0.0);
            for &v in out.iter() {
                if max < v {
                    max = v;
                }
            }
            let mut sum = 0.0;
            for v in out.iter_mut() {
                *v = java.exp(*v - max);
                sum += *v;
            }
            out.iter_mut().for_each(|v| *v /= sum);
        }
        Activation::Linear => {}
    }
}

fn span(f64s: &[f64], s: Span) -> &[f64] {
    s.values(f64s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::indexing_slicing)]
    use super::*;
    use crate::model::layout::{Counter, Layout, Regions, Writer};
    use crate::model::math::exp;
    use crate::model::predict::CorrectlyRounded;
    use std::format;
    use std::string::String;
    use std::vec;
    use std::vec::Vec;

    /// A `model.ini` with the given `[info]` lines and `n` feature columns.
    fn ini_text(category: &str, n: usize, info: &str) -> String {
        let mut text = format!(
            "[info]\nn_columns = {n}\ncategory = {category}\nmojo_version = 1.10\n\
             _genmodel_encoding = AUTO\n{info}\n[columns]\n"
        );
        (0..n).for_each(|i| text.push_str(&format!("c{i}\n")));
        text
    }

    /// Builds twice (counting, then writing), as the loader does, and validates.
    fn load(text: &str, n_classes: usize) -> Result<(DeepLearning, Vec<f64>), ModelError> {
        let ini = Ini::new(text)?;
        let n_features = ini.n_columns();
        let mut counter = Counter::default();
        let counted = DeepLearning::build(&ini, n_features, n_classes, &mut counter)?;
        let layout = Layout::new(counter.counts)?;
        let mut mem = vec![0u64; layout.words()];
        let mut w = Writer::new(&layout, &mut mem)?;
        let dl = DeepLearning::build(&ini, n_features, n_classes, &mut w)?;
        w.finish(&layout)?;
        assert_eq!(dl, counted, "both passes build the same model");
        let f64s = Regions::new(&layout, &mem).f64s.to_vec();
        dl.validate(&f64s)?;
        Ok((dl, f64s))
    }

    fn score(dl: &DeepLearning, f64s: &[f64], row: &[f64]) -> Result<(Vec<f64>, bool), ScoreError> {
        let mut preds = vec![0.0; dl.preds_len()];
        let mut work = vec![f64::NAN; dl.work_len()];
        let finish = dl.score(f64s, row, &mut preds, &mut CorrectlyRounded, &mut work)?;
        Ok((preds, finish))
    }

    fn list(values: &[f64]) -> String {
        let items: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
        format!("[{}]", items.join(", "))
    }

    #[test]
    fn eight_partial_sums() {
        // 19 inputs: two blocks of eight and a tail of three. Magnitudes are chosen so that
        // a plain left-to-right sum gives a different answer.
        let x: Vec<f64> = (0..19)
            .map(|i| match i % 4 {
                0 => 1e17,
                1 => 3.0,
                2 => -1e17,
                _ => 0.25 + i as f64,
            })
            .collect();
        let w: Vec<f64> = (0..19)
            .map(|i| if i % 3 == 0 { 1.0 } else { 0.5 })
            .collect();
        let info = format!(
            "nums = 19\ncats = 0\ncat_offsets = [0]\nactivation = Rectifier\n\
             distribution = gaussian\nneural_network_sizes = [19, 1]\n\
             hidden_dropout_ratios = [0.0]\nweight_layer0 = {}\nbias_layer0 = [0.125]",
            list(&w)
        );
        let (dl, f64s) = load(&ini_text("Regression", 19, &info), 1).unwrap();
        let (preds, finish) = score(&dl, &f64s, &x).unwrap();
        assert!(!finish);
        let mut s = [0.0f64; 8];
        for block in 0..2 {
            for (j, s) in s.iter_mut().enumerate() {
                *s += w[block * 8 + j] * x[block * 8 + j];
            }
        }
        let mut want = 0.0 + (((s[0] + s[1]) + s[2]) + s[3]);
        want += ((s[4] + s[5]) + s[6]) + s[7];
        for i in 16..19 {
            want += w[i] * x[i];
        }
        want += 0.125;
        let naive = w.iter().zip(&x).fold(0.0, |a, (w, x)| a + w * x) + 0.125;
        assert_ne!(
            want.to_bits(),
            naive.to_bits(),
            "the test must tell the orders apart"
        );
        assert_eq!(preds[0].to_bits(), want.to_bits());
    }

    #[test]
    fn weights_are_rounded_to_f32() {
        let info = "nums = 1\ncats = 0\ncat_offsets = [0]\nactivation = Tanh\n\
                    distribution = gaussian\nneural_network_sizes = [1, 1]\n\
                    hidden_dropout_ratios = [0.0]\nweight_layer0 = [0.1]\nbias_layer0 = [0.1]";
        let (dl, f64s) = load(&ini_text("Regression", 1, info), 1).unwrap();
        let (preds, _) = score(&dl, &f64s, &[1.0]).unwrap();
        assert_eq!(preds[0], f64::from(0.1f32) + 0.1);
    }

    /// One categorical (levels a, b, c without level 0: slots b, c, NA) and one standardised
    /// numeric into 2 Tanh units and a softmax over 2 classes.
    fn classifier() -> (DeepLearning, Vec<f64>) {
        let info = "nums = 1\ncats = 1\ncat_offsets = [0, 3]\nuse_all_factor_levels = false\n\
                    norm_mul = [0.5]\nnorm_sub = [10.0]\nactivation = Tanh\n\
                    distribution = bernoulli\nneural_network_sizes = [4, 2, 2]\n\
                    hidden_dropout_ratios = [0.0, 0.0]\n\
                    weight_layer0 = [0.5, -0.25, 1.0, 0.75, -0.5, 0.25, 2.0, -1.0]\n\
                    bias_layer0 = [0.1, -0.2]\n\
                    weight_layer1 = [1.5, -0.5, -1.0, 0.5]\nbias_layer1 = [0.0, 0.25]";
        load(&ini_text("Binomial", 2, info), 2).unwrap()
    }

    fn classifier_reference(input: [f64; 4]) -> [f64; 2] {
        let w0 = [[0.5, -0.25, 1.0, 0.75], [-0.5, 0.25, 2.0, -1.0]];
        let (b0, w1, b1) = ([0.1, -0.2], [[1.5, -0.5], [-1.0, 0.5]], [0.0, 0.25]);
        let tanh = |x: f64| 1.0 - 2.0 / (1.0 + exp(2.0 * x));
        let h: Vec<f64> = (0..2)
            .map(|r| tanh((0..4).fold(0.0, |a, c| a + w0[r][c] * input[c]) + b0[r]))
            .collect();
        let o: Vec<f64> = (0..2)
            .map(|r| (0..2).fold(0.0, |a, c| a + w1[r][c] * h[c]) + b1[r])
            .collect();
        let max = if o[0] < o[1] { o[1] } else { o[0] };
        let e = [exp(o[0] - max), exp(o[1] - max)];
        let sum = e[0] + e[1];
        [e[0] / sum, e[1] / sum]
    }

    #[test]
    fn classifier_input_vector_and_softmax() {
        let (dl, f64s) = classifier();
        let cases: [([f64; 2], [f64; 4]); 6] = [
            ([1.0, 12.0], [1.0, 0.0, 0.0, 1.0]),
            ([2.0, 8.0], [0.0, 1.0, 0.0, -1.0]),
            // Level 0 has no slot without use_all_factor_levels.
            ([0.0, 10.0], [0.0, 0.0, 0.0, 0.0]),
            // NA and levels past the domain take the NA slot; an NA numeric is 0.
            ([f64::NAN, f64::NAN], [0.0, 0.0, 1.0, 0.0]),
            ([9.0, 10.0], [0.0, 0.0, 1.0, 0.0]),
            // A negative level (never produced from text) lands before the block: nothing.
            ([-3.0, 10.0], [0.0, 0.0, 0.0, 0.0]),
        ];
        for (row, input) in cases {
            let (preds, finish) = score(&dl, &f64s, &row).unwrap();
            assert!(finish, "the caller finishes a classifier");
            let want = classifier_reference(input);
            assert_eq!(preds[1].to_bits(), want[0].to_bits(), "{row:?}");
            assert_eq!(preds[2].to_bits(), want[1].to_bits(), "{row:?}");
        }
    }

    #[test]
    fn nan_outputs_are_errors() {
        // An infinite input reaches the softmax as two infinite outputs: exp(inf - inf).
        let info = "nums = 1\ncats = 0\ncat_offsets = [0]\nactivation = Rectifier\n\
                    distribution = bernoulli\nneural_network_sizes = [1, 1, 2]\n\
                    hidden_dropout_ratios = [0.0, 0.0]\nweight_layer0 = [1.0]\n\
                    bias_layer0 = [0.0]\nweight_layer1 = [1.0, 1.0]\nbias_layer1 = [0.0, 0.0]";
        let (dl, f64s) = load(&ini_text("Binomial", 1, info), 2).unwrap();
        assert_eq!(
            score(&dl, &f64s, &[f64::INFINITY]),
            Err(ScoreError::Rejected {
                column: 0,
                reason: "predicted class probability is NaN"
            })
        );
        let info = info
            .replace("[1, 1, 2]", "[1, 1, 1]")
            .replace("bernoulli", "gaussian")
            .replace("[1.0, 1.0]", "[1.0]")
            .replace("bias_layer1 = [0.0, 0.0]", "bias_layer1 = [0.0]");
        let (dl, f64s) = load(&ini_text("Regression", 1, &info), 1).unwrap();
        assert_eq!(
            score(&dl, &f64s, &[f64::NAN]).map(|(p, _)| p[0]),
            Ok(0.0),
            "an NA numeric is 0"
        );
        // relu(-inf) is NaN in Java's 0.5 * (x + |x|).
        assert_eq!(
            score(&dl, &f64s, &[f64::NEG_INFINITY]),
            Err(ScoreError::Rejected {
                column: 0,
                reason: "predicted regression target is NaN"
            })
        );
    }

    #[test]
    fn maxout_dropout_and_poisson_link() {
        // Two inputs, two Maxout units of two channels (weights interleaved by channel), then
        // a linear unit; the response was standardised.
        let info = "nums = 2\ncats = 0\ncat_offsets = [0]\nactivation = MaxoutWithDropout\n\
                    distribution = poisson\nneural_network_sizes = [2, 2, 1]\n\
                    hidden_dropout_ratios = [0.25, 0.0]\n\
                    weight_layer0 = [1.0, -1.0, 2.0, 0.5, 0.5, 3.0, -1.0, 1.0]\n\
                    bias_layer0 = [0.0, 0.5, -0.5, 0.25]\n\
                    weight_layer1 = [1.0, -2.0]\nbias_layer1 = [0.5]\n\
                    norm_resp_mul = [2.0]\nnorm_resp_sub = [0.125]";
        let (dl, f64s) = load(&ini_text("Regression", 2, info), 1).unwrap();
        let x = [1.5, -2.0];
        // Unit r channel k: x0 w[2(2r)+k] + x1 w[2(2r+1)+k] + b[2r+k].
        let ch = |r: usize, k: usize| {
            let w = [1.0, -1.0, 2.0, 0.5, 0.5, 3.0, -1.0, 1.0];
            let b = [0.0, 0.5, -0.5, 0.25];
            0.0 + x[0] * w[2 * (2 * r) + k] + x[1] * w[2 * (2 * r + 1) + k] + b[2 * r + k]
        };
        let h: Vec<f64> = (0..2)
            .map(|r| {
                let (a, b) = (ch(r, 0), ch(r, 1));
                (if a > b { a } else { b }) * (1.0 - 0.25)
            })
            .collect();
        let out = 0.0 + h[0] * 1.0 + h[1] * -2.0 + 0.5;
        let want = java_min(1e19, exp(out / 2.0 + 0.125));
        let (preds, finish) = score(&dl, &f64s, &x).unwrap();
        assert!(!finish);
        assert_eq!(preds[0].to_bits(), want.to_bits());
        assert_eq!(
            dl.work_len(),
            2 * 4,
            "two layers of the widest (pre-Maxout) width"
        );
    }

    #[test]
    fn autoencoder_unstandardises_numerics() {
        // One categorical with one level (slots: level, NA) and one numeric, through 1
        // Rectifier unit and back.
        let info = "nums = 1\ncats = 1\ncat_offsets = [0, 2]\nuse_all_factor_levels = true\n\
                    norm_mul = [4.0]\nnorm_sub = [1.0]\nactivation = Rectifier\n\
                    distribution = gaussian\nneural_network_sizes = [3, 1, 3]\n\
                    hidden_dropout_ratios = [0.0, 0.0]\n\
                    weight_layer0 = [0.5, 0.25, 1.0]\nbias_layer0 = [0.0]\n\
                    weight_layer1 = [1.0, -1.0, 2.0]\nbias_layer1 = [0.0, 0.0, -0.5]";
        let (dl, f64s) = load(&ini_text("AutoEncoder", 2, info), 1).unwrap();
        assert_eq!(dl.preds_len(), 3);
        let (preds, finish) = score(&dl, &f64s, &[0.0, 1.5]).unwrap();
        assert!(!finish);
        let h = 0.0 + 0.5 * 1.0 + 0.25 * 0.0 + 1.0 * ((1.5 - 1.0) * 4.0);
        let relu = |v: f64| 0.5 * (v + v.abs());
        let want = [relu(h), relu(-h), relu(2.0 * h - 0.5) / 4.0 + 1.0];
        assert_eq!(preds, want);
    }

    #[test]
    fn refusals() {
        let base = "nums = 1\ncats = 0\ncat_offsets = [0]\nactivation = Tanh\n\
                    neural_network_sizes = [1, 1]\nhidden_dropout_ratios = [0.0]\n\
                    bias_layer0 = [0.0]";
        let model = |category: &str, extra: &str| {
            load(&ini_text(category, 1, &format!("{base}\n{extra}")), 1).map(|_| ())
        };
        assert_eq!(
            model(
                "Regression",
                "distribution = gaussian\nweight_layer0 = [1.0]"
            ),
            Ok(())
        );
        assert!(matches!(
            model(
                "Regression",
                "distribution = gaussian\nweight_layer0 = [1.0, 2.0]"
            ),
            Err(ModelError::Corrupt(_))
        ));
        assert!(matches!(
            model(
                "Binomial",
                "distribution = modified_huber\nweight_layer0 = [1.0]"
            ),
            Err(ModelError::Unsupported(_))
        ));
        assert!(matches!(
            model(
                "Regression",
                "distribution = nonsense\nweight_layer0 = [1.0]"
            ),
            Err(ModelError::BadValue("distribution"))
        ));
        // A classifier whose output layer does not have one unit per class.
        let text = ini_text(
            "Binomial",
            1,
            &format!("{base}\ndistribution = bernoulli\nweight_layer0 = [1.0]"),
        );
        assert!(matches!(load(&text, 2), Err(ModelError::Corrupt(_))));
    }
}
