//! Golden tests: every model in `testdata/manifest.tsv` scores its input exactly as
//! h2o-genmodel's PredictCsv did when the fixtures were generated.
//!
//! Outputs are compared as hex doubles (bit patterns), never as decimal strings. Labels and
//! headers must match exactly, and so must every number, with one exception: HotSpot's
//! `Math.exp`, `Math.log` and `Math.pow` are intrinsics that misround a few inputs in a
//! thousand by one unit in the last place (`exp` about 0.26%), where the core's round
//! correctly. A row that differs is accepted only if re-scoring it with one such result moved
//! by one unit, or else two (a multinomial row takes one `exp` per class, and HotSpot can
//! misround two of them), reproduces genmodel's row bit for bit; the test reports how many
//! rows needed that.
//!
//! `GOLDEN_MANIFEST=path/manifest.tsv` checks another manifest the same way (its paths
//! relative to its own folder), as `testdata/tools/real_data_sweep.py` writes one.

use std::collections::BTreeMap;

use scorer::model::{exp, log, pow, Algorithm, InputRules, Java, JavaMath, OutputValue};
use serve::batch::{contributions_csv, leaf_paths_csv, reconstruct_csv, score_csv, BatchOptions};
use serve::csv::Records;
use serve::format::{write_number, NumberFormat};
use serve::load::{self, LoadedModel};
use serve::rows::{Columns, RowMapper};

mod common;
use common::{manifest_dir, manifest_path, parse_java_hex, testdata};

/// Algorithms (the manifest's `algo`) this scorer refuses so far, naming the algorithm.
const REFUSED_ALGOS: &[&str] = &[];

/// Models the scorer refuses on purpose, with the reason it must give.
const EXPECTED_REFUSALS: &[(&str, &str)] = &[];

/// Modes scored here. Leaf assignment is checked for tree models with leaves (genmodel
/// ignores the flag for Isolation Forest). Contributions (TreeSHAP, pure f32 arithmetic
/// without `exp`) must match bit for bit, with no one-ulp allowance. `glrm_iter5` is
/// PredictCsv's `--glrmIterNumber 5`, `glrm_reconstruct` its `--glrmReconstruct`.
const MODES: &[&str] = &[
    "predict",
    "calibrated",
    "invalid_na",
    "leaf",
    "contributions",
    "glrm_iter5",
    "glrm_reconstruct",
];

/// PredictCsv's output as the fixtures hold it: hex numbers, a header, comma separated.
fn pred_csv_options(calibrated: bool, rules: InputRules) -> BatchOptions {
    BatchOptions {
        format: NumberFormat::Hex,
        calibrated,
        rules,
        separator: b',',
        header: true,
        find_opencsv_difference: false,
    }
}

struct Case {
    name: String,
    algo: String,
    model: String,
    input: String,
    mode: String,
    expected: String,
}

fn manifest() -> Vec<Case> {
    let path = manifest_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("manifest header").split('\t').collect();
    let col = |name: &str| {
        header
            .iter()
            .position(|h| *h == name)
            .unwrap_or_else(|| panic!("manifest has no {name}"))
    };
    let a = col("algo");
    let (n, m, i, mo, e) = (
        col("name"),
        col("model"),
        col("input"),
        col("mode"),
        col("expected"),
    );
    lines
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Case {
                name: f[n].into(),
                algo: f[a].into(),
                model: f[m].into(),
                input: f[i].into(),
                mode: f[mo].into(),
                expected: f[e].into(),
            }
        })
        .collect()
}

#[derive(Default)]
struct Tally {
    rows: usize,
    /// Rows reproduced with one `exp`, `log` or `pow` result moved by one ulp.
    moved1_rows: usize,
    /// Rows reproduced with two such results moved by one ulp each.
    moved2_rows: usize,
    /// Rows reproduced with three or more (only up to `GOLDEN_MAX_MOVES`).
    moved3_rows: usize,
}

/// One input row: its fields.
fn input_rows(input: &[u8]) -> (Vec<String>, Vec<Vec<Vec<u8>>>) {
    let mut r = Records::new(input);
    assert!(r.next_record().unwrap());
    let header = (0..r.len())
        .map(|i| String::from_utf8_lossy(r.field(i).unwrap()).into_owned())
        .collect();
    let mut rows = Vec::new();
    while r.next_record().unwrap() {
        rows.push((0..r.len()).map(|i| r.field(i).unwrap().to_vec()).collect());
    }
    (header, rows)
}

/// Formats output row `n` (from 0; models that count rows score it as their row `n`) the
/// way the batch commands do for `mode` with `--hex`, with `java` standing in for HotSpot's
/// intrinsics.
fn row_with_math(
    model: &LoadedModel,
    (row, n): (&[f64], u64),
    offset: f64,
    mode: &str,
    java: Java<'_>,
) -> String {
    let mut preds = vec![0.0; model.preds_len()];
    // Scratch on the heap: some models need more than `score` keeps on the stack.
    let mut work = vec![0.0; model.work_len()];
    model
        .score_numbered_with_math(row, offset, n, &mut preds, &mut *java, &mut work)
        .unwrap();
    let hex = |x: f64| {
        let mut out = Vec::new();
        write_number(&mut out, x, NumberFormat::Hex).unwrap();
        String::from_utf8(out).unwrap()
    };
    if mode == "glrm_reconstruct" {
        let mut values = vec![0.0; model.n_features()];
        assert!(model.glrm_reconstruct(&preds, &mut values));
        return values.into_iter().map(hex).collect::<Vec<_>>().join(",");
    }
    let cal = if mode == "calibrated" {
        Some(
            model
                .calibrate_with_math(&preds, &mut *java)
                .unwrap_or([f64::NAN; 2]),
        )
    } else {
        None
    };
    let mut cells = Vec::new();
    model.for_each_output(&preds, false, |v| {
        cells.push(match v {
            OutputValue::Label(l) => l.to_owned(),
            OutputValue::Number(x) => hex(x),
        })
    });
    if model.category() == scorer::model::Category::Binomial {
        cells.extend(cal.into_iter().flatten().map(hex));
    }
    cells.join(",")
}

/// One call of an intrinsic: which (0 `exp`, 1 `log`, 2 `pow`) and its arguments' bits.
/// HotSpot's intrinsics are functions of these, so a result it misrounds is misrounded at
/// every call that repeats them (a multinomial's classes with equal scores).
type Call = (u8, u64, u64);

/// The core's correctly rounded `exp`, `log` and `pow` with the results of the listed calls
/// (numbered from 0, in the order scoring makes them, whichever the function) moved by the
/// listed ulps, and with them every call `same` (the calls of a first scoring) says repeats
/// one of them; records the calls.
struct MovedResults<'m> {
    moved: &'m [(usize, i64)],
    same: &'m [Call],
    calls: Vec<Call>,
}

impl MovedResults<'_> {
    fn result(&mut self, call: Call, v: f64) -> f64 {
        let at = self.calls.len();
        self.calls.push(call);
        let like = |m: usize| m == at || self.same.get(m) == Some(&call);
        match self.moved.iter().find(|(m, _)| like(*m)) {
            Some((_, delta)) if v.is_finite() && v != 0.0 => {
                f64::from_bits((v.to_bits() as i64 + delta) as u64)
            }
            _ => v,
        }
    }
}

impl JavaMath for MovedResults<'_> {
    fn exp(&mut self, x: f64) -> f64 {
        self.result((0, x.to_bits(), 0), exp(x))
    }

    fn log(&mut self, x: f64) -> f64 {
        self.result((1, x.to_bits(), 0), log(x))
    }

    fn pow(&mut self, x: f64, y: f64) -> f64 {
        self.result((2, x.to_bits(), y.to_bits()), pow(x, y))
    }
}

/// [`row_with_math`] with the results of the listed calls, and of the calls that repeat
/// theirs, moved (see [`MovedResults`]).
fn row_with_moved_results(
    model: &LoadedModel,
    row: (&[f64], u64),
    offset: f64,
    mode: &str,
    moved: &[(usize, i64)],
) -> String {
    let same = calls_made(model, row, offset, mode);
    row_with_moved_calls(model, row, offset, mode, moved, &same)
}

/// [`row_with_moved_results`] with the row's calls already known (`same`).
fn row_with_moved_calls(
    model: &LoadedModel,
    row: (&[f64], u64),
    offset: f64,
    mode: &str,
    moved: &[(usize, i64)],
    same: &[Call],
) -> String {
    let mut java = MovedResults {
        moved,
        same,
        calls: Vec::new(),
    };
    row_with_math(model, row, offset, mode, &mut java)
}

/// The `exp`, `log` and `pow` calls scoring the row makes, in order.
fn calls_made(model: &LoadedModel, row: (&[f64], u64), offset: f64, mode: &str) -> Vec<Call> {
    let mut recorder = MovedResults {
        moved: &[],
        same: &[],
        calls: Vec::new(),
    };
    row_with_math(model, row, offset, mode, &mut recorder);
    recorder.calls
}

/// How many `exp`, `log` and `pow` calls scoring the row makes.
fn intrinsic_calls(model: &LoadedModel, row: (&[f64], u64), offset: f64, mode: &str) -> usize {
    calls_made(model, row, offset, mode).len()
}

/// How many results a row may need moved: two (a multinomial's softmax can meet two misrounded
/// `exp`s), or `GOLDEN_MAX_MOVES` (the real-data sweep sets 4: an autoencoder of a 320-level
/// column takes 360 `exp`s a row, one per output cell, and a few rows in a thousand meet
/// three or four misrounded). The search runs only for rows that differ.
fn max_moves() -> usize {
    std::env::var("GOLDEN_MAX_MOVES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_MOVES)
}

/// [`max_moves`] unless `GOLDEN_MAX_MOVES` says otherwise; the allowance's own tests use it
/// whatever the environment says.
const DEFAULT_MAX_MOVES: usize = 2;

/// Results moved: which calls (numbered as [`MovedResults`] numbers them), by how many ulps.
type Moves = [(usize, i64)];

/// How many `exp`, `log` or `pow` results (each by one ulp, at most `most`) must
/// move to reproduce genmodel's row, or `None` if no such move does: the fewest among the
/// likely calls ([`MoveSearch::among_candidates`]), or else as many as a greedy search needs
/// ([`MoveSearch::greedily`]). Both only narrow the search: a row is accepted only if its moves
/// reproduce it whole.
fn moved_results_explaining(
    model: &LoadedModel,
    row: (&[f64], u64),
    offset: f64,
    mode: &str,
    want: &str,
    most: usize,
) -> Option<usize> {
    let same = calls_made(model, row, offset, mode);
    let scored = |moved: &Moves| row_with_moved_calls(model, row, offset, mode, moved, &same);
    let search = MoveSearch {
        calls: same.len(),
        scored: &scored,
        want,
    };
    search
        .among_candidates(most.min(3))
        .or_else(|| search.greedily(most))
}

/// A search for the results to move: `scored` scores the row with them moved, out of the
/// `calls` it makes; `want` is genmodel's row.
struct MoveSearch<'s> {
    calls: usize,
    scored: &'s dyn Fn(&Moves) -> String,
    want: &'s str,
}

impl MoveSearch<'_> {
    /// The fewest results (at most `most`) to move, among the calls whose result, moved alone,
    /// changes a cell where the row differs from genmodel's: a wide autoencoder makes hundreds
    /// of calls a row, most feeding one output cell each, and every set of three of them would
    /// take minutes a row. A row of at most [`EVERY_CALL_UP_TO`] calls tries them all: a
    /// softmax's two misrounded `exp`s may each, alone, change only cells genmodel's row has
    /// as scored exactly (the sum they share moves the others).
    fn among_candidates(&self, most: usize) -> Option<usize> {
        let (calls, scored, want) = (self.calls, self.scored, self.want);
        let want_cells: Vec<&str> = want.split(',').collect();
        let exact = scored(&[]);
        let exact_cells: Vec<&str> = exact.split(',').collect();
        let changes_a_differing_cell = |moved: &str| {
            let cells: Vec<&str> = moved.split(',').collect();
            (0..cells.len().max(exact_cells.len())).any(|c| {
                cells.get(c) != exact_cells.get(c) && exact_cells.get(c) != want_cells.get(c)
            })
        };
        let candidates: Vec<usize> = (0..calls)
            .filter(|&at| {
                calls <= EVERY_CALL_UP_TO
                    || [-1i64, 1]
                        .iter()
                        .any(|&d| changes_a_differing_cell(&scored(&[(at, d)])))
            })
            .collect();
        let reproduces = |moved: &Moves| scored(moved) == want;
        // Every set of `left` more candidates after the `from`th, each moved one ulp either way.
        fn any_set(
            candidates: &[usize],
            from: usize,
            left: usize,
            moved: &mut Vec<(usize, i64)>,
            reproduces: &dyn Fn(&Moves) -> bool,
        ) -> bool {
            if left == 0 {
                return reproduces(moved);
            }
            (from..candidates.len()).any(|i| {
                [-1i64, 1].iter().any(|&delta| {
                    moved.push((candidates[i], delta));
                    let found = any_set(candidates, i + 1, left - 1, moved, reproduces);
                    moved.pop();
                    found
                })
            })
        }
        (1..=most).find(|&k| any_set(&candidates, 0, k, &mut Vec::new(), &reproduces))
    }

    /// How many results (at most `most`) a greedy search moves to reproduce the row: each step
    /// adds to each set of moves kept the one move, of any call, that leaves the most cells as
    /// genmodel's, and keeps the sets that leave the most ([`GREEDY_WIDTH`] of them: several
    /// moves can tie), while that number grows. It finds a move whose side effect another
    /// undoes (a hidden unit's `exp` that shifts a dozen output cells, one of them too far, and
    /// that output's own `exp`), which [`MoveSearch::among_candidates`] does not try.
    fn greedily(&self, most: usize) -> Option<usize> {
        let (calls, scored, want) = (self.calls, self.scored, self.want);
        let want_cells: Vec<&str> = want.split(',').collect();
        let matching = |row: &str| {
            row.split(',')
                .zip(&want_cells)
                .filter(|(a, b)| a == *b)
                .count()
        };
        let mut kept: Vec<Vec<(usize, i64)>> = vec![Vec::new()];
        let mut best = matching(&scored(&[]));
        for size in 1..=most {
            let mut next: Vec<Vec<(usize, i64)>> = Vec::new();
            let mut next_best = best;
            for moved in &kept {
                for at in (0..calls).filter(|at| moved.iter().all(|(m, _)| m != at)) {
                    for delta in [-1i64, 1] {
                        let mut grown = moved.clone();
                        grown.push((at, delta));
                        grown.sort_unstable();
                        let row = scored(&grown);
                        if row == want {
                            return Some(size);
                        }
                        let m = matching(&row);
                        if m > next_best {
                            (next_best, next) = (m, Vec::new());
                        }
                        if m == next_best
                            && m > best
                            && next.len() < GREEDY_WIDTH
                            && !next.contains(&grown)
                        {
                            next.push(grown);
                        }
                    }
                }
            }
            if next.is_empty() {
                return None;
            }
            (best, kept) = (next_best, next);
        }
        None
    }
}

/// Calls a row makes up to which [`MoveSearch::among_candidates`] tries every one: sets of
/// three of 16 are 4,480 scorings of the row, a fraction of a second.
const EVERY_CALL_UP_TO: usize = 16;

/// How many sets of moves [`MoveSearch::greedily`] keeps from one step to the next.
const GREEDY_WIDTH: usize = 16;

#[test]
fn every_golden_output_matches_genmodel() {
    let cases = manifest();
    let most = max_moves();
    // The committed manifest must not shrink by accident; another may be small.
    let least = if std::env::var_os("GOLDEN_MANIFEST").is_some() {
        1
    } else {
        30
    };
    assert!(
        cases.len() >= least,
        "the manifest lists {} cases",
        cases.len()
    );
    let dir = manifest_dir();
    let mut failures = Vec::new();
    let mut per_case: BTreeMap<String, Tally> = BTreeMap::new();
    let mut refused = std::collections::BTreeSet::new();
    let mut refused_runs = 0;
    for case in &cases {
        if !MODES.contains(&case.mode.as_str()) {
            failures.push(format!("{}: unknown mode {:?}", case.name, case.mode));
            continue;
        }
        let not_yet = "is not supported by this scorer yet";
        let refusal = EXPECTED_REFUSALS
            .iter()
            .find(|(n, _)| *n == case.name)
            .map(|(_, why)| *why)
            .or(REFUSED_ALGOS
                .contains(&case.algo.as_str())
                .then_some(not_yet));
        let model = match (load::from_path(&dir.join(&case.model)), refusal) {
            (Ok(mut m), None) => {
                // PredictCsv --glrmIterNumber 5.
                if case.mode == "glrm_iter5" {
                    assert!(m.set_glrm_iterations(5), "{}", case.name);
                }
                m
            }
            (Err(e), Some(why)) if e.to_string().contains(why) => {
                refused.insert(case.name.clone());
                refused_runs += 1;
                continue;
            }
            (Err(e), _) => {
                failures.push(format!("{}: cannot load: {e}", case.name));
                continue;
            }
            (Ok(_), Some(_)) => {
                failures.push(format!("{}: loaded, but should be refused", case.name));
                continue;
            }
        };
        let input = std::fs::read(dir.join(&case.input)).unwrap();
        let calibrated = case.mode == "calibrated";
        let rules = InputRules {
            unknown_level_as_na: true,
            invalid_number_as_na: case.mode == "invalid_na",
        };
        let options = pred_csv_options(calibrated, rules);
        // PredictCsv computes an Isolation Forest's leaf assignments and writes its
        // predictions (as `serve predict-csv` does).
        let leaf = case.mode == "leaf" && model.algorithm() != Algorithm::IsolationForest;
        let contributions = case.mode == "contributions";
        let run = if leaf {
            leaf_paths_csv
        } else if contributions {
            contributions_csv
        } else if case.mode == "glrm_reconstruct" {
            reconstruct_csv
        } else {
            score_csv
        };
        let mut out = Vec::new();
        if let Err(e) = run(&model, input.as_slice(), &mut out, options) {
            failures.push(format!("{} {}: scoring failed: {e}", case.name, case.mode));
            continue;
        }
        let got = String::from_utf8(out).unwrap();
        let want = std::fs::read_to_string(dir.join(&case.expected)).unwrap();
        let (got_lines, want_lines): (Vec<_>, Vec<_>) =
            (got.lines().collect(), want.lines().collect());
        let label = format!("{} ({})", case.name, case.mode);
        if got_lines.len() != want_lines.len() {
            failures.push(format!(
                "{label}: {} lines, genmodel wrote {}",
                got_lines.len(),
                want_lines.len()
            ));
            continue;
        }
        if got_lines.first() != want_lines.first() {
            failures.push(format!(
                "{label}: header {:?}, genmodel {:?}",
                got_lines.first(),
                want_lines.first()
            ));
        }
        let tally = per_case.entry(label.clone()).or_default();
        let mut inputs = None;
        for (i, (g, w)) in got_lines.iter().zip(&want_lines).enumerate().skip(1) {
            tally.rows += 1;
            if g == w {
                continue;
            }
            if contributions {
                failures.push(format!("{label} row {i}: `{g}`\n    genmodel: `{w}`"));
                continue;
            }
            let (header, rows) = inputs.get_or_insert_with(|| input_rows(&input));
            let names: Vec<&str> = header.iter().map(String::as_str).collect();
            let mapper = RowMapper::new(&Columns::new(&model), &names, rules);
            let mut row = vec![f64::NAN; model.n_features()];
            let offset = mapper
                .text_row(&model, rows[i - 1].iter().map(Vec::as_slice), &mut row)
                .unwrap();
            match moved_results_explaining(
                &model,
                (&row, i as u64 - 1),
                offset,
                &case.mode,
                w,
                most,
            ) {
                Some(1) => tally.moved1_rows += 1,
                Some(2) => tally.moved2_rows += 1,
                Some(_) => tally.moved3_rows += 1,
                None => failures.push(format!("{label} row {i}: `{g}`\n    genmodel: `{w}`")),
            }
        }
    }
    let rows: usize = per_case.values().map(|t| t.rows).sum();
    let moved1_rows: usize = per_case.values().map(|t| t.moved1_rows).sum();
    let moved2_rows: usize = per_case.values().map(|t| t.moved2_rows).sum();
    let moved3_rows: usize = per_case.values().map(|t| t.moved3_rows).sum();
    println!(
        "golden: {} runs, {rows} rows; {} rows bit-identical, {moved1_rows} differ by one ulp \
         of one exp/log/pow result, {moved2_rows} by one ulp of each of two, {moved3_rows} of \
         three or more",
        per_case.len(),
        rows - moved1_rows - moved2_rows - moved3_rows
    );
    println!("refused as not supported yet (by design): {refused:?}");
    for (name, t) in per_case
        .iter()
        .filter(|(_, t)| t.moved1_rows + t.moved2_rows + t.moved3_rows > 0)
    {
        let more = |n: usize, what: &str| match n {
            0 => String::new(),
            n => format!(", {n} through {what}"),
        };
        println!(
            "  {name}: {} of {} rows through one moved result{}{}",
            t.moved1_rows,
            t.rows,
            more(t.moved2_rows, "two"),
            more(t.moved3_rows, "three or more"),
        );
    }
    if failures.is_empty() {
        // Every run was compared or refused by design: none was passed over.
        assert_eq!(
            per_case.len() + refused_runs,
            cases.len(),
            "runs compared or refused"
        );
    } else {
        let shown: Vec<&str> = failures.iter().take(30).map(String::as_str).collect();
        panic!(
            "{} mismatches with genmodel:\n{}",
            failures.len(),
            shown.join("\n")
        );
    }
}

#[test]
fn a_moved_result_moves_at_every_call_with_its_arguments() {
    // A multinomial GBM whose classes 1, 3 and 4 score alike calls `exp` with one argument
    // three times; HotSpot misrounds all three or none, so one move is all three.
    let (a, b) = (-0.75f64, 0.5f64);
    let mut recorder = MovedResults {
        moved: &[],
        same: &[],
        calls: Vec::new(),
    };
    let args = [b, a, b, a, a];
    let exact: Vec<f64> = args.iter().map(|&x| recorder.exp(x)).collect();
    let same = recorder.calls;
    let mut java = MovedResults {
        moved: &[(1, 1)],
        same: &same,
        calls: Vec::new(),
    };
    let moved: Vec<f64> = args.iter().map(|&x| java.exp(x)).collect();
    let ulps: Vec<i64> = moved
        .iter()
        .zip(&exact)
        .map(|(m, e)| m.to_bits() as i64 - e.to_bits() as i64)
        .collect();
    assert_eq!(ulps, [0, 1, 0, 1, 1]);
    // `log` and `pow` of the same bits are other calls.
    let c = 1.5f64;
    let same = [
        (0, c.to_bits(), 0),
        (1, c.to_bits(), 0),
        (2, c.to_bits(), c.to_bits()),
    ];
    let mut java = MovedResults {
        moved: &[(0, -1)],
        same: &same,
        calls: Vec::new(),
    };
    assert_eq!(java.exp(c).to_bits(), exp(c).to_bits() - 1);
    assert_eq!(java.log(c), log(c));
    assert_eq!(java.pow(c, c), pow(c, c));
    assert_eq!(java.exp(c).to_bits(), exp(c).to_bits() - 1);
}

/// The allowance explains a row with one or two results moved, and nothing else: a GBM
/// multinomial row (one `exp` per class) scored with results moved stands in for genmodel's;
/// so does an Extended Isolation Forest row whose score, `pow(2, -mean / c)`, moved.
#[test]
fn allowance_explains_one_or_two_moved_results_only() {
    let model = load::from_path(&testdata().join("models/gbm_multinomial_iris.zip")).unwrap();
    let row = [5.9, 3.0, 4.2, 1.5];
    let scored =
        |moved: &[(usize, i64)]| row_with_moved_results(&model, (&row, 0), 0.0, "predict", moved);
    let explains = |want: &str| {
        moved_results_explaining(&model, (&row, 0), 0.0, "predict", want, DEFAULT_MAX_MOVES)
    };
    let exact = scored(&[]);
    assert_ne!(scored(&[(1, 1)]), exact, "moving an exp changes the row");
    assert_eq!(explains(&scored(&[(1, 1)])), Some(1));
    assert_eq!(explains(&scored(&[(0, -1), (2, 1)])), Some(2));
    assert_eq!(explains(&scored(&[(0, 1), (1, 1), (2, -1)])), None);
    assert_eq!(explains(&scored(&[(1, 3)])), None);

    let eif = load::from_path(&testdata().join("models/eif_ext5_diabetes.zip")).unwrap();
    let mut row = vec![f64::NAN; eif.n_features()];
    for (i, v) in row.iter_mut().enumerate() {
        *v = 0.01 * i as f64;
    }
    let scored =
        |moved: &[(usize, i64)]| row_with_moved_results(&eif, (&row, 0), 0.0, "predict", moved);
    // A `log` per tree's leaf, then `c(sample_size)`'s `log` and the score's `pow`.
    let calls = intrinsic_calls(&eif, (&row, 0), 0.0, "predict");
    let last = calls - 1;
    assert!(last > 2, "{calls} calls");
    let pow_moved = scored(&[(last, 1)]);
    assert_ne!(pow_moved, scored(&[]), "moving the pow changes the score");
    let explains = |want: &str| {
        moved_results_explaining(&eif, (&row, 0), 0.0, "predict", want, DEFAULT_MAX_MOVES)
    };
    assert_eq!(explains(&pow_moved), Some(1));
    assert_eq!(explains(&scored(&[(last, 2)])), None);
}

/// A row's cells, for the allowance's tests to compare one by one.
fn cells(row: &str) -> Vec<String> {
    row.split(',').map(str::to_owned).collect()
}

/// A move whose side effect a second move undoes is explained too: an autoencoder row where
/// one call's result moved shifts three or more output cells (a hidden unit's `exp`), and
/// another's, which alone changes only one of those cells (that output's own `exp`), puts it
/// back. The second changes no cell that differs from the row scored exactly, so only the
/// greedy search finds the pair (the row is one no pair of the likely calls explains).
#[test]
fn allowance_explains_a_move_another_undoes() {
    let model = load::from_path(&testdata().join("models/dl_autoencoder_prostate.zip")).unwrap();
    // The first row (of a few hundred made up) with such a pair of calls.
    let undone = (0..400).find_map(|i| {
        let f = f64::from(i);
        let row = [
            f % 2.0,
            45.0 + f % 30.0,
            f % 3.0,
            f % 4.0,
            f % 2.0,
            0.5 + f * 0.37,
            f % 5.0 * 7.0,
        ];
        let scored = |moved: &[(usize, i64)]| {
            row_with_moved_results(&model, (&row, 0), 0.0, "predict", moved)
        };
        let exact = cells(&scored(&[]));
        let calls = intrinsic_calls(&model, (&row, 0), 0.0, "predict");
        let want = (0..calls).find_map(|hidden| {
            let shifted = cells(&scored(&[(hidden, 1)]));
            let changed: Vec<usize> = (0..exact.len())
                .filter(|&c| shifted[c] != exact[c])
                .collect();
            // Three or more: moving it alone then leaves more cells as wanted.
            if changed.len() < 3 {
                return None;
            }
            (0..calls).filter(|&o| o != hidden).find_map(|output| {
                // The cells the output's move changes, either way.
                let alone: Vec<usize> = [-1i64, 1]
                    .iter()
                    .map(|&delta| cells(&scored(&[(output, delta)])))
                    .flat_map(|moved| {
                        (0..exact.len())
                            .filter(|&c| moved[c] != exact[c])
                            .collect::<Vec<_>>()
                    })
                    .collect();
                let cell = *alone.first()?;
                if alone.iter().any(|&c| c != cell) || !changed.contains(&cell) {
                    return None;
                }
                [-1i64, 1].into_iter().find_map(|delta| {
                    let both = scored(&[(hidden, 1), (output, delta)]);
                    // The hidden unit's row but for that cell, which is as scored exactly.
                    let restores = cells(&both)
                        .iter()
                        .enumerate()
                        .all(|(c, v)| v == if c == cell { &exact[c] } else { &shifted[c] });
                    // ... and no other pair explains it.
                    let search = MoveSearch {
                        calls,
                        scored: &scored,
                        want: &both,
                    };
                    (restores && search.among_candidates(2).is_none()).then_some(both)
                })
            })
        })?;
        Some((row, want))
    });
    let (row, want) = undone.expect("a hidden unit's move that an output's move partly undoes");
    let explains =
        moved_results_explaining(&model, (&row, 0), 0.0, "predict", &want, DEFAULT_MAX_MOVES);
    assert_eq!(explains, Some(2));
}

/// Two moved `exp`s of a softmax that genmodel's row needs together, where one of them,
/// moved alone, changes only cells genmodel's row has as scored exactly (its class's
/// probability, which the other move's shift of the shared sum puts back), and neither alone
/// leaves more cells as wanted: as a 3-class GLM row of the real-data sweep (Rdatasets'
/// Tobacco) met HotSpot's `exp`.
#[test]
fn allowance_explains_two_moves_neither_alone_shows() {
    let model = load::from_path(&testdata().join("models/glm_multinomial_nostd_wine.zip")).unwrap();
    let hidden_pair = (0..400).find_map(|i| {
        let f = f64::from(i);
        let row: Vec<f64> = (0..model.n_features())
            .map(|c| (f * 0.37 + c as f64 * 1.3) % 9.0)
            .collect();
        let scored = |moved: &[(usize, i64)]| {
            row_with_moved_results(&model, (&row, 0), 0.0, "predict", moved)
        };
        let exact = cells(&scored(&[]));
        let calls = intrinsic_calls(&model, (&row, 0), 0.0, "predict");
        let pairs = (0..calls).flat_map(|a| (a + 1..calls).map(move |b| (a, b)));
        let deltas = [(-1i64, -1i64), (-1, 1), (1, -1), (1, 1)];
        pairs
            .flat_map(|pair| deltas.map(|d| (pair, d)))
            .find_map(|((a, b), (da, db))| {
                let want = cells(&scored(&[(a, da), (b, db)]));
                if want == exact {
                    return None;
                }
                let differs = |c: usize| want[c] != exact[c];
                // `a`'s move alone changes only cells that genmodel's row has as exact.
                let hidden = [-1i64, 1].iter().all(|&d| {
                    let alone = cells(&scored(&[(a, d)]));
                    (0..exact.len()).all(|c| alone[c] == exact[c] || !differs(c))
                });
                // ... and neither move alone leaves more cells as wanted.
                let matching = |r: &[String]| (0..r.len()).filter(|&c| r[c] == want[c]).count();
                let start = matching(&exact);
                let no_step = [a, b].iter().all(|&at| {
                    [-1i64, 1]
                        .iter()
                        .all(|&d| matching(&cells(&scored(&[(at, d)]))) <= start)
                });
                // ... and no one move gives the row.
                let two = (0..calls).all(|at| {
                    [-1i64, 1]
                        .iter()
                        .all(|&d| cells(&scored(&[(at, d)])) != want)
                });
                (hidden && no_step && two).then(|| (row.clone(), want.join(",")))
            })
    });
    let (row, want) = hidden_pair.expect("a pair of moves that neither alone shows");
    let explains =
        moved_results_explaining(&model, (&row, 0), 0.0, "predict", &want, DEFAULT_MAX_MOVES);
    assert_eq!(explains, Some(2));
}

#[test]
fn java_hex_parser_reads_what_genmodel_writes() {
    assert_eq!(parse_java_hex("0x1.0p0"), Some(1.0));
    assert_eq!(parse_java_hex("-0x1.8p1"), Some(-3.0));
    assert_eq!(parse_java_hex("0x0.0p0"), Some(0.0));
    assert_eq!(
        parse_java_hex("0x0.0000000000001p-1022"),
        Some(f64::from_bits(1))
    );
    assert_eq!(
        parse_java_hex("0x1.48e8835b0bc64p-1"),
        Some(f64::from_bits(0x3fe48e8835b0bc64))
    );
    assert!(parse_java_hex("yes").is_none());
}

/// Leaf assignment is refused where genmodel refuses or fails: a model that is not a GBM or
/// DRF, and a GBM or DRF whose MOJO leaves a class's trees out (genmodel's
/// `getLeafNodeAssignments` reads the missing tree and throws on every row), while the same
/// models' predictions are golden fixtures.
#[test]
fn leaf_assignment_is_refused_where_genmodel_fails() {
    let cases: &[(&str, &str)] = &[
        ("models/gbm_empty_class_multi.zip", "leaves some trees out"),
        ("models/drf_empty_class_multi.zip", "leaves some trees out"),
        ("models/xgb_empty_class_multi.zip", "other than GBM and DRF"),
        ("models/glm_binomial_prostate.zip", "other than GBM and DRF"),
    ];
    let input = std::fs::read(testdata().join("inputs/multi.csv")).unwrap();
    for (path, why) in cases {
        let model = load::from_path(&testdata().join(path)).unwrap();
        let err = model.leaf_paths_support().unwrap_err().to_string();
        assert!(err.contains(why), "{path}: {err}");
        let options = pred_csv_options(false, InputRules::default());
        let e = leaf_paths_csv(&model, input.as_slice(), &mut Vec::new(), options).unwrap_err();
        assert!(e.to_string().contains(why), "{path}: {e}");
        if matches!(model.algorithm(), Algorithm::Gbm | Algorithm::Drf) {
            // Called anyway, the walk stops at the first absent tree, after the ones before it.
            let row = vec![f64::NAN; model.n_features()];
            let mut paths = 0;
            let e = model.for_each_leaf_path(&row, |_| paths += 1).unwrap_err();
            assert_eq!(
                e,
                scorer::ScoreError::NoDecisionPath { tree: paths },
                "{path}"
            );
        }
    }
    let model = load::from_path(&testdata().join("models/gbm_multinomial_6class_na.zip")).unwrap();
    assert_eq!(model.leaf_paths_support(), Ok(()));
}

/// Encoded models genmodel fails on are refused with the reason, while their siblings are
/// golden fixtures: stacked ensembles over bases whose encoding renames columns (one-hot,
/// binary; genmodel: "does not have input column"), and one-hot or binary models trained
/// with an offset or weights column (genmodel: an index past its row, on every row).
#[test]
fn encoded_models_genmodel_fails_on_are_refused() {
    let cases = [
        (
            "se_one_hot_explicit_bases_prostate",
            "a column the ensemble lacks",
        ),
        ("se_binary_bases_prostate", "a column the ensemble lacks"),
        (
            "gbm_one_hot_explicit_offset_prostate",
            "weights, offset or fold",
        ),
        ("drf_binary_weights_prostate", "weights, offset or fold"),
    ];
    for (name, why) in cases {
        let path = testdata().join(format!("models/{name}.zip"));
        let err = match load::from_path(&path) {
            Ok(_) => panic!("{name}: loaded, but genmodel fails on it"),
            Err(e) => e.to_string(),
        };
        assert!(err.contains(why), "{name}: {err}");
    }
}

/// Models without contributions in genmodel are refused with a reason naming why; the
/// contributions of the others sum to the raw (link-space) prediction.
#[test]
fn contributions_are_refused_where_genmodel_has_none() {
    let cases: &[(&str, &str)] = &[
        ("models/gbm_multinomial_6class_na.zip", "multinomial"),
        ("models/xgb_dart_multinomial_iris.zip", "multinomial"),
        ("models/xgb_gblinear_bernoulli_prostate.zip", "gblinear"),
        ("models/drf_multinomial_iris.zip", "multinomial"),
        (
            "models/drf_binomial_double_trees_prostate.zip",
            "binomial_double_trees",
        ),
        ("models/glm_binomial_prostate.zip", "GBM, DRF and XGBoost"),
    ];
    for (path, why) in cases {
        let model = load::from_path(&testdata().join(path)).unwrap();
        let err = model.contributions_support().unwrap_err().to_string();
        assert!(err.contains(why), "{path}: {err}");
        let mut out = vec![0.0f32; model.contribution_len()];
        let mut work = vec![0.0f32; model.contribution_work_len()];
        let row = vec![f64::NAN; model.n_features()];
        assert!(
            model.contributions(&row, &mut out, &mut work).is_err(),
            "{path}"
        );
        let input = std::fs::read(testdata().join("inputs/prostate.csv")).unwrap();
        let options = pred_csv_options(false, InputRules::default());
        let e = contributions_csv(&model, input.as_slice(), &mut Vec::new(), options).unwrap_err();
        assert!(e.to_string().contains(why), "{path}: {e}");
    }

    // A DRF loads and scores without experimental/modelDetails.json (PredictCsv never reads
    // it), but has no contributions: genmodel scales them by its variable importances.
    let path = testdata().join("models/drf_binomial_prostate.zip");
    let bytes = std::fs::read(&path).unwrap();
    let name = b"experimental/modelDetails.json";
    let renamed = replace_all(&bytes, name, b"experimental/modelDetailX.json");
    let mut corrupt = bytes.clone();
    let at = bytes.windows(name.len()).position(|w| w == name).unwrap();
    // The first entry named so is a local header; its data follows the name (no extra field
    // in Java's zips): one flipped byte there fails the CRC check.
    corrupt[at + name.len() + 4] ^= 0x55;
    for (bytes, why) in [
        (renamed, "without experimental/modelDetails.json"),
        (corrupt, "unreadable experimental/modelDetails.json"),
    ] {
        let model = load::from_bytes(&bytes).unwrap();
        let err = model.contributions_support().unwrap_err().to_string();
        assert!(err.contains(why), "{err}");
        let row = vec![f64::NAN; model.n_features()];
        let mut preds = vec![0.0; model.preds_len()];
        model.score(&row, 0.0, &mut preds).unwrap();
    }

    // Buffers of the wrong size are errors, not panics.
    let model = load::from_path(&testdata().join("models/gbm_bernoulli_prostate.zip")).unwrap();
    assert!(model.contributions_support().is_ok());
    let row = vec![0.0; model.n_features()];
    let mut out = vec![0.0f32; model.contribution_len()];
    let mut work = vec![0.0f32; model.contribution_work_len()];
    assert!(model.contributions(&row, &mut out[1..], &mut work).is_err());
    assert!(model.contributions(&row, &mut out, &mut work[1..]).is_err());
    assert!(model.contributions(&row[1..], &mut out, &mut work).is_err());
    model.contributions(&row, &mut out, &mut work).unwrap();
    let sum: f64 = out.iter().map(|&v| f64::from(v)).sum();
    let mut preds = vec![0.0; model.preds_len()];
    model.score(&row, 0.0, &mut preds).unwrap();
    let p1 = preds[2];
    let margin = (p1 / (1.0 - p1)).ln();
    assert!((sum - margin).abs() < 1e-4, "sum {sum} vs margin {margin}");
}

/// `bytes` with every `from` replaced by `to` (of the same length).
fn replace_all(bytes: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    assert_eq!(from.len(), to.len());
    let mut out = bytes.to_vec();
    let mut i = 0;
    while let Some(p) = out[i..].windows(from.len()).position(|w| w == from) {
        out[i + p..i + p + to.len()].copy_from_slice(to);
        i += p + to.len();
    }
    out
}
