//! The `serve` binary's batch commands, run as a user runs them.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

fn serve(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_serve"))
        .args(args)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

/// `serve score --model <model> --input <input> --output <output> <extra>`.
fn score(model: &str, input: &str, output: &str, extra: &[&str], stdin: Option<&[u8]>) -> Output {
    let args = [
        "score", "--model", model, "--input", input, "--output", output,
    ];
    serve(&[&args[..], extra].concat(), stdin)
}

/// `serve predict-csv --mojo <mojo> --input <input> --output - <extra>`: PredictCsv's own
/// flags, its output on stdout.
fn predict_csv(mojo: &str, input: &str, extra: &[&str]) -> Output {
    let args = [
        "predict-csv",
        "--mojo",
        mojo,
        "--input",
        input,
        "--output",
        "-",
    ];
    serve(&[&args[..], extra].concat(), None)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts that `o` exited with `code` and said `says` on stderr; `case` names it in a
/// failure.
#[track_caller]
fn assert_exit(o: &Output, code: i32, says: &str, case: &dyn std::fmt::Debug) {
    let e = stderr(o);
    assert_eq!(o.status.code(), Some(code), "{case:?}: {e}");
    assert!(e.contains(says), "{case:?}: {e}");
}

fn tmp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("serve-cli-test-{}-{name}", std::process::id()))
}

#[test]
fn score_writes_predict_csv_output() {
    let out = tmp("demo.csv");
    let o = score(
        "demo/pipeline.mojo",
        "demo/demo.csv",
        out.to_str().unwrap(),
        &["--hex"],
        None,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let got = std::fs::read_to_string(&out).unwrap();
    let want = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/demo/expected.csv"
    ))
    .unwrap();
    assert_eq!(got, want);
    std::fs::remove_file(out).ok();
}

#[test]
fn decimal_output_reads_back_to_the_same_doubles() {
    let hex = score("demo/pipeline.mojo", "demo/demo.csv", "-", &["--hex"], None);
    let dec = score(
        "demo/pipeline.mojo",
        "-",
        "-",
        &[],
        Some(
            &std::fs::read(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../testdata/demo/demo.csv"
            ))
            .unwrap(),
        ),
    );
    assert!(
        hex.status.success() && dec.status.success(),
        "{}",
        stderr(&dec)
    );
    let (hex, dec) = (
        String::from_utf8(hex.stdout).unwrap(),
        String::from_utf8(dec.stdout).unwrap(),
    );
    assert_eq!(hex.lines().next(), Some("predict,no,yes"));
    for (h, d) in hex.lines().zip(dec.lines()).skip(1) {
        let (h, d): (Vec<_>, Vec<_>) = (h.split(',').collect(), d.split(',').collect());
        assert_eq!(h[0], d[0], "labels");
        for (hv, dv) in h[1..].iter().zip(&d[1..]) {
            let x: f64 = dv.parse().unwrap();
            let mut s = String::new();
            scorer::java::write_hex(&mut s, x).unwrap();
            assert_eq!(&s, hv, "decimal {dv} is not the double {hv}");
        }
    }
}

#[test]
fn bad_number_names_row_and_column() {
    let input = b"AGE,RACE,DPROS,DCAPS,PSA,VOL,GLEASON\n65,1,2,1,1.4,0,6\n70,1,2,1,abc,0,6\n";
    let o = score("demo/pipeline.mojo", "-", "-", &[], Some(input));
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert_eq!(e.lines().count(), 1, "one line: {e}");
    assert!(
        e.contains("row 2") && e.contains("PSA") && e.contains("abc"),
        "{e}"
    );
    // The rows before the bad one are written (the header and row 1), as PredictCsv does.
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(out.lines().count(), 2, "{out}");

    let o = score(
        "demo/pipeline.mojo",
        "-",
        "-",
        &["--invalid-as-na"],
        Some(input),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(String::from_utf8(o.stdout).unwrap().lines().count(), 3);
}

#[test]
fn leaf_assignment_fails_where_genmodel_has_no_path() {
    // The chain models' deepest rows reach level 64, where genmodel's path is null and
    // PredictCsv fails (generate_deep_paths.py); their shallower rows are golden.
    for model in ["models/gbm_chain.zip", "models/drf_chain.zip"] {
        let o = predict_csv(model, "inputs/chain_all.csv", &["--leafNodeAssignment"]);
        assert_eq!(o.status.code(), Some(1), "{model}: {}", stderr(&o));
        let e = stderr(&o);
        assert!(
            e.contains("row 1 ") && e.contains("tree 0") && e.contains("64 levels"),
            "{model}: {e}"
        );
        assert_eq!(
            String::from_utf8_lossy(&o.stdout).lines().count(),
            1,
            "the header"
        );
        let o = predict_csv(model, "inputs/chain.csv", &["--leafNodeAssignment"]);
        assert!(o.status.success(), "{model}: {}", stderr(&o));
    }
}

#[test]
fn tree_mojos_before_1_20_have_no_leaf_assignment_nor_contributions() {
    // genmodel refuses both: no decision paths before 1.20, no node weights in 1.00, and
    // 1.10's large bitsets misread (generate_releases.py; their predictions are golden).
    let cases = [
        (
            "models/h2o310010_gbm_highcard.zip",
            "--leafNodeAssignment",
            "leaf assignment of MOJOs before 1.20",
        ),
        (
            "models/h2o310010_as110_drf_highcard_y01.zip",
            "--leafNodeAssignment",
            "before 1.20",
        ),
        (
            "models/h2o310010_gbm_highcard.zip",
            "--predictContributions",
            "1.00 has no node weights",
        ),
        (
            "models/h2o310010_as110_gbm_highcard.zip",
            "--predictContributions",
            "tree MOJOs before 1.20",
        ),
    ];
    for (model, mode, says) in cases {
        let o = predict_csv(model, "inputs/highcard.csv", &[mode]);
        assert_exit(&o, 1, says, &(model, mode));
        assert!(o.stdout.is_empty(), "{model} {mode}");
    }
}

#[test]
fn unsupported_and_broken_models_exit_non_zero_with_one_line() {
    let cases: [(&str, &str); 3] = [
        ("models/te_highcard.zip", "algorithm `targetencoder`"),
        ("demo/demo.csv", "invalid MOJO archive"),
        ("no/such/model.zip", "cannot read"),
    ];
    for (model, says) in cases {
        let o = score(model, "demo/demo.csv", "-", &[], None);
        assert_eq!(o.status.code(), Some(1), "{model}");
        let e = stderr(&o);
        assert_eq!(e.lines().count(), 1, "{model}: {e}");
        assert!(e.contains(says) && e.contains(model), "{model}: {e}");
    }
}

#[test]
fn driverless_pipelines_are_refused_with_the_reason() {
    // A zip holding only mojo/pipeline.pb (stored, empty), as DAI's pipeline.mojo has it.
    let name = b"mojo/pipeline.pb";
    let mut z = Vec::new();
    let local = |z: &mut Vec<u8>| {
        z.extend(0x0403_4b50u32.to_le_bytes());
        z.extend([
            20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
        ]);
        z.extend((name.len() as u16).to_le_bytes());
        z.extend([0, 0]);
        z.extend(name);
    };
    local(&mut z);
    let cd = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend([
        20, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    z.extend((name.len() as u16).to_le_bytes());
    z.extend([0u8; 12]);
    z.extend(0u32.to_le_bytes());
    z.extend(name);
    let cd_len = z.len() as u32 - cd;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0, 0, 0, 0, 1, 0, 1, 0]);
    z.extend(cd_len.to_le_bytes());
    z.extend(cd.to_le_bytes());
    z.extend([0, 0]);
    let path = tmp("pipeline.mojo");
    std::fs::write(&path, z).unwrap();
    let o = serve(&["inspect", "--model", path.to_str().unwrap()], None);
    assert_exit(&o, 1, "Driverless AI", &path);
    std::fs::remove_file(path).ok();
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(
        serve(
            &["score", "--input", "demo/demo.csv", "--output", "-"],
            None
        )
        .status
        .code(),
        Some(2)
    );
    assert_eq!(serve(&["score", "--model"], None).status.code(), Some(2));
    assert_eq!(serve(&["frobnicate"], None).status.code(), Some(2));
    assert_eq!(serve(&[], None).status.code(), Some(2));
}

#[test]
fn inspect_describes_the_model() {
    let o = serve(&["inspect", "--model", "demo/pipeline.mojo"], None);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["algo"], "gbm");
    assert_eq!(v["category"], "Binomial");
    assert_eq!(v["model"]["distribution"], "bernoulli");
    assert_eq!(v["features"].as_array().unwrap().len(), 7);
    assert_eq!(v["features"][1]["name"], "RACE");
    assert_eq!(
        v["features"][1]["levels"],
        serde_json::json!(["0", "1", "2"])
    );
    assert_eq!(v["response"]["levels"], serde_json::json!(["no", "yes"]));
    assert_eq!(v["outputs"], serde_json::json!(["predict", "no", "yes"]));
    assert!(v["memory_bytes"].as_u64().unwrap() > 0);
}

#[test]
fn missing_and_unused_columns_are_reported_and_scored_as_na() {
    let input = b"AGE,EXTRA\n65,x\n";
    let o = score("demo/pipeline.mojo", "-", "-", &[], Some(input));
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("6 model column(s) missing") && e.contains("EXTRA"),
        "{e}"
    );
}

#[test]
fn glrm_iterations_are_predict_csvs_glrm_iter_number() {
    let model = "models/glrm_absolute_l1_prostate.zip";
    let five = score_prostate_hex(model, &["--glrm-iterations", "5"]);
    assert!(five.status.success(), "{}", stderr(&five));
    let want = std::fs::read_to_string(testdata_file(
        "expected/glrm_absolute_l1_prostate.glrm_iter5.csv",
    ));
    assert_eq!(String::from_utf8(five.stdout).unwrap(), want.unwrap());
    let default = score_prostate_hex(model, &[]);
    let want = std::fs::read_to_string(testdata_file(
        "expected/glrm_absolute_l1_prostate.predict.csv",
    ));
    assert_eq!(String::from_utf8(default.stdout).unwrap(), want.unwrap());
    for (bad, says) in [
        (vec!["--glrm-iterations", "0"], "positive count"),
        (vec!["--glrm-iterations", "x"], "positive count"),
    ] {
        let o = score_prostate_hex(model, &bad);
        assert_exit(&o, 2, says, &bad);
    }
    let gbm = score_prostate_hex(
        "models/gbm_bernoulli_prostate.zip",
        &["--glrm-iterations", "5"],
    );
    assert_exit(&gbm, 2, "GLRM models; this one is gbm", &"a GBM");
}

/// `serve score` of the prostate input with `--hex` and `extra` flags.
fn score_prostate_hex(model: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "score",
        "--model",
        model,
        "--input",
        "inputs/prostate.csv",
        "--output",
        "-",
        "--hex",
    ];
    args.extend_from_slice(extra);
    serve(&args, None)
}

/// A file of testdata/ (the directory the tests run `serve` in).
fn testdata_file(path: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata")).join(path)
}

#[test]
fn glrm_reconstruct_is_predict_csvs_and_only_for_glrm() {
    let o = score_prostate_hex(
        "models/glrm_absolute_l1_prostate.zip",
        &["--glrm-reconstruct"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let want = std::fs::read_to_string(testdata_file(
        "expected/glrm_absolute_l1_prostate.glrm_reconstruct.csv",
    ));
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want.unwrap());
    let gbm = score_prostate_hex("models/gbm_bernoulli_prostate.zip", &["--glrm-reconstruct"]);
    assert_exit(&gbm, 1, "only GLRM models", &"a GBM");
    let both = score_prostate_hex(
        "models/glrm_prostate.zip",
        &["--glrm-reconstruct", "--contributions"],
    );
    assert_exit(&both, 2, "cannot be combined", &"with --contributions");
}

/// `serve predict-csv ARGS` writes what `PredictCsv ARGS` wrote into expected/ (the flags
/// by mode are testdata/README.md's), byte for byte: files without rows through `Math.exp`'s
/// last bit (the golden test covers those).
#[test]
fn predict_csv_takes_predict_csvs_command_line() {
    for (model, input, flag, expected) in [
        (
            "demo/pipeline.mojo",
            "demo/demo.csv",
            None,
            "demo/expected.csv",
        ),
        (
            "models/gbm_bernoulli_prostate.zip",
            "inputs/prostate.csv",
            Some("--leafNodeAssignment"),
            "expected/gbm_bernoulli_prostate.leaf.csv",
        ),
        (
            "models/drf_binomial_platt_breast_cancer.zip",
            "inputs/breast_cancer.csv",
            Some("--predictCalibrated"),
            "expected/drf_binomial_platt_breast_cancer.calibrated.csv",
        ),
        // PredictCsv writes an Isolation Forest's predictions whatever this flag says.
        (
            "models/if_prostate.zip",
            "inputs/prostate.csv",
            Some("--leafNodeAssignment"),
            "expected/if_prostate.leaf.csv",
        ),
        (
            "models/gbm_bernoulli_prostate.zip",
            "inputs/prostate.csv",
            Some("--predictContributions"),
            "expected/gbm_bernoulli_prostate.contributions.csv",
        ),
        (
            "models/glm_gaussian_diabetes.zip",
            "inputs/diabetes_invalid.csv",
            Some("--setConvertInvalidNum"),
            "expected/glm_gaussian_diabetes.invalid_na.csv",
        ),
        (
            "models/glrm_absolute_l1_prostate.zip",
            "inputs/prostate.csv",
            Some("--glrmReconstruct"),
            "expected/glrm_absolute_l1_prostate.glrm_reconstruct.csv",
        ),
    ] {
        let o = predict_csv(model, input, flag.as_slice());
        assert!(o.status.success(), "{model} {flag:?}: {}", stderr(&o));
        let want = std::fs::read_to_string(testdata_file(expected)).unwrap();
        assert!(
            String::from_utf8(o.stdout).unwrap() == want,
            "{model} {flag:?}: not {expected}"
        );
    }
}

#[test]
fn predict_csv_options_read_as_predict_csv_reads_them() {
    let run = |extra: &[&str], input: &str, stdin: Option<&[u8]>| {
        let mut args = vec![
            "predict-csv",
            "--header",
            "--model",
            "demo/pipeline.mojo",
            "--input",
            input,
            "--output",
            "-",
        ];
        args.extend_from_slice(extra);
        let o = serve(&args, stdin);
        assert!(o.status.success(), "{extra:?}: {}", stderr(&o));
        String::from_utf8(o.stdout).unwrap()
    };
    let hex = run(&[], "demo/demo.csv", None);
    assert_eq!(
        hex,
        std::fs::read_to_string(testdata_file("demo/expected.csv")).unwrap()
    );
    // --decimal: Java's Double.toString, what PredictCsv --decimal wrote (JDK 17).
    let decimal = run(&["--decimal"], "demo/demo.csv", None);
    assert_eq!(
        decimal,
        "predict,no,yes\nno,0.715262506912014,0.28473749308798596\n\
         yes,0.31574822182566364,0.6842517781743364\n\
         no,0.7995324333031048,0.20046756669689528\n\
         yes,0.4752247592422759,0.5247752407577241\n\
         no,0.87035834153996,0.12964165846004008\n\
         yes,0.315026637427573,0.684973362572427\n\
         yes,0.29935035373369157,0.7006496462663084\n\
         yes,0.36294849101294946,0.6370515089870505\n\
         no,0.705607000161532,0.29439299983846795\n\
         no,0.7819682202254283,0.2180317797745716\n"
    );
    // --outputHeader takes Java's Boolean.parseBoolean: only "true" (any case) keeps it.
    let rows = hex.split_once('\n').unwrap().1;
    assert_eq!(
        run(&["--outputHeader", "false"], "demo/demo.csv", None),
        rows
    );
    assert_eq!(run(&["--outputHeader", "no"], "demo/demo.csv", None), rows);
    assert_eq!(run(&["--outputHeader", "TRUE"], "demo/demo.csv", None), hex);
    // --separator: its last character, so `;` and `x;` both split on `;`.
    let csv = std::fs::read_to_string(testdata_file("demo/demo.csv")).unwrap();
    assert!(!csv.contains(';') && !csv.contains('"'));
    let semicolons = csv.replace(',', ";");
    for s in [";", "x;"] {
        assert_eq!(
            run(&["--separator", s], "-", Some(semicolons.as_bytes())),
            hex,
            "--separator {s}"
        );
    }
    // `serve score --separator` takes one character, `\t` or `tab` for a tab.
    let tabs = csv.replace(',', "\t");
    for s in ["\t", "\\t", "tab"] {
        let o = serve(
            &[
                "score",
                "--model",
                "demo/pipeline.mojo",
                "--input",
                "-",
                "--output",
                "-",
                "--hex",
                "--separator",
                s,
            ],
            Some(tabs.as_bytes()),
        );
        assert!(o.status.success(), "{s:?}: {}", stderr(&o));
        assert_eq!(String::from_utf8(o.stdout).unwrap(), hex, "{s:?}");
    }
}

#[test]
fn predict_csv_refuses_what_it_cannot_do_with_exit_2() {
    for (args, says) in [
        (
            &["--pojo", "GBM_model", "--input", "demo/demo.csv"][..],
            "POJO",
        ),
        (&["--embedded"][..], "POJO"),
        (
            &["--mojo", "demo/pipeline.mojo", "--testConcurrent", "4"][..],
            "not supported",
        ),
        (
            &["--mojo", "demo/pipeline.mojo", "--separator", "\""][..],
            "cannot separate",
        ),
        (
            &["--mojo", "demo/pipeline.mojo", "--separator", ""][..],
            "empty",
        ),
        (
            &["--mojo", "demo/pipeline.mojo", "--glrmIterNumber", "0"][..],
            "positive",
        ),
        (
            &[
                "--mojo",
                "demo/pipeline.mojo",
                "--leafNodeAssignment",
                "--predictContributions",
            ][..],
            "cannot be combined",
        ),
        (
            &["--mojo", "demo/pipeline.mojo", "--input", "demo/demo.csv"][..],
            "--output is required",
        ),
        (&["--mojo"][..], "needs a value"),
        (&["--threads", "2"][..], "unknown argument `--threads`"),
    ] {
        let o = serve(&[&["predict-csv"][..], args].concat(), None);
        assert_exit(&o, 2, says, &args);
    }
    let o = serve(
        &[
            "score",
            "--model",
            "demo/pipeline.mojo",
            "--separator",
            ";;",
        ],
        None,
    );
    assert_exit(&o, 2, "one character", &"--separator ;;");
}

/// `dir` filled with the entries of the MOJO at `mojo`, as `unzip` writes them.
fn unzip_into(mojo: &str, dir: &std::path::Path) {
    let bytes = std::fs::read(testdata_file(mojo)).unwrap();
    let archive = scorer::zip::Archive::new(&bytes).unwrap();
    for entry in archive.entries() {
        let path = dir.join(entry.name_str());
        if entry.is_dir() {
            std::fs::create_dir_all(&path).unwrap();
            continue;
        }
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        let mut out = vec![0u8; entry.size()];
        std::fs::write(&path, entry.read_into(&mut out).unwrap()).unwrap();
    }
}

#[test]
fn an_unzipped_mojo_directory_scores_as_the_zip() {
    let dir = tmp("unzipped");
    let _ = std::fs::remove_dir_all(&dir);
    for (mojo, input, expected) in [
        ("demo/pipeline.mojo", "demo/demo.csv", "demo/expected.csv"),
        (
            "models/se_glm_binomial_prostate.zip",
            "inputs/prostate_tame.csv",
            "expected/se_glm_binomial_prostate.predict.csv",
        ),
    ] {
        unzip_into(mojo, &dir);
        let args = [
            "score",
            "--model",
            dir.to_str().unwrap(),
            "--input",
            input,
            "--output",
            "-",
            "--hex",
        ];
        let o = serve(&args, None);
        assert!(o.status.success(), "{mojo}: {}", stderr(&o));
        let want = std::fs::read_to_string(testdata_file(expected)).unwrap();
        assert!(String::from_utf8(o.stdout).unwrap() == want, "{mojo}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
    // A MOJO of 66,006 files, packed with a zip64 record (its golden rows are the
    // zip's; one of them is through a moved `exp`, so here the zip's own output is the
    // reference).
    let mojo = "models/gbm_zip64_multi.zip";
    unzip_into(mojo, &dir);
    let score = |model: &str| {
        let args = [
            "score",
            "--model",
            model,
            "--input",
            "inputs/multi.csv",
            "--output",
            "-",
            "--hex",
        ];
        let o = serve(&args, None);
        assert!(o.status.success(), "{model}: {}", stderr(&o));
        o.stdout
    };
    assert!(score(dir.to_str().unwrap()) == score(mojo), "{mojo}");
    std::fs::remove_dir_all(&dir).unwrap();
    // Refused, with the reason: a stray file too large for a MOJO (by its size, not read: a
    // sparse file), and a directory without model.ini.
    let refused = |dir: &std::path::Path, says: &str| {
        let args = [
            "score",
            "--model",
            dir.to_str().unwrap(),
            "--input",
            "demo/demo.csv",
            "--output",
            "-",
        ];
        let o = serve(&args, None);
        assert_exit(&o, 1, says, &dir);
        std::fs::remove_dir_all(dir).unwrap();
    };
    unzip_into("demo/pipeline.mojo", &dir);
    let big = std::fs::File::create(dir.join("training.csv")).unwrap();
    big.set_len((1 << 30) + 1).unwrap();
    refused(&dir, "too large for a MOJO");
    std::fs::create_dir_all(dir.join("trees")).unwrap();
    refused(&dir, "without model.ini");
}

#[test]
fn predict_csv_notes_where_predict_csvs_reader_would_read_otherwise() {
    let csv = std::fs::read_to_string(testdata_file("demo/demo.csv")).unwrap();
    let mut lines: Vec<String> = csv.lines().map(|l| format!("{l},x")).collect();
    lines[0] = lines[0].replace(",x", ",note");
    lines[4] = lines[4].replace(",x", ",c:\\tmp");
    let input = lines.join("\n") + "\n";
    let run = |command: &str| {
        let mut args = vec![
            command,
            "--model",
            "demo/pipeline.mojo",
            "--input",
            "-",
            "--output",
            "-",
        ];
        if command == "score" {
            args.push("--hex");
        }
        serve(&args, Some(input.as_bytes()))
    };
    let o = run("predict-csv");
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 5 holds a backslash"),
        "{}",
        stderr(&o)
    );
    let want = std::fs::read_to_string(testdata_file("demo/expected.csv")).unwrap();
    assert_eq!(String::from_utf8(o.stdout).unwrap(), want);
    let o = run("score");
    assert!(!stderr(&o).contains("backslash"), "{}", stderr(&o));
}
