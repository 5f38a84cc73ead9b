//! The fuzzing harness (not part of the API): what `fuzz/fuzz_targets/mojo.rs` and the
//! property tests run, kept here so that the targets stay thin and the harness is built and
//! linted with the crate.
//!
//! Built with `--cfg fuzzing` (cargo-fuzz sets it), the zip reader skips its CRC check so
//! that mutations inside compressed entries reach the model parsers.

use crate::error::Error;
use crate::model::{InflateJob, InputRules, Mojo};

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

/// Bytes → [`Mojo::new`] → ([`Mojo::inflate_all_in`] when the last byte is odd) →
/// [`Mojo::plan`] → [`Mojo::load`] → a few rows scored one by one and then together
/// ([`crate::model::Model::score_rows`], which must agree bit for bit).
///
/// `scratch` and `mem` allocate the scratch (and inflated) bytes and model words the plan
/// asks for (the core does not allocate); `row` and `preds` are the scoring buffers. The rows scored are
/// all NA, all zero, numbers taken from `data` and text cells taken from `data`, so that
/// any input exercises every column's encoding. Returns an error when loading fails; must
/// never panic, whatever `data` holds.
pub fn load_and_score<S, M>(
    data: &[u8],
    mut scratch: impl FnMut(usize) -> S,
    mem: impl FnOnce(usize) -> M,
    row: &mut [f64],
    preds: &mut [f64],
) -> Result<Reached, Error>
where
    S: AsMut<[u8]>,
    M: AsRef<[u64]> + AsMut<[u64]>,
{
    let mojo = Mojo::new(data)?;
    if mojo.scratch_len() > MAX_ALLOC || mojo.inflated_len() > MAX_ALLOC {
        return Ok(Reached::Skipped);
    }
    let mut inflated = scratch(mojo.inflated_len());
    // An odd last byte inflates ahead, in 1 to 8 jobs (its other bits) run last to first.
    let mojo = match data.last() {
        Some(&b) if b % 2 == 1 => {
            let jobs = usize::from(b >> 1) % 8 + 1;
            mojo.inflate_all_in(inflated.as_mut(), jobs, |jobs| {
                jobs.iter_mut().rev().for_each(InflateJob::run)
            })?
        }
        _ => mojo,
    };
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
    // The rows one after another and their predictions, for `score_rows` (the caller's
    // `row` and `preds` are one row long; these are small, fixed and on the stack).
    const MAX_TOGETHER: usize = 256;
    let together = n * ROWS <= MAX_TOGETHER && preds.len() * ROWS <= MAX_TOGETHER;
    let (mut rows, mut alone, mut offsets) =
        ([0.0; MAX_TOGETHER], [0.0; MAX_TOGETHER], [0.0; ROWS]);
    // A model that numbers its rows (GLRM) scores them again from the same number.
    let first_row = model.rows_scored();
    for r in 0..ROWS {
        let mut ok = true;
        if r == 3 {
            // Text cells through the inputs (an encoded model's original columns write
            // several slots each).
            row.fill(f64::NAN);
            for k in 0..model.n_inputs() {
                let at = k % data.len().max(1);
                let text = data.get(at..data.len().min(at + 4)).unwrap_or_default();
                ok &= model.encode_input_text(k, text, rules, row).is_ok();
            }
        }
        for (c, v) in row.iter_mut().enumerate().filter(|_| r < 3) {
            let byte = data.get(c.wrapping_mul(7).wrapping_add(r) % data.len().max(1));
            let byte = byte.copied().unwrap_or(0);
            *v = match r {
                0 => f64::NAN,
                1 => model.encode_number(c, 0.0).unwrap_or(f64::NAN),
                2 => match model.encode_number(c, f64::from(byte) - 128.0) {
                    Ok(v) => v,
                    Err(_) => model.encode_number(c, f64::NAN).unwrap_or(f64::NAN),
                },
                _ => model.encode_text(c, &[], rules).unwrap_or(f64::NAN),
            };
        }
        let offset = if r == 2 { f64::INFINITY } else { 0.0 };
        let scored = model.score(row, offset, preds);
        if scored.is_err() || !ok {
            errors += 1;
        }
        if together {
            let pl = preds.len();
            if let (Some(dst), Some(p)) = (
                rows.get_mut(r * n..(r + 1) * n),
                alone.get_mut(r * pl..(r + 1) * pl),
            ) {
                dst.copy_from_slice(row);
                p.copy_from_slice(preds);
            }
            if let Some(o) = offsets.get_mut(r) {
                *o = offset;
            }
            if scored.is_err() {
                // `score_rows` stops at the first rejected row: compare the rows before it.
                model.set_rows_scored(first_row);
                check_together(
                    &model,
                    rows.get(..r * n),
                    offsets.get(..r).unwrap_or_default(),
                    alone.get(..r * pl),
                );
                return Ok(Reached::Scored { rows: ROWS, errors });
            }
        }
    }
    if together {
        let pl = preds.len();
        model.set_rows_scored(first_row);
        check_together(
            &model,
            rows.get(..ROWS * n),
            &offsets,
            alone.get(..ROWS * pl),
        );
    }
    Ok(Reached::Scored { rows: ROWS, errors })
}

/// `score_rows` over `rows` must give `alone` (their predictions scored one by one) bit for
/// bit.
fn check_together<M: AsRef<[u64]>>(
    model: &crate::model::Model<M>,
    rows: Option<&[f64]>,
    offsets: &[f64],
    alone: Option<&[f64]>,
) {
    let (Some(rows), Some(alone)) = (rows, alone) else {
        return;
    };
    let mut out = [0.0; 256];
    let Some(out) = out.get_mut(..alone.len()) else {
        return;
    };
    let result = model.score_rows(rows, offsets, out);
    assert!(
        result.is_ok(),
        "score_rows failed where score did not: {result:?}"
    );
    for (a, b) in out.iter().zip(alone) {
        assert!(
            a.to_bits() == b.to_bits(),
            "score_rows gave {a:e} where score gave {b:e}"
        );
    }
}
