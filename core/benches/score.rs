//! Criterion benches of the core: per model, one row per call (`row`, cycling through distinct
//! rows) and a batch of every input row (`batch`), both in rows (elements) per second.
//!
//! `cargo bench -p scorer-core --bench score` (or `-- gbm_bench` to pick models).
use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};
use std::hint::black_box;

mod common;

fn bench(c: &mut Criterion) {
    for (name, csv) in common::MODELS {
        let model = common::load(&common::model_path(name));
        let rows = common::rows(&model, &common::root().join(csv));
        let mut preds = vec![0.0; model.preds_len()];
        let mut g = c.benchmark_group(*name);

        g.throughput(Throughput::Elements(1));
        let mut i = 0;
        g.bench_function("row", |b| {
            b.iter(|| {
                i = (i + 1) % rows.len();
                model.score(black_box(&rows[i]), 0.0, &mut preds).unwrap();
                black_box(preds[0])
            })
        });

        g.throughput(Throughput::Elements(rows.len() as u64));
        g.bench_function("batch", |b| {
            b.iter_batched_ref(
                || vec![0.0; rows.len() * model.preds_len()],
                |out| {
                    for (row, p) in rows.iter().zip(out.chunks_exact_mut(model.preds_len())) {
                        model.score(black_box(row), 0.0, p).unwrap();
                    }
                },
                BatchSize::LargeInput,
            )
        });
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
