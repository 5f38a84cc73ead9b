//! Logs: one JSON object per line on stdout (CloudWatch keeps each line as one event).
//!
//! `{"ts":"2026-01-02T03:04:05.678Z","level":"info","msg":"request",...fields}`. The level
//! comes from `LOG_LEVEL` (`error`, `warn`, `info`, `debug`) or, if that is unset,
//! `SAGEMAKER_CONTAINER_LOG_LEVEL` (those names or Python's numbers 40, 30, 20, 10);
//! the default is `info`.

use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::Value;

use super::error::push_json;

/// How much to log; each level includes the ones before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Error = 1,
    Warn = 2,
    Info = 3,
    Debug = 4,
}

impl Level {
    /// Reads a level name (any case) or one of Python's numeric levels.
    pub fn parse(s: &str) -> Option<Level> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "error" | "critical" | "fatal" | "40" | "50" => Level::Error,
            "warn" | "warning" | "30" => Level::Warn,
            "info" | "20" => Level::Info,
            "debug" | "trace" | "10" | "0" => Level::Debug,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warn => "warn",
            Level::Info => "info",
            Level::Debug => "debug",
        }
    }
}

static LEVEL: AtomicU8 = AtomicU8::new(Level::Info as u8);

pub fn set_level(level: Level) {
    LEVEL.store(level as u8, Ordering::Relaxed);
}

pub fn enabled(level: Level) -> bool {
    level as u8 <= LEVEL.load(Ordering::Relaxed)
}

/// Writes one line if `level` is enabled.
pub fn log(level: Level, msg: &str, fields: &[(&str, Value)]) {
    if !enabled(level) {
        return;
    }
    let mut line = Vec::with_capacity(128);
    line.extend_from_slice(b"{\"ts\":\"");
    line.extend_from_slice(timestamp(SystemTime::now()).as_bytes());
    line.extend_from_slice(b"\",\"level\":\"");
    line.extend_from_slice(level.name().as_bytes());
    line.extend_from_slice(b"\",\"msg\":");
    push_json(&mut line, &Value::String(msg.into()));
    for (k, v) in fields {
        line.push(b',');
        push_json(&mut line, &Value::String((*k).into()));
        line.push(b':');
        push_json(&mut line, v);
    }
    line.extend_from_slice(b"}\n");
    // A closed stdout must not take the server down; the line is lost.
    let _ = std::io::stdout().lock().write_all(&line);
}

pub fn error(msg: &str, fields: &[(&str, Value)]) {
    log(Level::Error, msg, fields)
}

pub fn warn(msg: &str, fields: &[(&str, Value)]) {
    log(Level::Warn, msg, fields)
}

pub fn info(msg: &str, fields: &[(&str, Value)]) {
    log(Level::Info, msg, fields)
}

pub fn debug(msg: &str, fields: &[(&str, Value)]) {
    log(Level::Debug, msg, fields)
}

/// RFC 3339 UTC with milliseconds.
fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 → (year, month, day), Howard Hinnant's `civil_from_days`.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000Z");
        let t = UNIX_EPOCH + Duration::from_millis(1_709_251_200_123); // 2024-03-01
        assert_eq!(timestamp(t), "2024-03-01T00:00:00.123Z");
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400 - 1); // 2000-02-28T23:59:59
        assert_eq!(timestamp(t), "2000-02-28T23:59:59.000Z");
    }

    #[test]
    fn levels() {
        assert_eq!(Level::parse("WARNING"), Some(Level::Warn));
        assert_eq!(Level::parse("10"), Some(Level::Debug));
        assert_eq!(Level::parse("loud"), None);
        assert!(Level::Error < Level::Debug);
    }
}
