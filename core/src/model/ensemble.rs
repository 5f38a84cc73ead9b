//! Stacked Ensembles (`StackedEnsembleMojoModel`): base models whose predictions, optionally
//! logit-transformed, are the row of a metalearner.
//!
//! Sub-models live in the same archive under `models/<ALGO>/<key>/` and in the same model
//! memory as the ensemble; their headers are kept beside the ensemble's ([`super::SubModels`]).
//! Each base model sees a row built by name from the ensemble's columns (level indices are
//! copied as they are: all models share the training domains). genmodel writes only the base
//! models the metalearner uses; the other slots of the level-one row stay 0. The metalearner
//! reads that row by position, as genmodel hands it over: one that dropped a base model's
//! constant predictions has fewer inputs than the row has values, and reads the first ones.
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::{Sink, Writer};
use super::predict::Java;
use super::{Header, Mojo, Part, Span, SubModels};
use crate::error::{Algorithm, Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::limits;

/// An ensemble's structure; the sub-models are in the model's [`SubModels`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ensemble {
    /// Index of the metalearner in the subs.
    meta: u32,
    /// Per base slot, the index of its model in the subs, or NaN for an unused slot.
    bases: Span,
    /// For every used base model in slot order, its features' column indices in the
    /// ensemble's row (filled when loading).
    maps: Span,
    /// Whether base predictions go through `logit` (AutoML does this for classifiers).
    logit: bool,
    n_classes: u32,
}

type Key = heapless::String<32>;

fn key(prefix: &str, i: usize) -> Result<Key, ModelError> {
    let mut k = Key::new();
    write!(k, "{prefix}{i}").map_err(|_| ModelError::TooLarge("sub-models"))?;
    Ok(k)
}

/// A count of `model.ini` that may be absent (then 0).
fn optional_count(ini: &Ini<'_>, key: &'static str) -> Result<usize, ModelError> {
    ini.get(key).map_or(Ok(0), |v| {
        ini::int(v)
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(ModelError::BadValue(key))
    })
}

/// The directory of the sub-model with key `wanted`, from a multi-model MOJO's
/// `submodel_key_<i>` and `submodel_dir_<i>` (the first that matches).
pub(super) fn sub_model_dir<'i>(ini: &Ini<'i>, wanted: &str) -> Result<&'i str, Error> {
    let n_subs = optional_count(ini, "submodel_count")?;
    for i in 0..n_subs.min(limits::MAX_SUBMODEL_KEYS) {
        if ini.get(&key("submodel_key_", i)?) == Some(wanted) {
            let dir = ini.get(&key("submodel_dir_", i)?);
            return dir.ok_or(ModelError::MissingKey("submodel_dir_").into());
        }
    }
    Err(ModelError::Corrupt("a model names a sub-model it does not contain").into())
}

/// The store a sub-model's own sub-models would go to: none may (an ensemble or a RuleFit
/// inside an ensemble would index the ensemble's list with its own numbers).
struct NoSubModels;

impl AsRef<[Header]> for NoSubModels {
    fn as_ref(&self) -> &[Header] {
        &[]
    }
}

impl AsMut<[Header]> for NoSubModels {
    fn as_mut(&mut self) -> &mut [Header] {
        &mut []
    }
}

impl SubModels for NoSubModels {
    fn push(&mut self, _: Header) -> Result<(), ModelError> {
        Err(ModelError::Unsupported(
            "a sub-model with sub-models of its own (an ensemble or RuleFit inside an ensemble)",
        ))
    }
}

/// Reads the sub-model in `dir` into `sink` and adds its header to `subs`; returns its
/// index there. A model encoded before training is refused as a sub-model (its inputs are
/// never `Some`).
pub(super) fn build_sub(
    mojo: &Mojo<'_>,
    dir: &str,
    buf: &mut [u8],
    sink: &mut dyn Sink,
    subs: &mut dyn SubModels,
) -> Result<u32, Error> {
    let (header, _) = mojo.build(dir, buf, sink, &mut NoSubModels)?;
    let index =
        u32::try_from(subs.as_ref().len()).map_err(|_| ModelError::TooLarge("sub-models"))?;
    subs.push(header)?;
    Ok(index)
}

impl Ensemble {
    /// Reads the ensemble's keys and builds every sub-model it uses.
    pub(super) fn build(
        mojo: &Mojo<'_>,
        ini: &Ini<'_>,
        n_classes: usize,
        buf: &mut [u8],
        sink: &mut dyn Sink,
        subs: &mut dyn SubModels,
    ) -> Result<Ensemble, Error> {
        let n_subs = optional_count(ini, "submodel_count")?;
        let n_bases = optional_count(ini, "base_models_num")?;
        if n_subs > limits::MAX_SUBMODEL_KEYS || n_bases > limits::MAX_SUBMODEL_KEYS {
            return Err(ModelError::TooLarge("sub-models").into());
        }
        let logit = match ini.get("metalearner_transform").unwrap_or("NONE") {
            "NONE" => false,
            "Logit" => true,
            _ => {
                return Err(ModelError::Unsupported(
                    "metalearner transforms other than NONE and Logit",
                )
                .into())
            }
        };
        let dir_of = |wanted: &str| sub_model_dir(ini, wanted);
        // Each used slot's model takes the next index of the store (a sub-model adds only
        // itself), so the slots are known again once the models are written.
        let first_index = subs.as_ref().len();
        for slot in 0..n_bases {
            if let Some(k) = ini.get(&key("base_model", slot)?) {
                build_sub(mojo, dir_of(k)?, buf, sink, subs)?;
            }
        }
        let meta = build_sub(mojo, dir_of(ini.require("metalearner")?)?, buf, sink, subs)?;
        let mut next = first_index;
        let mut slots = (0..n_bases).map(|slot| match ini.get(&key("base_model", slot).ok()?) {
            Some(_) => {
                next += 1;
                Some(next - 1)
            }
            None => None,
        });
        let bases = Span {
            first: sink.f64s(&mut core::iter::from_fn(|| {
                slots.next().map(|s| s.map_or(f64::NAN, |i| i as f64))
            }))?,
            len: n_bases as u32,
        };
        let subs = subs.as_ref();
        let features: usize = subs
            .get(first_index..meta as usize)
            .unwrap_or_default()
            .iter()
            .map(|h| h.n_features as usize)
            .sum();
        let maps = Span {
            first: sink.f64s(&mut core::iter::repeat_n(f64::NAN, features))?,
            len: features as u32,
        };
        let e = Ensemble {
            meta,
            bases,
            maps,
            logit,
            n_classes: n_classes as u32,
        };
        let meta_header = subs
            .get(meta as usize)
            .ok_or(ModelError::Corrupt("ensemble metalearner"))?;
        // genmodel hands the metalearner the whole level-one row, which it reads by position:
        // a metalearner that dropped a base model's constant predictions (H2O's
        // `ignore_const_cols`) has fewer inputs than the row has values, never more.
        if meta_header.n_features as usize > e.level_one_len(n_bases) {
            return Err(ModelError::Corrupt(
                "the metalearner has more inputs than the base models give",
            )
            .into());
        }
        if subs
            .iter()
            .any(|h| h.algorithm == Algorithm::StackedEnsemble)
        {
            return Err(ModelError::Unsupported("ensembles nested in ensembles").into());
        }
        Ok(e)
    }

    /// Values per base model in the level-one row: one per class for multinomial, else one.
    fn per_base(&self) -> usize {
        if self.n_classes > 2 {
            self.n_classes as usize
        } else {
            1
        }
    }

    fn level_one_len(&self, n_bases: usize) -> usize {
        n_bases * self.per_base()
    }

    /// Maps every base model's features to the ensemble's columns, by name.
    pub(super) fn fill_column_maps(
        &self,
        w: &mut Writer<'_>,
        header: &Header,
        subs: &[Header],
    ) -> Result<(), ModelError> {
        let se_names =
            header.first_column as usize..(header.first_column + header.n_features) as usize;
        let n = se_names.len();
        let mut at = self.maps.first as usize;
        for slot in 0..self.bases.len as usize {
            let Some(sub) = self.base(w_f64(w, self.bases.first as usize + slot)?, subs) else {
                continue;
            };
            // A base's columns are mostly the ensemble's in the same order: each search
            // starts after the last column found and wraps around, a step each rather than
            // a scan (H2O's column names are unique, so where it starts does not matter).
            let mut next = 0;
            for j in 0..sub.n_features as usize {
                let name = w
                    .column_name(sub.first_column as usize + j)
                    .ok_or(ModelError::Corrupt("ensemble columns"))?;
                let found = (0..n)
                    .map(|k| (next + k) % n)
                    .find(|&k| w.column_name(se_names.start + k) == Some(name));
                let found = found.ok_or(ModelError::Unsupported(
                    "a stacked ensemble whose base model reads a column the ensemble lacks, as \
                     one trained with a categorical encoding that renames columns does \
                     (genmodel fails to load it)",
                ))?;
                w.set_f64(at, found as f64)?;
                next = found + 1;
                at += 1;
            }
        }
        Ok(())
    }

    fn base<'s>(&self, slot_value: f64, subs: &'s [Header]) -> Option<&'s Header> {
        if slot_value.is_nan() {
            None
        } else {
            subs.get(slot_value as usize)
        }
    }

    /// Scratch doubles scoring needs: the level-one row, one base row and its predictions,
    /// and whatever the sub-models need themselves.
    pub(super) fn work_len(&self, part: &Part<'_>) -> usize {
        let subs = part.subs;
        let largest_row = subs
            .iter()
            .map(|h| h.n_features as usize)
            .max()
            .unwrap_or(0);
        let inner = (0..subs.len())
            .map(|i| part.sub(i).work_len())
            .max()
            .unwrap_or(0);
        self.level_one_len(self.bases.len as usize) + largest_row + part.preds_len() + inner
    }

    /// `StackedEnsembleMojoModel.score0`.
    pub(super) fn score(
        &self,
        part: &Part<'_>,
        row: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let n_bases = self.bases.len as usize;
        let level_len = self.level_one_len(n_bases);
        let short = ScoreError::WorkLength {
            expected: self.work_len(part) as u32,
            found: work.len() as u32,
        };
        if work.len() < self.work_len(part) {
            return Err(short);
        }
        let (level_one, rest) = work.split_at_mut(level_len);
        level_one.fill(0.0);
        let slots = part.span(self.bases);
        let maps = part.span(self.maps);
        let mut map_at = 0usize;
        let k = self.per_base();
        for (slot, &value) in slots.iter().enumerate() {
            let Some(index) = (!value.is_nan()).then_some(value as usize) else {
                continue;
            };
            let base = part.sub(index);
            let nf = base.n_features();
            let (base_row, rest) = rest.split_at_mut(nf);
            let (base_preds, inner) = rest.split_at_mut(preds.len());
            let map = maps.get(map_at..map_at + nf).unwrap_or(&[]);
            map_at += nf;
            for (v, &m) in base_row.iter_mut().zip(map) {
                *v = row.get(m as usize).copied().unwrap_or(f64::NAN);
            }
            base.score_inner(base_row, 0.0, base_preds, &mut *java, inner)?;
            let at = |i: usize| base_preds.get(i).copied().unwrap_or(0.0);
            let out = level_one.get_mut(slot * k..slot * k + k).unwrap_or(&mut []);
            match (self.n_classes, out) {
                (1, [v]) => *v = at(0),
                (2, [v]) => *v = at(2),
                (_, out) => out.iter_mut().enumerate().for_each(|(j, v)| *v = at(j + 1)),
            }
        }
        // The metalearner reads the level-one values by position, its inputs first (`build`);
        // the values past them are never read, so they go untransformed.
        let meta = part.sub(self.meta as usize);
        let (meta_row, _) = level_one.split_at_mut(meta.n_features().min(level_len));
        if self.logit && self.n_classes >= 2 {
            for v in meta_row.iter_mut() {
                *v = logit(
                    super::math::java_min(0.999_999_999, super::math::java_max(*v, 1e-9)),
                    &mut *java,
                );
            }
        }
        meta.score_inner(meta_row, 0.0, preds, java, rest)
    }
}

/// `StackedEnsembleMojoModel.logit`: `log(p / (1 - p))`, floored at -19.
fn logit(p: f64, java: Java<'_>) -> f64 {
    let x = p / (1.0 - p);
    if x == 0.0 {
        -19.0
    } else {
        super::math::java_max(-19.0, java.log(x))
    }
}

fn w_f64(w: &Writer<'_>, i: usize) -> Result<f64, ModelError> {
    w.f64_at(i).ok_or(ModelError::Corrupt("ensemble slots"))
}
