//! What one request costs the server in user space: hyper's parser, routing, the body, the
//! scoring and the answer, over an in-memory pipe instead of a socket, so the kernel's TCP
//! work (about half of a one-row request's CPU on loopback; docs/benchmarks.md) is left out
//! and the figure does not move with the network stack. `just bench` measures the whole
//! thing with wrk against the Java server; this is the bench to watch when changing the
//! request path.
//!
//! - `invocations/csv_row`: one distinct header-less CSV row of the 100-tree depth-6 GBM per
//!   request (testdata/inputs/bench.csv's rows in turn), `Accept: text/csv`, keep-alive;
//! - `invocations/json_row`: the same rows as one JSON object each (`{"f00": ..., ...}`);
//! - `ping`: `GET /ping`, the floor: the HTTP layer with no body and no scoring;
//! - `body/csv_row`, `body/json_row`: the same bodies scored by `input::score` alone (no
//!   HTTP): reading the row, the model and writing the answer.

use std::path::PathBuf;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use hyper_util::server::graceful::GracefulShutdown;
use serve::load;
use serve::server::media::Format;
use serve::server::{self, input, Config, Loaded, State};
use tokio::io::{AsyncReadExt, AsyncWriteExt, DuplexStream};

/// The server's allocator (serve/src/main.rs), so that allocations cost what they cost there.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

const MODEL: &str = "testdata/models/gbm_bench_100x6.zip";
const ROWS: &str = "testdata/inputs/bench.csv";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn state() -> Arc<State> {
    let path = root().join(MODEL);
    let model = load::from_path(&path).expect("the bench model loads");
    let state = State::new(Config::default());
    state.set_model(Loaded::new(model, path));
    Arc::new(state)
}

/// bench.csv's rows as requests: header-less CSV in the model's column order, and JSON.
fn requests(state: &State) -> (Vec<Vec<u8>>, Vec<Vec<u8>>) {
    let text = std::fs::read_to_string(root().join(ROWS)).expect("bench.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let columns = &state.model().expect("loaded").columns.positional;
    let order: Vec<usize> = columns
        .iter()
        .map(|c| {
            header
                .iter()
                .position(|h| h == c)
                .expect("column in bench.csv")
        })
        .collect();
    let post = |content_type: &str, body: String| {
        format!(
            "POST /invocations HTTP/1.1\r\nHost: bench\r\nContent-Type: {content_type}\r\n\
             Accept: {content_type}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    let (mut csv, mut json) = (Vec::new(), Vec::new());
    for line in lines.filter(|l| !l.is_empty()) {
        let cells: Vec<&str> = line.split(',').collect();
        let row: Vec<&str> = order.iter().map(|&i| cells[i]).collect();
        csv.push(post("text/csv", format!("{}\n", row.join(","))));
        let fields: Vec<String> = columns
            .iter()
            .zip(&row)
            .map(|(c, v)| format!("\"{c}\":{v}"))
            .collect();
        json.push(post(
            "application/json",
            format!("{{{}}}", fields.join(",")),
        ));
    }
    (csv, json)
}

/// Where a message's head ends (the index of its blank line), once it has arrived.
fn head_end(message: &[u8]) -> Option<usize> {
    message.windows(4).position(|w| w == b"\r\n\r\n")
}

/// A request's body: what follows its head.
fn body_of(request: &[u8]) -> &[u8] {
    &request[head_end(request).expect("a head") + 4..]
}

/// The client's end of one keep-alive connection.
struct Client {
    pipe: DuplexStream,
    buf: Vec<u8>,
    /// Out of the future: a 4 KiB array in it would be copied on every `block_on`.
    chunk: Box<[u8; 4096]>,
    /// Kept: dropping it would shut the connection down.
    _graceful: GracefulShutdown,
}

impl Client {
    fn connect(state: &Arc<State>) -> Client {
        let (client, server_end) = tokio::io::duplex(64 << 10);
        let http = server::http_settings();
        let graceful = GracefulShutdown::new();
        server::spawn_connection(&http, server_end, state.clone(), &graceful, "bench".into());
        Client {
            pipe: client,
            buf: Vec::with_capacity(4096),
            chunk: Box::new([0; 4096]),
            _graceful: graceful,
        }
    }

    /// Sends one request and reads its whole answer; panics unless it is a 200.
    async fn exchange(&mut self, request: &[u8]) {
        self.pipe.write_all(request).await.expect("write");
        self.buf.clear();
        let (head, length) = loop {
            let n = self.pipe.read(&mut self.chunk[..]).await.expect("read");
            assert!(n > 0, "the server closed the connection");
            self.buf.extend_from_slice(&self.chunk[..n]);
            if let Some(end) = head_end(&self.buf) {
                let head = std::str::from_utf8(&self.buf[..end]).expect("UTF-8 head");
                assert!(head.starts_with("HTTP/1.1 200"), "{head}");
                let length = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse::<usize>().ok())?
                    })
                    .unwrap_or(0);
                break (end + 4, length);
            }
        };
        while self.buf.len() < head + length {
            let n = self.pipe.read(&mut self.chunk[..]).await.expect("read");
            assert!(n > 0, "the server closed the connection inside a body");
            self.buf.extend_from_slice(&self.chunk[..n]);
        }
    }
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let _guard = runtime.enter();
    let state = state();
    let (csv, json) = requests(&state);
    let mut client = Client::connect(&state);

    let mut group = c.benchmark_group("invocations");
    group.throughput(Throughput::Elements(1));
    for (name, requests) in [("csv_row", &csv), ("json_row", &json)] {
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % requests.len();
                runtime.block_on(client.exchange(&requests[i]));
            })
        });
    }
    group.finish();

    let mut group = c.benchmark_group("body");
    group.throughput(Throughput::Elements(1));
    let loaded = state.model().expect("loaded").clone();
    for (name, requests, format) in [
        ("csv_row", &csv, Format::Csv),
        ("json_row", &json, Format::Json),
    ] {
        let bodies: Vec<&[u8]> = requests.iter().map(|r| body_of(r)).collect();
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                i = (i + 1) % bodies.len();
                input::score(&loaded, bodies[i], format, format).expect("scored")
            })
        });
    }
    group.finish();

    let ping = b"GET /ping HTTP/1.1\r\nHost: bench\r\n\r\n";
    c.bench_function("ping", |b| {
        b.iter(|| runtime.block_on(client.exchange(ping)))
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
