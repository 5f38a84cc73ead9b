//! Rows/s of `Model::score` on one thread, in the same shape as `bench/java/GenBench.java`
//! so that `bench/run` can put the two side by side: the model's input CSV converted once,
//! rows cycled in order (all distinct), a warm-up, then timed rounds.
//!
//! `cargo bench -p scorer-core --bench compare -- [WARMUP_S ROUNDS ROUND_S [MODEL=CSV ...]]`
//! prints one JSON line per model: `{"model":..,"rows":..,"score":[rows/s per round],
//! "batch":[rows/s per round]}`: `score` calls `Model::score` row by row (what genmodel's
//! EasyPredict and `score0` do), `batch` scores the same rows with `Model::score_rows` in
//! blocks of [`BATCH`] rows (what a multi-row request or a CSV file gets).
//! With `BENCH_CPU_TIME=1`, rates are per second of this thread's time on a CPU (Linux's
//! `/proc/thread-self/schedstat`) rather than of wall time: on a shared, overloaded machine
//! that removes the time other processes hold the CPU, for before/after comparisons.
//!
//! With `BENCH_MODE=contrib` it times `Model::contributions` (TreeSHAP, caller buffers)
//! instead, printing `"contrib":[rows/s per round]`: the counterpart of `GenBench ... contrib`.
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

/// Rows per `score_rows` call in the batch measurement.
const BATCH: usize = 256;

fn main() {
    // cargo passes `--bench`; everything else is ours.
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let num = |i: usize, d: f64| args.get(i).and_then(|s| s.parse().ok()).unwrap_or(d);
    let (warmup, rounds, round_s) = (num(0, 2.0), num(1, 5.0) as usize, num(2, 1.0));
    let pairs: Vec<(String, PathBuf, PathBuf)> = if args.len() > 3 {
        args[3..]
            .iter()
            .map(|p| {
                let (m, c) = p.split_once('=').expect("MODEL=CSV");
                let m = PathBuf::from(m);
                let name = m.file_stem().unwrap().to_string_lossy().into_owned();
                (name, m, PathBuf::from(c))
            })
            .collect()
    } else {
        common::MODELS
            .iter()
            .map(|(m, c)| (m.to_string(), common::model_path(m), common::root().join(c)))
            .collect()
    };
    for (name, model_path, csv) in pairs {
        let model = common::load(&model_path);
        let rows = common::rows(&model, &csv);
        let contrib = std::env::var_os("BENCH_MODE").is_some_and(|v| v == "contrib");
        let list = |v: &[f64]| {
            v.iter()
                .map(|v| format!("{v}"))
                .collect::<Vec<_>>()
                .join(",")
        };
        if contrib {
            let mut out = vec![0.0f32; model.contribution_len()];
            let mut work = vec![0.0f32; model.contribution_work_len()];
            let per_round = timed_rounds(warmup, rounds, round_s, rows.len(), || {
                for row in &rows {
                    model
                        .contributions(black_box(row), &mut out, &mut work)
                        .expect("contributions");
                    black_box(&out);
                }
            });
            println!(
                "{{\"model\":\"{name}.zip\",\"rows\":{},\"contrib\":[{}]}}",
                rows.len(),
                list(&per_round)
            );
            continue;
        }
        let mut preds = vec![0.0; model.preds_len()];
        // `Model::score` keeps scratch on the stack up to a limit; past it (a rank-700
        // GLRM, a very wide network) the caller's buffer is the way.
        let mut work = vec![0.0; model.work_len()];
        let stack = model.work_len() <= scorer::limits::MAX_STACK_WORK;
        let per_round = timed_rounds(warmup, rounds, round_s, rows.len(), || {
            for row in &rows {
                if stack {
                    model.score(black_box(row), 0.0, &mut preds)
                } else {
                    model.score_with(black_box(row), 0.0, &mut preds, &mut work)
                }
                .expect("scores");
                black_box(&preds);
            }
        });
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        let mut batch_preds = vec![0.0; BATCH * model.preds_len()];
        let nf = model.n_features().max(1);
        let batch_round = timed_rounds(warmup / 2.0, rounds, round_s, rows.len(), || {
            for block in flat.chunks(BATCH * nf) {
                let out = &mut batch_preds[..block.len() / nf * model.preds_len()];
                if stack {
                    model.score_rows(black_box(block), &[], out)
                } else {
                    model.score_rows_with(black_box(block), &[], out, &mut work)
                }
                .expect("scores");
                black_box(&*out);
            }
        });
        println!(
            "{{\"model\":\"{name}.zip\",\"rows\":{},\"score\":[{}],\"batch\":[{}]}}",
            rows.len(),
            list(&per_round),
            list(&batch_round)
        );
    }
}

/// Rows/s of `pass` (one pass over `n_rows` rows) per round, after `warmup` seconds.
fn timed_rounds(
    warmup: f64,
    rounds: usize,
    round_s: f64,
    n_rows: usize,
    mut pass: impl FnMut(),
) -> Vec<f64> {
    let end = Instant::now() + Duration::from_secs_f64(warmup);
    while Instant::now() < end {
        pass();
    }
    let mut per_round = Vec::new();
    for _ in 0..rounds {
        let (t0, c0, mut n) = (Instant::now(), cpu_ns(), 0usize);
        let stop = t0 + Duration::from_secs_f64(round_s);
        while Instant::now() < stop {
            pass();
            n += n_rows;
        }
        let secs = match (c0, cpu_ns()) {
            (Some(a), Some(b)) if cpu_time() => (b - a) as f64 * 1e-9,
            _ => t0.elapsed().as_secs_f64(),
        };
        per_round.push((n as f64 / secs).round());
    }
    per_round
}

fn cpu_time() -> bool {
    std::env::var_os("BENCH_CPU_TIME").is_some_and(|v| v == "1")
}

/// Nanoseconds this thread has spent on a CPU, if Linux says.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}
