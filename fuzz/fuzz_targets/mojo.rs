//! MOJO bytes → open → plan → load → score (the harness is `scorer::fuzzing`).
#![cfg_attr(fuzzing, no_main)]

mod common;

fn run(data: &[u8]) {
    let mut row = [0.0; 4096];
    let mut preds = [0.0; 1024];
    let _ = scorer::fuzzing::load_and_score(
        data,
        |n| vec![0u8; n],
        |n| vec![0u64; n],
        &mut row,
        &mut preds,
    );
}

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

#[cfg(not(fuzzing))]
fn main() {
    common::replay(run);
}
