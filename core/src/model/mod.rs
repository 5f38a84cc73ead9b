//! Loading a MOJO into caller-owned memory, turning input cells into model values, and
//! scoring rows.
//!
//! Loading is two steps over the same archive: [`Mojo::plan`] reads everything once and
//! counts what the model holds, giving the exact size of its memory ([`Plan::words`]);
//! [`Mojo::load`] reads it again into memory of that size. Both take a scratch buffer of
//! [`Mojo::scratch_len`] bytes for inflating one entry at a time. A caller that can spare
//! [`Mojo::inflated_len`] bytes more for the duration of loading calls [`Mojo::inflate_all`]
//! first, and both steps then read entries inflated once (loading is then about twice as
//! fast: inflating is most of it); [`Mojo::inflate_all_in`] splits that into jobs a caller
//! with threads runs side by side.
//!
//! Supported: GBM and DRF (MOJO 1.00 to 1.40), Isolation Forest (1.20 to 1.40), Extended
//! Isolation Forest, GLM, XGBoost, Deep Learning, stacked ensembles, K-Means, PCA, GLRM (MOJO
//! 1.10), Isotonic Regression, CoxPH, RuleFit and GAM; a model trained on an encoded frame
//! takes the frame's original columns as its inputs (`encoding`, [`Model::input`]), and a GAM
//! its splines' source columns. Every other algorithm genmodel knows is refused with
//! [`ModelError::UnsupportedAlgorithm`], and Driverless AI pipelines with
//! [`ModelError::DriverlessPipeline`].
#![warn(clippy::indexing_slicing)]

mod coxph;
mod deeplearning;
mod eif;
mod encoding;
mod ensemble;
mod gam;
mod glm;
mod glrm;
mod kmeans;
pub mod layout;
mod math;
mod pca;
mod predict;
mod rulefit;
mod shap;
mod tree;
mod varimp;
mod xgboost;

use core::fmt;
use core::sync::atomic::{AtomicU64, Ordering};

pub use crate::error::Algorithm;
use crate::error::{Error, InputError, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::java;
use crate::limits;
use crate::zip::{Archive, Cursor, Entries, Entry};
pub use coxph::CoxPh;
pub use deeplearning::DeepLearning;
pub use eif::Eif;
pub use encoding::{Encoding, Input};
pub use gam::Gam;
pub use glm::{Glm, GlmFamily, GlmLink};
pub use glrm::{Glrm, Regularizer};
pub use kmeans::KMeans;
use layout::{ColumnRec, Counter, Layout, Node, Regions, Sink, StrRef, TreeRec, Writer, NONE};
pub use math::exp;
#[doc(hidden)]
pub use math::{exp_exact, log, log_exact, pow};
pub use pca::Pca;
pub use predict::{CorrectlyRounded, Java, JavaMath, Link};
pub use rulefit::{RuleFit, RuleFitType};
pub use shap::ELEMENT_F32S as SHAP_ELEMENT_F32S;
pub use xgboost::XgBoost;

/// What a model predicts (genmodel's `ModelCategory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Category {
    Unknown,
    Binomial,
    Multinomial,
    Ordinal,
    Regression,
    Clustering,
    AutoEncoder,
    TargetEncoder,
    DimReduction,
    WordEmbedding,
    CoxPH,
    AnomalyDetection,
    KLime,
    BinomialUplift,
}

impl Category {
    fn from_key(s: &str) -> Option<Category> {
        use Category::*;
        Some(match s {
            "Unknown" => Unknown,
            "Binomial" => Binomial,
            "Multinomial" => Multinomial,
            "Ordinal" => Ordinal,
            "Regression" => Regression,
            "Clustering" => Clustering,
            "AutoEncoder" => AutoEncoder,
            "TargetEncoder" => TargetEncoder,
            "DimReduction" => DimReduction,
            "WordEmbedding" => WordEmbedding,
            "CoxPH" => CoxPH,
            "AnomalyDetection" => AnomalyDetection,
            "KLime" => KLime,
            "BinomialUplift" => BinomialUplift,
            _ => return None,
        })
    }

    /// The name H2O gives the category.
    pub fn name(self) -> &'static str {
        use Category::*;
        match self {
            Unknown => "Unknown",
            Binomial => "Binomial",
            Multinomial => "Multinomial",
            Ordinal => "Ordinal",
            Regression => "Regression",
            Clustering => "Clustering",
            AutoEncoder => "AutoEncoder",
            TargetEncoder => "TargetEncoder",
            DimReduction => "DimReduction",
            WordEmbedding => "WordEmbedding",
            CoxPH => "CoxPH",
            AnomalyDetection => "AnomalyDetection",
            KLime => "KLime",
            BinomialUplift => "BinomialUplift",
        }
    }
}

/// A GBM distribution (`DistributionFamily`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Auto,
    Bernoulli,
    Quasibinomial,
    ModifiedHuber,
    Multinomial,
    Ordinal,
    Gaussian,
    Poisson,
    Gamma,
    Tweedie,
    Huber,
    Laplace,
    Quantile,
    FractionalBinomial,
    NegativeBinomial,
    Custom,
}

impl Family {
    fn from_key(s: &str) -> Option<Family> {
        use Family::*;
        Some(match s {
            "AUTO" => Auto,
            "bernoulli" => Bernoulli,
            "quasibinomial" => Quasibinomial,
            "modified_huber" => ModifiedHuber,
            "multinomial" => Multinomial,
            "ordinal" => Ordinal,
            "gaussian" => Gaussian,
            "poisson" => Poisson,
            "gamma" => Gamma,
            "tweedie" => Tweedie,
            "huber" => Huber,
            "laplace" => Laplace,
            "quantile" => Quantile,
            "fractionalbinomial" => FractionalBinomial,
            "negativebinomial" => NegativeBinomial,
            "custom" => Custom,
            _ => return None,
        })
    }

    /// The link genmodel assumes when `link_function` is absent.
    fn default_link(self) -> Link {
        use Family::*;
        match self {
            Bernoulli | FractionalBinomial | Quasibinomial | ModifiedHuber | Ordinal => Link::Logit,
            Multinomial | Poisson | Gamma | Tweedie => Link::Log,
            _ => Link::Identity,
        }
    }

    pub fn name(self) -> &'static str {
        use Family::*;
        match self {
            Auto => "AUTO",
            Bernoulli => "bernoulli",
            Quasibinomial => "quasibinomial",
            ModifiedHuber => "modified_huber",
            Multinomial => "multinomial",
            Ordinal => "ordinal",
            Gaussian => "gaussian",
            Poisson => "poisson",
            Gamma => "gamma",
            Tweedie => "tweedie",
            Huber => "huber",
            Laplace => "laplace",
            Quantile => "quantile",
            FractionalBinomial => "fractionalbinomial",
            NegativeBinomial => "negativebinomial",
            Custom => "custom",
        }
    }
}

/// The algorithm-specific part of a model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Algo {
    Gbm {
        family: Family,
        link: Link,
        init_f: f64,
    },
    Drf {
        binomial_double_trees: bool,
    },
    /// Uplift DRF: a forest for the treated rows' response and one for the control rows'
    /// (`p_y1_with_treatment`, `p_y1_without_treatment`), and their difference.
    UpliftDrf,
    IsolationForest {
        min_path_length: i32,
        max_path_length: i32,
        output_anomaly_flag: bool,
    },
    Glm(Glm),
    Ensemble(ensemble::Ensemble),
    DeepLearning(DeepLearning),
    XgBoost(XgBoost),
    KMeans(KMeans),
    Pca(Pca),
    /// Cox proportional hazards: the linear predictor `lp`.
    CoxPh(CoxPh),
    /// RuleFit: rules as the categorical inputs of a linear model (a sub-model).
    RuleFit(RuleFit),
    /// A GAM (every family and spline type genmodel scores).
    Gam(Gam),
    /// A GLRM: a row's coordinates over the archetypes, solved for per row.
    Glrm(Glrm),
    ExtendedIsolationForest(Eif),
    /// Isotonic regression of the single feature: genmodel's `IsotonicCalibrator`.
    IsotonicRegression {
        min_x: f64,
        max_x: f64,
        xs: Span,
        ys: Span,
    },
}

/// Calls a function with the bytes of the model's file named by the first argument (the
/// binary blobs some algorithms keep beside `model.ini`).
pub(crate) type WithFile<'f> = dyn FnMut(&str, &mut WithBytes<'_>) -> Result<u32, Error> + 'f;

/// What [`WithFile`] calls with a file's bytes.
pub(crate) type WithBytes<'f> = dyn FnMut(&[u8]) -> Result<u32, Error> + 'f;

/// A run of doubles in the model's memory (opaque outside the core).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    first: u32,
    len: u32,
}

impl Span {
    /// The run's values in `f64s` (none if it does not lie within them).
    fn values(self, f64s: &[f64]) -> &[f64] {
        let start = self.first as usize;
        f64s.get(start..start + self.len as usize).unwrap_or(&[])
    }

    /// Value `i` of the run.
    fn at(self, f64s: &[f64], i: usize) -> Option<f64> {
        self.values(f64s).get(i).copied()
    }

    /// Whether every span lies within `f64s` (what a model's `validate` checks of its runs).
    fn all_within(spans: &[Span], f64s: &[f64]) -> bool {
        spans
            .iter()
            .all(|s| s.first as usize + s.len as usize <= f64s.len())
    }
}

/// The covers TreeSHAP needs for GBM/DRF trees, from `trees/tCC_GGG_aux.bin`.
#[derive(Clone, Copy, Debug, PartialEq)]
enum TreeShap {
    /// Not a GBM/DRF model.
    None,
    /// The aux data cannot be used, and why.
    Unusable(&'static str),
    /// `(weightL, weightR)` of every internal node, node `first_node + k` at doubles
    /// `2k, 2k + 1` of `weights` (nodes of all trees are contiguous and in pre-order, as the
    /// aux records are).
    Weights { first_node: u32, weights: Span },
}

/// What DRF contributions know of the model's variable importances.
#[derive(Clone, Copy, Debug, PartialEq)]
enum UsedVariables {
    /// Not read: not a DRF model genmodel computes contributions for.
    NotRead,
    /// `experimental/modelDetails.json` gives no count, and why.
    Unusable(&'static str),
    /// genmodel's `numberOfUsedVariables`: importances other than 0.
    Count(u32),
}

/// How a binomial model calibrates its probabilities, if it does.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Calibration {
    None,
    Platt([f64; 2]),
    Isotonic {
        min_x: f64,
        max_x: f64,
        xs: Span,
        ys: Span,
    },
}

/// Everything scalar about a model, read from `model.ini` (opaque outside the core: a
/// [`SubModels`] store holds them for an ensemble's sub-models).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Header {
    algorithm: Algorithm,
    category: Category,
    mojo_version: u32,
    n_columns: u32,
    n_features: u32,
    n_classes: u32,
    supervised: bool,
    default_threshold: f64,
    balance_classes: bool,
    prior: Option<Span>,
    model_distrib: Option<Span>,
    offset_column: Option<u32>,
    uuid: StrRef,
    h2o_version: StrRef,
    n_groups: u32,
    trees_per_class: u32,
    algo: Algo,
    calibration: Calibration,
    /// TreeSHAP covers of GBM/DRF trees.
    shap: TreeShap,
    /// The deepest tree as genmodel's `TreeSHAP.nodeDepth` counts it (a leaf is 1); set
    /// after loading, for tree models with contributions.
    shap_depth: u32,
    /// The count DRF contributions scale by.
    used_variables: UsedVariables,
    /// Where this model's columns and trees start in the shared regions (sub-models of an
    /// ensemble share one memory).
    first_column: u32,
    first_tree: u32,
    /// This model's tree nodes in the shared nodes region (empty for other models); their
    /// columns index this model's columns, from `first_column`.
    first_node: u32,
    end_node: u32,
    /// Dense copies of the trees (all plain and shallow), if they have them; cleared after
    /// loading when a copy cannot be used.
    dense: Option<DenseTrees>,
}

/// Where a model's dense tree copies are: the first `u32` in the dense region and the
/// common depth (each tree takes [`tree::dense_len`] of it, in tree order).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DenseTrees {
    at: u32,
    depth: u32,
}

impl Header {
    /// The trees of this model, in the trees region.
    fn tree_range(&self) -> core::ops::Range<usize> {
        let first = self.first_tree as usize;
        first..first + self.n_groups as usize * self.trees_per_class as usize
    }

    /// Writes the dense copies of this model's trees, once nodes are [`tree::flag::PLAIN`]
    /// marked; forgets them if any tree cannot have one (a split on a categorical column).
    fn fill_dense(&mut self, dense: &mut [u32], trees: &[TreeRec], nodes: &[Node]) {
        let Some(d) = self.dense else { return };
        let len = tree::dense_len(d.depth);
        let ok = trees.get(self.tree_range()).is_some_and(|trees| {
            trees.iter().enumerate().all(|(i, &t)| {
                let start = d.at as usize + i * len;
                dense
                    .get_mut(start..start + len)
                    .is_some_and(|out| tree::fill_dense(t, nodes, d.depth, out))
            })
        });
        if !ok {
            self.dense = None;
        }
    }
}

/// Where a model keeps the headers of its sub-models (a stacked ensemble's base models and
/// metalearner, a RuleFit's GLM; none for other models): [`InlineSubs`] in the model
/// itself, or a growable store of the caller's for more than [`limits::MAX_SUBMODELS`]
/// ([`Mojo::plan_with`], [`Mojo::load_with`]; `serve` keeps them on the heap).
pub trait SubModels: AsRef<[Header]> + AsMut<[Header]> {
    /// Appends a header; an error when the store is full.
    fn push(&mut self, header: Header) -> Result<(), ModelError>;
}

/// Sub-model headers kept inline, up to [`limits::MAX_SUBMODELS`] (~40 KB in every model).
pub type InlineSubs = heapless::Vec<Header, { limits::MAX_SUBMODELS }>;

impl<const N: usize> SubModels for heapless::Vec<Header, N> {
    fn push(&mut self, header: Header) -> Result<(), ModelError> {
        heapless::Vec::push(self, header).map_err(|_| {
            ModelError::TooLarge("sub-models kept inline (load with a growable store)")
        })
    }
}

/// An opened MOJO archive.
#[derive(Clone, Copy, Debug)]
pub struct Mojo<'a> {
    archive: Archive<'a>,
    ini: Entry<'a>,
    inflated: Option<Inflated<'a>>,
}

/// Bytes of [`Inflated`]'s index per entry: where its data is in the archive, where its
/// inflated bytes start in the buffer, and how many there are (or [`NOT_INFLATED`]).
const INFLATED_INDEX: usize = 24;

/// The bytes [`Mojo::inflate_all`] inflates `entry` into: its size, but none for the
/// `experimental/` files (H2O's model details, a large JSON), which only some models read,
/// and then once; those are read on demand.
fn ahead_len(entry: &Entry<'_>) -> Option<usize> {
    (!entry.name().starts_with(b"experimental/")).then(|| entry.size())
}

/// The length recorded for an entry that could not be inflated ahead: it is read (and its
/// error reported) only if the model needs it.
const NOT_INFLATED: u64 = u64::MAX;

/// Every entry of an archive inflated once, in a caller's buffer ([`Mojo::inflate_all`]):
/// an index sorted by data offset (entries are in offset order), then the bytes.
#[derive(Clone, Copy, Debug)]
struct Inflated<'a> {
    index: &'a [u8],
    bytes: &'a [u8],
}

impl<'a> Inflated<'a> {
    /// The inflated bytes of the entry whose data starts at `data_offset`, if any.
    fn get(&self, data_offset: usize) -> Option<&'a [u8]> {
        let field = |i: usize, k: usize| {
            let at = i * INFLATED_INDEX + k * 8;
            self.index
                .get(at..at + 8)
                .and_then(|b| b.try_into().ok())
                .map(u64::from_le_bytes)
        };
        let n = self.index.len() / INFLATED_INDEX;
        let (mut lo, mut hi) = (0, n);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let at = usize::try_from(field(mid, 0)?).ok()?;
            if at == data_offset {
                let (start, len) = (field(mid, 1)?, field(mid, 2)?);
                if len == NOT_INFLATED {
                    return None;
                }
                let start = usize::try_from(start).ok()?;
                let end = start.checked_add(usize::try_from(len).ok()?)?;
                return self.bytes.get(start..end);
            }
            if at < data_offset {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        None
    }
}

/// A share of [`Mojo::inflate_all_in`]'s work: consecutive entries of the archive and the
/// parts of the caller's buffer they inflate into (disjoint from every other job's).
pub struct InflateJob<'b> {
    entries: Entries<'b>,
    count: usize,
    /// Where `bytes` starts among all the inflated bytes (the index records offsets there).
    base: usize,
    index: &'b mut [u8],
    bytes: &'b mut [u8],
}

impl InflateJob<'_> {
    /// Inflates the job's entries and records each in the index: where its bytes are, or
    /// that it is left to be read (and fail) on demand.
    pub fn run(&mut self) {
        let mut inflater = miniz_oxide::inflate::core::DecompressorOxide::new();
        let mut at = 0usize;
        for (i, entry) in self.entries.clone().take(self.count).enumerate() {
            let ahead = ahead_len(&entry);
            let size = ahead.unwrap_or(0);
            let out = self.bytes.get_mut(at..at + size).unwrap_or_default();
            let len = match ahead {
                Some(_) => entry
                    .read_into_with(&mut inflater, out)
                    .map_or(NOT_INFLATED, |b| b.len() as u64),
                None => NOT_INFLATED,
            };
            let record = [entry.data_offset() as u64, (self.base + at) as u64, len];
            for (k, v) in record.iter().enumerate() {
                let slot = i * INFLATED_INDEX + k * 8;
                if let Some(dst) = self.index.get_mut(slot..slot + 8) {
                    dst.copy_from_slice(&v.to_le_bytes());
                }
            }
            at += size;
        }
    }
}

impl fmt::Debug for InflateJob<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InflateJob")
            .field("count", &self.count)
            .field("base", &self.base)
            .field("bytes", &self.bytes.len())
            .finish_non_exhaustive()
    }
}

/// The exact memory a model needs, from [`Mojo::plan`].
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    layout: Layout,
    header: Header,
    n_subs: usize,
    inputs: Option<encoding::Inputs>,
}

impl Plan {
    /// Words (`u64`) of model memory to give [`Mojo::load`].
    pub fn words(&self) -> usize {
        self.layout.words()
    }

    /// Bytes of model memory.
    pub fn bytes(&self) -> usize {
        self.layout.words() * 8
    }

    /// Sub-model headers the model keeps (its [`SubModels`] store's length).
    pub fn sub_models(&self) -> usize {
        self.n_subs
    }
}

/// `<dir><name>`, the path of a file in the archive (`dir` is empty or ends with `/`).
fn path(dir: &str, name: &str) -> Option<heapless::String<{ limits::MAX_NAME_LEN }>> {
    let mut path = heapless::String::new();
    path.push_str(dir).ok()?;
    path.push_str(name).ok()?;
    Some(path)
}

/// The name of a tree's file: `trees/tCC_GGG.bin` (class and group zero-padded, wider
/// past 99 and 999).
fn tree_name(class: usize, group: usize) -> Option<heapless::String<32>> {
    let mut name = heapless::String::new();
    fmt::Write::write_fmt(&mut name, format_args!("trees/t{class:02}_{group:03}.bin")).ok()?;
    Some(name)
}

/// The class and group of a tree's file name, if it is one exactly as [`tree_name`] writes it.
fn tree_file(name: &str) -> Option<(usize, usize)> {
    let (class, group) = name
        .strip_prefix("trees/t")?
        .strip_suffix(".bin")?
        .split_once('_')?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(class) || !digits(group) {
        return None;
    }
    let (class, group) = (class.parse().ok()?, group.parse().ok()?);
    (tree_name(class, group)?.as_str() == name).then_some((class, group))
}

/// Entries that mark a Driverless AI MOJO2 pipeline (or the zip it ships in).
fn is_driverless(name: &[u8]) -> bool {
    name == b"mojo/pipeline.pb"
        || name.ends_with(b"/pipeline.pb")
        || name.ends_with(b"pipeline.mojo")
}

impl<'a> Mojo<'a> {
    /// Opens an archive and checks that it is an H2O-3 MOJO.
    pub fn new(bytes: &'a [u8]) -> Result<Self, Error> {
        let archive = Archive::new(bytes)?;
        if archive.entries().any(|e| is_driverless(e.name())) {
            return Err(ModelError::DriverlessPipeline.into());
        }
        let ini = archive
            .find(b"model.ini")
            .ok_or(ModelError::MissingFile("model.ini"))?;
        Ok(Mojo {
            archive,
            ini,
            inflated: None,
        })
    }

    /// Bytes [`Mojo::inflate_all`] needs: an index, and every entry's uncompressed size
    /// but those it leaves to be read on demand (see `ahead_len`).
    pub fn inflated_len(&self) -> usize {
        self.archive.entries().fold(0usize, |n, e| {
            n.saturating_add(ahead_len(&e).unwrap_or(0))
                .saturating_add(INFLATED_INDEX)
        })
    }

    /// Inflates every entry once into `buf` ([`Mojo::inflated_len`] bytes), so that
    /// [`Mojo::plan`] and [`Mojo::load`] read them from there instead of inflating each
    /// twice. An entry that fails to inflate is left out here; reading it later gives its
    /// error, so an archive loads exactly as without this step.
    pub fn inflate_all(self, buf: &'a mut [u8]) -> Result<Mojo<'a>, Error> {
        self.inflate_all_in(buf, 1, |jobs| jobs.iter_mut().for_each(InflateJob::run))
    }

    /// [`Mojo::inflate_all`], its work split into at most `workers` jobs of about equal
    /// bytes (whole entries each, at most [`limits::MAX_INFLATE_WORKERS`]) that `run` must
    /// run, each once, in any order or side by side: they write disjoint parts of `buf`, so a
    /// caller with threads inflates a large archive on several cores.
    pub fn inflate_all_in(
        self,
        buf: &'a mut [u8],
        workers: usize,
        run: impl FnOnce(&mut [InflateJob<'_>]),
    ) -> Result<Mojo<'a>, Error> {
        let n = self.archive.entries().count();
        let index_len = n
            .checked_mul(INFLATED_INDEX)
            .ok_or(ModelError::ScratchTooSmall)?;
        let total = self.inflated_len();
        if buf.len() < total || buf.len() < index_len {
            return Err(ModelError::ScratchTooSmall.into());
        }
        // The index is searched by data offset, so it must be sorted (the archive guarantees
        // offset order; a fault here only disables the shortcut).
        let mut offsets = self.archive.entries().map(|e| e.data_offset());
        let mut last = offsets.next();
        for offset in offsets {
            if last.is_some_and(|l| offset <= l) {
                return Ok(self);
            }
            last = Some(offset);
        }
        let (index, bytes) = buf.split_at_mut(index_len);
        {
            // Cut the entries into runs of about `share` bytes each, every run with the part
            // of the index and of the bytes its entries fill.
            let workers = workers.clamp(1, limits::MAX_INFLATE_WORKERS);
            let share = (total - index_len).div_ceil(workers).max(1);
            let mut jobs = heapless::Vec::<InflateJob<'_>, { limits::MAX_INFLATE_WORKERS }>::new();
            let (mut index, mut bytes) = (&mut *index, &mut *bytes);
            let mut entries = self.archive.entries();
            let mut at = 0usize;
            loop {
                let start = entries.clone();
                let (mut count, mut len) = (0usize, 0usize);
                for entry in entries.by_ref() {
                    count += 1;
                    len += ahead_len(&entry).unwrap_or(0);
                    if len >= share && jobs.len() + 1 < workers {
                        break;
                    }
                }
                if count == 0 {
                    break;
                }
                // Both fit: the buffer was checked to hold every entry's index and bytes.
                let too_small = || Error::from(ModelError::ScratchTooSmall);
                let (job_index, rest_index) = core::mem::take(&mut index)
                    .split_at_mut_checked(count * INFLATED_INDEX)
                    .ok_or_else(too_small)?;
                let (job_bytes, rest_bytes) = core::mem::take(&mut bytes)
                    .split_at_mut_checked(len)
                    .ok_or_else(too_small)?;
                (index, bytes) = (rest_index, rest_bytes);
                let job = InflateJob {
                    entries: start,
                    count,
                    base: at,
                    index: job_index,
                    bytes: job_bytes,
                };
                // `workers` is at most the capacity, and the last run takes the rest.
                if jobs.push(job).is_err() {
                    return Ok(self);
                }
                at += len;
            }
            run(&mut jobs);
        }
        Ok(Mojo {
            inflated: Some(Inflated {
                index: &*index,
                bytes: &*bytes,
            }),
            ..self
        })
    }

    /// `entry`'s bytes: from [`Mojo::inflate_all`]'s buffer if it has them, else inflated
    /// into `buf`.
    fn read<'o>(&'o self, entry: &Entry<'a>, buf: &'o mut [u8]) -> Result<&'o [u8], Error> {
        if let Some(bytes) = self.inflated.and_then(|i| i.get(entry.data_offset())) {
            return Ok(bytes);
        }
        Ok(entry.read_into(buf)?)
    }

    /// Bytes of scratch that [`Mojo::plan`] and [`Mojo::load`] need: room for the two
    /// largest `model.ini` files (an ensemble's and one of its sub-models') and, beside them,
    /// the largest entry.
    pub fn scratch_len(&self) -> usize {
        let (mut first, mut second) = (0, 0);
        for e in self.archive.entries() {
            if e.name() == b"model.ini" || e.name().ends_with(b"/model.ini") {
                if e.size() > first {
                    second = first;
                    first = e.size();
                } else if e.size() > second {
                    second = e.size();
                }
            }
        }
        first + second + self.archive.largest_entry()
    }

    /// Reads the whole model once and returns the memory it needs.
    pub fn plan(&self, scratch: &mut [u8]) -> Result<Plan, Error> {
        self.plan_with::<InlineSubs>(scratch)
    }

    /// [`Mojo::plan`] for a model whose sub-model headers go to an `S` store.
    pub fn plan_with<S: SubModels + Default>(&self, scratch: &mut [u8]) -> Result<Plan, Error> {
        let mut counter = Counter::default();
        let mut subs = S::default();
        let (header, inputs) = self.build("", scratch, &mut counter, &mut subs)?;
        Ok(Plan {
            layout: Layout::new(counter.counts)?,
            header,
            n_subs: subs.as_ref().len(),
            inputs,
        })
    }

    /// Reads the model into `mem`, which must be exactly [`Plan::words`] long.
    pub fn load<M: AsRef<[u64]> + AsMut<[u64]>>(
        &self,
        plan: &Plan,
        scratch: &mut [u8],
        mem: M,
    ) -> Result<Model<M>, Error> {
        self.load_with(plan, scratch, mem)
    }

    /// [`Mojo::load`] keeping the sub-model headers in an `S` store (planned with
    /// [`Mojo::plan_with`]).
    pub fn load_with<M: AsRef<[u64]> + AsMut<[u64]>, S: SubModels + Default>(
        &self,
        plan: &Plan,
        scratch: &mut [u8],
        mut mem: M,
    ) -> Result<Model<M, S>, Error> {
        let mut writer = Writer::new(&plan.layout, mem.as_mut())?;
        let mut subs = S::default();
        let (header, inputs) = self.build("", scratch, &mut writer, &mut subs)?;
        writer.finish(&plan.layout)?;
        if header != plan.header || subs.as_ref().len() != plan.n_subs || inputs != plan.inputs {
            return Err(ModelError::Corrupt("the archive changed between plan and load").into());
        }
        writer.sort_level_runs();
        let (nodes, columns) = writer.nodes_and_columns();
        for h in core::iter::once(&header).chain(subs.as_ref()) {
            let own = h.first_node as usize..h.end_node as usize;
            tree::mark_plain(
                nodes.get_mut(own).unwrap_or_default(),
                columns.get(h.first_column as usize..).unwrap_or_default(),
            );
        }
        let mut header = header;
        let mut subs = subs;
        let (dense, trees, nodes) = writer.dense_trees_nodes();
        for h in core::iter::once(&mut header).chain(subs.as_mut().iter_mut()) {
            h.fill_dense(dense, trees, nodes);
        }
        if let Algo::Ensemble(e) = header.algo {
            e.fill_column_maps(&mut writer, &header, subs.as_ref())?;
        }
        if let Algo::RuleFit(r) = header.algo {
            r.fill(&mut writer, &header, subs.as_ref())?;
        }
        if let Algo::CoxPh(c) = header.algo {
            c.fill(&mut writer, header.first_column)?;
        }
        let mut model = Model {
            mem,
            layout: plan.layout,
            header,
            subs,
            inputs,
            rows_scored: AtomicU64::new(0),
        };
        model.validate()?;
        model.header.shap_depth = model.part().shap_depth()?;
        Ok(model)
    }

    /// A [`WithFile`] over the files of `dir`, read into `buf`; a missing one is `missing`.
    fn file_reader<'s>(
        &'s self,
        dir: &'s str,
        buf: &'s mut [u8],
        missing: &'static str,
    ) -> impl FnMut(&str, &mut WithBytes<'_>) -> Result<u32, Error> + 's {
        move |name, f| {
            let entry = self
                .find(dir, name)
                .ok_or(ModelError::MissingFile(missing))?;
            f(self.read(&entry, buf)?)
        }
    }

    /// Finds `<dir><name>` (`dir` is empty or ends with `/`).
    fn find(&self, dir: &str, name: &str) -> Option<Entry<'a>> {
        self.archive.find(path(dir, name)?.as_bytes())
    }

    /// [`Mojo::find`] from `cursor` on ([`Archive::find_near`]): for the files of a
    /// model's trees and of its domains, which H2O writes one after another.
    fn find_near(&self, dir: &str, name: &str, cursor: &mut Cursor) -> Option<Entry<'a>> {
        self.archive.find_near(path(dir, name)?.as_bytes(), cursor)
    }

    /// Reads the model in `dir` (the archive root, or a sub-model's directory) into `sink`;
    /// an ensemble's sub-models go to `subs`.
    fn build(
        &self,
        dir: &str,
        scratch: &mut [u8],
        sink: &mut dyn Sink,
        subs: &mut dyn SubModels,
    ) -> Result<(Header, Option<encoding::Inputs>), Error> {
        let ini_entry = if dir.is_empty() {
            self.ini
        } else {
            self.find(dir, "model.ini")
                .ok_or(ModelError::MissingFile("a sub-model's model.ini"))?
        };
        if scratch.len() < ini_entry.size() {
            return Err(ModelError::ScratchTooSmall.into());
        }
        let (ini_buf, buf) = scratch.split_at_mut(ini_entry.size());
        let text = self.read(&ini_entry, ini_buf)?;
        let text = core::str::from_utf8(text).map_err(|_| ModelError::NotUtf8("model.ini"))?;
        let ini = Ini::new(text)?;

        let algorithm =
            Algorithm::from_key(ini.require("algorithm")?).ok_or(ModelError::UnknownAlgorithm)?;
        // The oldest MOJO version we score and the newest genmodel's reader accepts.
        let (oldest, newest) = match algorithm {
            // Tree MOJOs 1.00 and 1.10 have walkers of their own (`tree::Walker`).
            Algorithm::Gbm | Algorithm::Drf => (100, 140),
            // Isolation Forest came with tree MOJO 1.20.
            Algorithm::IsolationForest => (120, 140),
            // Uplift DRF came with tree MOJO 1.40.
            Algorithm::UpliftDrf => (140, 140),
            Algorithm::Glm => (100, 100),
            Algorithm::DeepLearning => (100, 110),
            Algorithm::KMeans
            | Algorithm::Pca
            | Algorithm::ExtendedIsolationForest
            | Algorithm::IsotonicRegression
            | Algorithm::CoxPh => (100, 100),
            Algorithm::RuleFit | Algorithm::Gam if dir.is_empty() => (100, 100),
            Algorithm::XGBoost => (100, 110),
            // 1.00 has no seed: genmodel starts every row from the clock.
            Algorithm::Glrm => (110, 110),
            Algorithm::StackedEnsemble if dir.is_empty() => (100, 101),
            other => return Err(ModelError::UnsupportedAlgorithm(other).into()),
        };
        let version = ini.require_double("mojo_version")?;
        let mojo_version = libm::round(version * 100.0);
        if !(0.0..=10_000.0).contains(&mojo_version) {
            return Err(ModelError::BadValue("mojo_version").into());
        }
        let mojo_version = mojo_version as u32;
        if mojo_version > newest {
            return Err(ModelError::UnsupportedVersion(mojo_version).into());
        }
        if mojo_version < oldest {
            return Err(ModelError::Unsupported(match algorithm {
                Algorithm::Glrm => "GLRM MOJOs older than version 1.10 (they have no seed)",
                _ => "Isolation Forest MOJOs older than version 1.20",
            })
            .into());
        }
        // genmodel picks the walker by the exact version, and reads 1.20's layout otherwise.
        let tree_mojo = matches!(algorithm, Algorithm::Gbm | Algorithm::Drf);
        let walker = match version {
            _ if !tree_mojo || mojo_version >= 120 => tree::Walker::Current,
            1.0 => tree::Walker::V100,
            1.1 => tree::Walker::V110,
            _ => {
                return Err(ModelError::Unsupported(
                    "tree MOJO versions before 1.20 other than 1.00 and 1.10",
                )
                .into())
            }
        };
        let encoding =
            match encoding::Encoding::of(algorithm, mojo_version, ini.get("_genmodel_encoding"))? {
                // Inside a stacked ensemble genmodel scores a base model on the ensemble's
                // row as it is (`score0`, by column name), without the encoder it has alone:
                // a label-encoded base reads a level's index where alone it reads the level's
                // number. Encodings that rename columns leave the base with columns the
                // ensemble lacks, which `fill_column_maps` refuses as genmodel fails on them.
                Some(_) if !dir.is_empty() => None,
                e => e,
            };
        let category =
            Category::from_key(ini.require("category")?).ok_or(ModelError::BadValue("category"))?;
        let n_columns = ini.n_columns();
        let n_features = count(ini.require_int("n_features")?, "n_features")?;
        let n_classes = count(ini.require_int("n_classes")?, "n_classes")?;
        if n_features > n_columns || n_features >= usize::from(u16::MAX) {
            return Err(ModelError::BadValue("n_features").into());
        }
        if n_classes == 0 || n_classes > limits::MAX_CLASSES {
            return Err(ModelError::BadValue("n_classes").into());
        }
        let supervised = ini.flag("supervised")?;
        let default_threshold = ini.require_double("default_threshold")?;
        let balance_classes = ini.flag("balance_classes")?;
        let uuid = sink.text(ini.get("uuid").unwrap_or("").as_bytes())?;
        let h2o_version = sink.text(ini.get("h2o_version").unwrap_or("unknown").as_bytes())?;
        let prior = doubles(&ini, "prior_class_distrib", sink)?;
        let model_distrib = doubles(&ini, "model_class_distrib", sink)?;
        if balance_classes
            && (prior.map(|s| s.len) != Some(n_classes as u32)
                || model_distrib.map(|s| s.len) != Some(n_classes as u32))
        {
            return Err(ModelError::Corrupt("balance_classes without class distributions").into());
        }
        let offset_column = match ini.get("offset_column") {
            None => None,
            Some(name) => {
                let i = ini
                    .columns()
                    .position(|c| c == name)
                    .ok_or(ModelError::BadValue("offset_column"))?;
                Some(i as u32)
            }
        };

        let first_column = sink.position().columns as u32;
        let first_level = sink.position().levels;
        self.columns(dir, &ini, buf, sink)?;
        let inputs = match encoding {
            None => None,
            Some(e) => {
                let response = ini.columns().last().filter(|_| supervised);
                Some(self.inputs(dir, &ini, e, n_features, response, buf, sink)?)
            }
        };
        if supervised
            && matches!(
                category,
                Category::Binomial | Category::Multinomial | Category::Ordinal
            )
        {
            let response_levels = response_levels(&ini);
            if response_levels.is_some_and(|n| n != n_classes)
                || (response_levels.is_none() && n_classes != 2)
            {
                return Err(
                    ModelError::Corrupt("the response domain does not match n_classes").into(),
                );
            }
        }

        let algo = match algorithm {
            Algorithm::Gbm => {
                let family = Family::from_key(ini.require("distribution")?)
                    .ok_or(ModelError::BadValue("distribution"))?;
                let link = match ini.get("link_function") {
                    Some(l) => Link::from_key(l).ok_or(ModelError::BadValue("link_function"))?,
                    None => family.default_link(),
                };
                Algo::Gbm {
                    family,
                    link,
                    init_f: ini.require_double("init_f")?,
                }
            }
            Algorithm::Drf => Algo::Drf {
                binomial_double_trees: ini.flag("binomial_double_trees")?,
            },
            Algorithm::UpliftDrf => {
                if n_classes != 2 || category != Category::BinomialUplift {
                    return Err(ModelError::BadValue("category").into());
                }
                Algo::UpliftDrf
            }
            Algorithm::DeepLearning => {
                Algo::DeepLearning(DeepLearning::build(&ini, n_features, n_classes, sink)?)
            }
            Algorithm::XGBoost => {
                let booster = self
                    .find(dir, "boosterBytes")
                    .ok_or(ModelError::MissingFile("boosterBytes"))?;
                let booster = self.read(&booster, buf)?;
                let mut xgb = XgBoost::build(&ini, booster, n_features, n_classes, sink)?;
                if let Some(aux) = self.find(dir, "auxNodeWeights") {
                    xgb.set_aux_covers(self.read(&aux, buf)?, sink)?;
                }
                Algo::XgBoost(xgb)
            }
            Algorithm::KMeans => Algo::KMeans(KMeans::build(&ini, n_features, sink)?),
            Algorithm::CoxPh => {
                let mut blob = self.file_reader(dir, buf, "x_mean_cat / x_mean_num");
                Algo::CoxPh(CoxPh::build(&ini, n_features, &mut blob, sink)?)
            }
            Algorithm::IsotonicRegression => {
                if n_features != 1 {
                    return Err(ModelError::BadValue("n_features").into());
                }
                let xs = self.be_doubles(dir, "calib/thresholds_x", buf, sink)?;
                let ys = self.be_doubles(dir, "calib/thresholds_y", buf, sink)?;
                if xs.len != ys.len {
                    return Err(ModelError::Corrupt("isotonic thresholds differ in length").into());
                }
                Algo::IsotonicRegression {
                    min_x: ini.require_double("calib_min_x")?,
                    max_x: ini.require_double("calib_max_x")?,
                    xs,
                    ys,
                }
            }
            Algorithm::ExtendedIsolationForest => {
                let n_trees = u32::try_from(int_or(&ini, "ntrees", 0)?)
                    .map_err(|_| ModelError::BadValue("ntrees"))?;
                if n_trees as usize > limits::MAX_TREES {
                    return Err(ModelError::TooLarge("trees").into());
                }
                let sample_size = i64::from(int_or(&ini, "sample_size", 0)?);
                let mut cursor = Cursor::default();
                let mut tree = |t: u32,
                                f: &mut dyn FnMut(&[u8]) -> Result<u32, Error>|
                 -> Result<u32, Error> {
                    let mut name = heapless::String::<32>::new();
                    fmt::Write::write_fmt(&mut name, format_args!("trees/t{t:02}.bin"))
                        .map_err(|_| ModelError::TooLarge("trees"))?;
                    let entry = self
                        .find_near(dir, &name, &mut cursor)
                        .ok_or(ModelError::MissingFile("trees/ file"))?;
                    f(self.read(&entry, buf)?)
                };
                Algo::ExtendedIsolationForest(Eif::build(
                    n_trees,
                    sample_size,
                    n_features,
                    &mut tree,
                    sink,
                )?)
            }
            Algorithm::Glrm => {
                let mut file = self.file_reader(dir, buf, "a GLRM file");
                Algo::Glrm(Glrm::build(&ini, n_features, &mut file, sink)?)
            }
            Algorithm::Pca => {
                let blob = self
                    .find(dir, "eigenvectors_raw")
                    .ok_or(ModelError::MissingFile("eigenvectors_raw"))?;
                Algo::Pca(Pca::build(&ini, self.read(&blob, buf)?, n_features, sink)?)
            }
            Algorithm::Glm => Algo::Glm(Glm::build(
                &ini,
                n_features,
                n_classes,
                default_threshold,
                sink,
            )?),
            Algorithm::StackedEnsemble => Algo::Ensemble(ensemble::Ensemble::build(
                self, &ini, n_classes, buf, sink, subs,
            )?),
            Algorithm::RuleFit => {
                Algo::RuleFit(RuleFit::build(self, &ini, n_classes, buf, sink, subs)?)
            }
            Algorithm::Gam => {
                let mut file = self.file_reader(dir, buf, "a GAM matrix");
                Algo::Gam(Gam::build(
                    &ini,
                    n_features,
                    n_classes,
                    default_threshold,
                    &mut file,
                    sink,
                )?)
            }
            _ => Algo::IsolationForest {
                min_path_length: int_or(&ini, "min_path_length", 0)?,
                max_path_length: int_or(&ini, "max_path_length", 0)?,
                output_anomaly_flag: ini.flag("output_anomaly_flag")?,
            },
        };
        // A GAM's inputs: its own columns, and its splines' source columns.
        let inputs = match (inputs, algo) {
            (None, Algo::Gam(_)) => {
                let entry = self
                    .find(dir, "gam_columns_sorted")
                    .ok_or(ModelError::MissingFile("gam_columns_sorted"))?;
                let text = core::str::from_utf8(self.read(&entry, buf)?)
                    .map_err(|_| ModelError::NotUtf8("gam_columns_sorted"))?;
                let first_expanded = n_features
                    - ini
                        .get("num_expanded_gam_columns_center")
                        .and_then(ini::int)
                        .and_then(|n| usize::try_from(n).ok())
                        .filter(|&n| n <= n_features)
                        .ok_or(ModelError::BadValue("num_expanded_gam_columns_center"))?;
                let (first, len, slots) =
                    gam::inputs(&ini, text, first_expanded, first_level, sink)?;
                Some(encoding::Inputs {
                    kind: encoding::InputKind::Splines,
                    first,
                    len,
                    slots,
                    projection: Span::default(),
                })
            }
            (inputs, _) => inputs,
        };
        // Only DRF contributions need the count, and only a top-level model has contributions.
        let used_variables = match algo {
            Algo::Drf {
                binomial_double_trees: false,
            } if dir.is_empty()
                && n_classes <= 2
                && matches!(category, Category::Regression | Category::Binomial) =>
            {
                self.used_variables(buf)
            }
            _ => UsedVariables::NotRead,
        };
        let calibration = self.calibration(dir, &ini, buf, sink)?;
        let mut header = Header {
            algorithm,
            category,
            mojo_version,
            n_columns: n_columns as u32,
            n_features: n_features as u32,
            n_classes: n_classes as u32,
            supervised,
            default_threshold,
            balance_classes,
            prior,
            model_distrib,
            offset_column,
            uuid,
            h2o_version,
            n_groups: 0,
            trees_per_class: 0,
            algo,
            calibration,
            shap: TreeShap::None,
            shap_depth: 0,
            used_variables,
            first_column,
            first_tree: sink.position().trees as u32,
            first_node: sink.position().nodes as u32,
            end_node: sink.position().nodes as u32,
            dense: None,
        };
        if !matches!(
            algo,
            Algo::Gbm { .. } | Algo::Drf { .. } | Algo::UpliftDrf | Algo::IsolationForest { .. }
        ) {
            return Ok((header, inputs));
        }
        let double_trees = matches!(
            algo,
            Algo::Drf {
                binomial_double_trees: true
            }
        );
        let n_groups = count(ini.require_int("n_trees")?, "n_trees")?;
        let trees_per_class = match ini.get("n_trees_per_class") {
            Some(v) => count(
                ini::int(v).ok_or(ModelError::BadValue("n_trees_per_class"))?,
                "n_trees_per_class",
            )?,
            None if n_classes == 2 && !double_trees => 1,
            None => n_classes,
        };
        let first_slot = usize::from(n_classes != 1);
        if first_slot + trees_per_class > preds_len_for(category, n_classes, &algo)
            || (algo == Algo::UpliftDrf && trees_per_class != 2)
        {
            return Err(ModelError::BadValue("n_trees_per_class").into());
        }
        if n_groups
            .checked_mul(trees_per_class)
            .is_none_or(|n| n > limits::MAX_TREES)
        {
            return Err(ModelError::TooLarge("trees").into());
        }
        let with_aux = matches!(algo, Algo::Gbm { .. } | Algo::Drf { .. });
        (header.shap, header.dense) = self.trees(
            dir,
            n_groups,
            trees_per_class,
            n_features,
            with_aux,
            walker,
            buf,
            sink,
        )?;
        header.n_groups = n_groups as u32;
        header.trees_per_class = trees_per_class as u32;
        header.end_node = sink.position().nodes as u32;
        Ok((header, inputs))
    }

    /// Column names and, for categoricals, their levels from `domains/`.
    fn columns(
        &self,
        dir: &str,
        ini: &Ini<'_>,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<(), Error> {
        let mut domains = ini
            .domains()
            .filter(|d| d.column < ini.n_columns())
            .peekable();
        let mut total_levels = 0usize;
        // H2O writes the domain files in column order, after the trees: each is the next.
        let mut cursor = Cursor::default();
        for (i, name) in ini.columns().enumerate() {
            let name = sink.text(name.as_bytes())?;
            let domain = match domains.peek() {
                Some(d) if d.column == i => domains.next(),
                Some(d) if d.column < i => {
                    return Err(ModelError::Corrupt("[domains] is not in column order").into())
                }
                _ => None,
            };
            let Some(domain) = domain else {
                sink.column(ColumnRec {
                    name,
                    first_level: NONE,
                    n_levels: 0,
                })?;
                continue;
            };
            total_levels = total_levels.saturating_add(domain.levels);
            if domain.levels > limits::MAX_LEVELS || total_levels > limits::MAX_LEVELS * 4 {
                return Err(ModelError::TooLarge("categorical levels").into());
            }
            let mut path = heapless::String::<{ limits::MAX_NAME_LEN }>::new();
            fmt::Write::write_fmt(&mut path, format_args!("domains/{}", domain.file))
                .map_err(|_| ModelError::TooLarge("file name"))?;
            let entry = self
                .find_near(dir, &path, &mut cursor)
                .ok_or(ModelError::MissingFile("domains/ file"))?;
            let text = self.read(&entry, buf)?;
            let text =
                core::str::from_utf8(text).map_err(|_| ModelError::NotUtf8("domains/ file"))?;
            let escaped = ini.get("escape_domain_values") == Some("true");
            let mut first_level = NONE;
            let mut n = 0usize;
            for line in ini::java_lines(text) {
                n += 1;
                if n > domain.levels {
                    break;
                }
                let level = if escaped {
                    sink.text_unescaped(line.as_bytes(), false)?
                } else {
                    sink.text(line.as_bytes())?
                };
                let index = sink.level(level)?;
                if first_level == NONE {
                    first_level = index;
                }
                if index == NONE {
                    return Err(ModelError::TooLarge("categorical levels").into());
                }
            }
            if n != domain.levels {
                return Err(ModelError::Corrupt(
                    "a domain file does not have the number of levels model.ini gives",
                )
                .into());
            }
            if first_level == NONE {
                // An empty domain: an empty run still marks the column categorical.
                first_level = 0;
            }
            sink.column(ColumnRec {
                name,
                first_level,
                n_levels: domain.levels as u32,
            })?;
        }
        Ok(())
    }

    /// Decodes every tree into `sink`; with `with_aux`, also stores the TreeSHAP covers of
    /// their `_aux.bin` files (pushing the same values in both loading passes).
    #[allow(clippy::too_many_arguments)]
    fn trees(
        &self,
        dir: &str,
        n_groups: usize,
        per_class: usize,
        n_features: usize,
        with_aux: bool,
        walker: tree::Walker,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<(TreeShap, Option<DenseTrees>), Error> {
        let first_node = sink.position().nodes as u32;
        // The shape of the trees so far: the deepest, and whether any is not plain.
        let mut dense_shape = tree::Shape::default();
        let mut weights = match walker {
            tree::Walker::Current => Ok(Span {
                first: sink.position().f64s as u32,
                len: 0,
            }),
            tree::Walker::V100 | tree::Walker::V110 => Err(
                "contributions of tree MOJOs before 1.20 (1.00 has no node weights, and genmodel \
                 reads 1.10's large categorical splits in the 1.20 layout)",
            ),
        };
        // H2O writes the trees group by group (each group's classes, each tree before its
        // `_aux.bin`); read class by class, the next tree is a few files on.
        let mut cursor = Cursor::default();
        for class in 0..per_class {
            // Groups below this have no file for the class (known from one scan).
            let mut absent_until = 0;
            for group in 0..n_groups {
                let name = tree_name(class, group).ok_or(ModelError::TooLarge("trees"))?;
                let before = sink.position().nodes;
                let found = match group < absent_until {
                    true => None,
                    false => self.find_near(dir, &name, &mut cursor),
                };
                if found.is_none() && group >= absent_until {
                    absent_until = self.next_tree_group(dir, class, group, n_groups);
                }
                let tree = match found {
                    None => TreeRec {
                        kind: TreeRec::ABSENT,
                        value: 0,
                    },
                    Some(entry) => {
                        let (tree, shape) =
                            tree::decode_shaped(self.read(&entry, buf)?, n_features, walker, sink)?;
                        dense_shape.depth = dense_shape.depth.max(shape.depth);
                        dense_shape.special |= shape.special;
                        tree
                    }
                };
                sink.tree(tree)?;
                if let (true, Ok(span)) = (with_aux, &mut weights) {
                    let internal = sink.position().nodes - before;
                    let aux =
                        self.aux_weights(dir, &name, &mut cursor, tree, internal, span, buf, sink);
                    if let Err(why) = aux {
                        weights = Err(why);
                    }
                }
            }
        }
        // Plain, shallow trees also get dense copies (filled in `Mojo::load`). Both loading
        // passes see the same trees, so they reserve the same room.
        let n_trees = per_class * n_groups;
        let dense = if !dense_shape.special && dense_shape.depth <= tree::MAX_DENSE_DEPTH {
            let len = tree::dense_len(dense_shape.depth);
            let words = n_trees
                .checked_mul(len)
                .filter(|&n| n <= limits::MAX_MODEL_WORDS);
            match words.map(|n| sink.dense(n)) {
                Some(Ok(at)) => Some(DenseTrees {
                    at,
                    depth: dense_shape.depth,
                }),
                Some(Err(ModelError::Corrupt(why))) => return Err(ModelError::Corrupt(why).into()),
                _ => None,
            }
        } else {
            None
        };
        let shap = match weights {
            _ if !with_aux => TreeShap::None,
            Ok(weights) => TreeShap::Weights {
                first_node,
                weights,
            },
            Err(why) => TreeShap::Unusable(why),
        };
        Ok((shap, dense))
    }

    /// The first group after `group` that has a tree file for `class`, or `n_groups`. A
    /// lookup that misses scans the whole central directory; H2O leaves out every tree of a
    /// class without training rows (decision 74), so one scan for all of them keeps loading
    /// linear.
    fn next_tree_group(&self, dir: &str, class: usize, group: usize, n_groups: usize) -> usize {
        let mut next = n_groups;
        for entry in self.archive.entries() {
            let file = entry.name_str().strip_prefix(dir).unwrap_or_default();
            if let Some((c, g)) = tree_file(file) {
                if c == class && g > group && g < next {
                    next = g;
                }
            }
        }
        next
    }

    /// Pushes `(weightL, weightR)` of each of a tree's `internal` nodes from its `_aux.bin`
    /// (40-byte records in the tree's pre-order), extending `span`; or says why it cannot.
    #[allow(clippy::too_many_arguments)]
    fn aux_weights(
        &self,
        dir: &str,
        tree_name: &str,
        cursor: &mut Cursor,
        tree: TreeRec,
        internal: usize,
        span: &mut Span,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<(), &'static str> {
        const RECORD: usize = 40;
        match tree.kind {
            TreeRec::ABSENT => {
                return Err("contributions of a model with an absent tree (genmodel fails on it)")
            }
            TreeRec::LEAF => return Ok(()),
            _ => {}
        }
        let mut name = heapless::String::<40>::new();
        let stem = tree_name.strip_suffix(".bin").unwrap_or(tree_name);
        fmt::Write::write_fmt(&mut name, format_args!("{stem}_aux.bin"))
            .map_err(|_| "contributions with over-long tree names")?;
        let entry = self.find_near(dir, &name, cursor).ok_or(
            "contributions without trees/*_aux.bin node weights (a MOJO 1.00 or a stripped one)",
        )?;
        let bytes = self
            .read(&entry, buf)
            .map_err(|_| "contributions with an unreadable trees/*_aux.bin")?;
        if bytes.len() != internal * RECORD {
            return Err(
                "contributions with a trees/*_aux.bin that does not have one record per node",
            );
        }
        let mut values = bytes.chunks_exact(RECORD).flat_map(|rec| {
            let f = |at: usize| {
                rec.get(at..at + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(f64::NAN, |b| f64::from(f32::from_le_bytes(b)))
            };
            [f(8), f(12)]
        });
        let first = sink
            .f64s(&mut values)
            .map_err(|_| "contributions with too many trees/*_aux.bin node weights")?;
        if first != span.first + span.len {
            return Err("contributions with scattered trees/*_aux.bin node weights");
        }
        span.len += (internal * 2) as u32;
        Ok(())
    }

    /// genmodel's `numberOfUsedVariables` from `experimental/modelDetails.json`. A missing or
    /// broken file costs the model its contributions, not its scores: PredictCsv never reads it.
    fn used_variables(&self, buf: &mut [u8]) -> UsedVariables {
        let Some(entry) = self.find("", "experimental/modelDetails.json") else {
            return UsedVariables::Unusable(
                "DRF contributions without experimental/modelDetails.json (genmodel scales them \
                 by the count of variables with non-zero importance, read from it)",
            );
        };
        match entry.read_into(buf) {
            Err(_) => UsedVariables::Unusable(
                "DRF contributions with an unreadable experimental/modelDetails.json",
            ),
            Ok(json) => match varimp::used_variables(json) {
                Ok(n) => UsedVariables::Count(n),
                Err(e) => UsedVariables::Unusable(e.reason()),
            },
        }
    }

    fn calibration(
        &self,
        dir: &str,
        ini: &Ini<'_>,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<Calibration, Error> {
        match ini.get("calib_method") {
            None => Ok(Calibration::None),
            Some("platt") => {
                let beta = ini.require("calib_glm_beta")?;
                let mut it = ini::array(beta)
                    .ok_or(ModelError::BadValue("calib_glm_beta"))?
                    .map(ini::double);
                match (it.next(), it.next(), it.next()) {
                    (Some(Some(a)), Some(Some(b)), None) => Ok(Calibration::Platt([a, b])),
                    _ => Err(ModelError::BadValue("calib_glm_beta").into()),
                }
            }
            Some("isotonic") => {
                let min_x = ini.require_double("calib_min_x")?;
                let max_x = ini.require_double("calib_max_x")?;
                let xs = self.be_doubles(dir, "calib/thresholds_x", buf, sink)?;
                let ys = self.be_doubles(dir, "calib/thresholds_y", buf, sink)?;
                if xs.len != ys.len {
                    return Err(ModelError::Corrupt("isotonic thresholds differ in length").into());
                }
                Ok(Calibration::Isotonic {
                    min_x,
                    max_x,
                    xs,
                    ys,
                })
            }
            Some(_) => Err(ModelError::BadValue("calib_method").into()),
        }
    }

    /// A big-endian `i32` count followed by that many `f64`s (`ByteBuffer` order).
    fn be_doubles(
        &self,
        dir: &str,
        name: &str,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<Span, Error> {
        let entry = self
            .find(dir, name)
            .ok_or(ModelError::MissingFile("calib/thresholds"))?;
        let bytes = self.read(&entry, buf)?;
        let mut r = crate::read::Reader::new(bytes);
        let n = r
            .be_i32()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or(ModelError::Corrupt("calibration thresholds"))?;
        if r.left() != n.saturating_mul(8) {
            return Err(ModelError::Corrupt("calibration thresholds").into());
        }
        let mut values = core::iter::from_fn(|| r.be_f64());
        let first = sink.f64s(&mut values)?;
        Ok(Span {
            first,
            len: n as u32,
        })
    }
}

fn count(v: i32, key: &'static str) -> Result<usize, ModelError> {
    usize::try_from(v).map_err(|_| ModelError::BadValue(key))
}

fn int_or(ini: &Ini<'_>, key: &'static str, default: i32) -> Result<i32, ModelError> {
    match ini.get(key) {
        None => Ok(default),
        Some(v) => ini::int(v).ok_or(ModelError::BadValue(key)),
    }
}

/// An optional `[a, b, …]` array of doubles, stored in the model.
fn doubles(
    ini: &Ini<'_>,
    key: &'static str,
    sink: &mut dyn Sink,
) -> Result<Option<Span>, ModelError> {
    let Some(text) = ini.get(key) else {
        return Ok(None);
    };
    let items = ini::array(text).ok_or(ModelError::BadValue(key))?;
    let mut bad = false;
    let mut n = 0u32;
    let mut values = items.map(|s| {
        n += 1;
        ini::double(s).unwrap_or_else(|| {
            bad = true;
            f64::NAN
        })
    });
    let first = sink.f64s(&mut values)?;
    if bad {
        return Err(ModelError::BadValue(key));
    }
    Ok(Some(Span { first, len: n }))
}

/// An `int[]` key of `model.ini`, required, stored as doubles.
fn int_doubles(ini: &Ini<'_>, key: &'static str, sink: &mut dyn Sink) -> Result<Span, ModelError> {
    let text = ini.require(key)?;
    let all_ints = ini::array(text).is_some_and(|mut it| it.all(|s| ini::int(s).is_some()));
    if !all_ints {
        return Err(ModelError::BadValue(key));
    }
    doubles(ini, key, sink)?.ok_or(ModelError::MissingKey(key))
}

/// A required `int[]` key of non-negative values, in a list of at most `N` (`what` names
/// the list when it is longer).
fn u32_list<const N: usize>(
    ini: &Ini<'_>,
    key: &'static str,
    what: &'static str,
) -> Result<heapless::Vec<u32, N>, ModelError> {
    let text = ini.require(key)?;
    let mut out = heapless::Vec::new();
    for item in ini::array(text).ok_or(ModelError::BadValue(key))? {
        let v = ini::int(item)
            .and_then(|v| u32::try_from(v).ok())
            .ok_or(ModelError::BadValue(key))?;
        out.push(v).map_err(|_| ModelError::TooLarge(what))?;
    }
    Ok(out)
}

/// A required count (a non-negative `int`) of `model.ini`.
fn require_u32(ini: &Ini<'_>, key: &'static str) -> Result<u32, ModelError> {
    u32::try_from(ini.require_int(key)?).map_err(|_| ModelError::BadValue(key))
}

/// Levels of the response (the last column), if it has a domain.
fn response_levels(ini: &Ini<'_>) -> Option<usize> {
    let last = ini.n_columns().checked_sub(1)?;
    ini.domains().find(|d| d.column == last).map(|d| d.levels)
}

fn preds_len_for(category: Category, n_classes: usize, algo: &Algo) -> usize {
    match (category, algo) {
        (_, Algo::Pca(pca)) => pca.k(),
        (_, Algo::Glrm(glrm)) => glrm.rank(),
        (Category::AutoEncoder, Algo::DeepLearning(dl)) => dl.preds_len(),
        (
            Category::AnomalyDetection,
            Algo::IsolationForest {
                output_anomaly_flag: true,
                ..
            },
        ) => 3,
        _ if n_classes > 1 => 1 + n_classes,
        _ => 2,
    }
}

/// A loaded model over memory `M` (a `Box<[u64]>`, a `Vec<u64>` or a borrowed slice),
/// with its sub-model headers in `S`.
#[derive(Debug)]
pub struct Model<M, S = InlineSubs> {
    mem: M,
    layout: Layout,
    header: Header,
    subs: S,
    /// The columns users send, when they are not the features (a frame encoded before
    /// training; only a top-level model can be).
    inputs: Option<encoding::Inputs>,
    /// Rows scored so far, for models whose result depends on it (GLRM seeds each row's
    /// generator with it, as genmodel's `_rcnt` does; see [`Model::counts_rows`]).
    rows_scored: AtomicU64,
}

impl<M: Clone, S: Clone> Clone for Model<M, S> {
    /// A copy that has scored as many rows as this model (a genmodel instance's state).
    fn clone(&self) -> Self {
        Model {
            mem: self.mem.clone(),
            layout: self.layout,
            header: self.header,
            subs: self.subs.clone(),
            inputs: self.inputs,
            rows_scored: AtomicU64::new(self.rows_scored.load(Ordering::Relaxed)),
        }
    }
}

/// One column of a model, as [`Model::column`] gives it.
#[derive(Clone, Copy, Debug)]
pub struct Column<'m> {
    pub name: &'m str,
    /// The categorical levels, in H2O's order; `None` for a numeric column.
    pub levels: Option<Levels<'m>>,
}

/// The levels of a categorical column.
#[derive(Clone, Copy, Debug)]
pub struct Levels<'m> {
    regions: Regions<'m>,
    first: u32,
    len: u32,
}

impl<'m> Levels<'m> {
    pub fn len(&self) -> usize {
        self.len as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Level `i` (its text).
    pub fn get(&self, i: usize) -> Option<&'m str> {
        if i >= self.len() {
            return None;
        }
        let s = *self.regions.levels.get(self.first as usize + i)?;
        core::str::from_utf8(self.regions.str(s)).ok()
    }

    pub fn iter(&self) -> impl Iterator<Item = &'m str> + 'm {
        let me = *self;
        (0..me.len()).filter_map(move |i| me.get(i))
    }

    /// The index of a level whose text equals `prefix` followed by `text`. With duplicate
    /// levels, the last one wins, as in genmodel's `HashMap`.
    fn find(&self, prefix: &[u8], text: &[u8]) -> Option<usize> {
        let start = self.first as usize;
        let order = self.regions.level_order.get(start..start + self.len())?;
        let key_cmp = |i: u32| -> core::cmp::Ordering {
            let s = self
                .regions
                .levels
                .get(i as usize)
                .copied()
                .unwrap_or_default();
            cmp_concat(self.regions.str(s), prefix, text)
        };
        // The first position past every level <= the key; the one before it is the last equal.
        let past = order.partition_point(|&i| key_cmp(i).is_le());
        let i = *order.get(past.checked_sub(1)?)?;
        key_cmp(i).is_eq().then(|| i as usize - start)
    }
}

/// Compares `level` with the concatenation `a ++ b` without building it.
fn cmp_concat(level: &[u8], a: &[u8], b: &[u8]) -> core::cmp::Ordering {
    let head = level.len().min(a.len());
    let (l_head, l_tail) = level.split_at(head);
    match l_head.cmp(a.get(..head).unwrap_or(&[])) {
        core::cmp::Ordering::Equal if level.len() < a.len() => core::cmp::Ordering::Less,
        core::cmp::Ordering::Equal => l_tail.cmp(b),
        other => other,
    }
}

/// How to treat input that genmodel's `EasyPredictModelWrapper` can reject.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InputRules {
    /// An unknown categorical level becomes NA (PredictCsv's setting) instead of an error.
    pub unknown_level_as_na: bool,
    /// Text that is not a number in a numeric column becomes NA instead of an error.
    pub invalid_number_as_na: bool,
}

impl Default for InputRules {
    /// PredictCsv's rules: unknown levels are NA, invalid numbers are errors.
    fn default() -> Self {
        InputRules {
            unknown_level_as_na: true,
            invalid_number_as_na: false,
        }
    }
}

/// A name of an output column: `prefix` then `name` (e.g. `cal_` `yes`, or `p` `1` for a
/// class whose level is an integer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OutputName<'m> {
    pub prefix: &'static str,
    pub name: &'m str,
    /// Written after the name, then `detail` (`reconstr_` `x` `.` `level`).
    pub sep: &'static str,
    pub detail: &'m str,
    /// A number at the end (`PC` `1`).
    pub index: Option<usize>,
}

impl<'m> OutputName<'m> {
    fn new(prefix: &'static str, name: &'m str) -> Self {
        OutputName {
            prefix,
            name,
            sep: "",
            detail: "",
            index: None,
        }
    }
}

impl fmt::Display for OutputName<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.prefix)?;
        f.write_str(self.name)?;
        f.write_str(self.sep)?;
        f.write_str(self.detail)?;
        match self.index {
            Some(i) => write!(f, "{i}"),
            None => Ok(()),
        }
    }
}

/// A row's path through one tree: `L`/`R` per level (genmodel's `getDecisionPath`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LeafPath(pub u64);

impl fmt::Display for LeafPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        tree::write_path(f, self.0)
    }
}

/// One value of an output row: a class label or a number.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum OutputValue<'m> {
    Label(&'m str),
    Number(f64),
}

/// Runs `f` with `need` doubles of scratch on the stack, in a buffer of the next size up:
/// zeroing all [`limits::MAX_STACK_WORK`] for every row was nearly half of a small
/// network's row (docs/decisions.md 47). The scratch's contents on entry do not matter
/// (`Model::score_with` takes any buffer), only its length. More than `MAX_STACK_WORK` is
/// [`ScoreError::WorkLength`].
fn with_stack_work(
    need: usize,
    f: impl FnOnce(&mut [f64]) -> Result<(), ScoreError>,
) -> Result<(), ScoreError> {
    match need {
        0..=64 => stack_work::<64>(need, f),
        65..=512 => stack_work::<512>(need, f),
        _ => stack_work::<{ limits::MAX_STACK_WORK }>(need, f),
    }
}

/// [`with_stack_work`] with an `N`-double buffer; kept out of line so models without
/// scratch do not pay for the frame.
#[inline(never)]
fn stack_work<const N: usize>(
    need: usize,
    f: impl FnOnce(&mut [f64]) -> Result<(), ScoreError>,
) -> Result<(), ScoreError> {
    let mut buf = [0.0f64; N];
    let work = buf.get_mut(..need).ok_or(ScoreError::WorkLength {
        expected: need as u32,
        found: N as u32,
    })?;
    f(work)
}

/// One model's view of the shared memory: the top-level model, or a sub-model of an
/// ensemble. Every per-model operation lives here; [`Model`] forwards to its top part.
#[derive(Clone, Copy, Debug)]
struct Part<'m> {
    regions: Regions<'m>,
    header: &'m Header,
    /// The ensemble's sub-models, shared by every part of one model.
    subs: &'m [Header],
    memory_bytes: usize,
    /// The model's inputs, if they are not its features.
    inputs: Option<encoding::Inputs>,
    /// The count of rows scored that a model which counts rows takes its row's number
    /// from ([`Model::counts_rows`]): the model's own, or a stand-in for one numbered row.
    rows_scored: &'m AtomicU64,
}

impl<'m> Part<'m> {
    /// Checks what can only be checked once values are loaded.
    fn validate(&self) -> Result<(), ModelError> {
        let f64s = self.regions().f64s;
        match self.header.algo {
            Algo::DeepLearning(dl) => dl.validate(f64s)?,
            Algo::XgBoost(xgb) => xgb.validate(f64s)?,
            Algo::KMeans(km) => km.validate(f64s)?,
            Algo::CoxPh(cox) => cox.validate(f64s)?,
            Algo::RuleFit(r) => r.validate(f64s)?,
            Algo::Gam(g) => g.validate(f64s, self.n_features())?,
            Algo::Pca(pca) => pca.validate(f64s)?,
            Algo::Glrm(glrm) => glrm.validate(f64s, self.n_features())?,
            Algo::ExtendedIsolationForest(eif) => eif.validate(f64s)?,
            _ => {}
        }
        if let Algo::Glm(glm) = self.header.algo {
            glm.validate(self.regions().f64s)?;
            let (cats, nums) = glm.counts();
            let categorical = |i: usize| self.column(i).is_some_and(|c| c.levels.is_some());
            if (0..cats).any(|i| !categorical(i)) || (cats..cats + nums).any(categorical) {
                return Err(ModelError::Corrupt(
                    "GLM categorical columns do not come first",
                ));
            }
        }
        Ok(())
    }

    fn regions(&self) -> Regions<'m> {
        self.regions
    }

    /// [`Part::regions`] with `columns` from this model's first, as its tree nodes index
    /// them (a sub-model's columns follow its ensemble's in the shared region).
    fn tree_regions(&self) -> Regions<'m> {
        let first = self.header.first_column as usize;
        Regions {
            columns: self.regions.columns.get(first..).unwrap_or_default(),
            ..self.regions
        }
    }

    fn text(&self, s: StrRef) -> &'m str {
        core::str::from_utf8(self.regions().str(s)).unwrap_or("")
    }

    fn span(&self, s: Span) -> &'m [f64] {
        s.values(self.regions().f64s)
    }

    pub fn algorithm(&self) -> Algorithm {
        self.header.algorithm
    }

    pub fn algo(&self) -> Algo {
        self.header.algo
    }

    pub fn category(&self) -> Category {
        self.header.category
    }

    /// `mojo_version` in hundredths (140 is 1.40).
    pub fn mojo_version(&self) -> u32 {
        self.header.mojo_version
    }

    pub fn uuid(&self) -> &'m str {
        self.text(self.header.uuid)
    }

    pub fn h2o_version(&self) -> &'m str {
        self.text(self.header.h2o_version)
    }

    /// Columns the rows must give values for, in order.
    pub fn n_features(&self) -> usize {
        self.header.n_features as usize
    }

    /// All columns: features, then weights, offset, fold and response where present.
    pub fn n_columns(&self) -> usize {
        self.header.n_columns as usize
    }

    pub fn n_classes(&self) -> usize {
        self.header.n_classes as usize
    }

    pub fn is_supervised(&self) -> bool {
        self.header.supervised
    }

    pub fn default_threshold(&self) -> f64 {
        self.header.default_threshold
    }

    /// Trees: groups (iterations) times trees per class.
    pub fn n_trees(&self) -> (usize, usize) {
        (
            self.header.n_groups as usize,
            self.header.trees_per_class as usize,
        )
    }

    /// Bytes of model memory.
    pub fn memory_bytes(&self) -> usize {
        self.memory_bytes
    }

    /// Whether the model carries calibration (binomial only).
    pub fn has_calibration(&self) -> bool {
        self.header.calibration != Calibration::None
    }

    /// The index of the offset column, if the model was trained with one.
    pub fn offset_column(&self) -> Option<usize> {
        self.header.offset_column.map(|i| i as usize)
    }

    pub fn column(&self, i: usize) -> Option<Column<'m>> {
        if i >= self.n_columns() {
            return None;
        }
        let regions = self.regions();
        let c = regions.columns.get(self.header.first_column as usize + i)?;
        let name = core::str::from_utf8(regions.str(c.name)).ok()?;
        let levels = (c.first_level != NONE).then_some(Levels {
            regions,
            first: c.first_level,
            len: c.n_levels,
        });
        Some(Column { name, levels })
    }

    /// The index of the column named `name` (exact match, as genmodel's column map).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        (0..self.n_columns()).find(|&i| self.column(i).is_some_and(|c| c.name == name))
    }

    /// The response column's levels, for classifiers.
    pub fn response_levels(&self) -> Option<Levels<'m>> {
        if !self.header.supervised {
            return None;
        }
        self.column(self.n_columns().checked_sub(1)?)?.levels
    }

    /// Values in a prediction buffer (genmodel's `getPredsSize`).
    pub fn preds_len(&self) -> usize {
        preds_len_for(self.header.category, self.n_classes(), &self.header.algo)
    }

    /// The model value of a text cell in feature column `column`, as genmodel's
    /// `RowToRawDataConverter` computes it: a categorical level's index (looked up exactly,
    /// then as `<column>.<text>`), or the number Java's `Double.parseDouble` reads from the
    /// trimmed text. The NA tokens of a CSV are the caller's business.
    pub fn encode_text(
        &self,
        column: usize,
        text: &[u8],
        rules: InputRules,
    ) -> Result<f64, InputError> {
        let col = self.feature(column)?;
        match col.levels {
            Some(levels) => {
                let found = levels.find(&[], text).or_else(|| {
                    let mut prefix = heapless::Vec::<u8, { limits::MAX_NAME_LEN + 1 }>::new();
                    prefix.extend_from_slice(col.name.as_bytes()).ok()?;
                    prefix.push(b'.').ok()?;
                    levels.find(&prefix, text)
                });
                match found {
                    Some(i) => Ok(i as f64),
                    None if rules.unknown_level_as_na => Ok(f64::NAN),
                    None => Err(InputError::UnknownLevel {
                        column: column as u32,
                    }),
                }
            }
            None => match java::parse_double(text) {
                Some(v) => Ok(v),
                None if rules.invalid_number_as_na => Ok(f64::NAN),
                None => Err(InputError::NotANumber {
                    column: column as u32,
                }),
            },
        }
    }

    /// The model value of a number given for feature column `column`. genmodel accepts
    /// numbers only for numeric columns (and NaN anywhere).
    pub fn encode_number(&self, column: usize, value: f64) -> Result<f64, InputError> {
        let col = self.feature(column)?;
        if col.levels.is_some() && !value.is_nan() {
            return Err(InputError::NumberForCategorical {
                column: column as u32,
            });
        }
        Ok(value)
    }

    fn feature(&self, column: usize) -> Result<Column<'m>, InputError> {
        if column >= self.n_features() {
            return Err(InputError::NoSuchColumn {
                column: column as u32,
            });
        }
        self.column(column).ok_or(InputError::NoSuchColumn {
            column: column as u32,
        })
    }

    /// A sub-model of this ensemble.
    fn sub(&self, i: usize) -> Part<'m> {
        Part {
            header: self.subs.get(i).unwrap_or(self.header),
            ..*self
        }
    }

    /// Scratch doubles [`Part::score_inner`] needs beyond the row and the predictions.
    pub fn work_len(&self) -> usize {
        match self.header.algo {
            Algo::Ensemble(e) => e.work_len(self),
            Algo::RuleFit(r) => r.work_len(self),
            Algo::DeepLearning(dl) => dl.work_len(),
            Algo::Glrm(glrm) => glrm.work_len(),
            Algo::Gam(gam) => gam.work_len(),
            Algo::CoxPh(cox) => cox.work_len(self.n_features()),
            _ => 0,
        }
    }

    /// Scores with `java` standing in for HotSpot's intrinsics, using `work` as scratch.
    fn score_inner(
        &self,
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: predict::Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        if row.len() != self.n_features() {
            return Err(ScoreError::RowLength {
                expected: self.header.n_features,
                found: row.len() as u32,
            });
        }
        if preds.len() != self.preds_len() {
            return Err(ScoreError::PredsLength {
                expected: self.preds_len() as u32,
                found: preds.len() as u32,
            });
        }
        if let Algo::Ensemble(e) = self.header.algo {
            return e.score(self, row, preds, java, work);
        }
        if let Algo::RuleFit(r) = self.header.algo {
            return r.score(self, row, preds, java, work);
        }
        preds.fill(0.0);
        self.sum_trees(row, preds);
        self.finish(row, offset, preds, java, work)
    }

    /// Adds every tree's leaf for `row` to its class's slot of `preds` (zeroed by the caller).
    fn sum_trees(&self, row: &[f64], preds: &mut [f64]) {
        let regions = self.tree_regions();
        let first_slot = usize::from(self.header.n_classes != 1);
        let groups = self.header.n_groups as usize;
        let first_tree = self.header.first_tree as usize;
        for (class, slot) in preds
            .iter_mut()
            .skip(first_slot)
            .take(self.header.trees_per_class as usize)
            .enumerate()
        {
            let trees = regions
                .trees
                .get(first_tree + class * groups..first_tree + (class + 1) * groups)
                .unwrap_or(&[]);
            // Trees in blocks of `tree::LANES` walked together; every leaf is still added
            // in tree order, so the sum is bit-identical to one tree at a time.
            if let Some(d) = self.header.dense {
                let len = tree::dense_len(d.depth);
                let first = d.at as usize + class * groups * len;
                let base = |t: usize| first + t * len;
                let full = groups - groups % tree::LANES;
                let has_na = row.iter().any(|v| v.is_nan());
                for t in (0..full).step_by(tree::LANES) {
                    for v in tree::score_dense_lanes(regions.dense, d.depth, base(t), row, has_na) {
                        *slot += v;
                    }
                }
                if full == groups {
                    continue;
                }
                // The last trees: walked alone, each would wait on its whole chain of
                // loads; walked as the last `LANES` trees, they overlap (the lanes before
                // `full` are walked again and not added).
                let deep = d.depth >= tree::MIN_TAIL_DEPTH;
                if let Some(start) = groups.checked_sub(tree::LANES).filter(|_| deep) {
                    let lanes =
                        tree::score_dense_tail(regions.dense, d.depth, base(start), row, has_na);
                    for v in lanes.into_iter().skip(full - start) {
                        *slot += v;
                    }
                } else {
                    for t in full..groups {
                        *slot += tree::score_dense(regions.dense, d.depth, base(t), row);
                    }
                }
                continue;
            }
            let mut blocks = trees.chunks_exact(tree::LANES);
            for block in &mut blocks {
                if let Ok(block) = block.try_into() {
                    for v in tree::score_lanes(block, &regions, row) {
                        *slot += v;
                    }
                }
            }
            for &t in blocks.remainder() {
                if t.kind != TreeRec::ABSENT {
                    *slot += tree::score(t, &regions, row);
                }
            }
        }
    }

    /// [`Part::sum_trees`] for `tree::ROW_LANES` rows through the dense copies, into `preds`
    /// (`ROW_LANES` prediction buffers back to back): each tree is walked by every row before the
    /// next tree, and each row still adds its leaves in tree order from 0, as `sum_trees`.
    fn sum_dense_rows(&self, d: DenseTrees, block: &[f64], preds: &mut [f64]) {
        let n_features = self.n_features();
        let has_na = block.iter().any(|v| v.is_nan());
        let dense = self.regions().dense;
        let first_slot = usize::from(self.header.n_classes != 1);
        let groups = self.header.n_groups as usize;
        let len = tree::dense_len(d.depth);
        let preds_len = self.preds_len();
        for class in 0..self.header.trees_per_class as usize {
            let first = d.at as usize + class * groups * len;
            let mut sums = [0.0f64; tree::ROW_LANES];
            for t in 0..groups {
                let leaves = tree::score_dense_rows(
                    dense,
                    d.depth,
                    first + t * len,
                    block,
                    n_features,
                    has_na,
                );
                for (s, v) in sums.iter_mut().zip(leaves) {
                    *s += v;
                }
            }
            for (k, s) in sums.into_iter().enumerate() {
                if let Some(p) = preds.get_mut(k * preds_len + first_slot + class) {
                    *p = s;
                }
            }
        }
    }

    /// Scores `rows` (row after row, [`Part::n_features`] values each) into `preds` (one
    /// prediction buffer per row, back to back), each with its offset (none: all 0). The
    /// values are those of scoring row by row; tree models with dense copies walk
    /// `tree::ROW_LANES` rows per tree. Stops at the first row the model rejects. Scratch is
    /// `work` if given, else on the stack.
    fn score_rows(
        &self,
        rows: &[f64],
        offsets: &[f64],
        preds: &mut [f64],
        java: predict::Java<'_>,
        mut work: Option<&mut [f64]>,
    ) -> Result<(), ScoreError> {
        let n_features = self.n_features();
        let preds_len = self.preds_len();
        let n = match rows.len().checked_div(n_features) {
            Some(n) => n,
            None => preds.len() / preds_len.max(1),
        };
        if rows.len() != n * n_features {
            return Err(ScoreError::RowLength {
                expected: n_features as u32,
                found: (rows.len() % n_features.max(1)) as u32,
            });
        }
        if preds.len() != n * preds_len {
            return Err(ScoreError::PredsLength {
                expected: (n * preds_len) as u32,
                found: preds.len() as u32,
            });
        }
        if !offsets.is_empty() && offsets.len() != n {
            return Err(ScoreError::OffsetsLength {
                expected: n as u32,
                found: offsets.len() as u32,
            });
        }
        let offset = |i: usize| offsets.get(i).copied().unwrap_or(0.0);
        let row = |i: usize| {
            rows.get(i * n_features..(i + 1) * n_features)
                .unwrap_or(&[])
        };
        let dense = match self.header.algo {
            Algo::Gbm { .. } | Algo::Drf { .. } | Algo::UpliftDrf => self.header.dense,
            _ => None,
        };
        let mut done = 0;
        if let Some(d) = dense {
            let block_preds = tree::ROW_LANES * preds_len;
            for (b, out) in preds.chunks_exact_mut(block_preds).enumerate() {
                let first = b * tree::ROW_LANES;
                out.fill(0.0);
                let block = rows
                    .get(first * n_features..(first + tree::ROW_LANES) * n_features)
                    .unwrap_or_default();
                self.sum_dense_rows(d, block, out);
                for (k, p) in out.chunks_exact_mut(preds_len.max(1)).enumerate() {
                    self.finish(row(first + k), offset(first + k), p, &mut *java, &mut [])?;
                }
                done = first + tree::ROW_LANES;
            }
        }
        if let Algo::Glm(glm) = self.header.algo {
            let f64s = self.regions().f64s;
            let lanes = glm::ROW_LANES;
            for (b, out) in preds
                .chunks_exact_mut((lanes * preds_len).max(1))
                .enumerate()
            {
                let first = b * lanes;
                let mut each = out.chunks_exact_mut(preds_len.max(1));
                let together = glm.score_lanes::<{ glm::ROW_LANES }>(
                    f64s,
                    core::array::from_fn(|k| row(first + k)),
                    core::array::from_fn(|k| offset(first + k)),
                    core::array::from_fn(|_| each.next().unwrap_or_default()),
                    &mut *java,
                );
                if together.is_err() {
                    // One of them is rejected: row by row, to score the rows before it.
                    done = first;
                    break;
                }
                done = first + lanes;
            }
        }
        let need = self.work_len();
        for i in done..n {
            let p = preds
                .get_mut(i * preds_len..(i + 1) * preds_len)
                .unwrap_or_default();
            match work.as_deref_mut() {
                _ if need == 0 => self.score_inner(row(i), offset(i), p, &mut *java, &mut [])?,
                Some(work) => self.score_inner(row(i), offset(i), p, &mut *java, work)?,
                None => with_stack_work(need, |work| {
                    self.score_inner(row(i), offset(i), p, &mut *java, work)
                })?,
            }
        }
        Ok(())
    }

    /// Everything after the tree sums: links, normalisation, labels; and the whole score for
    /// models without trees.
    fn finish(
        &self,
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: predict::Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let regions = self.regions();
        let groups = self.header.n_groups as usize;
        match self.header.algo {
            Algo::Gbm {
                family,
                link,
                init_f,
            } => self.unify_gbm(family, link, init_f, row, offset, preds, java),
            Algo::Drf {
                binomial_double_trees,
            } => self.unify_drf(binomial_double_trees, row, preds),
            // genmodel's `UpliftDrfMojoModel.unifyPreds`.
            Algo::UpliftDrf => {
                if let [uplift, treated, control, ..] = preds {
                    *treated /= f64::from(self.header.n_groups);
                    *control /= f64::from(self.header.n_groups);
                    *uplift = *treated - *control;
                }
            }
            Algo::Glm(glm) => return glm.score(regions.f64s, row, offset, preds, java),
            Algo::DeepLearning(dl) => {
                if dl.score(regions.f64s, row, preds, java, work)? {
                    self.finish_classifier(row, preds);
                }
                return Ok(());
            }
            Algo::KMeans(km) => {
                let categorical = |i: usize| self.column(i).is_some_and(|c| c.levels.is_some());
                if let Some(p) = preds.first_mut() {
                    *p = km.cluster(regions.f64s, row, categorical);
                }
                return Ok(());
            }
            Algo::Pca(pca) => {
                pca.score(regions.f64s, row, preds);
                return Ok(());
            }
            Algo::Glrm(glrm) => {
                // A row genmodel starts takes a number even if it then fails (`_rcnt++` is
                // the call's argument); a row refused for our scratch's size does not.
                if work.len() < glrm.work_len() {
                    return Err(ScoreError::WorkLength {
                        expected: glrm.work_len() as u32,
                        found: work.len() as u32,
                    });
                }
                let n = self.rows_scored.fetch_add(1, Ordering::Relaxed);
                return glrm.score(regions.f64s, row, n, preds, java, work);
            }
            Algo::CoxPh(cox) => return cox.score(regions.f64s, row, offset, preds, work),
            Algo::Gam(gam) => return gam.score(regions.f64s, row, preds, java, work),
            Algo::ExtendedIsolationForest(eif) => return eif.score(regions.f64s, row, preds, java),
            Algo::IsotonicRegression {
                min_x,
                max_x,
                xs,
                ys,
            } => {
                let x = row.first().copied().unwrap_or(f64::NAN);
                let [_, p] = predict::isotonic(x, min_x, max_x, self.span(xs), self.span(ys));
                if let Some(v) = preds.first_mut() {
                    *v = p;
                }
                return Ok(());
            }
            Algo::XgBoost(xgb) => {
                if xgb.score(regions.f64s, row, offset, preds, java)? {
                    self.finish_classifier(row, preds);
                }
                return Ok(());
            }
            // Ensembles returned above, before the trees.
            Algo::Ensemble(_) | Algo::RuleFit(_) => {}
            Algo::IsolationForest {
                min_path_length,
                max_path_length,
                output_anomaly_flag,
            } => {
                let sum = preds.first().copied().unwrap_or(0.0);
                let mean = if groups >= 1 && preds.len() > 1 {
                    sum / groups as f64
                } else {
                    0.0
                };
                let score = if max_path_length > min_path_length {
                    (f64::from(max_path_length) - sum)
                        / f64::from(max_path_length.wrapping_sub(min_path_length))
                } else {
                    1.0
                };
                let out: &[f64] = if output_anomaly_flag {
                    let flag = if score > self.header.default_threshold {
                        1.0
                    } else {
                        0.0
                    };
                    &[flag, score, mean]
                } else {
                    &[score, mean]
                };
                for (p, v) in preds.iter_mut().zip(out) {
                    *p = *v;
                }
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    fn unify_gbm(
        &self,
        family: Family,
        link: Link,
        init_f: f64,
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: predict::Java<'_>,
    ) {
        match family {
            Family::Bernoulli | Family::Quasibinomial | Family::ModifiedHuber => {
                if let [_, p0, p1, ..] = preds {
                    let f = *p0 + init_f + offset;
                    *p1 = predict::gbm_link_inv(link, f, java);
                    *p0 = 1.0 - *p1;
                }
            }
            Family::Multinomial => {
                if self.header.n_classes == 2 {
                    if let [_, p0, p1, ..] = preds {
                        *p0 += init_f + offset;
                        *p1 = -*p0;
                    }
                }
                predict::gbm_rescale(preds, java);
            }
            // Every other family is a regression here, even a custom one on a classifier.
            _ => {
                if let Some(value) = preds.first_mut() {
                    *value = predict::gbm_link_inv(link, *value + init_f + offset, java);
                }
                return;
            }
        }
        self.finish_classifier(row, preds);
    }

    fn unify_drf(&self, double_trees: bool, row: &[f64], preds: &mut [f64]) {
        let groups = f64::from(self.header.n_groups);
        match (self.header.n_classes, preds.first_mut()) {
            (1, Some(value)) => {
                *value /= groups;
                return;
            }
            (2, _) if !double_trees => {
                if let [_, p0, p1, ..] = preds {
                    *p0 /= groups;
                    *p1 = 1.0 - *p0;
                }
            }
            _ => {
                let probs = preds.get_mut(1..).unwrap_or(&mut []);
                let sum = probs.iter().fold(0.0, |s, p| s + p);
                if sum > 0.0 {
                    for p in probs.iter_mut() {
                        *p /= sum;
                    }
                }
            }
        }
        self.finish_classifier(row, preds);
    }

    /// `balance_classes` correction, then the label into `preds[0]`.
    fn finish_classifier(&self, row: &[f64], preds: &mut [f64]) {
        let prior = self.header.prior.map(|s| self.span(s));
        if self.header.balance_classes {
            if let (Some(prior), Some(model)) =
                (prior, self.header.model_distrib.map(|s| self.span(s)))
            {
                predict::correct_probabilities(preds, prior, model);
            }
        }
        let label = predict::prediction(preds, prior, row, self.header.default_threshold);
        if let Some(p) = preds.first_mut() {
            *p = label as f64;
        }
    }

    /// Why the model has no leaf assignments, if it has none.
    fn leaf_paths_support(&self) -> Result<(), ModelError> {
        if !matches!(self.header.algo, Algo::Gbm { .. } | Algo::Drf { .. }) {
            return Err(ModelError::Unsupported(
                "leaf assignment of models other than GBM and DRF",
            ));
        }
        if self.header.mojo_version < 120 {
            return Err(ModelError::Unsupported(
                "leaf assignment of MOJOs before 1.20 (genmodel refuses them)",
            ));
        }
        let n = (self.header.n_groups * self.header.trees_per_class) as usize;
        let first = self.header.first_tree as usize;
        let mut trees = self.tree_regions().trees.iter().skip(first).take(n);
        if trees.any(|t| t.kind == TreeRec::ABSENT) {
            return Err(ModelError::Unsupported(
                "leaf assignment of a model whose MOJO leaves some trees out, as H2O does for \
                 a class without training rows (genmodel fails on it)",
            ));
        }
        Ok(())
    }

    /// Calls `f(class, group)` for every tree, in the order of
    /// [`Model::for_each_leaf_path`]; PredictCsv names the column `T<group+1>.C<class+1>`.
    pub fn for_each_tree(&self, mut f: impl FnMut(usize, usize)) {
        let (groups, per_class) = self.n_trees();
        for class in 0..per_class {
            for group in 0..groups {
                f(class, group);
            }
        }
    }

    /// Calls `f` with the decision path of `row` in every tree (class-major, as genmodel
    /// orders them). Allocates nothing. Stops with [`ScoreError::NoDecisionPath`] at the
    /// first tree whose path genmodel has none for (64 levels or more deep, or absent from
    /// the MOJO), after calling `f` for the trees before it.
    pub fn for_each_leaf_path(
        &self,
        row: &[f64],
        mut f: impl FnMut(LeafPath),
    ) -> Result<(), ScoreError> {
        if row.len() != self.n_features() {
            return Err(ScoreError::RowLength {
                expected: self.header.n_features,
                found: row.len() as u32,
            });
        }
        let regions = self.tree_regions();
        let n = (self.header.n_groups * self.header.trees_per_class) as usize;
        let first = self.header.first_tree as usize;
        for (k, &t) in regions.trees.iter().skip(first).take(n).enumerate() {
            let bits = tree::path(t, &regions, row)
                .ok_or(ScoreError::NoDecisionPath { tree: k as u32 })?;
            f(LeafPath(bits));
        }
        Ok(())
    }

    /// Calibrated `[p0, p1]` for a binomial prediction, if the model carries calibration.
    pub fn calibrate(&self, preds: &[f64]) -> Option<[f64; 2]> {
        self.calibrate_with_math(preds, &mut predict::CorrectlyRounded)
    }

    /// [`Model::calibrate`] with `java` standing in for HotSpot's `exp` (see
    /// [`Model::score_with_math`]).
    #[doc(hidden)]
    pub fn calibrate_with_math(&self, preds: &[f64], java: predict::Java<'_>) -> Option<[f64; 2]> {
        match self.header.calibration {
            Calibration::None => None,
            Calibration::Platt(beta) => Some(predict::platt(preds, beta, java)),
            Calibration::Isotonic {
                min_x,
                max_x,
                xs,
                ys,
            } => {
                let p1 = preds.get(2).copied().unwrap_or(f64::NAN);
                Some(predict::isotonic(
                    p1,
                    min_x,
                    max_x,
                    self.span(xs),
                    self.span(ys),
                ))
            }
        }
    }

    fn is_classifier(&self) -> bool {
        matches!(
            self.header.category,
            Category::Binomial | Category::Multinomial | Category::Ordinal
        )
    }

    /// The names of the output columns, as PredictCsv writes its header (with
    /// `--predictCalibrated` when `calibrated`, which adds columns to binomial models only).
    pub fn for_each_output_name(&self, calibrated: bool, mut f: impl FnMut(OutputName<'_>)) {
        let plain = |name| OutputName::new("", name);
        match self.header.category {
            Category::AnomalyDetection
                if matches!(self.header.algo, Algo::ExtendedIsolationForest(_)) =>
            {
                f(plain("anomaly_score"));
                f(plain("mean_length"));
            }
            Category::AnomalyDetection => {
                f(plain("predict"));
                if matches!(
                    self.header.algo,
                    Algo::IsolationForest {
                        output_anomaly_flag: true,
                        ..
                    }
                ) {
                    f(plain("score"));
                }
                f(plain("mean_length"));
            }
            _ if self.is_classifier() => {
                f(plain("predict"));
                let class_name = |i: usize, cal: bool| -> OutputName<'m> {
                    match self.response_levels().and_then(|l| l.get(i)) {
                        Some(level) if ini::int(level).is_some() => {
                            OutputName::new(if cal { "cal_p" } else { "p" }, level)
                        }
                        Some(level) => OutputName::new(if cal { "cal_" } else { "" }, level),
                        None => {
                            let name = if i == 0 { "0" } else { "1" };
                            let gbm_quasi = matches!(
                                self.header.algo,
                                Algo::Gbm {
                                    family: Family::Quasibinomial,
                                    ..
                                }
                            );
                            let prefix = match (cal, gbm_quasi) {
                                (false, true) => "pVal",
                                (true, true) => "cal_pVal",
                                (false, false) => "",
                                (true, false) => "cal_",
                            };
                            OutputName::new(prefix, name)
                        }
                    }
                };
                for i in 0..self.n_classes() {
                    f(class_name(i, false));
                }
                if calibrated && self.header.category == Category::Binomial {
                    for i in 0..self.n_classes() {
                        f(class_name(i, true));
                    }
                }
            }
            Category::Clustering => f(plain("cluster")),
            Category::CoxPH => f(plain("lp")),
            Category::BinomialUplift => {
                f(plain("uplift_predict"));
                f(plain("p_y1_with_treatment"));
                f(plain("p_y1_without_treatment"));
            }
            Category::DimReduction => {
                let prefix = match self.header.algo {
                    Algo::Glrm(_) => "Arch",
                    _ => "PC",
                };
                for i in 1..=self.preds_len() {
                    f(OutputName {
                        index: Some(i),
                        ..OutputName::new(prefix, "")
                    });
                }
            }
            Category::AutoEncoder => {
                // GenModel.getOutputNames: every level of every categorical feature and its
                // NA slot, then the numerics (features are categoricals first here).
                for i in 0..self.n_features() {
                    let Some(col) = self.column(i) else { continue };
                    let reconstr = OutputName::new("reconstr_", col.name);
                    match col.levels {
                        Some(levels) => {
                            for level in levels.iter() {
                                f(OutputName {
                                    sep: ".",
                                    detail: level,
                                    ..reconstr
                                });
                            }
                            f(OutputName {
                                sep: ".missing(NA)",
                                ..reconstr
                            });
                        }
                        None => f(reconstr),
                    }
                }
            }
            _ => f(plain("predict")),
        }
    }

    /// The values of an output row for `preds` (from [`Model::score`]), matching
    /// [`Model::for_each_output_name`].
    pub fn for_each_output(
        &self,
        preds: &[f64],
        calibrated: bool,
        mut f: impl FnMut(OutputValue<'_>),
    ) {
        let at = |i: usize| preds.get(i).copied().unwrap_or(f64::NAN);
        match self.header.category {
            Category::AnomalyDetection => preds.iter().for_each(|&v| f(OutputValue::Number(v))),
            _ if self.is_classifier() => {
                let index = at(0) as usize;
                let label = match self.response_levels() {
                    Some(levels) => levels.get(index).unwrap_or(""),
                    None if index == 0 => "0",
                    None => "1",
                };
                f(OutputValue::Label(label));
                for i in 1..=self.n_classes() {
                    f(OutputValue::Number(at(i)));
                }
                if calibrated && self.header.category == Category::Binomial {
                    let cal = self.calibrate(preds).unwrap_or([f64::NAN; 2]);
                    cal.iter().for_each(|&v| f(OutputValue::Number(v)));
                }
            }
            Category::DimReduction | Category::AutoEncoder | Category::BinomialUplift => {
                preds.iter().for_each(|&v| f(OutputValue::Number(v)))
            }
            _ => f(OutputValue::Number(at(0))),
        }
    }
}

impl<M: AsRef<[u64]>, S: AsRef<[Header]>> Model<M, S> {
    fn part(&self) -> Part<'_> {
        Part {
            regions: Regions::new(&self.layout, self.mem.as_ref()),
            header: &self.header,
            subs: self.subs.as_ref(),
            memory_bytes: self.layout.words() * 8,
            inputs: self.inputs,
            rows_scored: &self.rows_scored,
        }
    }

    /// Checks what can only be checked once values are loaded.
    fn validate(&self) -> Result<(), ModelError> {
        let part = self.part();
        part.validate()?;
        (0..self.subs.as_ref().len()).try_for_each(|i| part.sub(i).validate())
    }

    pub fn algorithm(&self) -> Algorithm {
        self.part().algorithm()
    }

    pub fn algo(&self) -> Algo {
        self.part().algo()
    }

    pub fn category(&self) -> Category {
        self.part().category()
    }

    /// `mojo_version` in hundredths (140 is 1.40).
    pub fn mojo_version(&self) -> u32 {
        self.part().mojo_version()
    }

    pub fn uuid(&self) -> &str {
        self.part().uuid()
    }

    pub fn h2o_version(&self) -> &str {
        self.part().h2o_version()
    }

    /// Columns the rows must give values for, in order.
    pub fn n_features(&self) -> usize {
        self.part().n_features()
    }

    /// All columns: features, then weights, offset, fold and response where present.
    pub fn n_columns(&self) -> usize {
        self.part().n_columns()
    }

    pub fn n_classes(&self) -> usize {
        self.part().n_classes()
    }

    pub fn is_supervised(&self) -> bool {
        self.part().is_supervised()
    }

    pub fn default_threshold(&self) -> f64 {
        self.part().default_threshold()
    }

    /// Trees: groups (iterations) times trees per class.
    pub fn n_trees(&self) -> (usize, usize) {
        self.part().n_trees()
    }

    /// Bytes of model memory.
    pub fn memory_bytes(&self) -> usize {
        self.part().memory_bytes()
    }

    /// The model memory, as loaded (the caller's, given to [`Mojo::load`]).
    pub fn words(&self) -> &[u64] {
        self.mem.as_ref()
    }

    /// Whether the model carries calibration (binomial only).
    pub fn has_calibration(&self) -> bool {
        self.part().has_calibration()
    }

    /// The index of the offset column, if the model was trained with one.
    pub fn offset_column(&self) -> Option<usize> {
        self.part().offset_column()
    }

    pub fn column(&self, i: usize) -> Option<Column<'_>> {
        self.part().column(i)
    }

    /// The index of the column named `name` (exact match, as genmodel's column map).
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.part().column_index(name)
    }

    /// The response column's levels, for classifiers.
    pub fn response_levels(&self) -> Option<Levels<'_>> {
        self.part().response_levels()
    }

    /// Values in a prediction buffer (genmodel's `getPredsSize`).
    pub fn preds_len(&self) -> usize {
        self.part().preds_len()
    }

    /// The model value of a text cell in feature column `column`, as genmodel's
    /// `RowToRawDataConverter` computes it: a categorical level's index (looked up exactly,
    /// then as `<column>.<text>`), or the number Java's `Double.parseDouble` reads from the
    /// trimmed text. The NA tokens of a CSV are the caller's business.
    pub fn encode_text(
        &self,
        column: usize,
        text: &[u8],
        rules: InputRules,
    ) -> Result<f64, InputError> {
        self.part().encode_text(column, text, rules)
    }

    /// The model value of a number given for feature column `column`. genmodel accepts
    /// numbers only for numeric columns (and NaN anywhere).
    pub fn encode_number(&self, column: usize, value: f64) -> Result<f64, InputError> {
        self.part().encode_number(column, value)
    }

    /// How the model's frame was encoded before training (`categorical_encoding`), if it
    /// was in a way that changes its columns; see [`Model::input`].
    pub fn encoding(&self) -> Option<Encoding> {
        self.part().encoding()
    }

    /// The number of columns users send: the features, or, for an encoded model, the
    /// frame's original columns that genmodel maps onto them.
    pub fn n_inputs(&self) -> usize {
        self.part().n_inputs()
    }

    /// Input column `k` (`k < n_inputs`): its name, its levels and the first row slot it
    /// writes. For a model without an encoding, input `k` is feature `k`.
    pub fn input(&self, k: usize) -> Option<Input<'_>> {
        self.part().input(k)
    }

    /// Writes the row slots of input `k` from a text cell, as genmodel's
    /// `EasyPredictModelWrapper` does: [`Model::encode_text`] for a model without an
    /// encoding, else the model's categorical encoder (a level's one-hot block, bits,
    /// projection, label or limited index; the NA pattern for an unknown level when
    /// unknown levels are NA).
    pub fn encode_input_text(
        &self,
        k: usize,
        text: &[u8],
        rules: InputRules,
        row: &mut [f64],
    ) -> Result<(), InputError> {
        self.part().encode_input_text(k, text, rules, row)
    }

    /// Writes the row slots of input `k` from a number (NaN: NA).
    pub fn encode_input_number(
        &self,
        k: usize,
        value: f64,
        row: &mut [f64],
    ) -> Result<(), InputError> {
        self.part().encode_input_number(k, value, row)
    }

    /// Scores one row of [`Model::n_features`] values (NaN for NA) into `preds` of
    /// [`Model::preds_len`] values, laid out as genmodel's `score0` lays them out: for
    /// classifiers the label index then one probability per class, for regression the value,
    /// for Isolation Forest `[flag,] score, mean_length`. Allocates nothing: scratch
    /// ([`Model::work_len`]) is on the stack, and a model that needs more than
    /// [`limits::MAX_STACK_WORK`] doubles is refused with [`ScoreError::WorkLength`] here
    /// (use [`Model::score_with`]).
    pub fn score(&self, row: &[f64], offset: f64, preds: &mut [f64]) -> Result<(), ScoreError> {
        self.score_with_math(row, offset, preds, &mut predict::CorrectlyRounded)
    }

    /// Scores many rows at once: `rows` holds them one after another ([`Model::n_features`]
    /// values each), `preds` gets one [`Model::preds_len`] buffer per row, back to back, and
    /// `offsets` is empty (all 0) or one per row. The values are bit-identical to calling
    /// [`Model::score`] row by row; tree models walk each tree for several rows in a row,
    /// and GLMs sum several rows' linear predictors side by side, which is faster. Stops at
    /// the first row the model rejects (the rows before it are scored). Allocates nothing.
    pub fn score_rows(
        &self,
        rows: &[f64],
        offsets: &[f64],
        preds: &mut [f64],
    ) -> Result<(), ScoreError> {
        self.part()
            .score_rows(rows, offsets, preds, &mut predict::CorrectlyRounded, None)
    }

    /// [`Model::score_rows`] with caller-provided scratch of at least [`Model::work_len`]
    /// doubles (needed when that exceeds [`limits::MAX_STACK_WORK`]: very wide networks,
    /// ensembles or GLRM categoricals).
    pub fn score_rows_with(
        &self,
        rows: &[f64],
        offsets: &[f64],
        preds: &mut [f64],
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        self.part().score_rows(
            rows,
            offsets,
            preds,
            &mut predict::CorrectlyRounded,
            Some(work),
        )
    }

    /// Whether a row's result depends on how many rows the model scored before it (GLRM,
    /// whose genmodel seeds each row's random start with that count). Such a model keeps
    /// the count itself: every [`Model::score`] and every row of [`Model::score_rows`] adds
    /// one, so rows scored in order get genmodel's results for the same order.
    pub fn counts_rows(&self) -> bool {
        matches!(self.header.algo, Algo::Glrm(_))
    }

    /// Sets the most descent steps a GLRM takes per row (genmodel's `_iterNumber`, which
    /// PredictCsv's `--glrmIterNumber` sets; 100 otherwise). Returns whether the model is a
    /// GLRM; other models have no such setting and are left as they are.
    pub fn set_glrm_iterations(&mut self, n: u32) -> bool {
        match &mut self.header.algo {
            Algo::Glrm(glrm) => {
                glrm.set_iterations(n);
                true
            }
            _ => false,
        }
    }

    /// PredictCsv's `--glrmReconstruct` for a GLRM: the row's values imputed from its
    /// coordinates `coords` (the [`Model::preds_len`] values [`Model::score`] gave), into
    /// `out`, one per feature in the model's column order (a categorical's as its level
    /// index). `false`, and `out` untouched, for other models or buffers of other lengths.
    #[must_use]
    pub fn glrm_reconstruct(&self, coords: &[f64], out: &mut [f64]) -> bool {
        let Algo::Glrm(glrm) = self.header.algo else {
            return false;
        };
        if coords.len() != self.preds_len() || out.len() != self.n_features() {
            return false;
        }
        let f64s = self.part().regions().f64s;
        glrm.reconstruct(f64s, coords, out, &mut predict::CorrectlyRounded);
        true
    }

    /// Rows this model has scored ([`Model::counts_rows`]): the number the next row gets.
    pub fn rows_scored(&self) -> u64 {
        self.rows_scored.load(Ordering::Relaxed)
    }

    /// Sets the number the next row gets (genmodel's `_rcnt`, a public field there too):
    /// 0 starts over as a freshly loaded model.
    pub fn set_rows_scored(&self, n: u64) {
        self.rows_scored.store(n, Ordering::Relaxed);
    }

    /// [`Model::score`] as the model's row number `n` (counting from 0), for a caller that
    /// scores rows out of order or on several threads; the model's own count is left alone.
    /// Models that do not count rows ignore `n`.
    pub fn score_numbered(
        &self,
        row: &[f64],
        offset: f64,
        n: u64,
        preds: &mut [f64],
    ) -> Result<(), ScoreError> {
        with_stack_work(self.work_len(), |work| {
            self.score_numbered_with_math(
                row,
                offset,
                n,
                preds,
                &mut predict::CorrectlyRounded,
                work,
            )
        })
    }

    /// [`Model::score_numbered`] with `java` standing in for HotSpot's intrinsics (see
    /// [`Model::score_with_math`]) and caller-provided scratch (see [`Model::score_with`]).
    #[doc(hidden)]
    pub fn score_numbered_with_math(
        &self,
        row: &[f64],
        offset: f64,
        n: u64,
        preds: &mut [f64],
        java: predict::Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let stand_in = AtomicU64::new(n);
        let part = Part {
            rows_scored: &stand_in,
            ..self.part()
        };
        part.score_inner(row, offset, preds, java, work)
    }

    /// Sub-models of a stacked ensemble (base models and metalearner); 0 otherwise.
    pub fn n_sub_models(&self) -> usize {
        self.subs.as_ref().len()
    }

    /// Scratch doubles a row needs (stacked ensembles, networks, RuleFit and GLRM; 0
    /// otherwise).
    pub fn work_len(&self) -> usize {
        self.part().work_len()
    }

    /// [`Model::score`] with caller-provided scratch of at least [`Model::work_len`]
    /// doubles, for callers that keep buffers per thread. [`Model::score`] uses the stack
    /// when the model needs scratch, up to [`limits::MAX_STACK_WORK`] doubles.
    pub fn score_with(
        &self,
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        self.part()
            .score_inner(row, offset, preds, &mut predict::CorrectlyRounded, work)
    }

    /// [`Model::score`] with `java` standing in for HotSpot's `Math.exp`, `Math.log` and
    /// `Math.pow`. Tests use it to show that a difference from genmodel is one unit of one
    /// of their results and nothing else.
    #[doc(hidden)]
    pub fn score_with_math(
        &self,
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: predict::Java<'_>,
    ) -> Result<(), ScoreError> {
        let part = self.part();
        let need = part.work_len();
        if need == 0 {
            return part.score_inner(row, offset, preds, java, &mut []);
        }
        with_stack_work(need, |work| {
            part.score_inner(row, offset, preds, java, work)
        })
    }

    /// Whether the model has leaf assignments (PredictCsv's `--leafNodeAssignment`), and if
    /// not, why: [`ModelError::Unsupported`] names the reason (not a GBM or DRF, a MOJO before
    /// 1.20, trees absent from the MOJO; genmodel refuses or fails on each).
    pub fn leaf_paths_support(&self) -> Result<(), ModelError> {
        self.part().leaf_paths_support()
    }

    /// Calibrated `[p0, p1]` for a binomial prediction, if the model carries calibration.
    pub fn calibrate(&self, preds: &[f64]) -> Option<[f64; 2]> {
        self.part().calibrate(preds)
    }

    /// [`Model::calibrate`] with `java` standing in for HotSpot's `exp` (see
    /// [`Model::score_with_math`]).
    #[doc(hidden)]
    pub fn calibrate_with_math(&self, preds: &[f64], java: predict::Java<'_>) -> Option<[f64; 2]> {
        self.part().calibrate_with_math(preds, java)
    }

    /// Calls `f(class, group)` for every tree, in the order of
    /// [`Model::for_each_leaf_path`]; PredictCsv names the column `T<group+1>.C<class+1>`.
    pub fn for_each_tree(&self, f: impl FnMut(usize, usize)) {
        self.part().for_each_tree(f)
    }

    /// Calls `f` with the decision path of `row` in every tree (class-major, as genmodel
    /// orders them). Allocates nothing. Stops with [`ScoreError::NoDecisionPath`] at the
    /// first tree whose path genmodel has none for (64 levels or more deep, or absent from
    /// the MOJO), after calling `f` for the trees before it.
    pub fn for_each_leaf_path(
        &self,
        row: &[f64],
        f: impl FnMut(LeafPath),
    ) -> Result<(), ScoreError> {
        self.part().for_each_leaf_path(row, f)
    }

    /// The names of the output columns, as PredictCsv writes its header (with
    /// `--predictCalibrated` when `calibrated`, which adds columns to binomial models only).
    pub fn for_each_output_name(&self, calibrated: bool, f: impl FnMut(OutputName<'_>)) {
        self.part().for_each_output_name(calibrated, f)
    }

    /// The values of an output row for `preds` (from [`Model::score`]), matching
    /// [`Model::for_each_output_name`].
    pub fn for_each_output(&self, preds: &[f64], calibrated: bool, f: impl FnMut(OutputValue<'_>)) {
        self.part().for_each_output(preds, calibrated, f)
    }
}

/// Contributions (TreeSHAP).
impl<'m> Part<'m> {
    /// The trees in genmodel's `computeGraph` order: group-major, then class.
    fn for_each_tree_graph_order(&self, mut f: impl FnMut(TreeRec)) {
        let regions = self.regions();
        let (groups, per_class) = self.n_trees();
        let first = self.header.first_tree as usize;
        for group in 0..groups {
            for class in 0..per_class {
                if let Some(&t) = regions.trees.get(first + class * groups + group) {
                    f(t);
                }
            }
        }
    }

    /// The depth of the deepest tree for TreeSHAP's workspace (0 without contributions).
    fn shap_depth(&self) -> Result<u32, ModelError> {
        let too_deep = ModelError::TooLarge("tree depth");
        match self.header.algo {
            Algo::Gbm { .. } | Algo::Drf { .. } => {
                let nodes = self.regions().nodes;
                let mut max = 0usize;
                let mut bad = false;
                self.for_each_tree_graph_order(|t| match shap::h2o_depth(nodes, t) {
                    Some(d) => max = max.max(d),
                    None => bad = true,
                });
                if bad {
                    return Err(too_deep);
                }
                u32::try_from(max).map_err(|_| too_deep)
            }
            Algo::XgBoost(xgb) => xgb.shap_depth(self.regions().f64s).ok_or(too_deep),
            _ => Ok(0),
        }
    }

    /// Why the model has no contributions, if it has none.
    fn contributions_support(&self) -> Result<(), ModelError> {
        let multinomial = ModelError::Unsupported(
            "contributions of multinomial models (genmodel computes them for binomial and \
             regression models only)",
        );
        match self.header.algo {
            Algo::Gbm { .. } | Algo::Drf { .. } if self.header.n_classes > 2 => Err(multinomial),
            Algo::Drf {
                binomial_double_trees: true,
            } => Err(ModelError::Unsupported(
                "contributions of DRF models with binomial_double_trees (genmodel refuses them)",
            )),
            Algo::Drf { .. } => match self.header.used_variables {
                UsedVariables::Count(_) => self.shap_support(),
                UsedVariables::Unusable(why) => Err(ModelError::Unsupported(why)),
                UsedVariables::NotRead => Err(ModelError::Unsupported(
                    "DRF contributions of models other than binomial and regression",
                )),
            },
            Algo::Gbm { .. } => self.shap_support(),
            Algo::XgBoost(xgb) => {
                if self.header.n_classes > 2 {
                    return Err(multinomial);
                }
                xgb.contributions_support(self.regions().f64s, self.xgb_name_count())
            }
            _ => Err(ModelError::Unsupported(
                "contributions for this algorithm (genmodel has them for GBM, DRF and XGBoost \
                 only)",
            )),
        }
    }

    /// Whether GBM/DRF trees have the covers TreeSHAP needs.
    fn shap_support(&self) -> Result<(), ModelError> {
        match self.header.shap {
            TreeShap::Weights { .. } => Ok(()),
            TreeShap::Unusable(why) => Err(ModelError::Unsupported(why)),
            TreeShap::None => Err(ModelError::Unsupported(
                "contributions without node weights",
            )),
        }
    }

    /// `ContributionsPredictorDRF.getContribs`: every non-zero sum (bias included) becomes
    /// `ratio + c / normalizer` in float, with ratio 0 and normalizer the tree count for
    /// regression, and for binomial (whose trees predict class 0) ratio `1/(used + 1)` and
    /// the negated tree count. Java int arithmetic, converted to float where Java does.
    fn finish_drf(&self, out: &mut [f32], used: u32) {
        let groups = self.header.n_groups as i32;
        let (ratio, normalizer) = if self.header.category == Category::Binomial {
            (
                1.0f32 / (used as i32).wrapping_add(1) as f32,
                groups.wrapping_neg(),
            )
        } else {
            (0.0f32, groups)
        };
        let normalizer = normalizer as f32;
        for c in out.iter_mut().filter(|c| **c != 0.0) {
            *c = ratio + *c / normalizer;
        }
    }

    /// How many one-hot names genmodel's `makeFeatureContributionNames` writes.
    fn xgb_name_count(&self) -> usize {
        (0..self.n_features())
            .filter_map(|i| self.column(i))
            .map(|c| c.levels.map_or(1, |l| l.len() + 1))
            .sum()
    }

    fn contribution_len(&self) -> usize {
        match self.header.algo {
            Algo::XgBoost(xgb) => xgb.encoded_len() + 1,
            _ => self.n_features() + 1,
        }
    }

    fn contribution_work_len(&self) -> usize {
        shap::work_len(self.header.shap_depth as usize)
    }

    fn for_each_contribution_name(&self, mut f: impl FnMut(OutputName<'m>)) {
        let xgb = matches!(self.header.algo, Algo::XgBoost(_));
        for i in 0..self.n_features() {
            let Some(col) = self.column(i) else { continue };
            let name = OutputName::new("", col.name);
            match col.levels {
                Some(levels) if xgb => {
                    for level in levels.iter() {
                        f(OutputName {
                            sep: ".",
                            detail: level,
                            ..name
                        });
                    }
                    f(OutputName {
                        sep: ".missing(NA)",
                        ..name
                    });
                }
                _ => f(name),
            }
        }
        f(OutputName::new("", "BiasTerm"));
    }

    fn contributions(&self, row: &[f64], out: &mut [f32], work: &mut [f32]) -> Result<(), Error> {
        self.contributions_support()?;
        if row.len() != self.n_features() {
            return Err(ScoreError::RowLength {
                expected: self.header.n_features,
                found: row.len() as u32,
            }
            .into());
        }
        if out.len() != self.contribution_len() {
            return Err(ScoreError::PredsLength {
                expected: self.contribution_len() as u32,
                found: out.len() as u32,
            }
            .into());
        }
        if work.len() < self.contribution_work_len() {
            return Err(ScoreError::WorkLength {
                expected: self.contribution_work_len() as u32,
                found: work.len() as u32,
            }
            .into());
        }
        let failed = ScoreError::Rejected {
            column: 0,
            reason: "TreeSHAP found a path of zero weight (genmodel throws too)",
        };
        out.fill(0.0);
        let regions = self.regions();
        match (self.header.algo, self.header.shap) {
            (
                Algo::Gbm { .. } | Algo::Drf { .. },
                TreeShap::Weights {
                    first_node,
                    weights,
                },
            ) => {
                // genmodel's `initPred`: `(float) init_f` for GBM, 0 for DRF.
                if let (Algo::Gbm { init_f, .. }, Some(bias)) = (self.header.algo, out.last_mut()) {
                    *bias += init_f as f32;
                }
                let weights = self.span(weights);
                let mut result = Ok(());
                self.for_each_tree_graph_order(|root| {
                    if result.is_err() {
                        return;
                    }
                    let tree = shap::H2oTree {
                        regions: &regions,
                        columns: regions
                            .columns
                            .get(self.header.first_column as usize..)
                            .unwrap_or(&[]),
                        row,
                        root,
                        weights,
                        first_node,
                    };
                    result = shap::add_tree(&tree, out, work);
                });
                result.map_err(|_| failed)?;
                if let UsedVariables::Count(used) = self.header.used_variables {
                    self.finish_drf(out, used);
                }
                Ok(())
            }
            (Algo::XgBoost(xgb), _) => xgb
                .contributions(regions.f64s, row, out, work)
                .map_err(|_| failed.into()),
            _ => Err(ModelError::Unsupported("contributions for this model").into()),
        }
    }
}

impl<M: AsRef<[u64]>, S: AsRef<[Header]>> Model<M, S> {
    /// Whether the model has Shapley contributions (`PredictCsv --predictContributions`),
    /// and if not, why: [`ModelError::Unsupported`] names the reason (multinomial, gblinear,
    /// DRF binomial_double_trees, a DRF without `experimental/modelDetails.json` variable
    /// importances, an algorithm genmodel has none for, missing `_aux.bin` node weights).
    /// DRF contributions are those of genmodel's MOJO loaded with metadata
    /// (`MojoModel.load(path, true)`); PredictCsv has none.
    pub fn contributions_support(&self) -> Result<(), ModelError> {
        self.part().contributions_support()
    }

    /// Values [`Model::contributions`] writes: one per feature (GBM/DRF) or one-hot encoded
    /// input (XGBoost), then the bias.
    pub fn contribution_len(&self) -> usize {
        self.part().contribution_len()
    }

    /// f32s of workspace [`Model::contributions`] needs (TreeSHAP's path buffers, sized
    /// from the deepest tree as genmodel sizes them).
    pub fn contribution_work_len(&self) -> usize {
        self.part().contribution_work_len()
    }

    /// The names of the contributions, as genmodel's `getContributionNames`: the features
    /// (GBM/DRF) or, for XGBoost, `<column>.<level>` for every level and
    /// `<column>.missing(NA)` per categorical, then the numeric columns; then `BiasTerm`.
    pub fn for_each_contribution_name(&self, f: impl FnMut(OutputName<'_>)) {
        self.part().for_each_contribution_name(f)
    }

    /// Shapley contributions of one row (path-dependent TreeSHAP, in f32, bit-identical to
    /// genmodel's) into `out` of [`Model::contribution_len`] values, in link space; their sum
    /// is the raw prediction up to f32 rounding. `work` needs
    /// [`Model::contribution_work_len`] f32s. Allocates nothing.
    pub fn contributions(
        &self,
        row: &[f64],
        out: &mut [f32],
        work: &mut [f32],
    ) -> Result<(), Error> {
        self.part().contributions(row, out, work)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_file_names_round_trip_and_nothing_else_is_one() {
        for (class, group) in [(0, 0), (3, 27), (12, 999), (12, 1000), (100, 12_345)] {
            let name = tree_name(class, group).unwrap();
            assert_eq!(tree_file(&name), Some((class, group)), "{name}");
        }
        assert_eq!(tree_name(5, 7).unwrap().as_str(), "trees/t05_007.bin");
        for other in [
            "trees/t05_007_aux.bin",
            "trees/t5_007.bin",
            "trees/t005_007.bin",
            "trees/t05_07.bin",
            "trees/t05_0007.bin",
            "trees/t05_+07.bin",
            "trees/t05_007.bin/",
            "trees/t_007.bin",
            "trees/t05007.bin",
            "trees/t05_007",
            "domains/d000.txt",
        ] {
            assert_eq!(tree_file(other), None, "{other}");
        }
    }
}
