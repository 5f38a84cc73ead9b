//! Routes: SageMaker's `/ping` and `/invocations`, H2O's scoring API v1 and our OpenAPI.
//!
//! | method | path | answer |
//! | --- | --- | --- |
//! | GET, HEAD | `/ping` | 200 empty once the model is loaded, 503 before |
//! | POST | `/invocations` | scores the body ([`super::input`]) |
//! | POST | `/model/score` | the same (H2O's route) |
//! | GET | `/model/id` | the model's UUID, `text/plain` |
//! | GET | `/model/schema` | `{"id", "schema": {"inputFields", "outputFields"}}` |
//! | GET | `/model/sample_request` | a ScoreRequest that scores |
//! | GET | `/model/capabilities` | `["SCORE"]` |
//! | GET | `/openapi.json` | the OpenAPI 3 document of this API |
//!
//! Any other path is 404, a known path with another method 405 (with `Allow`).
//! `X-Amzn-SageMaker-Custom-Attributes` is echoed on every answer that has it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};

use super::error::ApiError;
use super::media::{self, Declared};
use super::{input, log, Loaded, State};

/// The OpenAPI document of this server's API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Bodies up to this size are scored on the runtime thread; bigger ones on the blocking
/// pool, so that one large batch cannot stall `/ping` (docs/decisions.md).
pub const INLINE_BODY_LIMIT: usize = 16 << 10;

const CUSTOM_ATTRIBUTES: HeaderName = HeaderName::from_static("x-amzn-sagemaker-custom-attributes");
const INFERENCE_ID: HeaderName = HeaderName::from_static("x-amzn-sagemaker-inference-id");

/// A successful answer.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
    rows: Option<usize>,
}

impl Reply {
    fn ok(content_type: &'static str, body: Vec<u8>) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type,
            body,
            rows: None,
        }
    }

    fn json(v: &Value) -> Self {
        let mut body = serde_json::to_vec(v).unwrap_or_default();
        body.push(b'\n');
        Self::ok("application/json", body)
    }
}

fn header(req: &Request<Incoming>, name: impl header::AsHeaderName) -> Option<&str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// Answers one request and logs it.
pub async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Response<Full<Bytes>> {
    let start = Instant::now();
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let content_type = header(&req, header::CONTENT_TYPE).map(str::to_owned);
    let accept = header(&req, header::ACCEPT).map(str::to_owned);
    let custom = req.headers().get(CUSTOM_ATTRIBUTES).cloned();
    let inference_id = header(&req, INFERENCE_ID).map(str::to_owned);
    let bytes_in = header(&req, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());

    let result = route(state, req, &method, &path).await;
    let (mut response, rows, error, bytes_out) = match result {
        Ok(reply) => {
            let n = reply.body.len();
            let r = response(reply.status, reply.content_type, reply.body);
            (r, reply.rows, None, n)
        }
        Err((e, allow)) => {
            let status =
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = e.body();
            let n = body.len();
            let mut r = response(status, "application/json", body);
            if let Some(allow) = allow {
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            (r, None, Some(e.message), n)
        }
    };
    if let Some(c) = custom {
        response.headers_mut().insert(CUSTOM_ATTRIBUTES, c);
    }

    let status = response.status().as_u16();
    let level = if path == "/ping" && status == 200 {
        log::Level::Debug
    } else {
        log::Level::Info
    };
    if log::enabled(level) {
        let mut fields: Vec<(&str, Value)> = vec![
            ("method", method.as_str().into()),
            ("path", path.into()),
            ("status", status.into()),
            (
                "latency_ms",
                ((start.elapsed().as_secs_f64() * 1e6).round() / 1e3).into(),
            ),
        ];
        if let Some(rows) = rows {
            fields.push(("rows", rows.into()));
        }
        if let Some(ct) = content_type {
            fields.push(("content_type", ct.into()));
        }
        if let Some(a) = accept {
            fields.push(("accept", a.into()));
        }
        if let Some(n) = bytes_in {
            fields.push(("bytes_in", n.into()));
        }
        fields.push(("bytes_out", bytes_out.into()));
        if let Some(id) = inference_id {
            fields.push(("inference_id", id.into()));
        }
        if let Some(e) = error {
            fields.push(("error", e.into()));
        }
        log::log(level, "request", &fields);
    }
    response
}

fn response(
    status: StatusCode,
    content_type: &'static str,
    body: Vec<u8>,
) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(body)));
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

type RouteError = (ApiError, Option<&'static str>);

async fn route(
    state: &Arc<State>,
    req: Request<Incoming>,
    method: &Method,
    path: &str,
) -> Result<Reply, RouteError> {
    let allow: &'static str = match path {
        "/ping" => "GET, HEAD",
        "/invocations" | "/model/score" => "POST",
        "/model/id"
        | "/model/schema"
        | "/model/sample_request"
        | "/model/capabilities"
        | "/openapi.json" => "GET",
        _ => {
            return Err((
                ApiError::not_found(format!(
                    "no route {path}; SageMaker's are GET /ping and POST /invocations \
                     (GET /openapi.json lists them all)"
                )),
                None,
            ))
        }
    };
    let allowed = allow.split(", ").any(|m| m == method.as_str());
    if !allowed {
        return Err((
            ApiError::new(405, format!("{path} answers {allow}, not {method}")),
            Some(allow),
        ));
    }
    let no_allow = |e| (e, None);
    if path == "/openapi.json" {
        return Ok(Reply::ok("application/json", OPENAPI.as_bytes().to_vec()));
    }
    let loaded = state
        .model()
        .cloned()
        .ok_or_else(ApiError::not_ready)
        .map_err(no_allow)?;
    match path {
        "/ping" => Ok(Reply::ok("text/plain", Vec::new())),
        "/invocations" | "/model/score" => invocations(state, loaded, req).await.map_err(no_allow),
        "/model/id" => Ok(Reply::ok(
            "text/plain",
            loaded.model.uuid().as_bytes().to_vec(),
        )),
        "/model/schema" => Ok(Reply::json(&schema(&loaded))),
        "/model/sample_request" => Ok(Reply::json(&sample_request(&loaded))),
        _ => Ok(Reply::json(&json!(["SCORE"]))),
    }
}

async fn invocations(
    state: &Arc<State>,
    loaded: Arc<Loaded>,
    req: Request<Incoming>,
) -> Result<Reply, ApiError> {
    let declared = media::declared(header(&req, header::CONTENT_TYPE))?;
    let accept = header(&req, header::ACCEPT).map(str::to_owned);
    if let Declared::Is(f) = declared {
        media::respond_with(accept.as_deref(), f)?;
    }
    let panic_now = state.panic_trigger.is_some()
        && header(&req, CUSTOM_ATTRIBUTES) == state.panic_trigger.as_deref();
    let limit = state.config.max_body;
    let declared_len = header(&req, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared_len.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    let body = Limited::new(req.into_body(), limit)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ApiError::too_large(limit)
            } else {
                ApiError::bad_request(format!("could not read the request body: {e}"))
            }
        })?
        .to_bytes();
    let input = match declared {
        Declared::Is(f) => f,
        Declared::Sniff => media::sniff(&body),
    };
    let output = media::respond_with(accept.as_deref(), input)?;

    let len = body.len();
    let job = move || {
        catch_unwind(AssertUnwindSafe(|| {
            if panic_now {
                panic!("panic requested by the test trigger");
            }
            input::score(&loaded, &body, input, output)
        }))
    };
    let outcome = if len <= INLINE_BODY_LIMIT {
        job()
    } else {
        match tokio::task::spawn_blocking(job).await {
            Ok(outcome) => outcome,
            Err(e) => return Err(ApiError::internal(format!("the scoring task failed: {e}"))),
        }
    };
    match outcome {
        Ok(Ok(scored)) => Ok(Reply {
            rows: Some(scored.rows),
            ..Reply::ok(output.content_type(), scored.body)
        }),
        Ok(Err(e)) => Err(e),
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".into());
            log::error(
                "a request panicked; the server goes on",
                &[("panic", what.clone().into())],
            );
            Err(ApiError::internal(format!(
                "internal error while scoring ({what}); this is a bug, please report it with the request"
            )))
        }
    }
}

fn data_type(loaded: &Loaded, i: usize) -> &'static str {
    match loaded.model.column(i).and_then(|c| c.levels) {
        Some(_) => "Str",
        None => "Float64",
    }
}

/// H2O's `Model` document: input and output fields with their types.
fn schema(loaded: &Loaded) -> Value {
    let model = &loaded.model;
    let inputs: Vec<Value> = (0..model.n_features())
        .chain(model.offset_column())
        .filter_map(|i| {
            let c = model.column(i)?;
            Some(json!({"name": c.name, "dataType": data_type(loaded, i)}))
        })
        .collect();
    let outputs: Vec<Value> = loaded
        .output_names
        .iter()
        .map(|n| json!({"name": n, "dataType": "Float64"}))
        .collect();
    json!({
        "id": model.uuid(),
        "schema": {"inputFields": inputs, "outputFields": outputs},
    })
}

/// A ScoreRequest with every input field and one row that scores: the first level of each
/// categorical column, 0 for numbers.
fn sample_request(loaded: &Loaded) -> Value {
    let model = &loaded.model;
    let (fields, row): (Vec<&str>, Vec<&str>) = (0..model.n_features())
        .chain(model.offset_column())
        .filter_map(|i| {
            let c = model.column(i)?;
            let sample = c.levels.and_then(|l| l.get(0)).unwrap_or("0");
            Some((c.name, sample))
        })
        .unzip();
    json!({"fields": fields, "rows": [row]})
}
