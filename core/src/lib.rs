//! `scorer`: read H2O-3 MOJO models from borrowed bytes and score rows exactly as
//! h2o-genmodel does, without an allocator.
//!
//! # Layout
//! - [`zip`]: a bounded, validating reader of the MOJO's zip container over `&[u8]`.
//! - [`read`]: the checked byte reader every parser here is built on.
//! - [`java`]: Java's number grammar and formats (`Double.parseDouble`,
//!   `Double.toHexString`, `java.util.Random`), which parity depends on.
//! - [`ini`]: `model.ini` and domain files, with genmodel's escaping rules.
//! - [`model`]: loading in two steps (an exact [`model::Plan`], then [`model::Mojo::load`] into
//!   caller-owned memory) and scoring.
//! - [`limits`]: every capacity, with its reason.
//!
//! # How loading works
//! ```text
//! bytes ──Archive::new──▶ Archive ──Mojo::plan(scratch)──▶ Plan { words }
//!                                  └─Mojo::load(plan, scratch, &mut [u64; words])──▶ Model
//! ```
//! The caller learns every size before it allocates: the scratch size from the zip's central
//! directory, the model size from the plan. Scoring a row then allocates nothing.
//!
//! # What this crate does not do
//! - No I/O, no threads, no allocation, no `std`: the caller owns all memory.
//! - No CSV or JSON input: callers turn each cell of their input into the model's value for
//!   its column ([`model::Model::encode_input_text`], [`model::Model::encode_input_number`]).
//!   (The one JSON read is the MOJO's own `experimental/modelDetails.json`, and only its
//!   variable-importance table, which DRF contributions scale by.)
//! - No Driverless AI MOJO2 pipelines: they are detected and refused
//!   ([`ModelError::DriverlessPipeline`]).
#![no_std]
#![forbid(unsafe_code)]

#[cfg(test)]
extern crate std;

pub mod error;
#[doc(hidden)]
pub mod fuzzing;
pub mod ini;
pub mod java;
pub mod limits;
pub mod model;
pub mod read;
pub mod zip;

pub use error::{Error, InputError, ModelError, ScoreError, ZipError};
