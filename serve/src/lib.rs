//! `serve`: the batch CLI and the SageMaker server around the `scorer` core.
//!
//! # Layout
//! - [`load`]: MOJO file → [`load::LoadedModel`] (owned memory, shareable across threads).
//! - [`csv`]: an RFC 4180 record reader.
//! - [`swar`]: byte tests eight bytes at a time, for [`csv`] and [`rows`].
//! - [`rows`]: named cells → model rows, with PredictCsv's NA and lookup rules.
//! - [`format`](mod@format): numbers as Java hex or shortest decimal (Rust's or Java's layout).
//! - [`batch`]: PredictCsv-compatible scoring of a CSV.
//! - [`cli`]: `serve score`, `serve predict-csv` and `serve inspect`.
//! - [`server`]: `serve serve`, the SageMaker HTTP server (`/ping`, `/invocations`, H2O's API).

pub mod batch;
pub mod cli;
pub mod csv;
pub mod format;
#[doc(hidden)]
pub mod fuzzing;
pub mod load;
pub mod rows;
pub mod server;
pub mod swar;
