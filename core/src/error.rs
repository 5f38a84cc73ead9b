//! Errors of every layer, as small `Copy` enums with static context.
//!
//! Each layer has its own enum ([`ZipError`], [`ModelError`], [`InputError`], [`ScoreError`]);
//! [`Error`] wraps them for callers that do not care which layer failed. The enums are
//! exhaustive on purpose: a caller's `match` to an HTTP status breaks at compile time when a
//! variant is added.

use core::fmt;

pub use crate::zip::ZipError;

/// The model inside a readable archive is malformed, unsupported or too large.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelError {
    /// The archive is a Driverless AI MOJO2 pipeline (`mojo/pipeline.pb`): a proprietary
    /// format this scorer does not read.
    DriverlessPipeline,
    /// A file the model needs is not in the archive.
    MissingFile(&'static str),
    /// A text file is not UTF-8.
    NotUtf8(&'static str),
    /// `model.ini` breaks its grammar at this (1-based) line.
    BadIniLine(u32),
    /// A required `model.ini` key is absent.
    MissingKey(&'static str),
    /// A `model.ini` value does not parse as the type genmodel reads it as.
    BadValue(&'static str),
    /// The `algorithm` is one genmodel knows but this scorer does not score yet.
    UnsupportedAlgorithm(Algorithm),
    /// The `algorithm` is not one genmodel 3.46 knows either.
    UnknownAlgorithm,
    /// `mojo_version` (in hundredths: 140 is 1.40) is newer than the reader for the algorithm.
    UnsupportedVersion(u32),
    /// A feature of the model this scorer does not implement yet (named).
    Unsupported(&'static str),
    /// The model's data contradicts itself (named what).
    Corrupt(&'static str),
    /// The model exceeds a limit in [`crate::limits`] (named).
    TooLarge(&'static str),
    /// The scratch buffer is smaller than [`crate::model::Mojo::scratch_len`].
    ScratchTooSmall,
    /// The model memory does not have the length the plan asked for.
    WrongMemoryLength,
}

/// Every algorithm genmodel 3.46 has a MOJO reader for, by its `algorithm` key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Gbm,
    Drf,
    IsolationForest,
    UpliftDrf,
    ExtendedIsolationForest,
    Glm,
    Gam,
    DeepLearning,
    KMeans,
    Pca,
    Glrm,
    Word2Vec,
    TargetEncoder,
    StackedEnsemble,
    CoxPh,
    RuleFit,
    IsotonicRegression,
    KLime,
    Svm,
    Pipeline,
    XGBoost,
}

impl Algorithm {
    /// The algorithm for a `model.ini` `algorithm` value, as genmodel's factory maps it.
    pub fn from_key(key: &str) -> Option<Algorithm> {
        use Algorithm::*;
        Some(match key {
            "Gradient Boosting Machine" | "Gradient Boosting Method" => Gbm,
            "Distributed Random Forest" => Drf,
            "Isolation Forest" => IsolationForest,
            "Uplift Distributed Random Forest" | "Distributed Uplift Random Forest" => UpliftDrf,
            "Extended Isolation Forest" => ExtendedIsolationForest,
            "Generalized Linear Modeling" | "Generalized Linear Model" => Glm,
            "Generalized Additive Model" => Gam,
            "Deep Learning" | "deep learning" => DeepLearning,
            "K-means" => KMeans,
            "Principal Components Analysis" | "Principal Component Analysis" => Pca,
            "Generalized Low Rank Modeling" | "Generalized Low Rank Model" => Glrm,
            "Word2Vec" => Word2Vec,
            "TargetEncoder" => TargetEncoder,
            "StackedEnsemble" | "Stacked Ensemble" => StackedEnsemble,
            "Cox Proportional Hazards" => CoxPh,
            "RuleFit" => RuleFit,
            "Isotonic Regression" => IsotonicRegression,
            "k-LIME" => KLime,
            "XGBoost" => XGBoost,
            "MOJO Pipeline" => Pipeline,
            k if k.starts_with("Support Vector Machine") => Svm,
            _ => return None,
        })
    }

    /// A short name, as H2O's `algo` key spells it.
    pub fn name(self) -> &'static str {
        use Algorithm::*;
        match self {
            Gbm => "gbm",
            Drf => "drf",
            IsolationForest => "isolationforest",
            UpliftDrf => "upliftdrf",
            ExtendedIsolationForest => "extendedisolationforest",
            Glm => "glm",
            Gam => "gam",
            DeepLearning => "deeplearning",
            KMeans => "kmeans",
            Pca => "pca",
            Glrm => "glrm",
            Word2Vec => "word2vec",
            TargetEncoder => "targetencoder",
            StackedEnsemble => "stackedensemble",
            CoxPh => "coxph",
            RuleFit => "rulefit",
            IsotonicRegression => "isotonicregression",
            KLime => "klime",
            Svm => "svm",
            Pipeline => "pipeline",
            XGBoost => "xgboost",
        }
    }
}

/// A cell of an input row cannot be turned into the model's value for its column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputError {
    /// Text in a numeric column that Java's `Double.parseDouble` rejects.
    NotANumber { column: u32 },
    /// A categorical level the column's domain does not have (when unseen levels are errors).
    UnknownLevel { column: u32 },
    /// A number given for a categorical column, which genmodel does not accept.
    NumberForCategorical { column: u32 },
    /// The column index is not one of the model's features.
    NoSuchColumn { column: u32 },
}

/// Scoring was called with buffers of the wrong shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScoreError {
    /// The row must have one value per model feature.
    RowLength { expected: u32, found: u32 },
    /// The prediction buffer must have [`crate::model::Model::preds_len`] values.
    PredsLength { expected: u32, found: u32 },
    /// The model cannot score this row (genmodel throws too), e.g. a GLM without mean
    /// imputation given an NA categorical.
    Rejected { column: u32, reason: &'static str },
    /// The scratch buffer must have at least [`crate::model::Model::work_len`] values.
    WorkLength { expected: u32, found: u32 },
    /// [`crate::model::Model::score_rows`] takes no offsets or one per row.
    OffsetsLength { expected: u32, found: u32 },
    /// The row's decision path in tree `tree` (from 0, in leaf-assignment order) has no leaf
    /// assignment in genmodel: 64 levels or more, bits that read as a NaN double, or a tree
    /// absent from the MOJO.
    NoDecisionPath { tree: u32 },
}

/// Any error of the core.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    Zip(ZipError),
    Model(ModelError),
    Input(InputError),
    Score(ScoreError),
}

impl From<ZipError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: ZipError) -> Self {
        Error::Zip(e)
    }
}

impl From<ModelError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: ModelError) -> Self {
        Error::Model(e)
    }
}

impl From<InputError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: InputError) -> Self {
        Error::Input(e)
    }
}

impl From<ScoreError> for Error {
    #[cold]
    #[inline(never)]
    fn from(e: ScoreError) -> Self {
        Error::Score(e)
    }
}

impl fmt::Display for ModelError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ModelError::*;
        match *self {
            DriverlessPipeline => f.write_str(
                "this is a Driverless AI MOJO2 pipeline (mojo/pipeline.pb); it needs H2O's \
                 licensed daimojo runtime and is not supported: export an H2O-3 MOJO instead",
            ),
            MissingFile(name) => write!(f, "the model has no `{name}`"),
            NotUtf8(name) => write!(f, "`{name}` is not UTF-8 text"),
            BadIniLine(line) => write!(f, "model.ini line {line} is malformed"),
            MissingKey(key) => write!(f, "model.ini has no `{key}`"),
            BadValue(key) => write!(f, "model.ini `{key}` has an invalid value"),
            UnsupportedAlgorithm(a) => {
                write!(
                    f,
                    "algorithm `{}` is not supported by this scorer yet",
                    a.name()
                )
            }
            UnknownAlgorithm => {
                f.write_str("model.ini names an algorithm h2o-genmodel does not know")
            }
            UnsupportedVersion(v) => write!(
                f,
                "MOJO version {}.{:02} is newer than this scorer reads",
                v / 100,
                v % 100
            ),
            Unsupported(what) => write!(f, "{what} is not supported yet"),
            Corrupt(what) => write!(f, "the model is corrupt: {what}"),
            TooLarge(what) => write!(f, "the model exceeds the limit on {what}"),
            ScratchTooSmall => f.write_str("scratch buffer too small for this model"),
            WrongMemoryLength => f.write_str("model memory does not match the plan"),
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            InputError::NotANumber { column } => write!(f, "column {column}: not a number"),
            InputError::UnknownLevel { column } => {
                write!(f, "column {column}: unknown categorical level")
            }
            InputError::NumberForCategorical { column } => {
                write!(
                    f,
                    "column {column}: a number given for a categorical column"
                )
            }
            InputError::NoSuchColumn { column } => write!(f, "column {column}: not a feature"),
        }
    }
}

impl fmt::Display for ScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ScoreError::RowLength { expected, found } => {
                write!(
                    f,
                    "row has {found} values, the model has {expected} features"
                )
            }
            ScoreError::PredsLength { expected, found } => {
                write!(
                    f,
                    "prediction buffer has {found} values, the model writes {expected}"
                )
            }
            ScoreError::Rejected { column, reason } => write!(f, "column {column}: {reason}"),
            ScoreError::WorkLength { expected, found } => {
                write!(
                    f,
                    "scratch buffer has {found} values, the model needs {expected}"
                )
            }
            ScoreError::OffsetsLength { expected, found } => {
                write!(
                    f,
                    "{found} offsets for {expected} rows (give none or one per row)"
                )
            }
            ScoreError::NoDecisionPath { tree } => write!(
                f,
                "tree {tree}: the decision path has no leaf assignment in genmodel (it is 64 \
                 levels or more deep, or its bits read as NaN, and genmodel's is null; or the \
                 MOJO has no such tree, and genmodel fails)"
            ),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Zip(e) => write!(f, "invalid MOJO archive: {e}"),
            Error::Model(e) => e.fmt(f),
            Error::Input(e) => e.fmt(f),
            Error::Score(e) => e.fmt(f),
        }
    }
}

impl core::error::Error for ModelError {}
impl core::error::Error for InputError {}
impl core::error::Error for ScoreError {}
impl core::error::Error for Error {}
