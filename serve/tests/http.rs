//! The server over real TCP: every route, content type, `Accept`, error status, the seed's
//! curl example, golden numbers through `/invocations`, and graceful shutdown (in process
//! and by SIGTERM to the real binary).
//!
//! The client is raw HTTP/1.1 over `std::net::TcpStream`, so what is tested is exactly what
//! goes over the wire.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread;

use scorer::model::Category;
use serde_json::Value;
use serve::batch::{score_csv, BatchOptions};
use serve::format::NumberFormat;
use serve::server::media::Format;
use serve::server::{self, Config, State};

mod common;
use common::{
    demo, demo_expected, head, in_flight, java_hex, loaded, manifest_dir, manifest_path,
    parse_response, read_response, request, run_to_exit, testdata, wait_until_refused, Binary,
    Resp, Server,
};

/// A server for `model` (or none yet), with the default configuration tweaked by `tweak`.
fn start_with(model: Option<&Path>, tweak: impl FnOnce(&mut State)) -> Server {
    let mut state = State::new(Config::default());
    tweak(&mut state);
    if let Some(path) = model {
        state.set_model(loaded(path));
    }
    Server::serve(state)
}

fn start(model: Option<&Path>) -> Server {
    start_with(model, |_| {})
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(testdata().join(path)).unwrap()
}

fn parse_decimal(s: &str) -> f64 {
    if s == "NA" {
        f64::NAN
    } else {
        s.parse().unwrap_or_else(|_| panic!("not a number: {s}"))
    }
}

fn same(a: f64, b: f64) -> bool {
    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())
}

fn assert_demo_row(cells: &[&str], expected: [f64; 2]) {
    assert_eq!(cells.len(), 2, "{cells:?}");
    for (c, e) in cells.iter().zip(expected) {
        assert!(same(parse_decimal(c), e), "{c} != {e:e}");
    }
}

fn json_rows(v: &Value) -> Vec<Vec<String>> {
    v["score"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|c| c.as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

fn csv_lines(r: &Resp) -> Vec<Vec<String>> {
    r.text()
        .lines()
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

#[test]
fn ping_is_503_until_the_model_is_loaded() {
    let s = start(None);
    let r = s.req("GET", "/ping", &[], b"");
    assert_eq!(r.status, 503);
    assert!(r.error().contains("loading"));
    let r = s.post("application/json", None, &read("demo/test.json"));
    assert_eq!(r.status, 503);
    assert_eq!(s.req("GET", "/model/id", &[], b"").status, 503);
    s.state.set_model(loaded(&demo()));
    let r = s.req("GET", "/ping", &[], b"");
    assert_eq!(r.status, 200);
    assert!(r.body.is_empty());
    assert_eq!(s.req("HEAD", "/ping", &[], b"").status, 200);
}

#[test]
fn the_seed_curl_example() {
    // curl -X POST -H 'Content-Type: application/octet-stream' --data-binary @test.json .../invocations
    let s = start(Some(&demo()));
    let r = s.post(
        "application/octet-stream",
        Some("*/*"),
        &read("demo/test.json"),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/json"));
    let v = r.json();
    let model = serve::load::from_path(&demo()).unwrap();
    assert_eq!(v["id"], model.uuid());
    assert_eq!(
        v["fields"],
        serde_json::json!(["CAPSULE.no", "CAPSULE.yes"])
    );
    let rows = json_rows(&v);
    assert_eq!(rows.len(), 1);
    let cells: Vec<&str> = rows[0].iter().map(String::as_str).collect();
    assert_demo_row(&cells, demo_expected()[0]);
    // The same body as application/json, and with a charset parameter.
    for ct in ["application/json", "application/json; charset=utf-8"] {
        let r2 = s.post(ct, None, &read("demo/test.json"));
        assert_eq!(r2.status, 200);
        assert_eq!(r2.body, r.body);
    }
}

#[test]
fn csv_with_and_without_header() {
    let s = start(Some(&demo()));
    let csv = read("demo/demo.csv");
    let expected = demo_expected();
    let r = s.post("text/csv", None, &csv);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("text/csv"));
    let lines = csv_lines(&r);
    assert_eq!(lines[0], ["CAPSULE.no", "CAPSULE.yes"]);
    assert_eq!(lines.len(), 1 + expected.len());
    for (l, e) in lines[1..].iter().zip(&expected) {
        assert_demo_row(&l.iter().map(String::as_str).collect::<Vec<_>>(), *e);
    }
    // Header-less: the columns are the model's, in order (AGE,RACE,DPROS,DCAPS,PSA,VOL,GLEASON).
    let text = String::from_utf8(csv.clone()).unwrap();
    let body: String = text.lines().skip(1).map(|l| format!("{l}\r\n")).collect();
    let r2 = s.post("text/csv; charset=utf-8", None, body.as_bytes());
    assert_eq!(r2.status, 200, "{}", r2.text());
    // No header in, no header out: one line per input line.
    let without_header: String = r.text().lines().skip(1).map(|l| format!("{l}\n")).collect();
    assert_eq!(r2.text(), without_header);
    let r2 = s.post("text/csv", Some("application/json"), body.as_bytes());
    assert_eq!(r2.json()["fields"][0], "CAPSULE.no");
    // Reordered columns with a header are matched by name.
    let mut reordered = String::from("GLEASON,VOL,PSA,DCAPS,DPROS,RACE,AGE,extra\n");
    for l in text.lines().skip(1) {
        let f: Vec<&str> = l.split(',').collect();
        reordered.push_str(&format!(
            "{},{},{},{},{},{},{},zzz\n",
            f[6], f[5], f[4], f[3], f[2], f[1], f[0]
        ));
    }
    let r3 = s.post("text/csv", None, reordered.as_bytes());
    assert_eq!(r3.text(), r.text());
    // A first record naming the response (and no input) is a header too: PredictCsv reads
    // it as one, and the inputs it lacks are NA, as in an all-empty row.
    let by_response = s.post("text/csv", None, b"CAPSULE,note\nyes,a\n");
    assert_eq!(by_response.status, 200, "{}", by_response.text());
    let all_na = s.post("text/csv", None, b"AGE,RACE\n,\n");
    assert_eq!(all_na.status, 200, "{}", all_na.text());
    assert_eq!(by_response.text(), all_na.text());
    assert_eq!(csv_lines(&by_response).len(), 2);
    // A header-less row with the wrong number of fields names the rule.
    let r4 = s.post("text/csv", None, b"65,1,2\n");
    assert_eq!(r4.status, 400);
    let e = r4.error();
    assert!(e.contains("row 1") && e.contains("AGE,RACE,DPROS"), "{e}");
    // Without Content-Type (or as octet-stream), a body that is not JSON is read as CSV.
    let r5 = s.req("POST", "/invocations", &[], &csv);
    assert_eq!(r5.status, 200);
    assert_eq!(r5.text(), r.text());
}

#[test]
fn original_names_of_encoded_columns_head_a_csv() {
    // An XGBoost MOJO trained on one-hot or binary encoded categoricals names only the
    // encoded columns (`RACE.1`, `RACE:0`, ...). PredictCsv still reads a first record of
    // the original names as a header, finds none of the model's columns and scores every
    // row as all NA (the fixtures' expected outputs): so does /invocations.
    for name in [
        "xgb_onehot_explicit_categoricals_prostate",
        "xgb_binary_categoricals_prostate",
    ] {
        let s = start(Some(&testdata().join(format!("models/{name}.zip"))));
        let r = s.post("text/csv", None, b"RACE,DPROS,DCAPS\n1,3,2\n2,1,1\n");
        assert_eq!(r.status, 200, "{name}: {}", r.text());
        let expected = String::from_utf8(read(&format!("expected/{name}.predict.csv"))).unwrap();
        let all_na: Vec<f64> = expected
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .skip(1)
            .map(java_hex)
            .collect();
        let lines = csv_lines(&r);
        assert_eq!(lines.len(), 3, "{name}: {}", r.text());
        for l in &lines[1..] {
            let got: Vec<f64> = l.iter().map(|c| parse_decimal(c)).collect();
            assert!(
                got.len() == all_na.len() && got.iter().zip(&all_na).all(|(g, e)| same(*g, *e)),
                "{name}: {l:?} against {all_na:?}"
            );
        }
    }
}

#[test]
fn accept_chooses_the_response_format() {
    let s = start(Some(&demo()));
    let csv = read("demo/demo.csv");
    let expected = demo_expected();
    let as_json = s.post("text/csv", Some("application/json"), &csv);
    assert_eq!(as_json.header("content-type"), Some("application/json"));
    let rows = json_rows(&as_json.json());
    assert_eq!(rows.len(), expected.len());
    let as_lines = s.post("text/csv", Some("application/jsonlines"), &csv);
    assert_eq!(
        as_lines.header("content-type"),
        Some("application/jsonlines")
    );
    let lines: Vec<Value> = as_lines
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), expected.len());
    for ((line, row), e) in lines.iter().zip(&rows).zip(&expected) {
        assert_eq!(line["CAPSULE.no"], row[0].as_str());
        assert_eq!(line["CAPSULE.yes"], row[1].as_str());
        assert_demo_row(&[&row[0], &row[1]], *e);
    }
    let json_to_csv = s.post(
        "application/json",
        Some("text/csv"),
        &read("demo/test.json"),
    );
    assert_eq!(json_to_csv.header("content-type"), Some("text/csv"));
    assert_eq!(json_to_csv.text().lines().count(), 2);
    let q = s.post(
        "text/csv",
        Some("text/csv;q=0.2, application/jsonlines;q=0.9"),
        &csv,
    );
    assert_eq!(q.header("content-type"), Some("application/jsonlines"));
    let any = s.post("text/csv", Some("*/*"), &csv);
    assert_eq!(any.header("content-type"), Some("text/csv"));
    let r = s.post("text/csv", Some("text/html"), &csv);
    assert_eq!(r.status, 406);
    assert!(r.error().contains("text/html"));
}

#[test]
fn json_bodies() {
    let s = start(Some(&demo()));
    let expected = demo_expected();
    let text = String::from_utf8(read("demo/demo.csv")).unwrap();
    let mut lines = text.lines();
    let names: Vec<&str> = lines.next().unwrap().split(',').collect();
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    // Typed cells: numbers for numeric columns, numbers and strings for categorical ones.
    let objects: Vec<Value> = rows
        .iter()
        .map(|r| {
            let mut m = serde_json::Map::new();
            for (i, (n, v)) in names.iter().zip(r).enumerate() {
                let num: f64 = v.parse().unwrap();
                let cell = match i % 3 {
                    0 => serde_json::json!(num),
                    1 => serde_json::json!(v),
                    _ => serde_json::json!(num),
                };
                m.insert((*n).to_owned(), cell);
            }
            Value::Object(m)
        })
        .collect();
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&objects).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    for (row, e) in json_rows(&r.json()).iter().zip(&expected) {
        assert_demo_row(&[&row[0], &row[1]], *e);
    }
    // JSON Lines in, JSON Lines out, one line per row.
    let body: String = objects.iter().map(|o| format!("{o}\n\n")).collect();
    let r = s.post("application/jsonlines", None, body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text().lines().count(), expected.len());
    // Arrays of values in the model's column order.
    let arrays: Vec<Vec<&str>> = rows.clone();
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&arrays).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json_rows(&r.json()).len(), expected.len());
    // Booleans, nulls, NA tokens: scored, not errors.
    let r = s.post(
        "application/json",
        None,
        br#"{"AGE": null, "RACE": true, "PSA": "NA", "VOL": false}"#,
    );
    assert_eq!(r.status, 200, "{}", r.text());
}

#[test]
fn score_request_semantics() {
    let s = start(Some(&demo()));
    let expected = demo_expected();
    let body = serde_json::json!({
        "fields": ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON", "name"],
        "rows": [["65", "1", "2", "1", "1.4", "0", "6", "first"], ["72", "1", "3", "2", "6.7", "0", "7", "second"]],
        "includeFieldsInOutput": ["name", "AGE", "rowId"],
        "idField": "rowId",
        "noFieldNamesInOutput": false,
        "requestShapleyValueType": "NONE"
    });
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&body).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["fields"],
        serde_json::json!(["AGE", "name", "rowId", "CAPSULE.no", "CAPSULE.yes"])
    );
    let rows = json_rows(&v);
    assert_eq!(rows[0][..2], ["65", "first"]);
    assert_eq!(rows[1][..2], ["72", "second"]);
    assert_eq!(rows[0][2].len(), 36, "a UUID");
    assert_ne!(rows[0][2], rows[1][2]);
    for (row, e) in rows.iter().zip(&expected) {
        assert_demo_row(&[&row[3], &row[4]], *e);
    }
    // noFieldNamesInOutput drops `fields`, and the CSV header.
    let mut quiet = body.clone();
    quiet["noFieldNamesInOutput"] = Value::Bool(true);
    quiet["includeFieldsInOutput"] = Value::Null;
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&quiet).unwrap(),
    );
    assert!(r.json().get("fields").is_none());
    let r = s.post(
        "application/json",
        Some("text/csv"),
        &serde_json::to_vec(&quiet).unwrap(),
    );
    assert_eq!(r.text().lines().count(), 2);
    // The same request on H2O's route.
    let r = s.req(
        "POST",
        "/model/score",
        &[("Content-Type", "application/json")],
        &serde_json::to_vec(&quiet).unwrap(),
    );
    assert_eq!(r.status, 200);
    // Shapley contributions come with the scores (tests/explain.rs checks the numbers).
    let mut shap = body.clone();
    shap["requestShapleyValueType"] = Value::String("ORIGINAL".into());
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&shap).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(r.json()["featureShapleyContributions"]["features"].is_array());
    // A bad cell names the row and the field.
    let mut bad = body.clone();
    bad["rows"][1][4] = Value::String("lots".into());
    let r = s.post("application/json", None, &serde_json::to_vec(&bad).unwrap());
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!(v["row"], 2);
    assert_eq!(v["field"], "PSA");
    assert!(v["error"].as_str().unwrap().contains("lots"));
    // A short row.
    let mut short = body;
    short["rows"][0] = serde_json::json!(["65"]);
    let r = s.post(
        "application/json",
        None,
        &serde_json::to_vec(&short).unwrap(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["row"], 1);
}

#[test]
fn bad_requests_get_clear_errors() {
    let s = start_with(Some(&demo()), |st| st.config.max_body = 1024);
    let r = s.post("image/png", None, b"x");
    assert_eq!(r.status, 415);
    assert!(r.error().contains("image/png"));
    let r = s.post("application/json", None, b"{not json");
    assert_eq!(r.status, 400);
    assert!(r.error().contains("not valid JSON"));
    let r = s.post("application/json", None, b"  ");
    assert_eq!(r.status, 400);
    assert!(r.error().contains("empty"));
    let r = s.post("application/json", None, b"42");
    assert_eq!(r.status, 400);
    let r = s.post("application/json", None, br#"{"AGE": [1]}"#);
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["field"], "AGE");
    let r = s.post("application/jsonlines", None, b"{\"AGE\": 1}\n{oops\n");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["line"], 2);
    let r = s.post("text/csv", None, b"AGE,PSA\n65,1\n70,abc\n");
    assert_eq!(r.status, 400);
    let v = r.json();
    assert_eq!((v["row"].as_u64(), v["line"].as_u64()), (Some(2), Some(3)));
    assert_eq!(v["field"], "PSA");
    let r = s.post("text/csv", None, b"AGE\n\"open\n");
    assert_eq!(r.status, 400);
    // 413: by Content-Length, and by counting a chunked body.
    let big = vec![b'1'; 2000];
    let r = s.post("text/csv", None, &big);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["limit_bytes"], 1024);
    let mut c = TcpStream::connect(s.addr).unwrap();
    // One write: the server may answer 413 and close as soon as it has counted enough, and
    // bytes still in flight after that would reset the connection before the answer is read.
    let mut req = b"POST /invocations HTTP/1.1\r\nHost: t\r\nConnection: close\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"200\r\n");
        req.extend_from_slice(&[b'1'; 0x200]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let _ = c.write_all(&req);
    assert_eq!(read_response(c).status, 413);
    // 404 and 405.
    let r = s.req("GET", "/nope", &[], b"");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/nope"));
    let r = s.req("GET", "/invocations", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("POST"));
    let r = s.req("POST", "/ping", &[], b"");
    assert_eq!(r.status, 405);
    assert_eq!(r.header("allow"), Some("GET, HEAD"));
}

#[test]
fn custom_attributes_are_echoed() {
    let s = start(Some(&demo()));
    let h = [
        ("Content-Type", "application/json"),
        ("X-Amzn-SageMaker-Custom-Attributes", "Trace ID: abc-123"),
    ];
    let r = s.req("POST", "/invocations", &h, &read("demo/test.json"));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("x-amzn-sagemaker-custom-attributes"),
        Some("Trace ID: abc-123")
    );
    let r = s.req("POST", "/invocations", &h, b"{bad");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.header("x-amzn-sagemaker-custom-attributes"),
        Some("Trace ID: abc-123")
    );
    let r = s.post("application/json", None, &read("demo/test.json"));
    assert_eq!(r.header("x-amzn-sagemaker-custom-attributes"), None);
}

#[test]
fn a_panic_is_a_500_for_that_request_only() {
    let s = start_with(Some(&demo()), |st| st.panic_trigger = Some("boom".into()));
    let h = [
        ("Content-Type", "application/json"),
        ("X-Amzn-SageMaker-Custom-Attributes", "boom"),
    ];
    let r = s.req("POST", "/invocations", &h, &read("demo/test.json"));
    assert_eq!(r.status, 500);
    assert!(r.error().contains("internal error"));
    // Also on the blocking pool (a body over the inline limit).
    let mut big = String::from("AGE\n");
    while big.len() <= server::routes::INLINE_BODY_LIMIT {
        big.push_str("65\n");
    }
    let r = s.req(
        "POST",
        "/invocations",
        &[("Content-Type", "text/csv"), h[1]],
        big.as_bytes(),
    );
    assert_eq!(r.status, 500);
    let r = s.post("text/csv", None, big.as_bytes());
    assert_eq!(r.status, 200);
    assert_eq!(s.req("GET", "/ping", &[], b"").status, 200);
}

#[test]
fn h2o_scoring_api_routes() {
    let s = start(Some(&demo()));
    let model = serve::load::from_path(&demo()).unwrap();
    let r = s.req("GET", "/model/id", &[], b"");
    assert_eq!((r.status, r.text()), (200, model.uuid()));
    let v = s.req("GET", "/model/schema", &[], b"").json();
    assert_eq!(v["id"], model.uuid());
    let inputs = v["schema"]["inputFields"].as_array().unwrap();
    assert_eq!(inputs.len(), 7);
    assert_eq!(
        inputs[0],
        serde_json::json!({"name": "AGE", "dataType": "Float64"})
    );
    assert_eq!(
        inputs[1],
        serde_json::json!({"name": "RACE", "dataType": "Str"})
    );
    assert_eq!(v["schema"]["outputFields"][1]["name"], "CAPSULE.yes");
    assert_eq!(
        s.req("GET", "/model/capabilities", &[], b"").json(),
        serde_json::json!(["SCORE", "CONTRIBUTION_ORIGINAL", "CONTRIBUTION_TRANSFORMED"])
    );
    let sample = s.req("GET", "/model/sample_request", &[], b"");
    let r = s.req(
        "POST",
        "/model/score",
        &[("Content-Type", "application/json")],
        &sample.body,
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(json_rows(&r.json()).len(), 1);
    let api = s.req("GET", "/openapi.json", &[], b"").json();
    assert_eq!(api["openapi"], "3.0.3");
    for path in [
        "/ping",
        "/invocations",
        "/model/score",
        "/model/id",
        "/model/schema",
        "/model/sample_request",
        "/model/capabilities",
        "/model/contribution",
        "/openapi.json",
    ] {
        assert!(
            api["paths"].get(path).is_some(),
            "{path} missing from openapi.json"
        );
    }
}

struct GoldenCase {
    name: String,
    category: String,
    model: PathBuf,
    input: PathBuf,
    expected: PathBuf,
}

/// The predict-mode runs of the golden manifest: `GOLDEN_MANIFEST` if set (the real-data
/// sweep's, whose paths are relative to its folder, as in golden.rs), else testdata's.
fn predict_cases() -> Vec<GoldenCase> {
    let dir = manifest_dir();
    let text = std::fs::read_to_string(manifest_path()).unwrap();
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.get(5) == Some(&"predict")).then(|| GoldenCase {
                name: f[0].into(),
                category: f[2].into(),
                model: dir.join(f[3]),
                input: dir.join(f[4]),
                expected: dir.join(f[6]),
            })
        })
        .collect()
}

/// Every predict-mode golden case through `/invocations` as text/csv: each number equals the
/// in-process batch scorer's (which the golden test proves equal to genmodel), and for models
/// whose numbers never pass through `exp` (DRF, Isolation Forest, identity-link GBM), equals
/// genmodel's expected file bit for bit. With `GOLDEN_MANIFEST` set, the same for a
/// real-data sweep's runs.
#[test]
fn invocations_match_genmodel_on_the_golden_models() {
    let mut checked = 0;
    for case in predict_cases() {
        let path = &case.model;
        let Ok(model) = serve::load::from_path(path) else {
            continue; // refused on purpose (the golden test checks the reason)
        };
        let input = std::fs::read(&case.input).unwrap();
        let mut reference = Vec::new();
        let options = BatchOptions {
            format: NumberFormat::Hex,
            calibrated: false,
            rules: Default::default(),
            separator: b',',
            header: true,
            find_opencsv_difference: false,
        };
        score_csv(&model, input.as_slice(), &mut reference, options).unwrap();
        let skip = usize::from(matches!(
            model.category(),
            Category::Binomial | Category::Multinomial | Category::Ordinal
        ));
        let to_rows = |text: &str, parse: fn(&str) -> f64, skip: usize| -> Vec<Vec<f64>> {
            text.lines()
                .skip(1)
                .map(|l| l.split(',').skip(skip).map(parse).collect())
                .collect()
        };
        let want = to_rows(std::str::from_utf8(&reference).unwrap(), java_hex, skip);
        let exact = case.name.starts_with("drf_")
            || case.name.starts_with("if_")
            || case.name.contains("gaussian");
        let genmodel = exact.then(|| {
            to_rows(
                &std::fs::read_to_string(&case.expected).unwrap(),
                java_hex,
                skip,
            )
        });

        let s = start(Some(path));
        let r = s.post("text/csv", None, &input);
        assert_eq!(r.status, 200, "{}: {}", case.name, r.text());
        let got = to_rows(r.text(), parse_decimal, 0);
        assert_eq!(got.len(), want.len(), "{}", case.name);
        let header = r.text().lines().next().unwrap().to_owned();
        if case.category == "Regression" {
            assert!(!header.contains(','), "{}: {header}", case.name);
        }
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert_eq!(g.len(), w.len(), "{} row {i}", case.name);
            for (a, b) in g.iter().zip(w) {
                assert!(same(*a, *b), "{} row {}: {a:e} != {b:e}", case.name, i + 1);
            }
            if let Some(gm) = &genmodel {
                for (a, b) in g.iter().zip(&gm[i]) {
                    assert!(
                        same(*a, *b),
                        "{} row {} vs genmodel: {a:e} != {b:e}",
                        case.name,
                        i + 1
                    );
                }
            }
        }
        checked += 1;
    }
    eprintln!("invocations: {checked} predict runs checked");
    // The committed manifest must not shrink by accident; a sweep's may hold no predict run.
    if std::env::var_os("GOLDEN_MANIFEST").is_none() {
        assert!(checked >= 40, "only {checked} golden models checked");
    }
}

#[test]
fn shutdown_lets_requests_in_flight_finish() {
    let mut s = start(Some(&demo()));
    let body = read("demo/demo.csv");
    let (first, rest) = body.split_at(body.len() / 2);
    let csv = [("Content-Type", "text/csv")];
    let conns: Vec<_> = (0..4)
        .map(|_| in_flight(s.addr, "/invocations", &csv, body.len(), first))
        .collect();
    // Stop while the bodies are incomplete: the listener closes, the requests finish.
    let stop = s.stop.take().unwrap();
    stop.send(()).unwrap();
    wait_until_refused(s.addr);
    for mut c in conns {
        c.write_all(rest).unwrap();
        let r = read_response(c);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.text().lines().count(), 11);
    }
    s.stop();
}

/// The real binary: serve the demo model on an ephemeral port, keep requests in flight and
/// under load, send SIGTERM; in-flight requests complete and the process exits 0.
#[test]
fn sigterm_under_load_drains_and_exits_zero() {
    let demo = demo();
    let server = Binary::start(&["--model", demo.to_str().unwrap()], &[]);
    let addr = server.addr;

    let body = read("demo/demo.csv");
    // Load: clients posting full requests until the server goes away.
    let stop_load = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load: Vec<_> = (0..4)
        .map(|_| {
            let body = body.clone();
            let stop = stop_load.clone();
            thread::spawn(move || {
                let mut ok = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let Ok(mut c) = TcpStream::connect(addr) else {
                        break;
                    };
                    let sent = c
                        .write_all(&head(
                            "POST",
                            "/invocations",
                            &[("Content-Type", "text/csv")],
                            body.len(),
                        ))
                        .and_then(|()| c.write_all(&body));
                    let mut raw = Vec::new();
                    if sent.is_err() || c.read_to_end(&mut raw).is_err() || raw.is_empty() {
                        break; // refused or reset after shutdown began: never accepted as in flight
                    }
                    let r = parse_response(&raw);
                    assert_eq!(r.status, 200, "{}", r.text());
                    ok += 1;
                }
                ok
            })
        })
        .collect();
    // In flight: heads and half of each body sent before SIGTERM.
    let (first, rest) = body.split_at(body.len() / 2);
    let csv = [("Content-Type", "text/csv")];
    let conns: Vec<_> = (0..3)
        .map(|_| in_flight(addr, "/invocations", &csv, body.len(), first))
        .collect();
    // A bad request is logged on its own; answered ones only in the `traffic` line.
    let bad = request(
        addr,
        "POST",
        "/invocations",
        &[("Content-Type", "text/csv")],
        b"1,2\n",
    );
    assert_eq!(bad.status, 400, "{}", bad.text());
    let kill = Command::new("kill")
        .args(["-TERM", &server.child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    // Draining: the listener is closed, the requests in flight still wait for their bodies.
    wait_until_refused(addr);
    for mut c in conns {
        c.write_all(rest).unwrap();
        let r = read_response(c);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.text().lines().count(), 11);
    }
    stop_load.store(true, std::sync::atomic::Ordering::Relaxed);
    let served: usize = load.into_iter().map(|t| t.join().unwrap()).sum();
    assert!(served > 0, "the load clients got no answers");
    let (status, log) = server.wait();
    assert!(status.success(), "exit status {status}");
    assert!(log.contains("\"signal\":\"SIGTERM\""), "{log}");
    assert!(log.contains("\"msg\":\"stopped\""), "{log}");
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let requests: Vec<&Value> = lines.iter().filter(|v| v["msg"] == "request").collect();
    assert_eq!(requests.len(), 1, "{log}");
    assert_eq!(requests[0]["status"], 400);
    assert_eq!(requests[0]["level"], "info");
    let traffic: Vec<&Value> = lines.iter().filter(|v| v["msg"] == "traffic").collect();
    assert_eq!(
        traffic.len(),
        1,
        "one line at shutdown (the interval is a minute): {log}"
    );
    let counted = traffic[0]["requests"].as_u64().unwrap();
    // The load clients' answers, the 3 in flight and the bad one; /ping is not counted.
    assert!(counted >= served as u64 + 4, "{counted} < {served} + 4");
    assert_eq!(traffic[0]["client_errors"], 1);
    assert_eq!(traffic[0]["server_errors"], 0);
    assert_eq!(
        traffic[0]["rows"].as_u64().unwrap() % 10,
        0,
        "the demo has 10 rows"
    );
}

#[test]
fn requests_naming_no_input_are_scored_as_genmodel_does_and_reported() {
    // genmodel ignores unknown names, so a row naming no input is scored with every input
    // NA; the answer stays that, and the server says which requests did it.
    let loaded = loaded(&demo());
    let named = |body: &[u8], format: Format| {
        serve::server::input::score(&loaded, body, format, Format::Json)
            .unwrap()
            .no_input_named
    };
    let json = Format::Json;
    assert_eq!(
        named(br#"{"age": 65, "race": "1"}"#, json).as_deref(),
        Some("age,race")
    );
    assert_eq!(named(br#"{"AGE": 65, "race": "1"}"#, json), None);
    assert_eq!(named(br#"[{"age": 65}, {"AGE": 65}]"#, json), None);
    assert_eq!(
        named(br#"[{"age": 65}, {"x": 1}]"#, json).as_deref(),
        Some("age")
    );
    // An array row is positional: it holds every input.
    assert_eq!(
        named(br#"[{"age": 65}, [65, 1, 2, 1, 1.4, 0, 6]]"#, json),
        None
    );
    let score_request = br#"{"fields": ["age", "psa"], "rows": [["65", "1.4"]]}"#;
    assert_eq!(named(score_request, json).as_deref(), Some("age,psa"));
    let score_request = br#"{"fields": ["AGE", "psa"], "rows": [["65", "1.4"]]}"#;
    assert_eq!(named(score_request, json), None);
    let lines = b"{\"age\": 65}\n{\"psa\": 1.4}\n";
    assert_eq!(named(lines, Format::JsonLines).as_deref(), Some("age"));
    // A CSV header naming the response only; a header-less CSV is positional.
    assert_eq!(
        named(b"CAPSULE,note\nyes,a\n", Format::Csv).as_deref(),
        Some("CAPSULE,note")
    );
    assert_eq!(named(b"65,1,2,1,1.4,0,6\n", Format::Csv), None);

    // The real binary: the same answers, and a warning line naming the last such request's
    // fields (written at shutdown here; every minute under traffic). In batch mode CSV and
    // JSON Lines bodies are streamed, another path to the same report.
    let demo = demo();
    for batch in [false, true] {
        let mut args = vec!["--model", demo.to_str().unwrap()];
        args.extend(batch.then_some("--batch"));
        let server = Binary::start(&args, &[]);
        let post = |content_type: &str, body: &[u8]| {
            let r = request(
                server.addr,
                "POST",
                "/invocations",
                &[("Content-Type", content_type)],
                body,
            );
            assert_eq!(r.status, 200, "{}", r.text());
            r
        };
        let wrong = post("application/jsonlines", b"{\"age\": 65}\n");
        let all_na = post("application/jsonlines", b"{\"AGE\": null}\n");
        assert_eq!(wrong.text(), all_na.text());
        post("text/csv", b"CAPSULE,note\nyes,a\n");
        post("text/csv", b"AGE,note\n65,a\n");
        let kill = Command::new("kill")
            .args(["-TERM", &server.child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let (status, log) = server.wait();
        assert!(status.success(), "exit status {status}");
        let warnings: Vec<Value> = log
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|v| v["msg"] == "requests named no model input")
            .collect();
        assert_eq!(warnings.len(), 1, "batch {batch}: {log}");
        assert_eq!(warnings[0]["level"], "warn");
        assert_eq!(warnings[0]["requests"], 2);
        assert_eq!(warnings[0]["fields"], "CAPSULE,note");
    }
}

#[test]
fn model_discovery_failures_exit_non_zero_with_one_clear_line() {
    let dir = std::env::temp_dir().join(format!("serve-http-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notes.txt"), b"hi").unwrap();
    let d = dir.to_str().unwrap();
    let (code, out, _) = run_to_exit(
        &["serve", "--host", "127.0.0.1", "--port", "0"],
        &[("SM_MODEL_DIR", d)],
    );
    assert_eq!(code, Some(1));
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("\"level\":\"error\""))
        .collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(
        errors[0].contains("notes.txt") && errors[0].contains("pipeline.mojo"),
        "{out}"
    );

    std::fs::copy(demo(), dir.join("a.mojo")).unwrap();
    std::fs::copy(demo(), dir.join("b.zip")).unwrap();
    let (code, out, _) = run_to_exit(
        &[
            "serve",
            "--model-dir",
            d,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        &[],
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("several model candidates") && out.contains("a.mojo, b.zip"),
        "{out}"
    );

    std::fs::write(dir.join("broken.mojo"), b"not a zip").unwrap();
    let broken = dir.join("broken.mojo");
    let (code, out, _) = run_to_exit(
        &["serve", "--host", "127.0.0.1", "--port", "0"],
        &[("MOJO_FILE_PATH", broken.to_str().unwrap())],
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("cannot load the model") && out.contains("broken.mojo"),
        "{out}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    // A Driverless AI pipeline (a zip holding mojo/pipeline.pb) next to its license.sig: the
    // license is accepted and not needed, the pipeline refused with the reason.
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("pipeline.mojo"), dai_pipeline_zip()).unwrap();
    std::fs::write(dir.join("license.sig"), b"sig").unwrap();
    let d = dir.to_str().unwrap();
    let (code, out, _) = run_to_exit(
        &[
            "serve",
            "--model-dir",
            d,
            "--host",
            "127.0.0.1",
            "--port",
            "0",
        ],
        &[("DRIVERLESS_AI_LICENSE_KEY", "key")],
    );
    assert_eq!(code, Some(1));
    assert!(
        out.contains("not needed") && out.contains("license.sig"),
        "{out}"
    );
    let errors: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("\"level\":\"error\""))
        .collect();
    assert_eq!(errors.len(), 1, "{out}");
    assert!(errors[0].contains("Driverless AI"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);

    let (code, _, err) = run_to_exit(&["train"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("train"), "{err}");
    let (code, _, err) = run_to_exit(&["serve", "--port", "nope"], &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("port"), "{err}");
}

/// A stored zip holding only an empty `mojo/pipeline.pb`, as a DAI `pipeline.mojo` has it.
fn dai_pipeline_zip() -> Vec<u8> {
    let name = b"mojo/pipeline.pb";
    let mut z = Vec::new();
    z.extend(0x0403_4b50u32.to_le_bytes());
    z.extend([
        20u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    z.extend((name.len() as u16).to_le_bytes());
    z.extend([0, 0]);
    z.extend(name);
    let cd = z.len() as u32;
    z.extend(0x0201_4b50u32.to_le_bytes());
    z.extend([
        20u8, 0, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    ]);
    z.extend((name.len() as u16).to_le_bytes());
    z.extend([0u8; 12]);
    z.extend(0u32.to_le_bytes());
    z.extend(name);
    let cd_len = z.len() as u32 - cd;
    z.extend(0x0605_4b50u32.to_le_bytes());
    z.extend([0u8, 0, 0, 0, 1, 0, 1, 0]);
    z.extend(cd_len.to_le_bytes());
    z.extend(cd.to_le_bytes());
    z.extend([0, 0]);
    z
}

#[test]
fn a_row_the_model_refuses_is_a_400_naming_row_and_column() {
    // Trained with missing_values_handling=Skip: genmodel throws on an NA categorical too.
    let s = start(Some(
        &testdata().join("models/glm_binomial_skip_prostate.zip"),
    ));
    let body = b"AGE,RACE,DPROS,DCAPS,PSA,VOL,GLEASON\n65,1,2,1,1.4,0,6\n70,,2,1,1.4,0,6\n";
    let r = s.post("text/csv", None, body);
    assert_eq!(r.status, 400, "{}", r.text());
    let e = r.error();
    assert!(
        e.contains("row 2") && e.contains("RACE") && e.contains("NA"),
        "{e}"
    );
    assert_eq!(r.json()["field"], "RACE");
    let ok = s.post(
        "text/csv",
        None,
        b"AGE,RACE,DPROS,DCAPS,PSA,VOL,GLEASON\n65,1,2,1,1.4,0,6\n",
    );
    assert_eq!(ok.status, 200, "{}", ok.text());
}

#[test]
fn a_glrm_numbers_rows_across_requests_as_one_genmodel_instance() {
    // genmodel seeds row n of a model instance with seed + n; the server's model is one
    // instance, so rows sent one request at a time get PredictCsv's rows in order.
    let s = start(Some(&testdata().join("models/glrm_prostate.zip")));
    let input = String::from_utf8(read("inputs/prostate.csv")).unwrap();
    let want = String::from_utf8(read("expected/glrm_prostate.predict.csv")).unwrap();
    let mut lines = input.lines();
    let header = lines.next().unwrap();
    for (row, expected) in lines.zip(want.lines().skip(1)).take(5) {
        let r = s.post(
            "text/csv",
            Some("application/json"),
            format!("{header}\n{row}\n").as_bytes(),
        );
        assert_eq!(r.status, 200, "{}", r.text());
        let got: Vec<f64> = json_rows(&r.json())[0]
            .iter()
            .map(|c| parse_decimal(c))
            .collect();
        let want: Vec<f64> = expected.split(',').map(java_hex).collect();
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(&want) {
            assert!(same(*g, *w), "{row}: {g} vs {w}");
        }
    }
}

#[test]
fn an_uplift_forest_answers_its_three_columns_as_genmodel() {
    let s = start(Some(
        &testdata().join("models/upliftdrf_chisquared_uplift.zip"),
    ));
    let input = String::from_utf8(read("inputs/uplift.csv")).unwrap();
    let want = String::from_utf8(read("expected/upliftdrf_chisquared_uplift.predict.csv")).unwrap();
    let mut lines = input.lines();
    let header = lines.next().unwrap();
    let mut body = format!("{header}\n");
    let rows: Vec<&str> = lines.take(40).collect();
    rows.iter().for_each(|r| body.push_str(&format!("{r}\n")));
    let r = s.post("text/csv", Some("application/json"), body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let v = r.json();
    assert_eq!(
        v["fields"],
        serde_json::json!([
            "uplift_predict",
            "p_y1_with_treatment",
            "p_y1_without_treatment"
        ])
    );
    let got = json_rows(&v);
    assert_eq!(got.len(), rows.len());
    for ((row, got), expected) in rows.iter().zip(got).zip(want.lines().skip(1)) {
        let want: Vec<f64> = expected.split(',').map(java_hex).collect();
        assert_eq!(got.len(), 3, "{row}");
        for (g, w) in got.iter().zip(&want) {
            assert!(same(parse_decimal(g), *w), "{row}: {g} vs {w}");
        }
    }
}
