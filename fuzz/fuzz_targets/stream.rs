//! A batch-transform body (CSV or JSON Lines, by the first byte) streamed in frames cut
//! from the data, scored with the demo model: the answer must not depend on the frame
//! boundaries (the harness is `serve::fuzzing::stream`).
#![cfg_attr(fuzzing, no_main)]

mod common;

fn run(data: &[u8]) {
    serve::fuzzing::stream(common::demo(), data);
}

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

#[cfg(not(fuzzing))]
fn main() {
    common::replay(run);
}
