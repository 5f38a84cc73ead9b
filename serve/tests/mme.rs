//! Multi-model endpoints over real TCP, mirroring SageMaker's MMS contract: load (200, 409,
//! 507, 400), list with pagination, describe (404), unload (404, memory back), invoke
//! (every content type, 404), concurrent loads / invokes / unloads, and 1,000 models in
//! one process with the memory accounting.

mod common;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use common::*;
use scorer::model::Mojo;
use serde_json::{json, Value};
use serve::server::Config;

fn mme_config(budget: Option<usize>) -> Config {
    Config {
        multi_model: true,
        memory_budget: budget,
        ..Config::default()
    }
}

/// A directory holding a copy of the demo model, as SageMaker lays out
/// `/opt/ml/models/{name}/model`.
fn model_dir(base: &Path, name: &str) -> PathBuf {
    let dir = base.join(name).join("model");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(demo(), dir.join("pipeline.mojo")).unwrap();
    dir
}

fn temp_base(tag: &str) -> PathBuf {
    let base = std::env::temp_dir().join(format!("serve-mme-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    std::fs::create_dir_all(&base).unwrap();
    base
}

/// (file bytes, scratch bytes, model bytes) of the demo: what a load reserves.
fn demo_sizes() -> (usize, usize, usize) {
    let bytes = std::fs::read(demo()).unwrap();
    let mojo = Mojo::new(&bytes).unwrap();
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo
        .plan_with::<serve::load::HeapSubModels>(&mut scratch)
        .unwrap();
    (
        bytes.len(),
        scratch.len(),
        plan.bytes()
            + serve::server::mme::LOADED_BYTES
            + serve::load::sub_model_bytes(&plan)
            + serve::server::mme::PER_MODEL_SLACK
            + demo_names_bytes(),
    )
}

/// The part of a demo model's bytes counted once it is loaded: the names `Loaded` builds.
fn demo_names_bytes() -> usize {
    let model = serve::load::from_path(&demo()).unwrap();
    serve::server::Loaded::new(model, demo()).heap_bytes()
}

fn load(addr: std::net::SocketAddr, name: &str, url: &Path) -> Resp {
    let body = json!({"model_name": name, "url": url}).to_string();
    request(
        addr,
        "POST",
        "/models",
        &[("Content-Type", "application/json")],
        body.as_bytes(),
    )
}

fn invoke_csv(addr: std::net::SocketAddr, name: &str) -> Resp {
    let body: String = demo_rows().iter().map(|r| format!("{r}\n")).collect();
    request(
        addr,
        "POST",
        &format!("/models/{name}/invoke"),
        &[
            ("Content-Type", "text/csv"),
            ("X-Amzn-SageMaker-Target-Model", "demo.tar.gz"),
        ],
        body.as_bytes(),
    )
}

fn assert_demo_csv(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text());
    let expected = demo_expected();
    let lines: Vec<&str> = r.text().lines().collect();
    assert_eq!(lines.len(), expected.len());
    for (l, e) in lines.iter().zip(expected) {
        assert!(is_row(l, e), "{l}");
    }
}

#[test]
fn the_mms_contract() {
    let base = temp_base("contract");
    let s = Server::start(mme_config(None));
    let (_, _, model_bytes) = demo_sizes();
    // Healthy at once, with no model.
    assert_eq!(s.req("GET", "/ping", &[], b"").status, 200);
    let r = s.req(
        "POST",
        "/invocations",
        &[("Content-Type", "text/csv")],
        b"1,2",
    );
    assert_eq!(r.status, 404);
    assert!(r.error().contains("/models/{name}/invoke"), "{}", r.text());

    // Load: 200, then 409 for the same name.
    let url = model_dir(&base, "a");
    let r = load(s.addr, "a", &url);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["memoryBytes"], model_bytes);
    let r = load(s.addr, "a", &url);
    assert_eq!(r.status, 409);
    assert!(r.error().contains("already loaded"));

    // Bad bodies and urls: 400 with the reason.
    let r = s.req("POST", "/models", &[], b"{\"model_name\": \"x\"}");
    assert_eq!(r.status, 400);
    assert!(r.error().contains("url"));
    let r = s.req("POST", "/models", &[], b"not json");
    assert_eq!(r.status, 400);
    let empty = base.join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let r = load(s.addr, "e", &empty);
    assert_eq!(r.status, 400);
    assert!(r.error().contains("no model in"), "{}", r.text());
    let junk = base.join("junk");
    std::fs::create_dir_all(&junk).unwrap();
    std::fs::write(junk.join("pipeline.mojo"), b"not a zip").unwrap();
    assert_eq!(load(s.addr, "j", &junk).status, 400);
    // A failed load leaves nothing behind: the name loads later.
    assert_eq!(load(s.addr, "e", &url).status, 200);

    // Describe and list.
    let r = s.req("GET", "/models/a", &[], b"");
    assert_eq!(r.status, 200);
    let v = r.json();
    assert_eq!(v["modelName"], "a");
    assert_eq!(v["modelUrl"], url.to_str().unwrap());
    let r = s.req("GET", "/models/nope", &[], b"");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("not loaded"));
    let v = s.req("GET", "/models", &[], b"").json();
    let names: Vec<&str> = v["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["modelName"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["a", "e"]);
    assert!(v.get("nextPageToken").is_none());
    assert_eq!(v["memory"]["usedBytes"], 2 * model_bytes);

    // Invoke: every content type of /invocations, 404 for an unknown model.
    assert_demo_csv(&invoke_csv(s.addr, "a"));
    let r = s.req(
        "POST",
        "/models/a/invoke",
        &[("Content-Type", "application/json")],
        &std::fs::read(testdata().join("demo/test.json")).unwrap(),
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["fields"], json!(["CAPSULE.no", "CAPSULE.yes"]));
    let r = s.req(
        "POST",
        "/models/a/invoke",
        &[
            ("Content-Type", "application/jsonlines"),
            ("Accept", "text/csv"),
            ("X-Amzn-SageMaker-Custom-Attributes", "trace=1"),
        ],
        b"[65,1,2,1,1.4,0,6]\n{\"AGE\": 72, \"RACE\": \"1\"}\n",
    );
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text().lines().count(), 3);
    assert_eq!(
        r.header("x-amzn-sagemaker-custom-attributes"),
        Some("trace=1")
    );
    let r = s.req(
        "POST",
        "/models/a/invoke",
        &[("Content-Type", "image/png")],
        b"x",
    );
    assert_eq!(r.status, 415);
    assert_eq!(invoke_csv(s.addr, "nope").status, 404);

    // Methods.
    assert_eq!(s.req("PUT", "/models", &[], b"").status, 405);
    assert_eq!(s.req("POST", "/models/a", &[], b"").status, 405);
    assert_eq!(s.req("GET", "/models/a/invoke", &[], b"").status, 405);

    // Unload: 200 with the memory back, then 404 everywhere.
    let r = s.req("DELETE", "/models/a", &[], b"");
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["freedBytes"], model_bytes);
    assert_eq!(r.json()["memory"]["usedBytes"], model_bytes);
    assert_eq!(s.req("DELETE", "/models/a", &[], b"").status, 404);
    assert_eq!(invoke_csv(s.addr, "a").status, 404);
    assert_eq!(s.req("GET", "/models/a", &[], b"").status, 404);
    // And it loads again.
    assert_eq!(load(s.addr, "a", &url).status, 200);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn names_are_opaque_and_escaped() {
    let base = temp_base("names");
    let s = Server::start(mme_config(None));
    let url = model_dir(&base, "m");
    let name = "sub/dir model.tar.gz";
    assert_eq!(load(s.addr, name, &url).status, 200);
    let escaped = "sub%2Fdir%20model.tar.gz";
    assert_eq!(
        s.req("GET", &format!("/models/{escaped}"), &[], b"").json()["modelName"],
        name
    );
    assert_demo_csv(&invoke_csv(s.addr, escaped));
    assert_eq!(
        s.req("DELETE", &format!("/models/{escaped}"), &[], b"")
            .status,
        200
    );
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn loading_past_the_memory_budget_is_507() {
    let base = temp_base("budget");
    let (file, scratch, model) = demo_sizes();
    // Room for two models, and for the file and scratch of a third while it loads, but not
    // for its model memory.
    let budget = 2 * model + file + scratch + model / 2;
    let s = Server::start(mme_config(Some(budget)));
    let urls: Vec<PathBuf> = (0..3).map(|i| model_dir(&base, &format!("m{i}"))).collect();
    assert_eq!(load(s.addr, "m0", &urls[0]).status, 200);
    assert_eq!(load(s.addr, "m1", &urls[1]).status, 200);
    let r = load(s.addr, "m2", &urls[2]);
    assert_eq!(r.status, 507, "{}", r.text());
    let v = r.json();
    assert!(v["error"].as_str().unwrap().contains("memory"), "{v}");
    assert_eq!(v["needed_bytes"], model - demo_names_bytes());
    assert_eq!(v["used_bytes"], 2 * model + file + scratch);
    assert_eq!(v["budget_bytes"], budget);
    // Nothing of the failed load stays reserved; unloading makes room.
    let mem = s.req("GET", "/models", &[], b"").json()["memory"].clone();
    assert_eq!(mem["usedBytes"], 2 * model);
    assert_eq!(mem["budgetBytes"], budget);
    assert_eq!(s.req("GET", "/models/m2", &[], b"").status, 404);
    assert_eq!(s.req("DELETE", "/models/m0", &[], b"").status, 200);
    assert_eq!(load(s.addr, "m2", &urls[2]).status, 200);
    assert_demo_csv(&invoke_csv(s.addr, "m2"));
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn list_pages_with_next_page_token() {
    let base = temp_base("pages");
    let s = Server::start(mme_config(None));
    let url = model_dir(&base, "m");
    for i in 0..5 {
        assert_eq!(load(s.addr, &format!("model-{i}"), &url).status, 200);
    }
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &token {
            Some(t) => format!("/models?max_results=2&next_page_token={t}"),
            None => "/models?max_results=2".to_owned(),
        };
        let v = s.req("GET", &path, &[], b"").json();
        pages += 1;
        for m in v["models"].as_array().unwrap() {
            seen.push(m["modelName"].as_str().unwrap().to_owned());
        }
        match v.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = Some(t.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(
        seen,
        ["model-0", "model-1", "model-2", "model-3", "model-4"]
    );
    assert_eq!(s.req("GET", "/models?max_results=0", &[], b"").status, 400);
    assert_eq!(
        s.req("GET", "/models?next_page_token=zz", &[], b"").status,
        400
    );
    // MMS's `limit` works too.
    let v = s.req("GET", "/models?limit=4", &[], b"").json();
    assert_eq!(v["models"].as_array().unwrap().len(), 4);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn unload_waits_for_requests_in_flight() {
    let base = temp_base("inflight");
    let s = Server::start(mme_config(None));
    let url = model_dir(&base, "m");
    assert_eq!(load(s.addr, "m", &url).status, 200);
    // An invoke with half its body sent holds the model.
    let body: String = demo_rows().iter().map(|r| format!("{r}\n")).collect();
    let (first, rest) = body.as_bytes().split_at(body.len() / 2);
    let csv = [("Content-Type", "text/csv")];
    let mut c = in_flight(s.addr, "/models/m/invoke", &csv, body.len(), first);
    let addr = s.addr;
    let (tx, rx) = std::sync::mpsc::channel();
    let unload = thread::spawn(move || {
        let r = request(addr, "DELETE", "/models/m", &[], b"");
        tx.send(()).unwrap();
        r
    });
    // New requests see the model gone as soon as the DELETE is taken...
    wait_for("the DELETE taken", || invoke_csv(s.addr, "m").status == 404);
    // ... and it is answered only when the request holding the model is (a wrong server
    // gets 200 ms to show itself; a right one never answers before the body is sent).
    thread::sleep(Duration::from_millis(200));
    assert!(
        rx.try_recv().is_err(),
        "DELETE answered while a request held the model"
    );
    use std::io::Write;
    c.write_all(rest).unwrap();
    assert_demo_csv(&read_response(c));
    let r = unload.join().unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.json()["memory"]["usedBytes"], 0);
    assert!(r.json()["freedBytes"].as_u64().unwrap() > 0);
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn concurrent_loads_invokes_and_unloads() {
    let base = temp_base("concurrent");
    let s = Arc::new(Server::start(mme_config(None)));
    let url = model_dir(&base, "m");
    let workers: Vec<_> = (0..6)
        .map(|t| {
            let s = s.clone();
            let url = url.clone();
            thread::spawn(move || {
                let mut statuses = Vec::new();
                for i in 0..30 {
                    let name = format!("n{}", (i + t) % 4);
                    let r = match (i + t) % 3 {
                        0 => load(s.addr, &name, &url),
                        1 => invoke_csv(s.addr, &name),
                        _ => s.req("DELETE", &format!("/models/{name}"), &[], b""),
                    };
                    if r.status == 200 && (i + t) % 3 == 1 {
                        assert_demo_csv(&r);
                    }
                    statuses.push(r.status);
                }
                statuses
            })
        })
        .collect();
    for w in workers {
        for status in w.join().unwrap() {
            assert!([200, 404, 409].contains(&status), "{status}");
        }
    }
    // The accounting matches what is loaded; unloading everything gives it all back.
    let v = s.req("GET", "/models", &[], b"").json();
    let (_, _, model) = demo_sizes();
    let n = v["models"].as_array().unwrap().len();
    assert_eq!(v["memory"]["usedBytes"], n * model);
    for m in v["models"].as_array().unwrap() {
        let name = m["modelName"].as_str().unwrap();
        assert_eq!(
            s.req("DELETE", &format!("/models/{name}"), &[], b"").status,
            200
        );
    }
    assert_eq!(
        s.req("GET", "/models", &[], b"").json()["memory"]["usedBytes"],
        0
    );
    let _ = std::fs::remove_dir_all(&base);
}

#[test]
fn the_single_model_server_has_no_models_routes() {
    let s = Server::start(Config::default());
    let r = s.req("GET", "/models", &[], b"");
    assert_eq!(r.status, 404);
    assert!(r.error().contains("SAGEMAKER_MULTI_MODEL"));
}

#[test]
fn a_thousand_models_in_one_process() {
    const N: usize = 1000;
    let base = temp_base("thousand");
    let urls: Vec<PathBuf> = (0..N)
        .map(|i| model_dir(&base, &format!("model-{i:04}")))
        .collect();
    let bin = Binary::start(&[], &[("SAGEMAKER_MULTI_MODEL", "true")]);
    let addr = bin.addr;
    let urls = Arc::new(urls);
    let load_all = || {
        let started = std::time::Instant::now();
        let loaders: Vec<_> = (0..4)
            .map(|t| {
                let urls = urls.clone();
                thread::spawn(move || {
                    for i in (t..N).step_by(4) {
                        let r = load(addr, &format!("model-{i:04}"), &urls[i]);
                        assert_eq!(r.status, 200, "{}", r.text());
                    }
                })
            })
            .collect();
        for l in loaders {
            l.join().unwrap();
        }
        started.elapsed()
    };
    let unload_all = || {
        for i in 0..N {
            let r = request(addr, "DELETE", &format!("/models/model-{i:04}"), &[], b"");
            assert_eq!(r.status, 200);
        }
        let v = request(addr, "GET", "/models", &[], b"").json();
        assert_eq!(v["memory"]["usedBytes"], 0);
        assert_eq!(v["models"], json!([]));
    };
    let rss0 = bin.status_bytes("VmRSS");
    let load_time = load_all();
    let rss1 = bin.status_bytes("VmRSS");

    // Every model is listed (10 pages of 100) and answers.
    let mut listed = 0;
    let mut token = String::new();
    let mut memory;
    loop {
        let v = request(
            addr,
            "GET",
            &format!("/models?next_page_token={token}"),
            &[],
            b"",
        )
        .json();
        listed += v["models"].as_array().unwrap().len();
        memory = v["memory"].clone();
        match v.get("nextPageToken").and_then(Value::as_str) {
            Some(t) => token = t.to_owned(),
            None => break,
        }
    }
    assert_eq!(listed, N);
    for i in (0..N).step_by(37).chain([N - 1]) {
        assert_demo_csv(&invoke_csv(addr, &format!("model-{i:04}")));
    }
    let (file, scratch, model) = demo_sizes();
    assert_eq!(memory["models"], N);
    assert_eq!(memory["usedBytes"], N * model);

    // The budget counts what loaded models hold: the process grew by little more than it.
    let first = rss1.saturating_sub(rss0);
    let used = (N * model) as u64;
    assert!(
        first * 4 <= used * 5,
        "{N} models grew RSS by {first}, but the budget counts {used}"
    );

    // Unloaded memory is returned: unloading all and loading all again, twice, does not
    // grow the process (a leak would add the same again each time). The allocator may
    // hold a second copy for a while after the first reload (freed on one thread, reused
    // by another), so the third load is compared with the larger of the first two.
    unload_all();
    load_all();
    let rss2 = bin.status_bytes("VmRSS");
    unload_all();
    load_all();
    let rss3 = bin.status_bytes("VmRSS");
    unload_all();
    eprintln!(
        "{N} models loaded in {load_time:.1?}: {} bytes accounted ({model} each: model memory \
         and its Loaded; a load also reserves the {file}-byte file and {scratch} bytes of \
         scratch while it runs), budget {} ({}); RSS {rss0} at start, {rss1} with {N} \
         models, {rss2} and {rss3} after unloading and loading them again twice",
        memory["usedBytes"],
        memory["budgetBytes"],
        memory["budgetSource"].as_str().unwrap_or(""),
    );
    let again = rss3.saturating_sub(rss1.max(rss2));
    assert!(
        again * 4 <= first,
        "loading the same {N} models a third time grew RSS by {again} (the first time {first})"
    );
    let _ = std::fs::remove_dir_all(&base);
}
