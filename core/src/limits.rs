//! Every capacity and limit of the core, in one place, each with the reason for its value.
//!
//! Limits bound the work and memory a hostile or broken archive can cause. A MOJO that
//! exceeds one is refused with an error naming the limit; nothing is truncated silently.

/// Entries in one archive. A 1000-tree, 10-class GBM has 20,000 tree and aux entries;
/// this leaves room for stacked ensembles of such models.
pub const MAX_ENTRIES: usize = 200_000;

/// Uncompressed size of any one entry. The largest MOJO entries are Deep Learning weight
/// arrays written as text in `model.ini`; 256 MiB is far beyond any real model.
pub const MAX_ENTRY_SIZE: usize = 256 << 20;

/// Jobs `Mojo::inflate_all_in` splits an archive's inflating into (one per thread a caller
/// runs; they are kept inline). Past a few dozen cores a load waits on memory, not on
/// inflating.
pub const MAX_INFLATE_WORKERS: usize = 64;

/// Sum of the uncompressed sizes of all entries, so that an archive of many large entries
/// cannot ask for unbounded memory.
pub const MAX_TOTAL_INFLATED: usize = 1 << 30;

/// Bytes of an entry name. Java's `ZipOutputStream` allows 65,535; MOJO names are short
/// (`models/<ALGO>/<model key>/trees/t00_000_aux.bin`).
pub const MAX_NAME_LEN: usize = 1024;

/// Columns of a model, features plus response, weights, offset and fold.
pub const MAX_COLUMNS: usize = 1 << 20;

/// Classes of a classifier. Bounds the prediction buffer a caller allocates per row
/// (H2O allows up to 1,000 levels in a multinomial response).
pub const MAX_CLASSES: usize = 1024;

/// Levels of one categorical column (H2O's own limit on a categorical domain is 10 million).
pub const MAX_LEVELS: usize = 10_000_000;

/// Sub-model headers a model keeps inline (`InlineSubs`: base models plus the metalearner
/// of a stacked ensemble), ~40 KB in every model. H2O AutoML's "AllModels" ensembles hold a
/// few dozen, past a hundred after a long run: a caller with an allocator loads those with
/// a growable store (`Mojo::load_with`; `serve` does).
pub const MAX_SUBMODELS: usize = 128;

/// Sub-models one ensemble may declare (`submodel_count`, `base_models_num`), whatever the
/// store: a bound on the keys read, far past what H2O builds.
pub const MAX_SUBMODEL_KEYS: usize = 1 << 16;

/// Scratch doubles `Model::score` keeps on the stack at most, for models that need scratch
/// (stacked ensembles, networks): 32 KiB, well inside a thread's stack; smaller needs get
/// a smaller buffer. Larger needs go through
/// `Model::score_with` and a caller buffer.
pub const MAX_STACK_WORK: usize = 4096;

/// Trees of one model: groups times trees per class.
pub const MAX_TREES: usize = 1 << 20;

/// Depth of one tree. `max_depth = 0` leaves H2O's trees unbounded (a DRF grown on many
/// rows with `min_rows = 1` can be deep). Loading recurses once a level (under 256 bytes of
/// stack each in a release build: ~256 KiB at this depth, inside a 2 MiB thread stack), as
/// does TreeSHAP, and the depth checks keep stacks of this many entries.
pub const MAX_TREE_DEPTH: usize = 1024;

/// Words of model memory one loaded model may ask for (8 bytes each): 2 GiB.
pub const MAX_MODEL_WORDS: usize = 1 << 28;
