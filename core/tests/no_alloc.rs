//! Scoring touches no allocator: a counting global allocator sees zero allocations while
//! rows are encoded and scored (loading itself happens in caller-owned memory too, but the
//! test allocates that memory with `Vec`, so only scoring is counted).
// A global allocator cannot be written without `unsafe`; the library crates forbid it.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

struct Counting;

thread_local! {
    /// Allocations of this thread: the tests run in parallel, so a global count would see the
    /// other tests' (and the harness's) allocations.
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count() {
    let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
}

fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn load(path: &str) -> scorer::model::Model<Vec<u64>> {
    let bytes =
        std::fs::read(format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"))).expect(path);
    let mojo = scorer::model::Mojo::new(&bytes).unwrap();
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan(&mut scratch).unwrap();
    mojo.load(&plan, &mut scratch, vec![0u64; plan.words()])
        .unwrap()
}

#[test]
fn scoring_does_not_allocate() {
    // A binomial GBM with categoricals (level lookups), a multinomial DRF (tie-breaks) and
    // models trained on encoded frames (one input writes several slots, or a limited level).
    for path in [
        "demo/pipeline.mojo",
        "models/drf_multinomial_ties.zip",
        "models/gbm_multinomial_iris.zip",
        "models/gbm_onehot_explicit_prostate.zip",
        "models/gbm_enum_limited_highcard.zip",
    ] {
        let model = load(path);
        let rules = scorer::model::InputRules::default();
        let mut row = vec![f64::NAN; model.n_features()];
        let mut preds = vec![0.0; model.preds_len()];
        let cells: [&[u8]; 6] = [b"1", b" 2.5 ", b"NaN", b"unseen-level", b"0", b"1e3"];
        let before = allocations();
        let mut checksum = 0.0;
        for r in 0..2_000usize {
            row.fill(f64::NAN);
            for k in 0..model.n_inputs() {
                let cell = cells[(r + k) % cells.len()];
                let _ = model.encode_input_text(k, cell, rules, &mut row);
            }
            model.score(&row, 0.0, &mut preds).unwrap();
            model.for_each_output(&preds, false, |v| {
                if let scorer::model::OutputValue::Number(x) = v {
                    checksum += x;
                }
            });
        }
        let after = allocations();
        assert_eq!(
            after - before,
            0,
            "{path}: scoring allocated {} times",
            after - before
        );
        assert!(checksum.is_finite(), "{path}: scores were produced");
    }
}

#[test]
fn contributions_do_not_allocate() {
    for path in [
        "models/gbm_bernoulli_prostate.zip",
        "models/xgb_gbtree_bernoulli_prostate.zip",
    ] {
        let model = load(path);
        let mut row = vec![f64::NAN; model.n_features()];
        let mut out = vec![0.0f32; model.contribution_len()];
        let mut work = vec![0.0f32; model.contribution_work_len()];
        let before = allocations();
        let mut checksum = 0.0f32;
        for r in 0..500usize {
            for (c, slot) in row.iter_mut().enumerate() {
                *slot = ((r + c) % 3) as f64;
            }
            model.contributions(&row, &mut out, &mut work).unwrap();
            checksum += out.iter().sum::<f32>();
        }
        let after = allocations();
        assert_eq!(after - before, 0, "{path}: contributions allocated");
        assert!(checksum.is_finite(), "{path}: contributions were produced");
    }
}
