//! Loading a MOJO file into an owned, shareable [`LoadedModel`].

use std::path::Path;

use scorer::model::{Header, Model, Mojo, SubModels};
use scorer::ModelError;

/// A model that owns its memory; `Send + Sync`, so one copy serves every thread.
pub type LoadedModel = Model<Box<[u64]>, HeapSubModels>;

/// Sub-model headers on the heap: as many as an ensemble has (the core keeps 128 inline),
/// and none of the inline store's ~40 KB in models without them.
#[derive(Clone, Debug, Default)]
pub struct HeapSubModels(Vec<Header>);

impl AsRef<[Header]> for HeapSubModels {
    fn as_ref(&self) -> &[Header] {
        &self.0
    }
}

impl AsMut<[Header]> for HeapSubModels {
    fn as_mut(&mut self) -> &mut [Header] {
        &mut self.0
    }
}

impl SubModels for HeapSubModels {
    fn push(&mut self, header: Header) -> Result<(), ModelError> {
        self.0.push(header);
        Ok(())
    }
}

/// Heap bytes a model planned as `plan` keeps besides its memory: its sub-model headers.
pub fn sub_model_bytes(plan: &scorer::model::Plan) -> usize {
    plan.sub_models() * std::mem::size_of::<Header>()
}

/// Why a model could not be loaded.
#[derive(Debug)]
pub enum LoadError {
    Read(std::io::Error),
    Model(scorer::Error),
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LoadError::Read(e) => write!(f, "cannot read the model file: {e}"),
            LoadError::Model(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for LoadError {}

/// Loads a model from MOJO bytes: open, inflate every entry once, plan, allocate exactly
/// the planned memory, load. The inflated copy and the scratch are freed on return.
pub fn from_bytes(bytes: &[u8]) -> Result<LoadedModel, scorer::Error> {
    let mojo = Mojo::new(bytes)?;
    let mut inflated = vec![0u8; mojo.inflated_len()];
    let mojo = mojo.inflate_all(&mut inflated)?;
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan_with::<HeapSubModels>(&mut scratch)?;
    let mem = vec![0u64; plan.words()].into_boxed_slice();
    mojo.load_with(&plan, &mut scratch, mem)
}

/// Loads a model from a MOJO file.
pub fn from_path(path: &Path) -> Result<LoadedModel, LoadError> {
    let bytes = std::fs::read(path).map_err(LoadError::Read)?;
    from_bytes(&bytes).map_err(LoadError::Model)
}
