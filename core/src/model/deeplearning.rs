//! Deep Learning (`DeeplearningMojoModel`): a feed-forward network scored layer by layer.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::predict::Exp;
use crate::error::{Algorithm, ModelError, ScoreError};
use crate::ini::Ini;

/// Everything a Deep Learning model needs at scoring time (spans into the model's doubles).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DeepLearning {
    _private: (),
}

impl DeepLearning {
    /// Reads the network from `model.ini` into `sink`.
    pub(super) fn build(
        _ini: &Ini<'_>,
        _n_features: usize,
        _n_classes: usize,
        _sink: &mut dyn Sink,
    ) -> Result<DeepLearning, ModelError> {
        Err(ModelError::UnsupportedAlgorithm(Algorithm::DeepLearning))
    }

    /// Checks the loaded values, so that scoring cannot index outside them.
    pub(super) fn validate(&self, _f64s: &[f64]) -> Result<(), ModelError> {
        Ok(())
    }

    /// Scratch doubles [`DeepLearning::score`] needs.
    pub(super) fn work_len(&self) -> usize {
        0
    }

    /// Scores `row` into `preds`; returns whether genmodel's classifier finish (class
    /// distribution correction and `getPrediction`) still has to run.
    pub(super) fn score(
        &self,
        _f64s: &[f64],
        _row: &[f64],
        _preds: &mut [f64],
        _exp: Exp<'_>,
        _work: &mut [f64],
    ) -> Result<bool, ScoreError> {
        Ok(false)
    }
}
