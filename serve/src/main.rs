//! The `serve` binary: dispatches the first argument to a command.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serve::server::{self, log, shutdown, Config, Loaded, State};

/// mimalloc on every target: musl's allocator is slow for the server's many small
/// allocations, and benchmarks then measure what the image ships (docs/decisions.md 24).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (command, rest) = match args.split_first() {
        Some((c, rest)) => (c.as_str(), rest),
        None => ("", &[][..]),
    };
    let result = match command {
        "serve" => return serve_command(rest),
        "train" => {
            eprintln!(
                "serve: `train` is not supported: this image only hosts H2O-3 MOJO models; \
                 train with H2O, export the MOJO, and deploy it with `serve`"
            );
            return ExitCode::from(2);
        }
        "score" => serve::cli::score(rest),
        "predict-csv" => serve::cli::predict_csv(rest),
        "inspect" => serve::cli::inspect(rest),
        "--version" | "version" => {
            println!("serve {}", env!("CARGO_PKG_VERSION"));
            Ok(())
        }
        "help" | "--help" | "-h" => {
            println!("{}\n{}", serve::cli::USAGE, server::config::USAGE);
            Ok(())
        }
        other => {
            let what = if other.is_empty() {
                "a command is required".to_owned()
            } else {
                format!("unknown command `{other}`")
            };
            eprintln!(
                "serve: {what}\n{}\n{}",
                serve::cli::USAGE,
                server::config::USAGE
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("serve: {}", e.message);
            ExitCode::from(e.code as u8)
        }
    }
}

/// `serve serve`: bind, then load the model, then serve until SIGTERM or SIGINT.
fn serve_command(args: &[String]) -> ExitCode {
    let config = match Config::parse(args, |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("serve: {e}\n{}", server::config::USAGE);
            return ExitCode::from(2);
        }
    };
    log::set_level(config.log_level);
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    // With one CPU (a pinned or quota-limited container), one thread runs the connections:
    // +3 % one-row requests/s against a one-worker pool, which hands every task through its
    // scheduler's queues (docs/decisions.md 40). Big bodies still score on blocking threads.
    let mut builder = if cores == 1 {
        tokio::runtime::Builder::new_current_thread()
    } else {
        let mut b = tokio::runtime::Builder::new_multi_thread();
        b.worker_threads(cores);
        b
    };
    let runtime = builder
        .max_blocking_threads(cores)
        .thread_name("serve")
        .enable_all()
        .build();
    let runtime = match runtime {
        Ok(rt) => rt,
        Err(e) => {
            log::error(
                "cannot start the async runtime",
                &[("error", e.to_string().into())],
            );
            return ExitCode::FAILURE;
        }
    };
    let code = runtime.block_on(serve_async(config, cores));
    runtime.shutdown_timeout(Duration::from_secs(1));
    code
}

async fn serve_async(config: Config, cores: usize) -> ExitCode {
    let addr = SocketAddr::new(config.host, config.port);
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(l) => l,
        Err(e) => {
            log::error(
                "cannot listen",
                &[
                    ("addr", addr.to_string().into()),
                    ("error", e.to_string().into()),
                ],
            );
            return ExitCode::FAILURE;
        }
    };
    let local = listener.local_addr().map_or(addr, |a| a);
    log::info(
        "listening",
        &[
            ("addr", local.to_string().into()),
            ("port", local.port().into()),
            ("max_body_bytes", config.max_body.into()),
            ("threads", cores.into()),
            ("version", env!("CARGO_PKG_VERSION").into()),
        ],
    );
    if !config.license.is_empty() {
        log::info(
            "Driverless AI license settings are accepted for compatibility and not needed: \
             H2O-3 MOJOs need no license",
            &[("found", config.license.join(", ").into())],
        );
    }
    let state = Arc::new(State::new(config));
    if state.config.batch {
        log::info(
            "batch transform mode: CSV and JSON Lines bodies are scored as a stream",
            &[(
                "execution_parameters",
                server::routes::execution_parameters(&state.config),
            )],
        );
    }
    let server = tokio::spawn(server::run(listener, state.clone(), shutdown::signal()));
    if state.config.multi_model {
        // No model at start: POST /models loads them, and /ping is 200 now.
        log::info(
            "multi-model endpoint: load models with POST /models",
            &[
                ("memory_budget_bytes", state.models.budget.limit().into()),
                ("budget_source", state.models.budget.source.clone().into()),
            ],
        );
        return finish(server.await);
    }

    let started = Instant::now();
    let cfg = state.config.clone();
    let loaded = tokio::task::spawn_blocking(move || load(&cfg))
        .await
        .unwrap_or_else(|e| Err(format!("the loading task failed: {e}")));
    match loaded {
        Ok((loaded, file_bytes)) => {
            let m = &loaded.model;
            log::info(
                "model loaded",
                &[
                    ("model", loaded.path.display().to_string().into()),
                    ("uuid", m.uuid().into()),
                    ("algo", m.algorithm().name().into()),
                    ("category", m.category().name().into()),
                    ("h2o_version", m.h2o_version().into()),
                    ("features", m.n_features().into()),
                    ("outputs", loaded.output_names.join(",").into()),
                    ("file_bytes", file_bytes.into()),
                    ("memory_bytes", m.memory_bytes().into()),
                    (
                        "load_ms",
                        ((started.elapsed().as_secs_f64() * 1e6).round() / 1e3).into(),
                    ),
                ],
            );
            state.set_model(loaded);
        }
        Err(e) => {
            log::error("cannot load the model", &[("error", e.into())]);
            return ExitCode::FAILURE;
        }
    }
    finish(server.await)
}

fn finish(server: Result<(), tokio::task::JoinError>) -> ExitCode {
    match server {
        Ok(()) => {
            log::info("stopped", &[]);
            ExitCode::SUCCESS
        }
        Err(e) => {
            log::error("the server task failed", &[("error", e.to_string().into())]);
            ExitCode::FAILURE
        }
    }
}

/// Finds, reads and loads the model; the error names the file and the reason.
fn load(config: &Config) -> Result<(Loaded, u64), String> {
    let path = config.model_path()?;
    let bytes = serve::load::read_mojo(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let model = serve::load::from_bytes(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((Loaded::new(model, path), bytes.len() as u64))
}
