//! Errors a request can end in, as HTTP status and a JSON body.
//!
//! The body is always `{"error": "<what went wrong>", ...}` with `Content-Type:
//! application/json`, plus where it applies `row` (1-based data row), `line` (1-based line of
//! a CSV or JSON Lines body) and `field` (the input column). Statuses: 400 bad input, 404 no
//! such route, 405 wrong method, 406 `Accept` names nothing we write, 413 body over the
//! limit, 415 `Content-Type` we do not read, 500 a bug (a panic) in this request, 503 the
//! model is not loaded yet; on a multi-model endpoint also 404 model not loaded, 409 model
//! already loaded and 507 not enough of the memory budget to load it.

use serde_json::{Map, Value};

use crate::rows::RowError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// More members of the JSON body (`row`, `line`, `field`, ...).
    pub details: Map<String, Value>,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            details: Map::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(400, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(404, message)
    }

    pub fn not_acceptable(message: impl Into<String>) -> Self {
        Self::new(406, message)
    }

    pub fn too_large(limit: usize) -> Self {
        Self::new(
            413,
            format!(
                "the request body is larger than the limit of {limit} bytes ({:.1} MiB); \
                 send fewer rows per request or raise --max-payload-mb / \
                 SAGEMAKER_MAX_PAYLOAD_IN_MB",
                limit as f64 / (1 << 20) as f64
            ),
        )
        .with("limit_bytes", limit)
    }

    pub fn unsupported_media_type(message: impl Into<String>) -> Self {
        Self::new(415, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(500, message)
    }

    pub fn not_ready() -> Self {
        Self::new(503, "the model is still loading")
    }

    /// Adds a member to the JSON body.
    pub fn with(mut self, key: &str, value: impl Into<Value>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// A bad cell: the message names the row (and line, if known) and the column.
    pub fn row(row: usize, line: Option<usize>, e: &RowError) -> Self {
        let at = match line {
            Some(l) => format!("row {row} (line {l})"),
            None => format!("row {row}"),
        };
        let field = match e {
            RowError::NotANumber { column, .. }
            | RowError::UnknownLevel { column, .. }
            | RowError::NumberForCategorical { column }
            | RowError::BadOffset { column }
            | RowError::Rejected { column, .. } => column.clone(),
        };
        let mut err = Self::bad_request(format!("{at}: {e}"))
            .with("row", row)
            .with("field", field);
        if let Some(l) = line {
            err = err.with("line", l);
        }
        err
    }

    /// The JSON body, `error` first.
    pub fn body(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.message.len());
        out.extend_from_slice(b"{\"error\":");
        push_json(&mut out, &Value::String(self.message.clone()));
        for (k, v) in &self.details {
            out.push(b',');
            push_json(&mut out, &Value::String(k.clone()));
            out.push(b':');
            push_json(&mut out, v);
        }
        out.extend_from_slice(b"}\n");
        out
    }
}

/// Appends `v` as JSON (serialising a `Value` into a `Vec` cannot fail).
pub(crate) fn push_json(out: &mut Vec<u8>, v: &Value) {
    let _ = serde_json::to_writer(out, v);
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.message)
    }
}

impl std::error::Error for ApiError {}
