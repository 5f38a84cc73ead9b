//! Request counts behind the periodic `traffic` log line.
//!
//! A request that succeeds is logged on its own only at `debug`: at tens of thousands of
//! requests a second a line each would be a write per request and a CloudWatch Logs bill,
//! while SageMaker's CloudWatch metrics already count invocations and their latency. Every
//! request but `/ping` is counted here instead, and [`report_every`] writes one `info` line
//! per [`INTERVAL`] that had requests (and the server writes one more at shutdown).
//! Requests that fail are still logged one by one (see `routes::handle`). Requests scored
//! although none of their fields named a model input (every input NA, as genmodel scores
//! them; most likely a client's wrong names) are counted too, and an interval that had
//! some writes a `warn` line with the last one's field names.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::log;

/// How often a `traffic` line is written: CloudWatch's standard metric period.
pub const INTERVAL: Duration = Duration::from_secs(60);

/// Characters of a request's field names the no-input warning quotes: enough to show the
/// names' mistake, not a whole wide request's.
const MAX_FIELDS_LOGGED: usize = 500;

/// Counters since the last report; shared by every connection, updated with relaxed atomics
/// (a report may split a request's counts across two lines, never lose them).
#[derive(Debug)]
pub struct Traffic {
    /// When the interval being counted began.
    since: Mutex<Instant>,
    requests: AtomicU64,
    rows: AtomicU64,
    client_errors: AtomicU64,
    server_errors: AtomicU64,
    latency_us_total: AtomicU64,
    latency_us_max: AtomicU64,
    no_input_named: AtomicU64,
    /// The field names of the last request counted in `no_input_named`.
    no_input_fields: Mutex<String>,
}

/// What [`Traffic::take`] returns: the counts of one interval.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub requests: u64,
    pub rows: u64,
    pub client_errors: u64,
    pub server_errors: u64,
    pub latency_us_total: u64,
    pub latency_us_max: u64,
    pub no_input_named: u64,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic {
            since: Mutex::new(Instant::now()),
            requests: AtomicU64::new(0),
            rows: AtomicU64::new(0),
            client_errors: AtomicU64::new(0),
            server_errors: AtomicU64::new(0),
            latency_us_total: AtomicU64::new(0),
            latency_us_max: AtomicU64::new(0),
            no_input_named: AtomicU64::new(0),
            no_input_fields: Mutex::new(String::new()),
        }
    }
}

impl Traffic {
    /// Counts one answered request.
    pub fn record(&self, status: u16, rows: usize, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.requests.fetch_add(1, Relaxed);
        self.rows.fetch_add(rows as u64, Relaxed);
        match status {
            400..=499 => self.client_errors.fetch_add(1, Relaxed),
            500.. => self.server_errors.fetch_add(1, Relaxed),
            _ => 0,
        };
        self.latency_us_total.fetch_add(us, Relaxed);
        // A load first: the maximum rarely moves, and a `fetch_max` is a locked loop.
        if us > self.latency_us_max.load(Relaxed) {
            self.latency_us_max.fetch_max(us, Relaxed);
        }
    }

    /// Counts one answered request none of whose fields (`names`, comma-separated) named a
    /// model input.
    pub fn record_no_input_named(&self, names: String) {
        self.no_input_named.fetch_add(1, Relaxed);
        *self
            .no_input_fields
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = names;
    }

    /// The counts since the last call, which start again from zero.
    pub fn take(&self) -> Counts {
        Counts {
            requests: self.requests.swap(0, Relaxed),
            rows: self.rows.swap(0, Relaxed),
            client_errors: self.client_errors.swap(0, Relaxed),
            server_errors: self.server_errors.swap(0, Relaxed),
            latency_us_total: self.latency_us_total.swap(0, Relaxed),
            latency_us_max: self.latency_us_max.swap(0, Relaxed),
            no_input_named: self.no_input_named.swap(0, Relaxed),
        }
    }

    /// Writes the `traffic` line for the counts since the last report, if there were requests.
    pub fn report(&self) {
        let c = self.take();
        let seconds = {
            let mut since = self.since.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let s = now.duration_since(*since).as_secs_f64();
            *since = now;
            s
        };
        if c.no_input_named > 0 && log::enabled(log::Level::Warn) {
            let fields = std::mem::take(
                &mut *self
                    .no_input_fields
                    .lock()
                    .unwrap_or_else(|p| p.into_inner()),
            );
            // A field list can be long (a wide request's); the start names the mistake.
            let fields: String = fields.chars().take(MAX_FIELDS_LOGGED).collect();
            log::warn(
                "requests named no model input",
                &[
                    ("requests", c.no_input_named.into()),
                    ("fields", fields.into()),
                    (
                        "hint",
                        "every input was NA in their rows (genmodel scores such rows \
                         too); names match exactly, case included: GET /model/schema \
                         lists the model's"
                            .into(),
                    ),
                ],
            );
        }
        if c.requests == 0 || !log::enabled(log::Level::Info) {
            return;
        }
        // Whole microseconds as milliseconds: the nearest double prints with ≤ 3 decimals.
        let ms = |us: u64| Value::from(us as f64 / 1e3);
        log::info(
            "traffic",
            &[
                ("seconds", ((seconds * 10.0).round() / 10.0).into()),
                ("requests", c.requests.into()),
                ("rows", c.rows.into()),
                ("client_errors", c.client_errors.into()),
                ("server_errors", c.server_errors.into()),
                ("latency_ms_mean", ms(c.latency_us_total / c.requests)),
                ("latency_ms_max", ms(c.latency_us_max)),
            ],
        );
    }
}

/// Reports every [`INTERVAL`], forever (the server aborts it at shutdown).
pub async fn report_every(traffic: &Traffic) {
    let mut ticks = tokio::time::interval(INTERVAL);
    ticks.tick().await; // the first tick is immediate
    loop {
        ticks.tick().await;
        traffic.report();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_start_again_after_take() {
        let t = Traffic::default();
        t.record(200, 3, Duration::from_micros(100));
        t.record(400, 0, Duration::from_micros(50));
        t.record(503, 0, Duration::from_micros(700));
        assert_eq!(
            t.take(),
            Counts {
                requests: 3,
                rows: 3,
                client_errors: 1,
                server_errors: 1,
                latency_us_total: 850,
                latency_us_max: 700,
                no_input_named: 0,
            }
        );
        assert_eq!(t.take().requests, 0);
        assert_eq!(t.take().latency_us_max, 0);
        t.record_no_input_named("age,race".into());
        t.record_no_input_named("Age".into());
        assert_eq!(t.take().no_input_named, 2);
        assert_eq!(t.take().no_input_named, 0);
    }
}
