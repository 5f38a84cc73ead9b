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

/// Scores `data` as a batch-transform body (CSV when its first byte is even, else JSON
/// Lines), once as a single frame and once cut into frames at points taken from the data:
/// where the frames end must not change the answer (the same bytes and row count, or the
/// same error), and the answer is a response or a 4xx, never a panic.
pub fn stream(loaded: &Loaded, data: &[u8]) {
    let Some((&control, body)) = data.split_first() else {
        return;
    };
    let format = if control % 2 == 0 {
        Format::Csv
    } else {
        Format::JsonLines
    };
    // Frame lengths 1..=16 from the control byte and the body's own bytes.
    let mut frames = Vec::new();
    let mut rest = body;
    let mut seed = usize::from(control);
    while !rest.is_empty() {
        let n = (1 + seed % 16).min(rest.len());
        let (frame, tail) = rest.split_at(n);
        frames.push(frame);
        seed = seed.wrapping_mul(31).wrapping_add(usize::from(frame[0]));
        rest = tail;
    }
    let whole = stream_frames(loaded, &[body], format);
    let framed = stream_frames(loaded, &frames, format);
    assert_eq!(whole, framed, "frame boundaries changed the answer");
}

/// The answer to a streamed body sent as `frames`: the output and its row count, or the
/// error's status and message.
fn stream_frames(
    loaded: &Loaded,
    frames: &[&[u8]],
    format: Format,
) -> Result<(Vec<u8>, usize), (u16, String)> {
    use std::io::Read;

    use crate::server::stream::{self, Output};

    let (tx, mut rx) = tokio::sync::mpsc::channel(frames.len().max(1));
    for f in frames {
        tx.try_send(Ok(hyper::body::Bytes::copy_from_slice(f)))
            .expect("the channel holds every frame");
    }
    drop(tx);
    match stream::score(loaded, format, format, &mut rx) {
        Ok(s) => {
            let bytes = match s.output {
                Output::Memory(v) => v,
                Output::File(mut f, _) => {
                    let mut v = Vec::new();
                    f.read_to_end(&mut v).expect("the spill file reads back");
                    v
                }
            };
            Ok((bytes, s.rows))
        }
        Err(e) => {
            assert!(
                e.status < 500,
                "{} for a batch body: {}",
                e.status,
                e.message
            );
            Err((e.status, e.message))
        }
    }
}
