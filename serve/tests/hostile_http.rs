//! Hostile requests over real TCP (issue 9): each gets the right 4xx, or a closed connection
//! where HTTP says so, and the server keeps answering `/ping` with bounded memory. Most cases
//! run against the real binary (its VmRSS is read before and after); slow headers and idle
//! connections run in process with a short header timeout. Also: model faults at start,
//! and the `testdata/regress/` request replays.

mod common;

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

use common::{demo, parse_response, request, run_to_exit, testdata, Binary, Resp, Server};
use serve::server::Config;

/// Sends `raw` (a whole request, or not) and reads until the server closes: the response,
/// or `None` when it closed (or reset) without one.
fn raw(addr: SocketAddr, raw: &[u8]) -> Option<Resp> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    // The server may answer and close before it has read everything: ignore write errors.
    let _ = s.write_all(raw);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    (!out.is_empty()).then(|| parse_response(&out))
}

fn post(addr: SocketAddr, content_type: Option<&str>, body: &[u8]) -> Resp {
    let headers: Vec<(&str, &str)> = content_type
        .map(|c| ("Content-Type", c))
        .into_iter()
        .collect();
    request(addr, "POST", "/invocations", &headers, body)
}

fn status(r: Option<Resp>) -> u16 {
    r.map_or(0, |r| r.status)
}

fn ping(addr: SocketAddr) {
    assert_eq!(request(addr, "GET", "/ping", &[], b"").status, 200);
}

/// Every hostile body and head against the real binary, with a 1 MiB body limit.
#[test]
fn hostile_requests_get_4xx_and_the_server_keeps_serving() {
    let bin = Binary::start(
        &["--model", demo().to_str().unwrap(), "--max-payload-mb", "1"],
        &[],
    );
    let a = bin.addr;
    let good = std::fs::read(testdata().join("demo/test.json")).unwrap();
    assert_eq!(post(a, Some("application/json"), &good).status, 200);
    // Warm up the allocator before the baseline.
    for _ in 0..50 {
        post(a, Some("application/json"), &good);
    }
    let rss_before = bin.status_bytes("VmRSS");

    let json = Some("application/json");
    let csv = Some("text/csv");
    let cases: Vec<(&str, Option<&str>, Vec<u8>, u16)> = vec![
        ("malformed JSON", json, br#"{"rows": [[1, 2}"#.to_vec(), 400),
        ("truncated JSON", json, good[..good.len() / 2].to_vec(), 400),
        (
            "deep nesting",
            json,
            [b"[".repeat(100_000), b"]".repeat(100_000)].concat(),
            400,
        ),
        (
            "deep nesting in a row",
            json,
            format!(
                r#"{{"AGE": {}1{}}}"#,
                "[".repeat(50_000),
                "]".repeat(50_000)
            )
            .into_bytes(),
            400,
        ),
        ("huge exponent", json, br#"{"AGE": 1e999999}"#.to_vec(), 400),
        (
            "huge integer",
            json,
            format!(r#"{{"AGE": {}}}"#, "9".repeat(300_000)).into_bytes(),
            400,
        ),
        (
            "huge number text in a numeric column",
            json,
            format!(r#"{{"AGE": "{}"}}"#, "9".repeat(300_000)).into_bytes(),
            200,
        ),
        (
            "huge string in a categorical column",
            json,
            format!(r#"{{"RACE": "{}"}}"#, "x".repeat(500_000)).into_bytes(),
            200,
        ),
        (
            "huge field name",
            json,
            format!(r#"{{"{}": 1}}"#, "k".repeat(500_000)).into_bytes(),
            200,
        ),
        (
            "invalid UTF-8 in JSON",
            json,
            b"{\"RACE\": \"\xff\xfe\"}".to_vec(),
            400,
        ),
        (
            "invalid UTF-8 in a CSV number",
            csv,
            b"AGE,RACE\n\xff\xfe,1\n".to_vec(),
            400,
        ),
        ("NUL bytes", json, b"\0\0\0\0".to_vec(), 400),
        ("empty body", json, Vec::new(), 400),
        ("wrong Content-Type", Some("image/png"), good.clone(), 415),
        (
            "unknown Content-Type with parameters",
            Some("text/xml; charset=utf-8"),
            good.clone(),
            415,
        ),
        // An empty media type is treated as a missing one: the body is sniffed.
        ("empty media type", Some(";;;=\""), good.clone(), 200),
        ("JSON sent as CSV", csv, good.clone(), 400),
        ("missing Content-Type, sniffed", None, good.clone(), 200),
        ("CSV row too short", csv, b"65,1,2\n".to_vec(), 400),
        (
            "CSV row too long",
            csv,
            b"65,1,2,1,1.4,0,6,9,9\n".to_vec(),
            400,
        ),
        (
            "unterminated CSV quote",
            csv,
            b"AGE,RACE\n\"65,1\n".to_vec(),
            400,
        ),
        ("array row too short", json, b"[[65, 1]]".to_vec(), 400),
        (
            "ScoreRequest row shorter than fields",
            json,
            br#"{"fields": ["AGE", "RACE"], "rows": [["65"]]}"#.to_vec(),
            400,
        ),
        (
            "ScoreRequest rows not arrays",
            json,
            br#"{"fields": ["AGE"], "rows": 7}"#.to_vec(),
            400,
        ),
        (
            "duplicate ScoreRequest fields",
            json,
            br#"{"fields": ["AGE", "AGE"], "rows": [["65", "x"]]}"#.to_vec(),
            400,
        ),
        // PredictCsv's rule (a later column of the same name wins); see docs/hardening.md.
        (
            "duplicate CSV header columns",
            csv,
            b"AGE,AGE\n65,70\n".to_vec(),
            200,
        ),
        ("wrong JSON type", json, b"\"a string\"".to_vec(), 400),
        (
            "JSON Lines garbage line",
            Some("application/jsonlines"),
            b"{\"AGE\": 65}\n{nope\n".to_vec(),
            400,
        ),
    ];
    let mut failures = Vec::new();
    for (name, ct, body, want) in &cases {
        let r = post(a, *ct, body);
        if r.status != *want {
            failures.push(format!(
                "{name}: {} (wanted {want}): {}",
                r.status,
                String::from_utf8_lossy(&r.body[..r.body.len().min(200)])
            ));
        } else if r.status >= 400 {
            // Every error is a JSON body with a message.
            assert!(!r.error().is_empty(), "{name}");
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    ping(a);

    // Bodies over the limit: declared (answered before the body is read), and chunked.
    let over = 1 << 20 | 1;
    let head = format!(
        "POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nContent-Length: {over}\r\n\r\n"
    );
    assert_eq!(
        status(raw(a, head.as_bytes())),
        413,
        "declared over the limit"
    );
    let mut chunked = b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n".to_vec();
    let chunk = [b"65,1,2,1,1.4,0,6\n".repeat(4096)].concat();
    for _ in 0..(over / chunk.len() + 2) {
        chunked.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
        chunked.extend(&chunk);
        chunked.extend(b"\r\n");
    }
    chunked.extend(b"0\r\n\r\n");
    assert_eq!(status(raw(a, &chunked)), 413, "chunked over the limit");
    assert_eq!(status(raw(a, b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n")), 400, "Content-Length overflow");

    // Framing: HTTP/1.1 (RFC 9112 6.3) says reject, or close after the response.
    let framing: &[(&str, &[u8], &[u16])] = &[
        ("Content-Length and Transfer-Encoding", b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", &[400]),
        ("two Content-Lengths", b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", &[400]),
        ("Transfer-Encoding not chunked", b"POST /invocations HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: gzip\r\n\r\nabc", &[400, 501]),
        ("bad chunk size", b"POST /invocations HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\nabc\r\n0\r\n\r\n", &[0, 400]),
        ("garbage request line", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", &[400]),
        ("header too large", &[b"GET /ping HTTP/1.1\r\nHost: t\r\nX-Big: ".as_slice(), &b"a".repeat(200_000), b"\r\n\r\n"].concat(), &[0, 431]),
        ("invalid header name", b"GET /ping HTTP/1.1\r\nHost: t\r\nBad Header: x\r\n\r\n", &[400]),
        ("HTTP/2 preface on HTTP/1", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", &[0, 400, 505]),
    ];
    for (name, req, want) in framing {
        let got = status(raw(a, req));
        assert!(want.contains(&got), "{name}: {got}, wanted one of {want:?}");
        ping(a);
    }

    // Again, so that any growth per request would show, then memory.
    for _ in 0..3 {
        for (_, ct, body, _) in &cases {
            post(a, *ct, body);
        }
    }
    ping(a);
    let rss_after = bin.status_bytes("VmRSS");
    let grown = rss_after.saturating_sub(rss_before);
    assert!(
        grown < 16 << 20,
        "VmRSS {} KiB -> {} KiB",
        rss_before >> 10,
        rss_after >> 10
    );
}

/// Slow headers (slowloris) and idle connections: closed after the header timeout, and
/// never in the way of other clients.
#[test]
fn slow_headers_and_idle_connections_are_closed() {
    let timeout = Duration::from_millis(800);
    let s = Server::start(Config {
        header_read_timeout: timeout,
        ..Config::default()
    });
    // 200 idle connections and 20 slowloris ones dribbling a header byte every 100 ms.
    let idle: Vec<TcpStream> = (0..200)
        .map(|_| TcpStream::connect(s.addr).unwrap())
        .collect();
    let slow: Vec<_> = (0..20)
        .map(|_| {
            let addr = s.addr;
            thread::spawn(move || {
                let mut c = TcpStream::connect(addr).unwrap();
                let start = Instant::now();
                let head = b"GET /ping HTTP/1.1\r\nHost: t\r\nX-Slow: "
                    .iter()
                    .chain(b"a".repeat(1000).iter())
                    .copied()
                    .collect::<Vec<u8>>();
                for b in head {
                    if c.write_all(&[b]).is_err() {
                        break;
                    }
                    thread::sleep(Duration::from_millis(100));
                    if start.elapsed() > Duration::from_secs(10) {
                        break;
                    }
                }
                let mut out = Vec::new();
                c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let _ = c.read_to_end(&mut out);
                (start.elapsed(), out)
            })
        })
        .collect();
    // Meanwhile the server answers everyone else.
    for _ in 0..10 {
        assert_eq!(s.req("GET", "/ping", &[], b"").status, 200);
        thread::sleep(Duration::from_millis(50));
    }
    for t in slow {
        let (took, out) = t.join().unwrap();
        assert!(
            took < Duration::from_secs(5),
            "a slow client was kept {took:?}"
        );
        // Closed without an answer (a 408 from hyper's own timer would do as well).
        let text = String::from_utf8_lossy(&out);
        assert!(out.is_empty() || text.starts_with("HTTP/1.1 408"), "{text}");
    }
    // Idle connections are closed too (server::idle: no request for a whole timeout).
    for mut c in idle {
        c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let mut out = Vec::new();
        let r = c.read_to_end(&mut out);
        let text = String::from_utf8_lossy(&out);
        assert!(
            r.is_ok() && (out.is_empty() || text.starts_with("HTTP/1.1 408")),
            "{r:?} {text}"
        );
    }
    assert_eq!(s.req("GET", "/ping", &[], b"").status, 200);
}

/// A missing, unreadable, corrupt or truncated model at start: exit 1 with one error line
/// that names the file.
#[test]
fn model_faults_at_start_exit_with_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("serve-hostile-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a_directory.mojo")).unwrap();
    let demo_bytes = std::fs::read(demo()).unwrap();
    std::fs::write(
        dir.join("truncated.mojo"),
        &demo_bytes[..demo_bytes.len() / 2],
    )
    .unwrap();
    let mut flipped = demo_bytes.clone();
    // Inside model.ini's data (after its local header's name): caught by the CRC or the
    // inflater. (A flip in an entry the scorer never reads, such as experimental/, loads.)
    let ini = flipped.windows(9).position(|w| w == b"model.ini").unwrap();
    flipped[ini + 9 + 10] ^= 0xff;
    std::fs::write(dir.join("flipped.mojo"), &flipped).unwrap();
    std::fs::write(dir.join("empty.mojo"), b"").unwrap();
    for (name, says) in [
        ("missing.mojo", "No such file"),
        ("a_directory.mojo", "directory"),
        ("truncated.mojo", "zip"),
        ("flipped.mojo", "zip"),
        ("empty.mojo", "zip"),
    ] {
        let path = dir.join(name);
        let model = path.to_str().unwrap();
        let args = [
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            "0",
            "--model",
            model,
        ];
        let (code, out, _) = run_to_exit(&args, &[]);
        assert_eq!(code, Some(1), "{name}: {out}");
        let errors: Vec<&str> = out
            .lines()
            .filter(|l| l.contains("\"level\":\"error\""))
            .collect();
        assert_eq!(errors.len(), 1, "{name}: {out}");
        let line = errors[0];
        assert!(line.contains("cannot load the model"), "{name}: {out}");
        assert!(line.contains(name) && line.contains(says), "{name}: {out}");
        assert!(!out.contains("\"msg\":\"ready\""), "{name}: {out}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Request bodies kept from fuzzing (`testdata/regress/{json,csv,jsonl}_*`): answered 2xx or
/// 4xx by the fuzz harness, never a panic or a 5xx. `stream_*` are batch bodies for the
/// `stream` target: the same answer whatever the frame boundaries.
#[test]
fn regress_request_bodies_replay() {
    use serve::server::media::Format;
    let model = serve::load::from_path(&demo()).unwrap();
    let loaded = serve::server::Loaded::new(model, demo());
    let Ok(listing) = std::fs::read_dir(testdata().join("regress")) else {
        return;
    };
    for e in listing {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let format = match name.split('_').next() {
            Some("json") => Format::Json,
            Some("csv") => Format::Csv,
            Some("jsonl") => Format::JsonLines,
            Some("stream") => {
                serve::fuzzing::stream(&loaded, &std::fs::read(&path).unwrap());
                continue;
            }
            _ => continue,
        };
        serve::fuzzing::request(&loaded, &std::fs::read(&path).unwrap(), format);
    }
}
