//! Property tests (issue 9): whatever the bytes, loading answers a model or an error; whatever
//! the row, a loaded model answers a score or an error. Never a panic.
//!
//! Bytes come three ways: arbitrary, a testdata MOJO with bytes flipped and cut (mostly
//! caught by the zip layer), and a testdata MOJO whose inflated entries are edited and then
//! re-zipped with correct CRCs (so that the edits reach the model parsers).

use std::sync::OnceLock;

mod common;
use common::{entries, stored_zip as zip};
use proptest::prelude::*;
use proptest::test_runner::Config;
use scorer::fuzzing::{load_and_score, Reached};
use scorer::model::{InflateJob, InputRules, Model, Mojo};

fn testdata(path: &str) -> String {
    format!("{}/../testdata/{path}", env!("CARGO_MANIFEST_DIR"))
}

/// Every testdata MOJO's bytes (sorted by name; the demo first).
fn mojos() -> &'static [(String, Vec<u8>)] {
    static MOJOS: OnceLock<Vec<(String, Vec<u8>)>> = OnceLock::new();
    MOJOS.get_or_init(|| {
        let mut names: Vec<String> = std::fs::read_dir(testdata("models"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".zip"))
            .collect();
        names.sort();
        let mut out = vec![(
            "demo".to_owned(),
            std::fs::read(testdata("demo/pipeline.mojo")).unwrap(),
        )];
        for n in names {
            let bytes = std::fs::read(testdata(&format!("models/{n}"))).unwrap();
            out.push((n, bytes));
        }
        out
    })
}

/// Every testdata model that loads, loaded once.
fn models() -> &'static [(String, Model<Vec<u64>>)] {
    static MODELS: OnceLock<Vec<(String, Model<Vec<u64>>)>> = OnceLock::new();
    MODELS.get_or_init(|| {
        mojos()
            .iter()
            .filter_map(|(n, b)| Some((n.clone(), load(b).ok()?)))
            .collect()
    })
}

fn load(bytes: &[u8]) -> Result<Model<Vec<u64>>, scorer::Error> {
    let mojo = Mojo::new(bytes)?;
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan(&mut scratch)?;
    mojo.load(&plan, &mut scratch, vec![0u64; plan.words()])
}

/// The harness the `mojo` fuzz target runs.
fn harness(bytes: &[u8]) -> Result<Reached, scorer::Error> {
    let mut row = vec![0.0; 4096];
    let mut preds = vec![0.0; 1024];
    load_and_score(
        bytes,
        |n| vec![0u8; n],
        |n| vec![0u64; n],
        &mut row,
        &mut preds,
    )
}

/// One edit of a byte string.
#[derive(Clone, Debug)]
enum Edit {
    Set(usize, u8),
    Insert(usize, Vec<u8>),
    Remove(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        4 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Set(i, b)),
        2 => (any::<usize>(), prop::collection::vec(any::<u8>(), 1..8))
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => (any::<usize>(), 1..64usize).prop_map(|(i, n)| Edit::Remove(i, n)),
        1 => any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(bytes: &mut Vec<u8>, edit: &Edit) {
    let len = bytes.len().max(1);
    match edit {
        Edit::Set(i, b) => {
            if let Some(x) = bytes.get_mut(i % len) {
                *x = *b;
            }
        }
        Edit::Insert(i, b) => {
            let at = i % (bytes.len() + 1);
            bytes.splice(at..at, b.iter().copied());
        }
        Edit::Remove(i, n) => {
            let at = i % len;
            let end = (at + n).min(bytes.len());
            bytes.drain(at.min(end)..end);
        }
        Edit::Truncate(i) => bytes.truncate(i % len),
    }
}

/// Model edits as text: digits, separators and the keys model.ini and the trees use.
fn ini_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        Just(b"0".to_vec()),
        Just(b"-1".to_vec()),
        Just(b"4294967296".to_vec()),
        Just(b"NaN".to_vec()),
        Just(b"\n".to_vec()),
        Just(b" = ".to_vec()),
        Just(b"[columns]\n".to_vec()),
        Just(b"[domains]\n".to_vec()),
        Just(b"n_trees = 100000\n".to_vec()),
        prop::collection::vec(any::<u8>(), 1..8),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 256, ..Config::default() })]

    /// Arbitrary bytes, and arbitrary bytes behind a zip's signatures.
    #[test]
    fn any_bytes_load_or_error(bytes in prop::collection::vec(any::<u8>(), 0..2048), zipish in any::<bool>()) {
        let mut bytes = bytes;
        if zipish {
            bytes.splice(0..0, 0x0403_4b50u32.to_le_bytes());
            bytes.extend(0x0605_4b50u32.to_le_bytes());
            bytes.extend([0u8; 18]);
        }
        let _ = harness(&bytes);
    }

    /// A testdata MOJO, its raw bytes edited.
    #[test]
    fn edited_archives_load_or_error(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec(edit(), 1..6),
    ) {
        let (_, original) = which.get(mojos());
        let mut bytes = original.clone();
        for e in &edits {
            apply(&mut bytes, e);
        }
        let _ = harness(&bytes);
    }

    /// A testdata MOJO, one inflated entry edited (model.ini, domains, trees, weights) and
    /// re-zipped with correct CRCs.
    #[test]
    fn edited_entries_load_or_error(
        which in any::<prop::sample::Index>(),
        entry in any::<prop::sample::Index>(),
        edits in prop::collection::vec((edit(), ini_bytes()), 1..6),
    ) {
        let (_, original) = which.get(mojos());
        let mut e = entries(original);
        let i = entry.index(e.len());
        for (edit, text) in &edits {
            match edit {
                Edit::Insert(at, _) => apply(&mut e[i].1, &Edit::Insert(*at, text.clone())),
                other => apply(&mut e[i].1, other),
            }
        }
        let _ = harness(&zip(&e));
    }
}

/// One input cell, of any type a request may carry.
#[derive(Clone, Debug)]
enum Cell {
    Text(Vec<u8>),
    Number(f64),
    Missing,
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(1e308),
        -1e6..1e6f64,
        (0u32..1 << 20).prop_map(f64::from),
        any::<f64>(),
    ]
}

fn cell() -> impl Strategy<Value = Cell> {
    prop_oneof![
        3 => number().prop_map(Cell::Number),
        2 => "[-+0-9.eE]{0,12}".prop_map(|s| Cell::Text(s.into_bytes())),
        1 => prop_oneof![
            Just("NA"), Just(""), Just("NaN"), Just("Infinity"), Just("-Infinity"), Just("0x1p3"),
            Just("1d"), Just("  7 "), Just("YES"), Just("\u{0}"),
        ].prop_map(|s| Cell::Text(s.as_bytes().to_vec())),
        1 => prop::collection::vec(any::<u8>(), 0..24).prop_map(Cell::Text),
        1 => Just(Cell::Missing),
    ]
}

proptest! {
    #![proptest_config(Config { cases: 512, ..Config::default() })]

    /// Cells of any type on any testdata model: encoded (or refused) as a request's cells
    /// are, then scored: a score or an error.
    #[test]
    fn any_cells_score_or_error(
        which in any::<prop::sample::Index>(),
        cells in prop::collection::vec(cell(), 0..64),
        offset in number(),
    ) {
        let (_, model) = which.get(models());
        let mut row = vec![f64::NAN; model.n_features()];
        for (c, v) in row.iter_mut().enumerate() {
            let encoded = match cells.get(c % cells.len().max(1)) {
                Some(Cell::Text(t)) => model.encode_text(c, t, InputRules::default()),
                Some(Cell::Number(x)) => model.encode_number(c, *x),
                Some(Cell::Missing) | None => Ok(f64::NAN),
            };
            *v = encoded.unwrap_or(f64::NAN);
        }
        let mut preds = vec![0.0; model.preds_len()];
        let _ = model.score(&row, offset, &mut preds);
        // Out-of-range columns are an error, not a panic.
        prop_assert!(model.encode_text(model.n_features(), b"1", InputRules::default()).is_err());
    }

    /// Raw values straight into `score` (levels out of range, negative, huge, NaN): the
    /// scorer must hold up without the encoding step in front of it.
    #[test]
    fn any_raw_row_scores_or_errors(
        which in any::<prop::sample::Index>(),
        values in prop::collection::vec(number(), 1..64),
        len_delta in -2i64..3,
    ) {
        let (_, model) = which.get(models());
        let n = (model.n_features() as i64 + len_delta).max(0) as usize;
        let row: Vec<f64> = (0..n).map(|i| values[i % values.len()]).collect();
        let mut preds = vec![0.0; model.preds_len()];
        let _ = model.score(&row, values[0], &mut preds);
        let mut short = vec![0.0; model.preds_len().saturating_sub(1)];
        let _ = model.score(&row, 0.0, &mut short);
    }

    /// Any number of rows scored together by `score_rows` give, bit for bit (NaN for NaN),
    /// what scoring them one at a time gives (or the first row's error, with the rows
    /// before it scored).
    #[test]
    fn rows_scored_together_equal_rows_scored_alone(
        which in any::<prop::sample::Index>(),
        values in prop::collection::vec(number(), 1..512),
        n in 0usize..40,
        with_offsets in any::<bool>(),
    ) {
        let (name, shared) = which.get(models());
        // A model that numbers its rows (GLRM) gets a copy of its own, so that other tests
        // scoring the shared one do not take numbers from between these rows.
        let own = shared.counts_rows().then(|| shared.clone());
        let model = own.as_ref().unwrap_or(shared);
        let first_row = model.rows_scored();
        let (nf, pl) = (model.n_features(), model.preds_len());
        // Mostly ordinary values, so that rows take different paths through the trees.
        let value = |i: usize| {
            let v = values[i % values.len()];
            if i % 7 == 3 || !v.is_finite() || v.abs() > 1e4 { v } else { v.fract() * 3.0 }
        };
        let rows: Vec<f64> = (0..n * nf).map(value).collect();
        let offsets: Vec<f64> = if with_offsets { (0..n).map(|i| value(i) / 8.0).collect() } else { Vec::new() };
        let mut together = vec![0.0; n * pl];
        let batch = model.score_rows(&rows, &offsets, &mut together);
        model.set_rows_scored(first_row);
        let mut alone = vec![0.0; pl];
        for i in 0..n {
            let offset = offsets.get(i).copied().unwrap_or(0.0);
            match model.score(&rows[i * nf..(i + 1) * nf], offset, &mut alone) {
                Ok(()) => {
                    // Bit for bit, but a NaN is any NaN: which operand's sign and payload an
                    // addition of two NaNs keeps is the compiler's choice, and genmodel
                    // writes every NaN as "NaN".
                    let bits = |v: &f64| if v.is_nan() { f64::NAN.to_bits() } else { v.to_bits() };
                    let got: Vec<u64> = together[i * pl..(i + 1) * pl].iter().map(bits).collect();
                    let want: Vec<u64> = alone.iter().map(bits).collect();
                    prop_assert_eq!(got, want, "{} row {}", name, i);
                }
                Err(e) => {
                    prop_assert_eq!(batch, Err(e), "{} row {}", name, i);
                    return Ok(());
                }
            }
        }
        prop_assert_eq!(batch, Ok(()));
    }
}

/// Loading from entries inflated once (`Mojo::inflate_all`) gives every testdata model the
/// same memory, word for word, as inflating each entry in both steps; and an archive that
/// fails one way fails the other way with the same error.
#[test]
fn inflating_once_loads_the_same_model() {
    for (name, bytes) in mojos() {
        let plain = load(bytes);
        let once = (|| {
            let mojo = Mojo::new(bytes)?;
            let mut inflated = vec![0u8; mojo.inflated_len()];
            let mojo = mojo.inflate_all(&mut inflated)?;
            let mut scratch = vec![0u8; mojo.scratch_len()];
            let plan = mojo.plan(&mut scratch)?;
            mojo.load(&plan, &mut scratch, vec![0u64; plan.words()])
        })();
        match (plain, once) {
            (Ok(a), Ok(b)) => assert!(a.words() == b.words(), "{name}"),
            (Err(a), Err(b)) => assert_eq!(a, b, "{name}"),
            (a, b) => panic!("{name}: {:?} / {:?}", a.err(), b.err()),
        }
    }
}

/// `Mojo::inflate_all_in` fills the buffer byte for byte as `inflate_all` does, however
/// many jobs it is split into and in whatever order they run (here last to first); the model
/// it loads is the same, word for word.
#[test]
fn inflating_in_jobs_fills_the_buffer_as_one_pass_does() {
    for (name, bytes) in mojos() {
        let Ok(mojo) = Mojo::new(bytes) else { continue };
        let mut one = vec![0u8; mojo.inflated_len()];
        let Ok(whole) = mojo.inflate_all(&mut one) else {
            continue;
        };
        let mut scratch = vec![0u8; whole.scratch_len()];
        let want = whole
            .plan(&mut scratch)
            .and_then(|plan| whole.load(&plan, &mut scratch, vec![0u64; plan.words()]));
        for workers in [2, 3, 7, 1000] {
            let mut split = vec![0u8; mojo.inflated_len()];
            let mut jobs_run = 0;
            let parts = mojo
                .inflate_all_in(&mut split, workers, |jobs| {
                    assert!(jobs.len() <= workers.min(scorer::limits::MAX_INFLATE_WORKERS));
                    jobs_run = jobs.len();
                    jobs.iter_mut().rev().for_each(InflateJob::run);
                })
                .unwrap();
            assert!(jobs_run >= 1, "{name}");
            let got = parts
                .plan(&mut scratch)
                .and_then(|plan| parts.load(&plan, &mut scratch, vec![0u64; plan.words()]));
            match (&want, got) {
                (Ok(a), Ok(b)) => assert!(a.words() == b.words(), "{name}, {workers} jobs"),
                (Err(a), Err(b)) => assert_eq!(*a, b, "{name}, {workers} jobs"),
                (a, b) => panic!(
                    "{name}, {workers} jobs: {:?} / {:?}",
                    a.as_ref().err(),
                    b.err()
                ),
            }
            assert!(
                split == one,
                "{name}: {workers} jobs filled the buffer differently"
            );
        }
    }
}

/// An entry that cannot be inflated is only an error if the model reads it, with either
/// way of loading.
#[test]
fn inflating_once_skips_unreadable_entries_until_needed() {
    let bytes = &mojos()[0].1;
    let mut entries = entries(bytes);
    entries.push(("experimental/unused.bin".to_owned(), vec![7u8; 64]));
    let mut archive = zip(&entries);
    // Corrupt the stored data of the unused entry: its CRC no longer matches.
    let at = archive.windows(64).rposition(|w| w == [7u8; 64]).unwrap();
    archive[at] = 8;
    let mojo = Mojo::new(&archive).unwrap();
    let mut inflated = vec![0u8; mojo.inflated_len()];
    let mojo = mojo.inflate_all(&mut inflated).unwrap();
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan(&mut scratch).unwrap();
    assert!(mojo
        .load(&plan, &mut scratch, vec![0u64; plan.words()])
        .is_ok());
    // The same split into jobs.
    let mojo = Mojo::new(&archive).unwrap();
    let mut inflated = vec![0u8; mojo.inflated_len()];
    let mojo = mojo
        .inflate_all_in(&mut inflated, 4, |jobs| {
            jobs.iter_mut().for_each(InflateJob::run)
        })
        .unwrap();
    let plan = mojo.plan(&mut scratch).unwrap();
    assert!(mojo
        .load(&plan, &mut scratch, vec![0u64; plan.words()])
        .is_ok());
    let mojo = Mojo::new(&archive).unwrap();
    let mut short = vec![0u8; mojo.inflated_len() - 1];
    assert!(mojo.inflate_all(&mut short).is_err(), "too small a buffer");
}

/// `score_rows` checks its buffers as `score` does.
#[test]
fn score_rows_checks_lengths() {
    let (_, model) = &models()[0];
    let (nf, pl) = (model.n_features(), model.preds_len());
    let rows = vec![0.5; 3 * nf];
    let mut preds = vec![0.0; 3 * pl];
    assert_eq!(model.score_rows(&rows, &[], &mut preds), Ok(()));
    assert!(model.score_rows(&rows[1..], &[], &mut preds).is_err());
    assert!(model.score_rows(&rows, &[], &mut preds[1..]).is_err());
    assert!(model.score_rows(&rows, &[0.0; 2], &mut preds).is_err());
    assert_eq!(model.score_rows(&[], &[], &mut []), Ok(()));
}

/// The property tests only mean something if the testdata models load.
#[test]
fn most_testdata_models_load() {
    let (all, loaded) = (mojos().len(), models().len());
    assert!(loaded * 10 >= all * 8, "{loaded} of {all} load");
    for (name, bytes) in mojos().iter().take(5) {
        assert!(
            matches!(harness(bytes), Ok(Reached::Scored { .. })),
            "{name}"
        );
    }
}

/// Every file in testdata/regress/ named `mojo_*` (a fuzz crash or proptest failure, kept):
/// loading gives a model or an error.
#[test]
fn regressions_replay() {
    let dir = testdata("regress");
    let Ok(listing) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in listing {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("mojo_") {
            let _ = harness(&std::fs::read(&path).unwrap());
        }
    }
}
