//! Content negotiation: what a request body is, and what the response should be.
//!
//! Media types are compared without case and without parameters (`text/csv; charset=utf-8`
//! is `text/csv`). Request bodies:
//! - `application/json`: a ScoreRequest, one row object or an array of row objects;
//! - `text/csv` (or `application/csv`): CSV with or without a header row;
//! - `application/jsonlines` (or `application/x-jsonlines`, `application/jsonl`,
//!   `application/x-ndjson`): one row object (or array) per line;
//! - `application/octet-stream` or no `Content-Type`: JSON when the body starts with `{` or
//!   `[` (the Java scorer's README sends JSON this way), else CSV.
//!
//! Responses follow `Accept` (q-values honoured, ties in the order given). `*/*`, no `Accept`
//! and `application/octet-stream` mean the request's own format; `application/*` means the
//! request's format if it is JSON or JSON Lines, else JSON; `text/*` means CSV.

use std::borrow::Cow;

use super::error::ApiError;

/// A body format we read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    Csv,
    JsonLines,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv",
            Format::JsonLines => "application/jsonlines",
        }
    }
}

/// What a request's `Content-Type` says, before the body is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Declared {
    Is(Format),
    /// `application/octet-stream` or nothing: look at the body.
    Sniff,
}

pub const SUPPORTED_REQUEST: &str = "application/json, text/csv, application/jsonlines, \
                                     application/octet-stream (JSON or CSV)";
pub const SUPPORTED_RESPONSE: &str = "application/json, text/csv, application/jsonlines, */*";

/// The media type without parameters, lowercased (borrowed when it already is: the usual
/// case, on every request).
fn essence(s: &str) -> Cow<'_, str> {
    let e = s.split(';').next().unwrap_or("").trim();
    if e.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(e.to_ascii_lowercase())
    } else {
        Cow::Borrowed(e)
    }
}

fn named(essence: &str) -> Option<Format> {
    Some(match essence {
        "application/json" => Format::Json,
        "text/csv" | "application/csv" => Format::Csv,
        "application/jsonlines"
        | "application/x-jsonlines"
        | "application/jsonl"
        | "application/x-ndjson" => Format::JsonLines,
        _ => return None,
    })
}

/// Reads `Content-Type`.
pub fn declared(content_type: Option<&str>) -> Result<Declared, ApiError> {
    let Some(ct) = content_type else {
        return Ok(Declared::Sniff);
    };
    let e = essence(ct);
    if e.is_empty() || e == "application/octet-stream" {
        return Ok(Declared::Sniff);
    }
    named(&e).map(Declared::Is).ok_or_else(|| {
        ApiError::unsupported_media_type(format!(
            "Content-Type `{ct}` is not supported; send one of: {SUPPORTED_REQUEST}"
        ))
    })
}

/// Decides a sniffed body's format from its first non-blank byte.
pub fn sniff(body: &[u8]) -> Format {
    match body
        .strip_prefix(crate::csv::BOM)
        .unwrap_or(body)
        .iter()
        .find(|b| !b.is_ascii_whitespace())
    {
        Some(b'{' | b'[') => Format::Json,
        _ => Format::Csv,
    }
}

/// Chooses the response format from `Accept` and the request's format.
pub fn respond_with(accept: Option<&str>, request: Format) -> Result<Format, ApiError> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Ok(request);
    };
    let not_acceptable = || {
        ApiError::not_acceptable(format!(
            "Accept `{accept}` names no format this server writes; accept one of: \
             {SUPPORTED_RESPONSE}"
        ))
    };
    if !accept.contains([',', ';']) {
        // One media range without parameters (q = 1): most clients send just that.
        return in_range(&essence(accept), request).ok_or_else(not_acceptable);
    }
    let mut ranges: Vec<(f32, Cow<'_, str>)> = accept
        .split(',')
        .map(|item| {
            let q = item
                .split(';')
                .skip(1)
                .filter_map(|p| p.trim().strip_prefix("q=").or(p.trim().strip_prefix("Q=")))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            (q, essence(item))
        })
        .filter(|(q, e)| *q > 0.0 && !e.is_empty())
        .collect();
    // Stable: equal q keeps the client's order.
    ranges.sort_by(|a, b| b.0.total_cmp(&a.0));
    ranges
        .iter()
        .find_map(|(_, range)| in_range(range, request))
        .ok_or_else(not_acceptable)
}

/// The format answered for one `Accept` media range (its essence), if any.
fn in_range(range: &str, request: Format) -> Option<Format> {
    match range {
        "*/*" | "*" | "application/octet-stream" => Some(request),
        "application/*" if request != Format::Csv => Some(request),
        "application/*" => Some(Format::Json),
        "text/*" => Some(Format::Csv),
        other => named(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(
            declared(Some("text/CSV; charset=utf-8")).unwrap(),
            Declared::Is(Format::Csv)
        );
        assert_eq!(declared(None).unwrap(), Declared::Sniff);
        assert_eq!(
            declared(Some("application/octet-stream")).unwrap(),
            Declared::Sniff
        );
        assert_eq!(declared(Some("image/png")).unwrap_err().status, 415);
        assert_eq!(sniff(b"  {\"a\":1}"), Format::Json);
        assert_eq!(sniff(b"1,2,3"), Format::Csv);
    }

    #[test]
    fn accept() {
        use Format::*;
        assert_eq!(respond_with(None, Csv).unwrap(), Csv);
        assert_eq!(respond_with(Some("*/*"), JsonLines).unwrap(), JsonLines);
        assert_eq!(
            respond_with(Some("text/csv;q=0.5, application/json"), Csv).unwrap(),
            Json
        );
        assert_eq!(
            respond_with(Some("application/jsonlines, text/csv"), Json).unwrap(),
            JsonLines
        );
        assert_eq!(respond_with(Some("application/*"), Csv).unwrap(), Json);
        assert_eq!(respond_with(Some(" Text/CSV "), Json).unwrap(), Csv);
        assert_eq!(respond_with(Some("text/*;q=0.9"), Json).unwrap(), Csv);
        assert_eq!(
            respond_with(Some("text/html"), Json).unwrap_err().status,
            406
        );
        assert_eq!(
            respond_with(Some("application/json;q=0"), Json)
                .unwrap_err()
                .status,
            406
        );
    }
}
