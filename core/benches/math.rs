//! Criterion benches of `exp` and `log`: each with its fast path and fallback (`fast`)
//! against the exact double-double routine alone (`exact`), over fixed arrays of inputs
//! where models use them.
//!
//! `cargo bench -p scorer-core --bench math`; time per call is the reported time / 1024.
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use std::hint::black_box;

use scorer::model::{exp, exp_exact, log, log_exact};

/// 1024 inputs uniform in `[lo, hi)`, from a deterministic xorshift.
fn inputs(lo: f64, hi: f64) -> Vec<f64> {
    let mut s: u64 = 0x2545_f491_4f6c_dd1d;
    (0..1024)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            lo + (hi - lo) * ((s >> 11) as f64 / (1u64 << 53) as f64)
        })
        .collect()
}

type Pair = [(&'static str, fn(f64) -> f64); 2];

fn bench(c: &mut Criterion) {
    // exp: logits and log-link values; log: probabilities and odds.
    let exp_pair: Pair = [("fast", exp), ("exact", exp_exact)];
    let log_pair: Pair = [("fast", log), ("exact", log_exact)];
    for (name, xs, pair) in [
        ("exp", inputs(-20.0, 20.0), exp_pair),
        ("log", inputs(0.0, 4.0), log_pair),
    ] {
        let mut g = c.benchmark_group(name);
        g.throughput(Throughput::Elements(xs.len() as u64));
        for (variant, f) in pair {
            g.bench_function(variant, |b| {
                b.iter(|| black_box(&xs).iter().map(|&x| f(x)).sum::<f64>())
            });
        }
        g.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);
