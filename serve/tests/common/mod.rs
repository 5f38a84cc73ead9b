//! Helpers shared by the integration tests: a raw HTTP/1.1 client over
//! `std::net::TcpStream`, an in-process server on 127.0.0.1:0, the real binary,
//! and a parser for the hex doubles genmodel writes.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use serde_json::Value;
use serve::server::{self, Config, Loaded, State};

pub fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata")
}

/// The golden manifest checked: `GOLDEN_MANIFEST` if set (a real-data sweep's), else
/// `testdata/manifest.tsv`.
pub fn manifest_path() -> PathBuf {
    std::env::var_os("GOLDEN_MANIFEST")
        .map(PathBuf::from)
        .unwrap_or_else(|| testdata().join("manifest.tsv"))
}

/// The folder the manifest's paths are relative to.
pub fn manifest_dir() -> PathBuf {
    let path = manifest_path();
    path.parent().map_or_else(PathBuf::new, Path::to_path_buf)
}

pub fn demo() -> PathBuf {
    testdata().join("demo/pipeline.mojo")
}

/// `path` loaded as the server holds it.
pub fn loaded(path: &Path) -> Loaded {
    Loaded::new(
        serve::load::from_path(path).expect("model loads"),
        path.into(),
    )
}

/// The demo's data rows (no header), as CSV lines.
pub fn demo_rows() -> Vec<String> {
    std::fs::read_to_string(testdata().join("demo/demo.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(str::to_owned)
        .collect()
}

/// A server in its own runtime thread; stopped on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub state: Arc<State>,
    pub stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<thread::JoinHandle<()>>,
}

impl Server {
    /// Starts `config`, with the demo model unless it is a multi-model endpoint.
    pub fn start(config: Config) -> Server {
        let multi = config.multi_model;
        let state = State::new(config);
        if !multi {
            state.set_model(loaded(&demo()));
        }
        Server::serve(state)
    }

    /// Serves `state` as it is (with or without a model).
    pub fn serve(state: State) -> Server {
        // Request lines would drown the test output; errors still show.
        server::log::set_level(server::log::Level::Error);
        let state = Arc::new(state);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (addr_tx, addr_rx) = std::sync::mpsc::channel();
        let s = state.clone();
        let thread = thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .max_blocking_threads(4)
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                addr_tx.send(listener.local_addr().unwrap()).unwrap();
                server::run(listener, s, async {
                    let _ = stopped.await;
                })
                .await;
            });
        });
        Server {
            addr: addr_rx.recv().unwrap(),
            state,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// Asks the server to stop and waits until it has; a panic in its thread fails the test.
    pub fn stop(&mut self) {
        if let Err(panic) = self.halt() {
            std::panic::resume_unwind(panic);
        }
    }

    fn halt(&mut self) -> thread::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.thread.take().map_or(Ok(()), |t| t.join())
    }

    pub fn req(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        request(self.addr, method, path, headers, body)
    }

    /// POST /invocations with `content_type` and, if given, `accept`.
    pub fn post(&self, content_type: &str, accept: Option<&str>, body: &[u8]) -> Resp {
        let mut h = vec![("Content-Type", content_type)];
        if let Some(a) = accept {
            h.push(("Accept", a));
        }
        self.req("POST", "/invocations", &h, body)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Not `stop`: panicking again while a failed test unwinds would abort the run.
        let _ = self.halt();
    }
}

#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// The `error` member of a JSON error body.
    pub fn error(&self) -> String {
        assert_eq!(self.header("content-type"), Some("application/json"));
        self.json()["error"].as_str().unwrap().to_owned()
    }
}

pub fn head(method: &str, path: &str, headers: &[(&str, &str)], len: usize) -> Vec<u8> {
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: test\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str(&format!("Content-Length: {len}\r\n\r\n"));
    req.into_bytes()
}

pub fn request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(&head(method, path, headers, body.len()))
        .unwrap();
    // The server may answer early (413 by Content-Length) and close while the body is still
    // on its way; the answer is what matters.
    let _ = s.write_all(body);
    read_response(s)
}

/// A request on a connection of its own, its head and `first` (the start of a body of
/// `len` bytes) sent with `Expect: 100-continue`. Returns once the server's interim `100
/// Continue` has been read: hyper writes it when the handler first reads the body, so the
/// request is in flight (accepted, parsed, handled), not merely queued in the kernel.
pub fn in_flight(
    addr: SocketAddr,
    path: &str,
    headers: &[(&str, &str)],
    len: usize,
    first: &[u8],
) -> TcpStream {
    let mut h = headers.to_vec();
    h.push(("Expect", "100-continue"));
    let mut c = TcpStream::connect(addr).unwrap();
    c.write_all(&head("POST", path, &h, len)).unwrap();
    c.write_all(first).unwrap();
    c.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let mut interim = Vec::new();
    let mut byte = [0u8];
    while !interim.ends_with(b"\r\n\r\n") {
        c.read_exact(&mut byte)
            .unwrap_or_else(|e| panic!("no interim response within {READ_TIMEOUT:?}: {e}"));
        interim.push(byte[0]);
    }
    let text = String::from_utf8_lossy(&interim);
    assert!(text.starts_with("HTTP/1.1 100 "), "{text}");
    c
}

/// Polls `done` every 10 ms until it holds, panicking with `what` after `READ_TIMEOUT`.
pub fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !done() {
        assert!(
            start.elapsed() < READ_TIMEOUT,
            "{what}: not within {READ_TIMEOUT:?}"
        );
        thread::sleep(Duration::from_millis(10));
    }
}

/// Waits until `addr` refuses connections (a server that stopped listening).
pub fn wait_until_refused(addr: SocketAddr) {
    wait_for(&format!("{addr} refusing connections"), || {
        TcpStream::connect(addr).is_err()
    });
}

/// How long a test waits for a complete response before calling the server hung. Generous:
/// the slowest golden request (a rank-700 GLRM) takes about a second when the machine is idle.
pub const READ_TIMEOUT: Duration = Duration::from_secs(60);

pub fn read_response(mut s: TcpStream) -> Resp {
    s.set_read_timeout(Some(READ_TIMEOUT)).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)
        .unwrap_or_else(|e| panic!("no complete response within {READ_TIMEOUT:?}: {e}"));
    parse_response(&raw)
}

pub fn parse_response(raw: &[u8]) -> Resp {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .map(|l| {
            let (k, v) = l.split_once(':').unwrap();
            (k.trim().to_owned(), v.trim().to_owned())
        })
        .collect();
    let resp = Resp {
        status,
        headers,
        body: raw[end + 4..].to_vec(),
    };
    if let Some(n) = resp.header("content-length") {
        assert_eq!(n.parse::<usize>().unwrap(), resp.body.len());
    }
    resp
}

/// The binary, its environment the test's without the SageMaker variables, then `env`.
fn binary(env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_serve"));
    cmd.env_remove("SAGEMAKER_BIND_TO_PORT")
        .env_remove("MOJO_FILE_PATH")
        .env_remove("SM_MODEL_DIR");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// The real binary, listening on a free port; killed on drop.
pub struct Binary {
    pub child: Child,
    pub addr: SocketAddr,
    log: Option<thread::JoinHandle<String>>,
}

impl Binary {
    pub fn start(args: &[&str], env: &[(&str, &str)]) -> Binary {
        // Info-level logs unless `env` says otherwise: the tests read them.
        let mut child = binary(&[&[("LOG_LEVEL", "info")], env].concat())
            .args(["serve", "--host", "127.0.0.1", "--port", "0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut port = None;
        let mut line = String::new();
        while port.is_none() {
            line.clear();
            assert!(out.read_line(&mut line).unwrap() > 0, "server exited early");
            let v: Value = serde_json::from_str(&line).unwrap();
            if v["msg"] == "listening" {
                port = v["port"].as_u64();
            }
        }
        // Keep reading the log so that the pipe never fills.
        let log = thread::spawn(move || {
            let mut rest = String::new();
            let _ = out.read_to_string(&mut rest);
            rest
        });
        let addr: SocketAddr = format!("127.0.0.1:{}", port.unwrap()).parse().unwrap();
        let bin = Binary {
            child,
            addr,
            log: Some(log),
        };
        for _ in 0..500 {
            if request(addr, "GET", "/ping", &[], b"").status == 200 {
                return bin;
            }
            thread::sleep(Duration::from_millis(10));
        }
        panic!("/ping never answered 200");
    }

    /// A line of `/proc/<pid>/status`, in bytes (`VmRSS`, `VmHWM`).
    pub fn status_bytes(&self, key: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(':'))
            .unwrap()
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .unwrap();
        kb * 1024
    }

    /// Waits for the process to exit by itself (after a signal): its status and its log.
    pub fn wait(mut self) -> (std::process::ExitStatus, String) {
        let status = self.child.wait().unwrap();
        let log = self.log.take().unwrap().join().unwrap();
        (status, log)
    }
}

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some(log) = self.log.take() {
            let _ = log.join();
        }
    }
}

/// Runs the binary with `args` (and `env`, without the SageMaker variables of the test's own
/// environment) where it is expected to exit: its exit code, stdout and stderr. One that
/// runs on (a server that should have refused to start) is killed after 10 s, and its code
/// is then `None`.
pub fn run_to_exit(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let mut child = binary(env)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut text = String::new();
            let _ = pipe.read_to_string(&mut text);
            text
        })
    };
    let stdout = drain(Box::new(child.stdout.take().unwrap()));
    let stderr = drain(Box::new(child.stderr.take().unwrap()));
    let start = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() && start.elapsed() < Duration::from_secs(10) {
        thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let code = child.wait().unwrap().code();
    (code, stdout.join().unwrap(), stderr.join().unwrap())
}

/// Parses Java's `Double.toHexString` output (and `NA`, `Infinity`).
pub fn parse_java_hex(s: &str) -> Option<f64> {
    match s {
        "NA" | "NaN" => return Some(f64::NAN),
        "Infinity" => return Some(f64::INFINITY),
        "-Infinity" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s),
    };
    let rest = rest.strip_prefix("0x")?;
    let (mant, exp) = rest.split_once('p')?;
    let (lead, frac) = mant.split_once('.')?;
    let exp: i32 = exp.parse().ok()?;
    if frac.len() > 13 {
        return None;
    }
    let frac_bits = u64::from_str_radix(frac, 16).ok()? << (4 * (13 - frac.len()));
    let bits = match lead {
        "1" => (((exp + 1023) as u64) << 52) | frac_bits,
        "0" if exp == -1022 || frac_bits == 0 => frac_bits,
        _ => return None,
    };
    let v = f64::from_bits(bits);
    Some(if neg { -v } else { v })
}

/// [`parse_java_hex`] for text that must be a number.
pub fn java_hex(s: &str) -> f64 {
    parse_java_hex(s).unwrap_or_else(|| panic!("not a Java hex double: {s:?}"))
}

/// The demo's expected probabilities (genmodel's): rows of [p_no, p_yes].
pub fn demo_expected() -> Vec<[f64; 2]> {
    std::fs::read_to_string(testdata().join("demo/expected.csv"))
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            [java_hex(f[1]), java_hex(f[2])]
        })
        .collect()
}

/// Whether an output CSV line `p_no,p_yes` is the expected row.
pub fn is_row(line: &str, expected: [f64; 2]) -> bool {
    let cells: Vec<f64> = line.split(',').map(|c| c.parse().unwrap()).collect();
    cells.len() == 2 && cells[0] == expected[0] && cells[1] == expected[1]
}
