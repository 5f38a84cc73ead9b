//! XGBoost MOJOs (`XGBoostJavaMojoModel` over xgboost-predictor): the legacy binary booster,
//! scored in f32 as the Java predictor does.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::predict::Exp;
use crate::error::{Algorithm, ModelError, ScoreError};
use crate::ini::Ini;

/// Everything an XGBoost model needs at scoring time (spans into the model's doubles).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XgBoost {
    _private: (),
}

impl XgBoost {
    /// Reads `model.ini` keys and parses the booster bytes into `sink`.
    pub(super) fn build(
        _ini: &Ini<'_>,
        _booster: &[u8],
        _n_features: usize,
        _n_classes: usize,
        _sink: &mut dyn Sink,
    ) -> Result<XgBoost, ModelError> {
        Err(ModelError::UnsupportedAlgorithm(Algorithm::XGBoost))
    }

    /// Checks the loaded values, so that scoring cannot index outside them.
    pub(super) fn validate(&self, _f64s: &[f64]) -> Result<(), ModelError> {
        Ok(())
    }

    /// Scores `row` into `preds`; returns whether genmodel's classifier finish (class
    /// distribution correction and `getPrediction`) still has to run.
    pub(super) fn score(
        &self,
        _f64s: &[f64],
        _row: &[f64],
        _offset: f64,
        _preds: &mut [f64],
        _exp: Exp<'_>,
    ) -> Result<bool, ScoreError> {
        Ok(false)
    }
}
