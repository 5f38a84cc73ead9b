//! What every target shares: the replay `main` a stable build gets, and the demo model the
//! request targets score with.

#![allow(dead_code)]

use std::sync::OnceLock;

use serve::server::Loaded;

/// Without `--cfg fuzzing` (a stable `cargo build`): runs `target` on every file named on
/// the command line, or in a directory named there, so a crash can be replayed under a
/// debugger without nightly.
pub fn replay(target: fn(&[u8])) {
    let mut n = 0;
    for arg in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(arg);
        let files = match std::fs::read_dir(&path) {
            Ok(dir) => dir.map(|e| e.unwrap().path()).collect(),
            Err(_) => vec![path],
        };
        for f in files {
            let data = std::fs::read(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            target(&data);
            n += 1;
        }
    }
    println!("replayed {n} inputs");
}

/// The demo model (testdata/demo/pipeline.mojo), loaded once.
pub fn demo() -> &'static Loaded {
    static MODEL: OnceLock<Loaded> = OnceLock::new();
    MODEL.get_or_init(|| {
        let bytes = include_bytes!("../../testdata/demo/pipeline.mojo");
        let model = serve::load::from_bytes(bytes).expect("the demo model loads");
        Loaded::new(model, "pipeline.mojo".into())
    })
}
