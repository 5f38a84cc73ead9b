//! An `/invocations` body as Csv, scored with the demo model (the harness is
//! `serve::fuzzing`).
#![cfg_attr(fuzzing, no_main)]

mod common;

use serve::server::media::Format;

fn run(data: &[u8]) {
    serve::fuzzing::request(common::demo(), data, Format::Csv);
}

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| run(data));

#[cfg(not(fuzzing))]
fn main() {
    common::replay(run);
}
