//! The SageMaker hosting server: `/ping`, `/invocations` and H2O's scoring API v1.
//!
//! # Layout
//! - [`config`]: flags and environment → [`Config`]; model discovery in `/opt/ml/model`.
//! - [`routes`]: `(method, path)` → handler; the H2O `/model/*` routes and `/openapi.json`.
//! - [`media`]: `Content-Type` and `Accept` → [`media::Format`].
//! - [`input`]: request bodies (ScoreRequest, JSON rows, CSV, JSON Lines) → scored rows.
//! - [`json`]: JSON bodies read as rows (no per-request maps).
//! - [`output`]: scored rows → ScoreResponse JSON, CSV or JSON Lines.
//! - [`explain`]: Shapley contributions: `featureShapleyContributions`, `/model/contribution`.
//! - [`stream`]: batch transform: CSV and JSON Lines bodies scored frame by frame.
//! - [`mme`]: multi-model endpoints: `/models`, the registry and its memory budget.
//! - [`body`]: response bodies (bytes, or a batch response's spill file).
//! - [`idle`]: closes connections that stall before a request (slow headers, idle).
//! - [`error`]: [`error::ApiError`] → status and JSON body.
//! - [`log`]: one JSON line per event on stdout, level from the environment.
//! - [`shutdown`]: the SIGTERM | SIGINT future.
//! - [`traffic`]: request counts, logged once a minute instead of a line per request.
//!
//! # How a request runs
//! ```text
//! accept ─▶ http1 conn (watched by GracefulShutdown) ─▶ routes::handle
//!   /invocations: 503 until loaded ─▶ 415/406 from headers ─▶ body ≤ limit (413)
//!     ─▶ input::score (inline for small bodies, spawn_blocking for big ones, inside
//!        catch_unwind: a panic is a 500 for that request only) ─▶ 200 or 400
//! ```
//! The model is loaded once, after the listener is bound, and shared read-only through an
//! `Arc`; a request allocates its body, one row and one prediction buffer, and its response.
//! In batch mode CSV and JSON Lines bodies are not collected: [`stream`] scores them as
//! they arrive. In multi-model mode there is no model at start; [`mme`] loads them.

pub mod body;
pub mod config;
pub mod error;
pub mod explain;
pub mod idle;
pub mod input;
pub mod json;
pub mod log;
pub mod media;
pub mod mme;
pub mod output;
pub mod routes;
pub mod shutdown;
pub mod stream;
pub mod traffic;

use std::future::Future;
use std::path::PathBuf;
use std::pin::pin;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;

pub use config::Config;

use crate::load::LoadedModel;
use crate::rows::{Columns, RowMapper};

/// How long in-flight requests may take to finish after SIGTERM; SageMaker kills at 30 s.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(25);

/// hyper's largest read (and so body frame): bounds what a streamed batch holds in flight
/// (docs/decisions.md 25); hyper's default is ~400 KB.
const READ_BUFFER: usize = 64 << 10;

/// How long a client may take to send a request's headers (the default of
/// [`Config::header_read_timeout`]); a slow client then gets its connection closed.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// A loaded model with what every request needs, computed once.
pub struct Loaded {
    pub model: LoadedModel,
    /// Where it came from.
    pub path: PathBuf,
    /// The response's columns (see [`output::output_names`]).
    pub output_names: Arc<[String]>,
    /// What the model can explain, and the names of its contributions.
    pub explain: explain::Explain,
    /// The model's input columns by name, read once.
    pub columns: Columns,
    /// The mapper for header-less rows (the model's columns in order), built once.
    pub positional: RowMapper,
    /// A multi-model endpoint's hold on its memory budget, given back when this is dropped.
    pub(crate) reservation: Option<mme::Reservation>,
}

impl Loaded {
    pub fn new(model: LoadedModel, path: PathBuf) -> Self {
        let output_names: Arc<[String]> = output::output_names(&model).into();
        let explain = explain::Explain::new(&model);
        let columns = Columns::new(&model);
        let names: Vec<&str> = columns.positional.iter().map(String::as_str).collect();
        let positional = RowMapper::new(&columns, &names, input::rules());
        Loaded {
            columns,
            positional,
            model,
            path,
            output_names,
            explain,
            reservation: None,
        }
    }

    /// Heap bytes this holds besides the model (its memory and sub-model headers): the
    /// names and maps built at load, and a 16-byte allocator header per allocation
    /// (estimated: two per name); not the path. What a multi-model endpoint counts with
    /// the model.
    pub fn heap_bytes(&self) -> usize {
        let names = self.output_names.len() + self.columns.positional.len();
        crate::rows::strings_heap_bytes(&self.output_names, self.output_names.len())
            + self.explain.heap_bytes()
            + self.columns.heap_bytes()
            + self.positional.heap_bytes()
            + 16 * 2 * names
    }
}

/// What the server shares between connections.
pub struct State {
    pub config: Config,
    model: OnceLock<Arc<Loaded>>,
    /// The models of a multi-model endpoint (empty unless `config.multi_model`).
    pub models: mme::Registry,
    /// Requests answered since the last `traffic` log line.
    pub traffic: traffic::Traffic,
    /// Tests only: a request whose `X-Amzn-SageMaker-Custom-Attributes` equals this panics
    /// while scoring, to show that a panic answers 500 and the server keeps serving.
    #[doc(hidden)]
    pub panic_trigger: Option<String>,
}

impl State {
    pub fn new(config: Config) -> Self {
        let budget = match config.memory_budget {
            Some(b) => mme::Budget::new(b, "--memory-budget / MODEL_MEMORY_BUDGET"),
            None if config.multi_model => mme::default_budget(),
            None => mme::Budget::new(0, "not a multi-model endpoint"),
        };
        State {
            config,
            model: OnceLock::new(),
            models: mme::Registry::new(budget),
            traffic: traffic::Traffic::default(),
            panic_trigger: None,
        }
    }

    /// Makes the model available; `/ping` answers 200 from now on. Only the first call counts.
    pub fn set_model(&self, loaded: Loaded) {
        let _ = self.model.set(Arc::new(loaded));
    }

    pub fn model(&self) -> Option<&Arc<Loaded>> {
        self.model.get()
    }
}

/// The HTTP/1 settings every connection is served with.
pub fn http_settings() -> http1::Builder {
    let mut http = http1::Builder::new();
    // No timer: [`idle`] closes stalled connections for less than hyper's timer per request.
    http.header_read_timeout(None)
        .max_buf_size(READ_BUFFER)
        // An answer's head and body copied into one buffer and sent with one `write`,
        // not a two-part `writev`: +5 % one-row requests/s on loopback (docs/decisions.md 40).
        .writev(false);
    http
}

/// What a connection's requests share: the server's state and the connection's
/// [`idle::Activity`], in one `Arc` so that a request clones one.
struct Conn {
    state: Arc<State>,
    activity: Arc<idle::Activity>,
}

/// Serves one client connection over any byte stream (a TCP stream in [`run`], an in-memory
/// pipe in the request benchmark) on a task of its own, answered by [`routes::handle`] until
/// the client closes it, `graceful` shuts it down, or [`idle::watch`] (another task, so that
/// the connection's polls do not poll its timer) finds it stalled for
/// [`Config::header_read_timeout`] and aborts it. The connection's task tells the watch when
/// it ends ([`idle::Activity::end`]), so that the watch, and the ended task it holds, go at
/// once. `peer` names the client in logs.
pub fn spawn_connection<IO>(
    http: &http1::Builder,
    io: IO,
    state: Arc<State>,
    graceful: &GracefulShutdown,
    peer: String,
) where
    IO: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let timeout = state.config.header_read_timeout;
    let activity = Arc::new(idle::Activity::default());
    let conn = Arc::new(Conn {
        state,
        activity: activity.clone(),
    });
    let service = {
        let conn = conn.clone();
        service_fn(move |req| {
            let conn = conn.clone();
            async move {
                let _running = conn.activity.begin();
                Ok::<_, std::convert::Infallible>(routes::handle(&conn.state, req).await)
            }
        })
    };
    let io = idle::Counted {
        io,
        activity: activity.clone(),
    };
    let served = graceful.watch(http.serve_connection(TokioIo::new(io), service));
    let ending = activity.clone();
    let task = tokio::spawn(async move {
        if let Err(e) = served.await {
            log::debug(
                "connection ended with an error",
                &[("peer", peer.into()), ("error", e.to_string().into())],
            );
        }
        ending.end();
    });
    let abort = task.abort_handle();
    tokio::spawn(async move {
        if idle::watch(&activity, timeout).await {
            abort.abort();
            log::debug("closed a connection stalled before a request", &[]);
        }
    });
}

/// Serves connections from `listener` until `shutdown` completes, then stops accepting and
/// waits up to [`SHUTDOWN_GRACE`] for requests in flight.
pub async fn run(listener: TcpListener, state: Arc<State>, shutdown: impl Future<Output = ()>) {
    let graceful = GracefulShutdown::new();
    let mut shutdown = pin!(shutdown);
    let reporter = {
        let state = state.clone();
        tokio::spawn(async move { traffic::report_every(&state.traffic).await })
    };
    let http = http_settings();
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    log::warn("accept failed", &[("error", e.to_string().into())]);
                    // Out of file descriptors and the like: do not spin.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        spawn_connection(&http, stream, state.clone(), &graceful, peer.to_string());
    }
    drop(listener);
    log::info(
        "shutting down: no new connections, finishing requests in flight",
        &[],
    );
    match tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await {
        Ok(()) => log::info("all connections closed", &[]),
        Err(_) => log::warn(
            "shutdown grace period over: closing remaining connections",
            &[("grace_s", SHUTDOWN_GRACE.as_secs().into())],
        ),
    }
    reporter.abort();
    state.traffic.report();
}
