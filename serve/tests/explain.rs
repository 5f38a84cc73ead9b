//! Explanations over real TCP: `requestShapleyValueType` in a ScoreRequest and
//! `POST /model/contribution`, against genmodel's `PredictCsv --predictContributions`
//! goldens (bit for bit: f64 bits of the widened f32; DRF's from PredictCsv on the MOJO loaded
//! with metadata), the refusals (multinomial, DRF without variable importances or with
//! binomial_double_trees, GLM, gblinear) and `/model/capabilities`.

mod common;

use std::path::Path;

use common::{java_hex, testdata, Resp};
use serde_json::{json, Value};
use serve::csv::Records;
use serve::server::{Config, State};

/// A single-model server for `model` (a path under testdata) taking JSON bodies; stopped
/// on drop.
struct Server(common::Server);

impl Server {
    fn start(model: &str) -> Server {
        let state = State::new(Config::default());
        state.set_model(common::loaded(&testdata().join(model)));
        Server(common::Server::serve(state))
    }

    fn post(&self, path: &str, headers: &[(&str, &str)], body: &Value) -> Resp {
        let mut h = vec![("Content-Type", "application/json")];
        h.extend_from_slice(headers);
        self.0
            .req("POST", path, &h, &serde_json::to_vec(body).unwrap())
    }

    fn get(&self, path: &str) -> Resp {
        self.0.req("GET", path, &[], b"")
    }
}

/// A CSV file (header first) as `(header, rows)` of strings.
fn read_csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = std::fs::read(path).unwrap();
    let mut r = Records::new(&bytes);
    let mut out = Vec::new();
    while r.next_record().unwrap() {
        out.push(
            (0..r.len())
                .map(|i| String::from_utf8_lossy(r.field(i).unwrap()).into_owned())
                .collect::<Vec<_>>(),
        );
    }
    let header = out.remove(0);
    (header, out)
}

/// Rows checked per golden (TreeSHAP in a debug build is slow; tests/golden.rs checks all).
const ROWS_PER_CASE: usize = 60;

struct Case {
    name: String,
    model: String,
    input: String,
    expected: String,
}

fn contribution_cases() -> Vec<Case> {
    let manifest = std::fs::read_to_string(testdata().join("manifest.tsv")).unwrap();
    manifest
        .lines()
        .skip(1)
        .filter_map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            (c.get(5) == Some(&"contributions")).then(|| Case {
                name: c[0].to_owned(),
                model: c[3].to_owned(),
                input: c[4].to_owned(),
                expected: c[6].to_owned(),
            })
        })
        .collect()
}

/// The strings of a JSON array.
fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .unwrap_or_else(|| panic!("not an array: {v}"))
        .iter()
        .map(|s| s.as_str().unwrap().to_owned())
        .collect()
}

/// `features` and the rows of the one contribution group, as f64.
fn contributions(v: &Value) -> (Vec<String>, Vec<Vec<f64>>) {
    let groups = v["contributionGroups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{v}");
    assert!(groups[0].get("outputGroup").is_none());
    let rows = groups[0]["contributions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| strs(r).iter().map(|s| s.parse::<f64>().unwrap()).collect())
        .collect();
    (strs(&v["features"]), rows)
}

/// Asserts `got` equals `want` bit for bit.
fn same_bits(label: &str, got: &[Vec<f64>], want: &[Vec<f64>]) {
    assert_eq!(got.len(), want.len(), "{label}: rows");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert_eq!(g.len(), w.len(), "{label} row {}: values", i + 1);
        for (j, (a, b)) in g.iter().zip(w).enumerate() {
            assert_eq!(
                a.to_bits(),
                b.to_bits(),
                "{label} row {} value {}: {a} vs genmodel's {b}",
                i + 1,
                j + 1
            );
        }
    }
}

/// ORIGINAL from genmodel's one-hot contributions: each one-hot column (`<col>.<level>`,
/// `<col>.missing(NA)`) goes to the input column whose name is its longest prefix; values
/// summed in f32 in order, from the first.
fn fold_original(names: &[String], onehot: &[String], rows: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let target: Vec<usize> = onehot
        .iter()
        .map(|e| {
            names
                .iter()
                .enumerate()
                .filter(|(_, o)| e == *o || e.starts_with(&format!("{o}.")))
                .max_by_key(|(_, o)| o.len())
                .unwrap_or_else(|| panic!("{e} belongs to no column of {names:?}"))
                .0
        })
        .collect();
    rows.iter()
        .map(|r| {
            let mut sums: Vec<Option<f32>> = vec![None; names.len()];
            for (&v, &k) in r.iter().zip(&target) {
                let v = v as f32;
                sums[k] = Some(sums[k].map_or(v, |s| s + v));
            }
            sums.into_iter().map(|s| f64::from(s.unwrap())).collect()
        })
        .collect()
}

#[test]
fn contributions_equal_genmodel_through_both_request_forms() {
    let cases = contribution_cases();
    assert!(cases.len() >= 25, "{} contribution goldens", cases.len());
    let mut onehot_cases = 0;
    let mut encoded_cases = 0;
    let mut drf_cases = 0;
    let mut tested = 0;
    for case in &cases {
        // Models the core refuses to load (tests/golden.rs checks those refusals).
        let Ok(model) = serve::load::from_path(&testdata().join(&case.model)) else {
            continue;
        };
        let encoded = model.encoding().is_some();
        tested += 1;
        drf_cases += usize::from(case.name.starts_with("drf_") || case.name.contains("_DRF_"));
        let s = Server::start(&case.model);
        let (fields, mut rows) = read_csv(&testdata().join(&case.input));
        rows.truncate(ROWS_PER_CASE);
        // PredictCsv writes names unquoted (`hc.a,b`) and Java hex floats: split the lines.
        let expected = std::fs::read_to_string(testdata().join(&case.expected)).unwrap();
        let mut lines = expected.lines();
        let header = lines.next().unwrap();
        let want: Vec<Vec<f64>> = lines
            .take(rows.len())
            .map(|l| l.split(',').map(java_hex).collect())
            .collect();
        let want_names = |names: &[String]| names.join(",") == header;
        let label = |what: &str| format!("{} {what}", case.name);

        let capabilities = if encoded {
            json!(["SCORE", "CONTRIBUTION_TRANSFORMED"])
        } else {
            json!(["SCORE", "CONTRIBUTION_ORIGINAL", "CONTRIBUTION_TRANSFORMED"])
        };
        assert_eq!(
            s.get("/model/capabilities").json(),
            capabilities,
            "{}",
            case.name
        );
        if encoded {
            // The inputs are the original columns, and the sample request scores.
            let schema = s.get("/model/schema").json();
            let inputs: Vec<&str> = schema["schema"]["inputFields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["name"].as_str().unwrap())
                .collect();
            assert_eq!(inputs.len(), model.n_inputs(), "{}", case.name);
            assert!(
                inputs
                    .iter()
                    .all(|n| fields.iter().any(|f| f.as_str() == *n)),
                "{}: {inputs:?} are not all input columns {fields:?}",
                case.name
            );
            let sample = s.get("/model/sample_request").json();
            let r = s.post("/invocations", &[], &sample);
            assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        }

        // ScoreRequest, TRANSFORMED: genmodel's space.
        let request = json!({
            "fields": fields,
            "rows": rows,
            "requestShapleyValueType": "TRANSFORMED",
        });
        let r = s.post("/invocations", &[], &request);
        assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        let v = r.json();
        assert_eq!(v["score"].as_array().unwrap().len(), rows.len());
        let (names, got) = contributions(&v["featureShapleyContributions"]);
        assert!(
            want_names(&names),
            "{}: {names:?}",
            label("TRANSFORMED names")
        );
        same_bits(&label("ScoreRequest TRANSFORMED"), &got, &want);

        // ContributionRequest, TRANSFORMED, on H2O's route.
        let mut request = json!({
            "requestShapleyValueType": "TRANSFORMED",
            "fields": fields,
            "rows": rows,
        });
        let r = s.post("/model/contribution", &[], &request);
        assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        let (onehot, got) = contributions(&r.json());
        assert!(want_names(&onehot), "{}", label("names"));
        same_bits(&label("ContributionRequest TRANSFORMED"), &got, &want);

        // ORIGINAL: one value per input column; the one-hot values folded for XGBoost.
        request["requestShapleyValueType"] = json!("ORIGINAL");
        let r = s.post("/model/contribution", &[], &request);
        if encoded {
            // Trained on an encoded frame: contributions are per encoded column only.
            encoded_cases += 1;
            assert_eq!(r.status, 400, "{}: {}", case.name, r.text());
            assert!(r.error().contains("categorical_encoding"), "{}", r.text());
            continue;
        }
        assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        let (original, got) = contributions(&r.json());
        assert_eq!(original.last().map(String::as_str), Some("BiasTerm"));
        if original == onehot {
            same_bits(&label("ORIGINAL (= TRANSFORMED)"), &got, &want);
        } else {
            onehot_cases += 1;
            assert!(original.len() < onehot.len());
            let folded = fold_original(&original, &onehot, &want);
            same_bits(&label("ORIGINAL (folded one-hot)"), &got, &folded);
        }
        // ... and the same through a ScoreRequest.
        let request = json!({
            "fields": fields,
            "rows": rows,
            "requestShapleyValueType": "ORIGINAL",
        });
        let r = s.post("/model/score", &[], &request);
        assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        let (names, again) = contributions(&r.json()["featureShapleyContributions"]);
        assert_eq!(names, original);
        same_bits(&label("ScoreRequest ORIGINAL"), &again, &got);
    }
    assert!(tested >= 25, "{tested} contribution goldens served");
    assert!(onehot_cases >= 3, "{onehot_cases} XGBoost one-hot cases");
    assert!(
        encoded_cases >= 9,
        "{encoded_cases} models trained on encoded frames"
    );
    assert!(drf_cases >= 9, "{drf_cases} DRF cases");
}

#[test]
fn score_request_options_and_shapes() {
    let s = Server::start("models/xgb_gbtree_bernoulli_prostate.zip");
    let (fields, rows) = read_csv(&testdata().join("inputs/prostate.csv"));
    let rows = &rows[..3];
    let base = json!({
        "fields": fields,
        "rows": rows,
        "includeFieldsInOutput": ["ID"],
        "idField": "ID",
    });

    // NONE, null or absent: no contributions member.
    for shap in [json!("NONE"), json!("none"), Value::Null] {
        let mut req = base.clone();
        req["requestShapleyValueType"] = shap;
        let v = s.post("/invocations", &[], &req).json();
        assert!(v.get("featureShapleyContributions").is_none(), "{v}");
        assert_eq!(v["fields"][0], "ID");
    }

    // The scores do not change; echoed fields stay out of the contributions.
    let plain = s.post("/invocations", &[], &base).json();
    let mut req = base.clone();
    req["requestShapleyValueType"] = json!("original");
    req["noFieldNamesInOutput"] = json!(true);
    let r = s.post("/invocations", &[], &req);
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(v["score"], plain["score"]);
    assert!(v.get("fields").is_none());
    let shap = &v["featureShapleyContributions"];
    assert_eq!(
        strs(&shap["features"]),
        ["DPROS", "RACE", "DCAPS", "AGE", "PSA", "VOL", "GLEASON", "BiasTerm"]
    );
    let (_, values) = contributions(shap);
    assert_eq!(values.len(), 3);
    assert!(values.iter().all(|r| r.len() == 8));

    // Contributions sum to the margin: logit of p(yes), up to f32 rounding.
    for (row, score) in values.iter().zip(v["score"].as_array().unwrap()) {
        let p: f64 = score[2].as_str().unwrap().parse().unwrap();
        let margin = (p / (1.0 - p)).ln();
        let sum: f64 = row.iter().sum();
        assert!((sum - margin).abs() < 1e-4, "{sum} vs {margin}");
    }

    // Not a ShapleyType.
    let mut bad = base.clone();
    bad["requestShapleyValueType"] = json!("SHAP");
    let r = s.post("/invocations", &[], &bad);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("ORIGINAL, TRANSFORMED, NONE"));
    assert_eq!(r.json()["field"], "requestShapleyValueType");

    // Contributions live in the JSON ScoreResponse: a CSV answer is refused.
    let r = s.post("/invocations", &[("Accept", "text/csv")], &req);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("/model/contribution"), "{}", r.text());

    // A bad cell still names its row and field.
    let mut cell = req.clone();
    cell["rows"][1][1] = json!("lots");
    let r = s.post("/invocations", &[], &cell);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["row"], 2);
    assert_eq!(r.json()["field"], "PSA");
}

#[test]
fn contribution_route_validates_its_request() {
    let s = Server::start("models/gbm_bernoulli_prostate.zip");
    let (fields, rows) = read_csv(&testdata().join("inputs/prostate.csv"));
    let ok = json!({"requestShapleyValueType": "ORIGINAL", "fields": fields, "rows": &rows[..2]});
    assert_eq!(s.post("/model/contribution", &[], &ok).status, 200);

    // No rows: the names and no contributions.
    let empty = json!({"requestShapleyValueType": "TRANSFORMED", "fields": [], "rows": []});
    let r = s.post("/model/contribution", &[], &empty);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(
        r.json(),
        json!({
            "features": ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON", "BiasTerm"],
            "contributionGroups": [{"contributions": []}],
        })
    );

    // requestShapleyValueType is required, and NONE asks for nothing.
    for shap in [Value::Null, json!("NONE")] {
        let mut req = ok.clone();
        req["requestShapleyValueType"] = shap;
        let r = s.post("/model/contribution", &[], &req);
        assert_eq!(r.status, 400);
        assert!(r.error().contains("ORIGINAL or TRANSFORMED"));
        assert_eq!(r.json()["field"], "requestShapleyValueType");
    }
    let mut short = ok.clone();
    short["rows"][0] = json!(["1"]);
    let r = s.post("/model/contribution", &[], &short);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["row"], 1);
    let r = s.post("/model/contribution", &[], &json!([1, 2]));
    assert_eq!(r.status, 400);
    assert!(r.error().contains("ContributionRequest"));

    // JSON in, JSON out; POST only.
    let body = serde_json::to_vec(&ok).unwrap();
    let r = s.0.req(
        "POST",
        "/model/contribution",
        &[("Content-Type", "text/csv")],
        &body,
    );
    assert_eq!(r.status, 415);
    let r = s.post("/model/contribution", &[("Accept", "text/csv")], &ok);
    assert_eq!(r.status, 406);
    let r = s.post(
        "/model/contribution",
        &[("Accept", "text/csv;q=0.5, application/json")],
        &ok,
    );
    assert_eq!(r.status, 200);
    let r = s.0.req("POST", "/model/contribution", &[], &body);
    assert_eq!(r.status, 200, "no Content-Type is read as JSON");
    let r = s.get("/model/contribution");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));

    // The OpenAPI document describes the route.
    let api = s.get("/openapi.json").json();
    assert!(api["paths"]["/model/contribution"]["post"].is_object());
    assert!(api["components"]["schemas"]["ContributionResponse"].is_object());
}

#[test]
fn models_without_contributions_are_refused_with_the_reason() {
    let cases: &[(&str, &str)] = &[
        ("models/gbm_multinomial_6class_na.zip", "multinomial"),
        ("models/xgb_dart_multinomial_iris.zip", "multinomial"),
        ("models/drf_multinomial_6class_na.zip", "multinomial"),
        (
            "models/drf_binomial_double_trees_prostate.zip",
            "binomial_double_trees",
        ),
        ("models/glm_binomial_prostate.zip", "GBM, DRF and XGBoost"),
        ("models/xgb_gblinear_bernoulli_prostate.zip", "gblinear"),
    ];
    // A DRF whose MOJO lacks experimental/modelDetails.json (entry renamed in place).
    let bytes = std::fs::read(testdata().join("models/drf_regression_diabetes.zip")).unwrap();
    let from = b"experimental/modelDetails.json";
    let mut renamed = bytes.clone();
    for at in (0..bytes.len().saturating_sub(from.len()))
        .filter(|&i| bytes[i..].starts_with(from))
        .collect::<Vec<_>>()
    {
        renamed[at..at + from.len()].copy_from_slice(b"experimental/modelDetailX.json");
    }
    let dir = std::env::temp_dir().join(format!("explain-drf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let stripped = dir.join("drf_no_details.zip");
    std::fs::write(&stripped, renamed).unwrap();
    let stripped = stripped.to_str().unwrap().to_owned();
    let cases = [
        cases,
        &[(stripped.as_str(), "without experimental/modelDetails.json")],
    ]
    .concat();
    for (model, why) in &cases {
        let s = Server::start(model);
        assert_eq!(
            s.get("/model/capabilities").json(),
            json!(["SCORE"]),
            "{model}"
        );
        let sample = s.get("/model/sample_request").json();
        for shap in ["ORIGINAL", "TRANSFORMED"] {
            let mut req = sample.clone();
            req["requestShapleyValueType"] = json!(shap);
            for path in ["/invocations", "/model/contribution"] {
                let r = s.post(path, &[], &req);
                assert_eq!(r.status, 400, "{model} {path}: {}", r.text());
                let e = r.error();
                assert!(
                    e.contains("no Shapley contributions") && e.contains(why),
                    "{model} {path}: {e}"
                );
                assert_eq!(r.json()["field"], "requestShapleyValueType");
            }
            // Scoring alone still works.
            req["requestShapleyValueType"] = json!("NONE");
            assert_eq!(s.post("/invocations", &[], &req).status, 200, "{model}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
