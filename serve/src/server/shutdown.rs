//! The shutdown signal: SIGTERM (what SageMaker and `docker stop` send) or SIGINT (Ctrl-C).
//!
//! Installing the handlers also makes the server correct as PID 1 in a container without an
//! init: the kernel drops signals PID 1 has no handler for, and we have one for both.

use super::log;

/// Completes on the first SIGTERM or SIGINT. If a handler cannot be installed, that signal
/// is not waited for (the other still is) and the problem is logged.
pub async fn signal() {
    use tokio::signal::unix::{signal, SignalKind};
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => Some(s),
        Err(e) => {
            log::error("cannot handle SIGTERM", &[("error", e.to_string().into())]);
            None
        }
    };
    let mut int = match signal(SignalKind::interrupt()) {
        Ok(s) => Some(s),
        Err(e) => {
            log::error("cannot handle SIGINT", &[("error", e.to_string().into())]);
            None
        }
    };
    let name = tokio::select! {
        Some(()) = async { term.as_mut()?.recv().await } => "SIGTERM",
        Some(()) = async { int.as_mut()?.recv().await } => "SIGINT",
        else => std::future::pending().await,
    };
    log::info("signal received", &[("signal", name.into())]);
}
