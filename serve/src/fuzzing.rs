//! The request-parser fuzzing harness (not part of the API): what `fuzz/fuzz_targets/{json,
//! csv,jsonl}.rs` and the `testdata/regress/` replay test run.

use crate::server::input;
use crate::server::media::Format;
use crate::server::Loaded;

/// Scores `body` as an `/invocations` body in `format`, answering in the same format (JSON
/// for JSON): a response or a 4xx, never a panic. A JSON answer must be valid JSON, and a 5xx
/// here is a bug (the body alone must not cause one).
pub fn request(loaded: &Loaded, body: &[u8], format: Format) {
    match input::score(loaded, body, format, format) {
        Ok(scored) => {
            if format == Format::Json {
                if let Err(e) = serde_json::from_slice::<serde_json::Value>(&scored.body) {
                    panic!("the JSON response does not parse: {e}");
                }
            }
        }
        Err(e) => assert!(
            e.status < 500,
            "{} for a request body: {}",
            e.status,
            e.message
        ),
    }
}
