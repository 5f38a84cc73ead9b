//! The fuzzing harness (not part of the API): what `fuzz/fuzz_targets/mojo.rs` and the
//! property tests run, kept here so that the targets stay thin and the harness is built and
//! linted with the crate.
//!
//! Built with `--cfg fuzzing` (cargo-fuzz sets it), the zip reader skips its CRC check so
//! that mutations inside compressed entries reach the model parsers.

use crate::error::Error;
use crate::model::{InputRules, Mojo};

/// The largest scratch or model memory (bytes) the harness asks its caller for: a fuzzer's
/// input may claim gigabytes in its zip headers, which says nothing about the parsers.
pub const MAX_ALLOC: usize = 64 << 20;

/// What [`load_and_score`] got to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// Refused before loading (too large for the harness, or rows longer than its buffers).
    Skipped,
    /// Loaded, and every row scored or refused with an error.
    Scored { rows: usize, errors: usize },
}

/// Bytes → [`Mojo::new`] → [`Mojo::plan`] → [`Mojo::load`] → a few rows scored.
///
/// `scratch` and `mem` allocate the scratch bytes and model words the plan asks for (the
/// core does not allocate); `row` and `preds` are the scoring buffers. The rows scored are
/// all NA, all zero, numbers taken from `data` and text cells taken from `data`, so that
/// any input exercises every column's encoding. Returns an error when loading fails; must
/// never panic, whatever `data` holds.
pub fn load_and_score<S, M>(
    data: &[u8],
    scratch: impl FnOnce(usize) -> S,
    mem: impl FnOnce(usize) -> M,
    row: &mut [f64],
    preds: &mut [f64],
) -> Result<Reached, Error>
where
    S: AsMut<[u8]>,
    M: AsRef<[u64]> + AsMut<[u64]>,
{
    let mojo = Mojo::new(data)?;
    if mojo.scratch_len() > MAX_ALLOC {
        return Ok(Reached::Skipped);
    }
    let mut scratch = scratch(mojo.scratch_len());
    let plan = mojo.plan(scratch.as_mut())?;
    if plan.bytes() > MAX_ALLOC {
        return Ok(Reached::Skipped);
    }
    let model = mojo.load(&plan, scratch.as_mut(), mem(plan.words()))?;
    let n = model.n_features();
    let (Some(row), Some(preds)) = (row.get_mut(..n), preds.get_mut(..model.preds_len())) else {
        return Ok(Reached::Skipped);
    };
    let rules = InputRules::default();
    let mut errors = 0;
    const ROWS: usize = 4;
    for r in 0..ROWS {
        let mut ok = true;
        for (c, v) in row.iter_mut().enumerate() {
            let byte = data.get(c.wrapping_mul(7).wrapping_add(r) % data.len().max(1));
            let byte = byte.copied().unwrap_or(0);
            *v = match r {
                0 => f64::NAN,
                1 => model.encode_number(c, 0.0).unwrap_or(f64::NAN),
                2 => match model.encode_number(c, f64::from(byte) - 128.0) {
                    Ok(v) => v,
                    Err(_) => model.encode_number(c, f64::NAN).unwrap_or(f64::NAN),
                },
                _ => {
                    let at = c % data.len().max(1);
                    let text = data.get(at..data.len().min(at + 4)).unwrap_or_default();
                    match model.encode_text(c, text, rules) {
                        Ok(v) => v,
                        Err(_) => {
                            ok = false;
                            f64::NAN
                        }
                    }
                }
            };
        }
        let offset = if r == 2 { f64::INFINITY } else { 0.0 };
        if model.score(row, offset, preds).is_err() || !ok {
            errors += 1;
        }
    }
    Ok(Reached::Scored { rows: ROWS, errors })
}
