//! Hostile and broken models: every one is refused with an error, never a panic or a large
//! allocation. Archives are rebuilt from the demo MOJO with a small stored-zip writer.

mod common;
use common::{entries, stored_zip as zip};
use scorer::model::{Algorithm, Mojo};
use scorer::{Error, ModelError, ZipError};

fn demo() -> Vec<u8> {
    std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../testdata/demo/pipeline.mojo"
    ))
    .unwrap()
}

/// Opens, plans and loads, as serve does.
fn load(bytes: &[u8]) -> Result<scorer::model::Model<Vec<u64>>, Error> {
    let mojo = Mojo::new(bytes)?;
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan(&mut scratch)?;
    mojo.load(&plan, &mut scratch, vec![0u64; plan.words()])
}

/// The demo's entries with `model.ini` edited by `edit`.
fn with_ini(edit: impl Fn(&str) -> String) -> Vec<u8> {
    let mut e = entries(&demo());
    for (name, data) in &mut e {
        if name == "model.ini" {
            *data = edit(std::str::from_utf8(data).unwrap()).into_bytes();
        }
    }
    zip(&e)
}

fn model_error(bytes: &[u8]) -> ModelError {
    match load(bytes) {
        Err(Error::Model(e)) => e,
        other => panic!("expected a model error, got {:?}", other.map(|_| "a model")),
    }
}

#[test]
fn rebuilt_demo_loads() {
    let model = load(&zip(&entries(&demo()))).unwrap();
    assert_eq!(model.algorithm(), Algorithm::Gbm);
}

#[test]
fn truncated_everywhere() {
    let bytes = demo();
    let n = bytes.len();
    let cuts = (0..n).step_by(97).chain(n.saturating_sub(2048)..n);
    for cut in cuts {
        assert!(
            load(&bytes[..cut]).is_err(),
            "a MOJO cut at {cut} of {n} bytes loaded"
        );
    }
}

#[test]
fn flipped_bytes_never_panic() {
    let bytes = zip(&entries(&demo()));
    // Every 61st byte: headers, names, model.ini, domains and tree bytes all get hit.
    for at in (0..bytes.len()).step_by(61) {
        let mut b = bytes.clone();
        b[at] ^= 0x5A;
        // Stored entries carry a CRC, so most flips are refused; the rest must still load
        // a model that scores without panicking.
        if let Ok(model) = load(&b) {
            let row = vec![1.0; model.n_features()];
            let mut preds = vec![0.0; model.preds_len()];
            model.score(&row, 0.0, &mut preds).unwrap();
        }
    }
}

#[test]
fn not_a_zip() {
    assert!(matches!(
        load(b"model.ini is not a zip"),
        Err(Error::Zip(ZipError::NoEndOfCentralDirectory))
    ));
    assert!(matches!(load(b""), Err(Error::Zip(_))));
}

#[test]
fn driverless_pipeline_is_refused_with_the_reason() {
    let bytes = zip(&[
        ("mojo/pipeline.pb", b"\x08\x01".to_vec()),
        ("mojo/license.sig", vec![]),
    ]);
    let e = load(&bytes).err().unwrap();
    assert_eq!(e, Error::Model(ModelError::DriverlessPipeline));
    assert!(e.to_string().contains("Driverless AI"), "{e}");
}

#[test]
fn missing_model_ini() {
    let e = entries(&demo())
        .into_iter()
        .filter(|(n, _)| n != "model.ini")
        .collect::<Vec<_>>();
    assert_eq!(model_error(&zip(&e)), ModelError::MissingFile("model.ini"));
}

#[test]
fn algorithms_versions_and_encodings() {
    let word2vec = with_ini(|s| {
        s.replace(
            "algorithm = Gradient Boosting Machine",
            "algorithm = Word2Vec",
        )
    });
    assert_eq!(
        model_error(&word2vec),
        ModelError::UnsupportedAlgorithm(Algorithm::Word2Vec)
    );
    let unknown = with_ini(|s| {
        s.replace(
            "algorithm = Gradient Boosting Machine",
            "algorithm = Naive Bayes",
        )
    });
    assert_eq!(model_error(&unknown), ModelError::UnknownAlgorithm);
    let newer = with_ini(|s| s.replace("mojo_version = 1.40", "mojo_version = 1.50"));
    assert_eq!(model_error(&newer), ModelError::UnsupportedVersion(150));
    // genmodel walks 1.00 and 1.10 trees its own ways, and any other version before 1.20
    // as 1.20: no writer made one.
    let between = with_ini(|s| s.replace("mojo_version = 1.40", "mojo_version = 1.15"));
    assert!(matches!(model_error(&between), ModelError::Unsupported(_)));
    let older = load(&with_ini(|s| {
        s.replace("mojo_version = 1.40", "mojo_version = 1.00")
    }));
    assert!(
        matches!(
            older.unwrap().leaf_paths_support(),
            Err(ModelError::Unsupported(_))
        ),
        "genmodel has none before 1.20"
    );
    let no_algo = with_ini(|s| s.replace("algorithm = Gradient Boosting Machine\n", ""));
    assert_eq!(model_error(&no_algo), ModelError::MissingKey("algorithm"));
    let bad_dist = with_ini(|s| s.replace("distribution = bernoulli", "distribution = banana"));
    assert_eq!(model_error(&bad_dist), ModelError::BadValue("distribution"));
}

#[test]
fn inconsistent_model_ini() {
    let fewer_columns = with_ini(|s| s.replace("n_columns = 8", "n_columns = 9"));
    assert!(matches!(
        model_error(&fewer_columns),
        ModelError::Corrupt(_)
    ));
    let features = with_ini(|s| s.replace("n_features = 7", "n_features = 70"));
    assert_eq!(model_error(&features), ModelError::BadValue("n_features"));
    let levels = with_ini(|s| s.replace("1: 3 d000.txt", "1: 4 d000.txt"));
    assert!(matches!(model_error(&levels), ModelError::Corrupt(_)));
    let classes = with_ini(|s| s.replace("n_classes = 2", "n_classes = 3"));
    assert!(matches!(
        model_error(&classes),
        ModelError::Corrupt(_) | ModelError::BadValue(_)
    ));
}

#[test]
fn corrupt_trees() {
    for cut in [0usize, 1, 3, 5, 9] {
        let mut e = entries(&demo());
        for (name, data) in &mut e {
            if name == "trees/t00_005.bin" {
                data.truncate(cut.min(data.len()));
            }
        }
        assert!(
            matches!(model_error(&zip(&e)), ModelError::Corrupt(_)),
            "tree cut at {cut}"
        );
    }
    let mut e = entries(&demo());
    for (name, data) in &mut e {
        if name == "trees/t00_000.bin" {
            data[1] = 200; // a column that is not a feature
        }
    }
    assert!(matches!(model_error(&zip(&e)), ModelError::Corrupt(_)));
}

#[test]
fn absurd_declared_sizes_are_refused_before_any_allocation() {
    let mut bytes = zip(&[("model.ini", b"[info]\n".to_vec())]);
    // Central directory: uncompressed size at offset 24 of the central header, which
    // starts after the one local entry (30 + 9 name + 7 data bytes).
    let central = 30 + 9 + 7;
    bytes[central + 24..central + 28].copy_from_slice(&0xF000_0000u32.to_le_bytes());
    assert!(matches!(Mojo::new(&bytes), Err(Error::Zip(_))));
}

#[test]
fn algorithms_not_scored_yet_are_refused_by_name() {
    let cases = [
        ("te_highcard", Algorithm::TargetEncoder, "targetencoder"),
        ("word2vec_words", Algorithm::Word2Vec, "word2vec"),
    ];
    for (name, algorithm, says) in cases {
        let path = format!(
            "{}/../testdata/models/{name}.zip",
            env!("CARGO_MANIFEST_DIR")
        );
        let e = load(&std::fs::read(path).unwrap()).err().unwrap();
        assert_eq!(
            e,
            Error::Model(ModelError::UnsupportedAlgorithm(algorithm)),
            "{name}"
        );
        let text = e.to_string();
        assert!(
            text.contains(says) && text.contains("not supported"),
            "{name}: {text}"
        );
    }
}

/// The testdata model `models/<name>.zip`, with `edit` applied to its entries.
fn model_with(name: &str, edit: impl Fn(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    let path = format!(
        "{}/../testdata/models/{name}.zip",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut e = entries(&std::fs::read(path).unwrap());
    edit(&mut e);
    zip(&e)
}

/// The testdata GBM trained with one_hot_explicit, with `edit` applied to its entries.
fn onehot_with(edit: impl Fn(&mut Vec<(String, Vec<u8>)>)) -> Vec<u8> {
    model_with("gbm_onehot_explicit_prostate", edit)
}

fn edit_entry(e: &mut [(String, Vec<u8>)], name: &str, f: impl Fn(&str) -> String) {
    let (_, data) = e.iter_mut().find(|(n, _)| n == name).unwrap();
    *data = f(std::str::from_utf8(data).unwrap()).into_bytes();
}

/// genmodel's tree (MOJO 1.40 on) and Deep Learning (1.10 on) readers take
/// `_genmodel_encoding` as a string and fail to load a model without one; H2O 3.46 writes
/// `null` there for a Deep Learning model trained with `enum_limited`.
#[test]
fn a_null_or_missing_genmodel_encoding_is_refused_where_genmodel_reads_it() {
    for name in ["dl_tanh_binomial_prostate", "gbm_bernoulli_prostate"] {
        for edit in [
            |t: &str| t.replace("_genmodel_encoding = AUTO", "_genmodel_encoding = null"),
            |t: &str| t.replace("_genmodel_encoding = AUTO\n", ""),
        ] {
            let bytes = model_with(name, |e| edit_entry(e, "model.ini", edit));
            match model_error(&bytes) {
                ModelError::Unsupported(why) => {
                    assert!(why.contains("_genmodel_encoding"), "{why}")
                }
                other => panic!("{name}: {other:?}"),
            }
        }
        assert!(load(&model_with(name, |_| {})).is_ok(), "{name}");
    }
}

#[test]
fn encoded_models_whose_original_columns_do_not_fit_are_refused() {
    let model = load(&onehot_with(|_| {})).unwrap();
    assert_eq!(
        model.n_inputs(),
        7,
        "AGE, RACE, DPROS, DCAPS, PSA, VOL, GLEASON"
    );
    // Counts that disagree with the files, or levels that push a block past the features.
    let cases: [(&str, &str, &str); 4] = [
        ("model.ini", "_n_orig_names = 8", "_n_orig_names = 9"),
        (
            "model.ini",
            "_n_orig_domain_values = 8",
            "_n_orig_domain_values = 7",
        ),
        (
            "model.ini",
            "_m_orig_domain_values_3 = 2",
            "_m_orig_domain_values_3 = 9",
        ),
        ("_orig_domain_values_1", "2\n", ""),
    ];
    for (entry, from, to) in cases {
        let bytes = onehot_with(|e| edit_entry(e, entry, |t| t.replacen(from, to, 1)));
        assert!(
            matches!(model_error(&bytes), ModelError::Corrupt(_)),
            "{entry}: {from} -> {to}: {:?}",
            model_error(&bytes)
        );
    }
    let missing = onehot_with(|e| e.retain(|(n, _)| n != "_orig_names"));
    assert_eq!(
        model_error(&missing),
        ModelError::MissingFile("_orig_names")
    );
    // H2O's weights, offset and fold columns come after the features and, one-hot or binary
    // encoded, among the original columns, where genmodel misplaces every slot after them.
    let weighted = onehot_with(|e| {
        edit_entry(e, "model.ini", |t| {
            t.replacen("n_columns = 17", "n_columns = 18", 1)
                .replacen(
                    "DCAPS.missing(NA)\nCAPSULE",
                    "DCAPS.missing(NA)\nW\nCAPSULE",
                    1,
                )
                .replacen("16: 2 d000.txt", "17: 2 d000.txt", 1)
                .replacen("_n_orig_names = 8", "_n_orig_names = 9", 1)
                .replacen("_n_orig_domain_values = 8", "_n_orig_domain_values = 9", 1)
                .replacen(
                    "_m_orig_domain_values_7 = 2",
                    "_m_orig_domain_values_7 = 0\n_m_orig_domain_values_8 = 2",
                    1,
                )
        });
        edit_entry(e, "_orig_names", |t| t.replacen("CAPSULE", "W\nCAPSULE", 1));
        for (name, _) in e.iter_mut() {
            if name == "_orig_domain_values_7" {
                *name = "_orig_domain_values_8".into();
            }
        }
    });
    match model_error(&weighted) {
        ModelError::Unsupported(why) => assert!(why.contains("weights, offset or fold"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_one_hot_input_writes_one_hot_slot_per_level_and_na_last() {
    let model = load(&onehot_with(|_| {})).unwrap();
    let rules = scorer::model::InputRules::default();
    for k in 0..model.n_inputs() {
        let input = model.input(k).unwrap();
        let Some(levels) = input.levels else { continue };
        let width = levels.len() + 1;
        let texts: Vec<String> = levels.iter().map(str::to_owned).collect();
        for (j, text) in texts
            .iter()
            .map(|t| Some(t.as_str()))
            .chain([None])
            .enumerate()
        {
            let mut row = vec![f64::NAN; model.n_features()];
            match text {
                Some(t) => model.encode_input_text(k, t.as_bytes(), rules, &mut row),
                None => model.encode_input_number(k, f64::NAN, &mut row),
            }
            .unwrap();
            let block = &row[input.slot..input.slot + width];
            for (s, &v) in block.iter().enumerate() {
                assert_eq!(
                    v,
                    if s == j { 1.0 } else { 0.0 },
                    "{} level {j}",
                    input.name
                );
            }
            // Nothing outside the block is written.
            let outside = row[..input.slot].iter().chain(&row[input.slot + width..]);
            assert!(outside.into_iter().all(|v| v.is_nan()), "{}", input.name);
        }
        // An unseen level is NA's pattern when unknown levels are NA.
        let mut row = vec![f64::NAN; model.n_features()];
        model
            .encode_input_text(k, b"never seen", rules, &mut row)
            .unwrap();
        assert_eq!(row[input.slot + width - 1], 1.0, "{}", input.name);
    }
}

#[test]
fn coxph_models_genmodel_cannot_score_are_refused() {
    let strata = |edit: fn(&str) -> String| {
        model_with("coxph_strata_surv", move |e| {
            edit_entry(e, "model.ini", edit)
        })
    };
    assert!(load(&strata(str::to_owned)).is_ok());
    // Interaction targets without their predictors (`interactions_1`, `interactions_2`).
    let interactions = strata(|t| t.replacen("cats = 1", "cats = 1\ninteraction_targets = [3]", 1));
    assert!(matches!(
        model_error(&interactions),
        ModelError::MissingKey("interactions_1")
    ));
    // Means for fewer strata than the model has, and a short mean matrix.
    let strata_rows =
        strata(|t| t.replacen("strata_count = 2", "strata_count = 3\nstrata_2 = [2.0]", 1));
    assert!(matches!(model_error(&strata_rows), ModelError::Corrupt(_)));
    let short = model_with("coxph_strata_surv", |e| {
        e.iter_mut()
            .find(|(n, _)| n == "x_mean_num")
            .unwrap()
            .1
            .truncate(24)
    });
    assert!(matches!(model_error(&short), ModelError::Corrupt(_)));
    // Offsets past the coefficients.
    let offsets = strata(|t| t.replacen("cat_offsets = [0, 2]", "cat_offsets = [0, 9]", 1));
    assert!(matches!(model_error(&offsets), ModelError::Corrupt(_)));
}

#[test]
fn a_coxph_row_in_an_unseen_stratum_is_rejected() {
    let model = load(&model_with("coxph_strata_surv", |_| {})).unwrap();
    let mut preds = vec![0.0; model.preds_len()];
    let mut row = vec![0.0; model.n_features()];
    model.score(&row, 0.0, &mut preds).unwrap();
    assert!(preds[0].is_finite());
    row[0] = 5.0; // `site` has two strata, 0 and 1
    assert!(matches!(
        model.score(&row, 0.0, &mut preds),
        Err(scorer::ScoreError::Rejected { .. })
    ));
    // A NaN stratum is Java's `(int) NaN`, stratum 0; a fractional level is refused.
    row[0] = f64::NAN;
    model.score(&row, 0.0, &mut preds).unwrap();
    row[0] = 0.0;
    row[1] = 1.5;
    assert!(model.score(&row, 0.0, &mut preds).is_err());
}

#[test]
fn rulefit_models_whose_names_do_not_resolve_are_refused() {
    let edited = |from: &'static str, to: &'static str| {
        model_with("rulefit_binomial_prostate", move |e| {
            edit_entry(e, "model.ini", |t| t.replacen(from, to, 1))
        })
    };
    assert!(load(&edited("", "")).is_ok());
    for (from, to) in [
        (
            "var_name_rule_id_0_0_0 = M0T0N4",
            "var_name_rule_id_0_0_0 = X",
        ),
        ("linear_names_0 = M0T0", "linear_names_0 = nothing"),
        ("num_rules_M0T0 = 2", "num_rules_M0T0 = 3"),
        ("linear_model = GLM", "linear_model = XGB"),
    ] {
        assert!(load(&edited(from, to)).is_err(), "{from} -> {to}");
    }
    // A rule name that is not a level of its column gives NA (genmodel's -1), not an error.
    let unknown_level = edited(
        "var_name_rule_id_0_0_0 = M0T0N4",
        "var_name_rule_id_0_0_0 = M0T0N99",
    );
    assert!(load(&unknown_level).is_ok());
}

#[test]
fn multinomial_rulefit_models_genmodel_cannot_score_are_refused() {
    let edited = |edits: &'static [(&'static str, &'static str)]| {
        model_with("rulefit_multinomial_iris", move |e| {
            edit_entry(e, "model.ini", |t| {
                edits
                    .iter()
                    .fold(t.to_owned(), |t, (from, to)| t.replacen(from, to, 1))
            })
        })
    };
    assert!(load(&edited(&[])).is_ok());
    // Tree M0T0's two setosa rules renamed: genmodel's list of setosa rules is null.
    let no_setosa = edited(&[
        ("_0_0_2 = M0T0N2_setosa", "_0_0_2 = M0T0N2_color"),
        ("_0_0_3 = M0T0N1_setosa", "_0_0_3 = M0T0N1_color"),
    ]);
    assert!(matches!(
        model_error(&no_setosa),
        ModelError::Unsupported(_)
    ));
    // A rule whose text before `N` plus `C<k>` names no column of the GLM.
    let no_column = edited(&[("_0_0_2 = M0T0N2_setosa", "_0_0_2 = M9T0N2_setosa")]);
    assert!(load(&no_column).is_err());
}

#[test]
fn gam_models_genmodel_cannot_score_are_refused() {
    let edited = |model: &'static str, from: &'static str, to: &'static str| {
        model_with(model, move |e| {
            edit_entry(e, "model.ini", |t| t.replacen(from, to, 1))
        })
    };
    assert!(load(&edited("gam_binomial_prostate", "", "")).is_ok());
    // A real model genmodel fails on every row of: its M-spline is centred with the first
    // (5-knot cubic) column's 4 x 5 matrix, and it needs 5 x 6.
    let failing = model_with("gam_mixed_failing_diabetes", |_| {});
    assert!(
        matches!(model_error(&failing), ModelError::Unsupported(why) if why.contains("M-spline")),
        "{:?}",
        model_error(&failing)
    );
    // genmodel reads the standardizing vectors of thin plate columns with length zero.
    let standardized = edited(
        "gam_thinplate_diabetes",
        "standardize = false",
        "standardize = true",
    );
    assert!(matches!(
        model_error(&standardized),
        ModelError::Unsupported(_)
    ));
    for (model, from, to) in [
        ("gam_binomial_prostate", "num_TP_col = 0", "num_TP_col = 1"),
        ("gam_binomial_prostate", "num_IS_col = 0", "num_IS_col = 1"),
        (
            "gam_binomial_prostate",
            "bs_sorted = [0, 0]",
            "bs_sorted = [0, 2]",
        ),
        (
            "gam_binomial_prostate",
            "family = bernoulli",
            "family = multinomial",
        ),
        (
            "gam_binomial_prostate",
            "num_expanded_gam_columns_center = 8",
            "num_expanded_gam_columns_center = 9",
        ),
        (
            "gam_binomial_prostate",
            "numsCenter = 10",
            "numsCenter = 20",
        ),
        (
            "gam_binomial_prostate",
            "cat_offsets = [0, 4, 7, 9]",
            "cat_offsets = [0, 4, 7, 90]",
        ),
        (
            "gam_thinplate_diabetes",
            "num_knots_TP = [6, 12]",
            "num_knots_TP = [6, 11]",
        ),
        ("gam_thinplate_diabetes", "_M = [2, 3]", "_M = [2, 12]"),
        (
            "gam_ispline_diabetes",
            "spline_orders_sorted = [3, 2]",
            "spline_orders_sorted = [3, 99]",
        ),
        (
            "gam_multinomial_multi",
            "beta center length per class = 21",
            "beta center length per class = 22",
        ),
    ] {
        assert!(
            load(&edited(model, from, to)).is_err(),
            "{model}: {from} -> {to}"
        );
    }
    let short = model_with("gam_binomial_prostate", |e| {
        e.iter_mut()
            .find(|(n, _)| n == "zTranspose")
            .unwrap()
            .1
            .truncate(100)
    });
    assert!(matches!(model_error(&short), ModelError::Corrupt(_)));
    let missing = model_with("gam_binomial_prostate", |e| {
        e.retain(|(n, _)| n != "gam_columns_sorted")
    });
    assert_eq!(
        model_error(&missing),
        ModelError::MissingFile("gam_columns_sorted")
    );
}

#[test]
fn a_gam_spline_source_must_be_a_number_even_when_invalid_numbers_are_na() {
    let model = load(&model_with("gam_binomial_prostate", |_| {})).unwrap();
    let names: Vec<&str> = (0..model.n_inputs())
        .map(|k| model.input(k).unwrap().name)
        .collect();
    assert_eq!(
        names,
        ["DPROS", "RACE", "DCAPS", "AGE", "GLEASON", "PSA", "VOL"]
    );
    let psa = 5;
    assert!(model.input(psa).unwrap().expands);
    let rules = scorer::model::InputRules {
        invalid_number_as_na: true,
        ..Default::default()
    };
    let mut row = vec![f64::NAN; model.n_features()];
    model
        .encode_input_text(psa, b"7.5", rules, &mut row)
        .unwrap();
    // PSA's value is staged in the first slot of its block (5..9); scoring computes it.
    assert_eq!(row[5], 7.5);
    assert!(row.iter().enumerate().all(|(i, v)| i == 5 || v.is_nan()));
    assert!(model
        .encode_input_text(psa, b"abc", rules, &mut row)
        .is_err());
    // AGE is an ordinary numeric input.
    assert!(!model.input(3).unwrap().expands);
    model.encode_input_text(3, b"abc", rules, &mut row).unwrap();
    assert!(row[3].is_nan());
}

#[test]
fn a_gam_source_of_two_spline_columns_is_staged_in_both() {
    // bmi feeds a cubic spline and, with bp, a thin plate column: one input, two slots.
    let model = load(&model_with("gam_thinplate_diabetes", |e| {
        edit_entry(e, "gam_columns_sorted", |_| "bmi\nbmi\nbp\n".to_owned())
    }))
    .unwrap();
    let bmi = (0..model.n_inputs())
        .find(|&k| model.input(k).unwrap().name == "bmi")
        .unwrap();
    let mut row = vec![f64::NAN; model.n_features()];
    model
        .encode_input_text(bmi, b"31", Default::default(), &mut row)
        .unwrap();
    let staged: Vec<usize> = (0..row.len()).filter(|&i| row[i] == 31.0).collect();
    // The blocks start 5 apart (6 knots), after the 7 features.
    assert_eq!(staged, [7, 12]);
}

#[test]
fn glrm_models_genmodel_cannot_score_are_refused() {
    let with = |file: &'static str, edit: fn(&str) -> String| {
        model_with("glrm_prostate", move |e| edit_entry(e, file, edit))
    };
    assert!(load(&with("losses", str::to_owned)).is_ok());
    // H2O writes the Periodic loss with its period, which genmodel's reader cannot parse.
    let periodic = with("losses", |t| t.replacen("Quadratic", "Periodic(7)", 1));
    assert!(matches!(model_error(&periodic), ModelError::Unsupported(_)));
    // Categoricals only: H2O writes `norm_sub = []`, which genmodel's reader cannot cast.
    let no_numerics = with("model.ini", |t| {
        let line = |l: &str| {
            if l.starts_with("norm_sub") {
                "norm_sub = []".to_owned()
            } else {
                l.to_owned()
            }
        };
        t.lines().map(line).collect::<Vec<_>>().join("\n")
    });
    assert!(matches!(
        model_error(&no_numerics),
        ModelError::Unsupported(m) if m.contains("without numeric columns")
    ));
    // A one-value loss on a categorical, a level loss on a numeric, a loss short.
    let on_categorical = with("losses", |t| t.replacen("Categorical", "Huber", 1));
    assert!(matches!(
        model_error(&on_categorical),
        ModelError::Corrupt(_)
    ));
    let on_numeric = with("losses", |t| t.replacen("Quadratic", "Ordinal", 1));
    assert!(matches!(model_error(&on_numeric), ModelError::Corrupt(_)));
    let short = with("losses", |t| {
        t.trim_end().rsplit_once('\n').unwrap().0.to_owned()
    });
    assert!(matches!(model_error(&short), ModelError::Corrupt(_)));
    // Version 1.00 has no seed (genmodel starts from the clock); levels wider than `Y`.
    let old = with("model.ini", |t| {
        t.replacen("mojo_version = 1.10", "mojo_version = 1.00", 1)
    });
    assert!(matches!(model_error(&old), ModelError::Unsupported(_)));
    let wide = with("model.ini", |t| {
        t.replacen(
            "num_levels_per_category = [4,",
            "num_levels_per_category = [40,",
            1,
        )
        .replacen(
            "catOffsets = [0, 4, 7, 9]",
            "catOffsets = [0, 40, 43, 45]",
            1,
        )
    });
    assert!(matches!(model_error(&wide), ModelError::Corrupt(_)));
    let offsets = with("model.ini", |t| {
        t.replacen("catOffsets = [0, 4,", "catOffsets = [0, 3,", 1)
    });
    assert!(matches!(model_error(&offsets), ModelError::BadValue(_)));
    // Without either key genmodel's reader seeds every row from the clock.
    let clock = with("model.ini", |t| t.replacen("transposed = true", "", 1));
    assert!(matches!(model_error(&clock), ModelError::Unsupported(_)));
    let permutation = with("model.ini", |t| {
        t.replacen("cols_permutation = [2,", "cols_permutation = [9,", 1)
    });
    assert!(matches!(model_error(&permutation), ModelError::BadValue(_)));
    let short_y = model_with("glrm_prostate", |e| {
        e.iter_mut()
            .find(|(n, _)| n == "archetypes")
            .unwrap()
            .1
            .truncate(100)
    });
    assert!(matches!(model_error(&short_y), ModelError::Corrupt(_)));
}

#[test]
fn a_glrm_counts_its_rows_as_genmodel_does() {
    let model = load(&model_with("glrm_prostate", |_| {})).unwrap();
    assert!(model.counts_rows());
    let row = [65.0, 1.0, 2.0, 1.0, 1.4, 0.0, 6.0];
    let mut first = vec![0.0; model.preds_len()];
    let mut second = first.clone();
    model.score(&row, 0.0, &mut first).unwrap();
    // A copy has scored as many rows: its next row is number 1, like the original's.
    let copy = model.clone();
    model.score(&row, 0.0, &mut second).unwrap();
    assert_ne!(first, second, "row 1 starts from another random point");
    let mut numbered = vec![0.0; model.preds_len()];
    for (n, want) in [(0, &first), (1, &second)] {
        model.score_numbered(&row, 0.0, n, &mut numbered).unwrap();
        assert_eq!(&numbered, want, "row {n}");
    }
    copy.score(&row, 0.0, &mut numbered).unwrap();
    assert_eq!(numbered, second);
    // A row refused for the caller's scratch takes no number; one genmodel fails on does.
    let before = model.rows_scored();
    assert!(model.score_with(&row, 0.0, &mut numbered, &mut []).is_err());
    assert_eq!(model.rows_scored(), before);
    let bad_level = [65.0, -1.0, 2.0, 1.0, 1.4, 0.0, 6.0];
    assert!(model.score(&bad_level, 0.0, &mut numbered).is_err());
    assert_eq!(model.rows_scored(), before + 1);
    // A model that does not count rows gives the same answer every time, numbered or not.
    let gbm = load(&model_with("gbm_bernoulli_prostate", |_| {})).unwrap();
    assert!(!gbm.counts_rows());
    let (mut a, mut b) = (vec![0.0; gbm.preds_len()], vec![0.0; gbm.preds_len()]);
    gbm.score(&row, 0.0, &mut a).unwrap();
    gbm.score_numbered(&row, 0.0, 41, &mut b).unwrap();
    assert_eq!(a, b);
}

#[test]
fn scratch_beyond_the_stack_needs_a_caller_buffer() {
    // A GLRM of rank 700 needs 7 + 6 x 700 + 2 x 4 scratch doubles, more than `score`
    // keeps on the stack; `score_with` and `score_rows_with` take the caller's.
    let rank = 700;
    let bytes = model_with("glrm_prostate", |e| {
        edit_entry(e, "model.ini", |t| {
            t.replacen("ncolX = 3", "ncolX = 700", 1)
                .replacen("nrowY = 3", "nrowY = 700", 1)
        });
        let y = e.iter_mut().find(|(n, _)| n == "archetypes").unwrap();
        y.1 = (0..rank * 13)
            .flat_map(|i| (f64::from(i % 7) / 7.0).to_be_bytes())
            .collect();
    });
    let model = load(&bytes).unwrap();
    assert!(model.work_len() > scorer::limits::MAX_STACK_WORK);
    let row = [65.0, 1.0, 2.0, 1.0, 1.4, 0.0, 6.0];
    let mut preds = vec![0.0; model.preds_len()];
    assert!(matches!(
        model.score(&row, 0.0, &mut preds),
        Err(scorer::ScoreError::WorkLength { .. })
    ));
    let mut work = vec![0.0; model.work_len()];
    model.score_with(&row, 0.0, &mut preds, &mut work).unwrap();
    assert!(preds.iter().all(|p| p.is_finite()));
    // Rows 1 and 2 in one call equal rows 1 and 2 one at a time (on a copy at row 1).
    let copy = model.clone();
    let mut two = vec![0.0; 2 * model.preds_len()];
    let rows: Vec<f64> = row.iter().chain(&row).copied().collect();
    model
        .score_rows_with(&rows, &[], &mut two, &mut work)
        .unwrap();
    let mut one_by_one = vec![0.0; 2 * model.preds_len()];
    for p in one_by_one.chunks_mut(model.preds_len()) {
        copy.score_with(&row, 0.0, p, &mut work).unwrap();
    }
    assert_eq!(two, one_by_one);
    assert_ne!(two[..rank as usize], two[rank as usize..]);
}

#[test]
fn a_glrm_row_with_a_negative_level_is_rejected_naming_its_column() {
    // The encoders never give one; a raw row can, and genmodel throws on it.
    let model = load(&model_with("glrm_prostate", |_| {})).unwrap();
    let mut preds = vec![0.0; model.preds_len()];
    let row = [65.0, -1.0, 2.0, 1.0, 1.4, 0.0, 6.0];
    assert_eq!(
        model.score(&row, 0.0, &mut preds),
        Err(scorer::ScoreError::Rejected {
            column: 1,
            reason: "a categorical level outside the GLRM's levels"
        })
    );
}

/// Sub-model headers in a `Vec`, as a caller with an allocator keeps them.
#[derive(Clone, Debug, Default)]
struct VecSubModels(Vec<scorer::model::Header>);

impl AsRef<[scorer::model::Header]> for VecSubModels {
    fn as_ref(&self) -> &[scorer::model::Header] {
        &self.0
    }
}

impl AsMut<[scorer::model::Header]> for VecSubModels {
    fn as_mut(&mut self) -> &mut [scorer::model::Header] {
        &mut self.0
    }
}

impl scorer::model::SubModels for VecSubModels {
    fn push(&mut self, header: scorer::model::Header) -> Result<(), ModelError> {
        self.0.push(header);
        Ok(())
    }
}

#[test]
fn an_ensemble_wider_than_the_inline_store_loads_with_a_growable_one() {
    let bytes = model_with("se_150_bases_prostate", |_| {});
    // 150 base models, 130 of them used by the metalearner (genmodel reads only those) and
    // the metalearner: past the 128 headers kept inline.
    assert!(matches!(model_error(&bytes), ModelError::TooLarge(_)));
    let mojo = Mojo::new(&bytes).unwrap();
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan_with::<VecSubModels>(&mut scratch).unwrap();
    assert_eq!(plan.sub_models(), 131);
    let model = mojo
        .load_with::<_, VecSubModels>(&plan, &mut scratch, vec![0u64; plan.words()])
        .unwrap();
    assert_eq!(model.n_sub_models(), 131);
    let mut row = vec![f64::NAN; model.n_features()];
    for (k, v) in [(0, b"65" as &[u8]), (4, b"1.4"), (5, b"0")] {
        model
            .encode_input_text(k, v, Default::default(), &mut row)
            .unwrap();
    }
    let mut preds = vec![0.0; model.preds_len()];
    let mut work = vec![0.0; model.work_len()];
    model.score_with(&row, 0.0, &mut preds, &mut work).unwrap();
    assert!(
        (0.0..=1.0).contains(&preds[2]) && preds[1] + preds[2] == 1.0,
        "{preds:?}"
    );
}

#[test]
fn coxph_interactions_genmodel_cannot_compute_are_refused() {
    let edited = |model: &'static str, from: &'static str, to: &'static str| {
        model_with(model, move |e| {
            edit_entry(e, "model.ini", |t| t.replacen(from, to, 1))
        })
    };
    assert!(load(&edited("coxph_category_pair_surv", "", "")).is_ok());
    assert!(load(&edited("coxph_interactions_surv", "", "")).is_ok());
    // Two categoricals whose target (here x1) has no levels to look `<l1>_<l2>` up in.
    let no_levels = edited(
        "coxph_category_pair_surv",
        "interaction_targets = [1]",
        "interaction_targets = [3]",
    );
    assert!(matches!(
        model_error(&no_levels),
        ModelError::Unsupported(_)
    ));
    // A categorical-by-numeric target before the numerics (genmodel indexes `target - cats`).
    let before = edited(
        "coxph_interactions_surv",
        "interaction_targets = [2, 3, 4]",
        "interaction_targets = [2, 0, 4]",
    );
    assert!(matches!(model_error(&before), ModelError::Unsupported(_)));
    let past = edited(
        "coxph_interactions_surv",
        "interaction_targets = [2, 3, 4]",
        "interaction_targets = [2, 3, 40]",
    );
    assert!(matches!(model_error(&past), ModelError::Corrupt(_)));
    let short = edited(
        "coxph_interactions_surv",
        "interactions_2 = [6, 0, 0]",
        "interactions_2 = [6, 0]",
    );
    assert!(load(&short).is_err());
}

/// A tree file the MOJO leaves out scores as no tree (genmodel's null tree): as a root leaf
/// of 0 would. H2O leaves out a class's trees where no training row has the class
/// (decision 74); here a whole class, a run of groups with a tree after it, and the first
/// and last groups of another class, so a loader that skips lookups past an absent tree
/// must still find the trees after the run.
#[test]
fn absent_tree_files_score_as_no_tree() {
    let absent = |name: &str| {
        let Some(stem) = name
            .strip_prefix("trees/t")
            .and_then(|n| n.strip_suffix(".bin"))
        else {
            return false;
        };
        let (class, group) = stem.split_once('_').unwrap();
        let group: usize = group.trim_end_matches("_aux").parse().unwrap();
        match class {
            "04" => true,
            "01" => (3..=4).contains(&group) || group == 10,
            "02" => group == 0 || group == 24,
            _ => false,
        }
    };
    let without = model_with("gbm_multinomial_6class_na", |e| {
        e.retain(|(n, _)| !absent(n))
    });
    // A root leaf: node type 0, column 0xFFFF, the value as an f32.
    let zero_leaf = [0u8, 0xFF, 0xFF, 0, 0, 0, 0];
    let leaves = model_with("gbm_multinomial_6class_na", |e| {
        for (name, data) in e.iter_mut() {
            if absent(name) && !name.ends_with("_aux.bin") {
                *data = zero_leaf.to_vec();
            }
        }
    });
    assert!(entries(&without).len() < entries(&leaves).len());
    let (without, leaves) = (load(&without).unwrap(), load(&leaves).unwrap());
    let mut seed = 7u64;
    let mut next = || {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        seed >> 33
    };
    let n = without.n_features();
    let (mut a, mut b) = (
        vec![0.0; without.preds_len()],
        vec![0.0; leaves.preds_len()],
    );
    for _ in 0..2000 {
        // A tenth NA, then level indices 0..3 (which fit every categorical here) and
        // numbers in -3..3 alike.
        let row: Vec<f64> = (0..n)
            .map(|_| match next() % 10 {
                0 => f64::NAN,
                1..=5 => (next() % 3) as f64,
                _ => (next() % 600) as f64 / 100.0 - 3.0,
            })
            .collect();
        let scored = without.score(&row, 0.0, &mut a);
        assert_eq!(scored, leaves.score(&row, 0.0, &mut b), "{row:?}");
        let bits = |p: &[f64]| p.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&a), bits(&b), "{row:?}");
    }
}
