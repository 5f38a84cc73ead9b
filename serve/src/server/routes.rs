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
//! | POST | `/model/contribution` | H2O's ContributionRequest → Shapley contributions ([`super::explain`]) |
//! | GET | `/model/capabilities` | `SCORE`, and `CONTRIBUTION_ORIGINAL`, `CONTRIBUTION_TRANSFORMED` if the model has contributions |
//! | GET | `/openapi.json` | the OpenAPI 3 document of this API |
//! | GET | `/execution-parameters` | batch transform's `MaxConcurrentTransforms`, `BatchStrategy`, `MaxPayloadInMB` |
//! | POST, GET | `/models` | multi-model endpoints: load, list ([`super::mme`]) |
//! | GET, DELETE | `/models/{name}` | describe, unload |
//! | POST | `/models/{name}/invoke` | as `/invocations`, with that model |
//!
//! Any other path is 404, a known path with another method 405 (with `Allow`). In
//! multi-model mode `/ping` is 200 from the start, and the single-model routes
//! (`/invocations`, `/model/*`) are 404 with a pointer to `/models/{name}/invoke`; the
//! `/models` routes are 404 outside it.
//! `X-Amzn-SageMaker-Custom-Attributes` is echoed on every answer that has it.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Instant;

use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::Incoming;
use hyper::header::{self, HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode, Uri};
use serde_json::{json, Value};

use super::body::ResBody;
use super::error::ApiError;
use super::media::{self, Declared, Format};
use super::{explain, input, log, mme, stream, Loaded, State};

/// The OpenAPI document of this server's API.
pub const OPENAPI: &str = include_str!("../../openapi.json");

/// Bodies up to this size are scored on the runtime thread; bigger ones on the blocking
/// pool, so that one large batch cannot stall `/ping` (docs/decisions.md).
pub const INLINE_BODY_LIMIT: usize = 16 << 10;

const CUSTOM_ATTRIBUTES: HeaderName = HeaderName::from_static("x-amzn-sagemaker-custom-attributes");
const INFERENCE_ID: HeaderName = HeaderName::from_static("x-amzn-sagemaker-inference-id");
const TARGET_MODEL: HeaderName = HeaderName::from_static("x-amzn-sagemaker-target-model");

/// The largest `POST /models` body.
const LOAD_BODY_LIMIT: usize = 64 << 10;

/// A successful answer.
struct Reply {
    status: StatusCode,
    content_type: &'static str,
    body: ResBody,
    len: u64,
    rows: Option<usize>,
    /// The fields of a request that named no model input (see `input::Scored`).
    no_input_named: Option<String>,
}

impl Reply {
    fn ok(content_type: &'static str, body: Vec<u8>) -> Self {
        Reply {
            status: StatusCode::OK,
            content_type,
            len: body.len() as u64,
            body: ResBody::bytes(body),
            rows: None,
            no_input_named: None,
        }
    }

    fn json(v: &Value) -> Self {
        let mut body = serde_json::to_vec(v).unwrap_or_default();
        body.push(b'\n');
        Self::ok("application/json", body)
    }
}

/// The request headers the routes read, found in one pass over the request's headers
/// rather than a hashed lookup each (nine a request: ~0.1 µs of a one-row request). Each
/// is the first value of its name, as `HeaderMap::get` gives, borrowed from the request.
#[derive(Default)]
struct Heads<'r> {
    content_type: Option<&'r HeaderValue>,
    accept: Option<&'r HeaderValue>,
    custom: Option<&'r HeaderValue>,
    inference_id: Option<&'r HeaderValue>,
    target_model: Option<&'r HeaderValue>,
    /// `Content-Length`, when it is a number.
    content_length: Option<u64>,
}

impl<'r> Heads<'r> {
    fn read(headers: &'r header::HeaderMap) -> Self {
        let mut heads = Heads::default();
        let mut content_length = None;
        for (name, value) in headers {
            let slot = match *name {
                header::CONTENT_TYPE => &mut heads.content_type,
                header::ACCEPT => &mut heads.accept,
                header::CONTENT_LENGTH => &mut content_length,
                _ if *name == CUSTOM_ATTRIBUTES => &mut heads.custom,
                _ if *name == INFERENCE_ID => &mut heads.inference_id,
                _ if *name == TARGET_MODEL => &mut heads.target_model,
                _ => continue,
            };
            if slot.is_none() {
                *slot = Some(value);
            }
        }
        heads.content_length = content_length
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok());
        heads
    }

    fn content_type(&self) -> Option<&str> {
        self.content_type.and_then(|v| v.to_str().ok())
    }

    fn accept(&self) -> Option<&str> {
        self.accept.and_then(|v| v.to_str().ok())
    }

    fn custom(&self) -> Option<&str> {
        self.custom.and_then(|v| v.to_str().ok())
    }
}

/// Answers one request and logs it.
pub async fn handle(state: &Arc<State>, req: Request<Incoming>) -> Response<ResBody> {
    let start = Instant::now();
    // The head stays here, borrowed by the routes; only the body is handed on.
    let (head, body) = req.into_parts();
    let method = &head.method;
    let path = head.uri.path();
    let heads = Heads::read(&head.headers);

    let result = route(state, body, &heads, method, &head.uri).await;
    let (mut response, rows, error, bytes_out) = match result {
        Ok(reply) => {
            // Only requests that scored rows: an empty one names nothing to get wrong.
            if let (Some(names), Some(1..)) = (reply.no_input_named, reply.rows) {
                state.traffic.record_no_input_named(names);
            }
            let n = reply.len;
            let r = response(reply.status, reply.content_type, reply.body);
            (r, reply.rows, None, n)
        }
        Err((e, allow)) => {
            let status =
                StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let body = e.body();
            let n = body.len() as u64;
            let mut r = response(status, "application/json", ResBody::bytes(body));
            if let Some(allow) = allow {
                r.headers_mut()
                    .insert(header::ALLOW, HeaderValue::from_static(allow));
            }
            (r, None, Some(e.message), n)
        }
    };
    if let Some(c) = heads.custom {
        response.headers_mut().insert(CUSTOM_ATTRIBUTES, c.clone());
    }

    let status = response.status().as_u16();
    let latency = start.elapsed();
    let ping = path == "/ping";
    if !ping {
        state.traffic.record(status, rows.unwrap_or(0), latency);
    }
    // Answers are counted in the `traffic` line; only failures get a line of their own
    // unless the level is `debug` (super::traffic says why).
    // `/ping` is SageMaker's health check, every few seconds (503 while loading is normal).
    let level = match status {
        _ if ping => log::Level::Debug,
        500.. => log::Level::Warn,
        400..=499 => log::Level::Info,
        _ => log::Level::Debug,
    };
    if log::enabled(level) {
        let mut fields: Vec<(&str, Value)> = vec![
            ("method", method.as_str().into()),
            ("path", path.into()),
            ("status", status.into()),
            (
                "latency_ms",
                ((latency.as_secs_f64() * 1e6).round() / 1e3).into(),
            ),
        ];
        if let Some(rows) = rows {
            fields.push(("rows", rows.into()));
        }
        let text = |v: &HeaderValue| Value::from(String::from_utf8_lossy(v.as_bytes()));
        if let Some(ct) = heads.content_type {
            fields.push(("content_type", text(ct)));
        }
        if let Some(a) = heads.accept {
            fields.push(("accept", text(a)));
        }
        if let Some(n) = heads.content_length {
            fields.push(("bytes_in", n.into()));
        }
        fields.push(("bytes_out", bytes_out.into()));
        if let Some(id) = heads.inference_id {
            fields.push(("inference_id", text(id)));
        }
        if let Some(t) = heads.target_model {
            fields.push(("target_model", text(t)));
        }
        if let Some(e) = error {
            fields.push(("error", e.into()));
        }
        log::log(level, "request", &fields);
    }
    response
}

fn response(status: StatusCode, content_type: &'static str, body: ResBody) -> Response<ResBody> {
    let mut r = Response::new(body);
    *r.status_mut() = status;
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

type RouteError = (ApiError, Option<&'static str>);

async fn route(
    state: &Arc<State>,
    body: Incoming,
    heads: &Heads<'_>,
    method: &Method,
    uri: &Uri,
) -> Result<Reply, RouteError> {
    let path = uri.path();
    if path == "/models" || path.starts_with("/models/") {
        // Boxed: its future is ~40 KB, which every request's future would otherwise be,
        // and hyper holds one per connection (multi-model or not).
        return Box::pin(models(state, body, heads, method, uri)).await;
    }
    let allow: &'static str = match path {
        "/ping" => "GET, HEAD",
        "/execution-parameters" => "GET",
        "/invocations" | "/model/score" | "/model/contribution" => "POST",
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
    if path == "/execution-parameters" {
        return Ok(Reply::json(&execution_parameters(&state.config)));
    }
    if state.config.multi_model {
        if path == "/ping" {
            return Ok(Reply::ok("text/plain", Vec::new()));
        }
        return Err(no_allow(ApiError::not_found(format!(
            "this is a multi-model endpoint: {path} needs a model; use POST \
             /models/{{name}}/invoke (SageMaker's InvokeEndpoint with TargetModel does)"
        ))));
    }
    let loaded = state
        .model()
        .cloned()
        .ok_or_else(ApiError::not_ready)
        .map_err(no_allow)?;
    match path {
        "/ping" => Ok(Reply::ok("text/plain", Vec::new())),
        "/invocations" | "/model/score" => invocations(state, loaded, body, heads)
            .await
            .map_err(no_allow),
        "/model/id" => Ok(Reply::ok(
            "text/plain",
            loaded.model.uuid().as_bytes().to_vec(),
        )),
        "/model/schema" => Ok(Reply::json(&schema(&loaded))),
        "/model/sample_request" => Ok(Reply::json(&sample_request(&loaded))),
        "/model/contribution" => contribution(state, loaded, body, heads)
            .await
            .map_err(no_allow),
        _ => Ok(Reply::json(&json!(loaded.explain.capabilities()))),
    }
}

async fn invocations(
    state: &Arc<State>,
    loaded: Arc<Loaded>,
    body: Incoming,
    heads: &Heads<'_>,
) -> Result<Reply, ApiError> {
    let declared = media::declared(heads.content_type())?;
    let accept = heads.accept();
    if let Declared::Is(f) = declared {
        media::respond_with(accept, f)?;
    }
    let panic_now =
        state.panic_trigger.is_some() && heads.custom() == state.panic_trigger.as_deref();
    let limit = state.config.max_body;
    check_declared_length(heads, limit)?;
    if let (true, Declared::Is(f @ (Format::Csv | Format::JsonLines))) =
        (state.config.batch, declared)
    {
        let output = media::respond_with(accept, f)?;
        return streamed(loaded, body, f, output, limit).await;
    }
    let body = collect_body(body, limit).await?;
    let input = match declared {
        Declared::Is(f) => f,
        Declared::Sniff => media::sniff(&body),
    };
    let output = media::respond_with(accept, input)?;

    let len = body.len();
    let scored = run_scoring(len, move || {
        if panic_now {
            panic!("panic requested by the test trigger");
        }
        input::score(&loaded, &body, input, output)
    })
    .await?;
    Ok(Reply {
        rows: Some(scored.rows),
        no_input_named: scored.no_input_named,
        ..Reply::ok(output.content_type(), scored.body)
    })
}

/// `POST /model/contribution`: a JSON ContributionRequest, answered in JSON.
async fn contribution(
    state: &Arc<State>,
    loaded: Arc<Loaded>,
    body: Incoming,
    heads: &Heads<'_>,
) -> Result<Reply, ApiError> {
    if let Declared::Is(f) = media::declared(heads.content_type())? {
        if f != Format::Json {
            return Err(ApiError::unsupported_media_type(format!(
                "/model/contribution reads a JSON ContributionRequest, not {}",
                f.content_type()
            )));
        }
    }
    if let Some(accept) = heads.accept() {
        let json = media::respond_with(Some(accept), Format::Json).ok() == Some(Format::Json)
            || accept.to_ascii_lowercase().contains("application/json");
        if !json {
            return Err(ApiError::not_acceptable(format!(
                "Accept `{accept}`: /model/contribution answers application/json only"
            )));
        }
    }
    let limit = state.config.max_body;
    check_declared_length(heads, limit)?;
    let body = collect_body(body, limit).await?;
    let len = body.len();
    let scored = run_scoring(len, move || explain::contribution(&loaded, &body)).await?;
    Ok(Reply {
        rows: Some(scored.rows),
        no_input_named: scored.no_input_named,
        ..Reply::ok("application/json", scored.body)
    })
}

/// 413 before reading anything when `Content-Length` is over the limit.
fn check_declared_length(heads: &Heads, limit: usize) -> Result<(), ApiError> {
    if heads.content_length.is_some_and(|n| n > limit as u64) {
        return Err(ApiError::too_large(limit));
    }
    Ok(())
}

/// The whole body, at most `limit` bytes (413 past it, also without `Content-Length`).
async fn collect_body(body: Incoming, limit: usize) -> Result<hyper::body::Bytes, ApiError> {
    Ok(Limited::new(body, limit)
        .collect()
        .await
        .map_err(|e| {
            if e.downcast_ref::<LengthLimitError>().is_some() {
                ApiError::too_large(limit)
            } else {
                ApiError::bad_request(format!("could not read the request body: {e}"))
            }
        })?
        .to_bytes())
}

/// Runs a scoring job inline for small bodies and on the blocking pool for big ones, with
/// a panic in it answered as a 500 for this request only.
async fn run_scoring<T: Send + 'static>(
    body_len: usize,
    job: impl FnOnce() -> Result<T, ApiError> + Send + 'static,
) -> Result<T, ApiError> {
    let job = move || catch_unwind(AssertUnwindSafe(job));
    let outcome = if body_len <= INLINE_BODY_LIMIT {
        job()
    } else {
        tokio::task::spawn_blocking(job)
            .await
            .map_err(|e| ApiError::internal(format!("the scoring task failed: {e}")))?
    };
    outcome.unwrap_or_else(|panic| Err(panic_error(panic)))
}

/// A panic's message as a 500.
fn panic_error(panic: Box<dyn std::any::Any + Send>) -> ApiError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    log::error(
        "a request panicked; the server goes on",
        &[("panic", what.clone().into())],
    );
    ApiError::internal(format!(
        "internal error while scoring ({what}); this is a bug, please report it with the request"
    ))
}

/// Batch mode: scores a CSV or JSON Lines body frame by frame ([`stream`]).
async fn streamed(
    loaded: Arc<Loaded>,
    body: Incoming,
    input: Format,
    output: Format,
    limit: usize,
) -> Result<Reply, ApiError> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(stream::CHANNEL_FRAMES);
    tokio::spawn(stream::pump(body, limit, tx));
    let job = tokio::task::spawn_blocking(move || {
        catch_unwind(AssertUnwindSafe(|| {
            stream::score(&loaded, input, output, &mut rx)
        }))
    });
    let scored = match job.await {
        Ok(Ok(result)) => result?,
        Ok(Err(panic)) => return Err(panic_error(panic)),
        Err(e) => return Err(ApiError::internal(format!("the scoring task failed: {e}"))),
    };
    let (body, len) = match scored.output {
        stream::Output::Memory(bytes) => {
            let len = bytes.len() as u64;
            (ResBody::bytes(bytes), len)
        }
        stream::Output::File(file, len) => (ResBody::file(file, len), len),
    };
    Ok(Reply {
        status: StatusCode::OK,
        content_type: output.content_type(),
        body,
        len,
        rows: Some(scored.rows),
        no_input_named: scored.no_input_named,
    })
}

/// `GET /execution-parameters`: what batch transform should send (sagemaker.md §1.9).
/// `MaxConcurrentTransforms` is `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS` or the cores;
/// `MaxPayloadInMB` is the body limit, lowered so that concurrency × payload stays within
/// SageMaker's 100 MB, at least 1 (0, streaming without a limit, if the limit was set to 0).
pub fn execution_parameters(config: &super::Config) -> Value {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let concurrent = config.max_concurrent_transforms.unwrap_or(cores).max(1);
    let limit_mb = config.max_body >> 20;
    let payload_mb = if config.max_body == usize::MAX {
        0
    } else if config.max_body_set {
        limit_mb.min(100)
    } else {
        limit_mb.min(100 / concurrent).max(1)
    };
    json!({
        "MaxConcurrentTransforms": concurrent,
        "BatchStrategy": config.batch_strategy.as_deref().unwrap_or("MULTI_RECORD"),
        "MaxPayloadInMB": payload_mb,
    })
}

/// The multi-model routes ([`mme`]).
async fn models(
    state: &Arc<State>,
    body: Incoming,
    heads: &Heads<'_>,
    method: &Method,
    uri: &Uri,
) -> Result<Reply, RouteError> {
    let path = uri.path();
    let no_allow = |e| (e, None);
    if !state.config.multi_model {
        return Err(no_allow(ApiError::not_found(
            "this is a single-model endpoint: /models answers only in multi-model mode \
             (SAGEMAKER_MULTI_MODEL=true or --multi-model)",
        )));
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let name = |raw: &str| {
        mme::percent_decode(raw)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| {
                no_allow(ApiError::bad_request(
                    "the model name is empty or not UTF-8",
                ))
            })
    };
    let wrong = |allow: &'static str| {
        Err((
            ApiError::new(405, format!("{path} answers {allow}, not {method}")),
            Some(allow),
        ))
    };
    match (segments.as_slice(), method) {
        (["models"], &Method::POST) => load(state, body).await.map_err(no_allow),
        (["models"], &Method::GET) => {
            let query = uri.query();
            let max = match mme::query_param(query, "max_results")
                .or_else(|| mme::query_param(query, "limit"))
            {
                None => mme::DEFAULT_PAGE,
                Some(m) => m
                    .trim()
                    .parse()
                    .ok()
                    .filter(|n| (1..=mme::MAX_PAGE).contains(n))
                    .ok_or_else(|| {
                        no_allow(
                            ApiError::bad_request(format!(
                                "max_results `{m}` must be a number from 1 to {}",
                                mme::MAX_PAGE
                            ))
                            .with("field", "max_results"),
                        )
                    })?,
            };
            let token = mme::query_param(query, "next_page_token");
            let v = state.models.list(max, token.as_deref()).map_err(no_allow)?;
            Ok(Reply::json(&v))
        }
        (["models"], _) => wrong("GET, POST"),
        (["models", raw], &Method::GET) => {
            let v = state.models.describe(&name(raw)?).map_err(no_allow)?;
            Ok(Reply::json(&v))
        }
        (["models", raw], &Method::DELETE) => {
            let v = state.models.unload(&name(raw)?).await.map_err(no_allow)?;
            Ok(Reply::json(&v))
        }
        (["models", _], _) => wrong("GET, DELETE"),
        (["models", raw, "invoke"], &Method::POST) => {
            let name = name(raw)?;
            let loaded = state
                .models
                .get(&name)
                .ok_or_else(|| no_allow(mme::not_loaded(&name)))?;
            invocations(state, loaded, body, heads)
                .await
                .map_err(no_allow)
        }
        (["models", _, "invoke"], _) => wrong("POST"),
        _ => Err(no_allow(ApiError::not_found(format!(
            "no route {path}; the multi-model routes are /models, /models/{{name}} and \
             /models/{{name}}/invoke"
        )))),
    }
}

/// `POST /models`: claims the name, then loads on the blocking pool.
async fn load(state: &Arc<State>, body: Incoming) -> Result<Reply, ApiError> {
    let body = Limited::new(body, LOAD_BODY_LIMIT)
        .collect()
        .await
        .map_err(|e| ApiError::bad_request(format!("could not read the request body: {e}")))?
        .to_bytes();
    let (name, url) = mme::parse_load(&body)?;
    state.models.claim(&name)?;
    let state = state.clone();
    let job = tokio::task::spawn_blocking(move || {
        catch_unwind(AssertUnwindSafe(|| state.models.load(&name, &url)))
    });
    match job.await {
        Ok(Ok(result)) => Ok(Reply::json(&result?)),
        Ok(Err(panic)) => Err(panic_error(panic)),
        Err(e) => Err(ApiError::internal(format!("the loading task failed: {e}"))),
    }
}

/// The inputs a request carries: each input column (an encoded model's original columns),
/// with its levels, then the offset column.
fn input_fields(loaded: &Loaded) -> Vec<(&str, Option<scorer::model::Levels<'_>>)> {
    let model = &loaded.model;
    (0..model.n_inputs())
        .filter_map(|k| model.input(k).map(|i| (i.name, i.levels)))
        .chain(
            model
                .offset_column()
                .and_then(|i| model.column(i))
                .map(|c| (c.name, None)),
        )
        .collect()
}

/// H2O's `Model` document: input and output fields with their types.
fn schema(loaded: &Loaded) -> Value {
    let model = &loaded.model;
    let inputs: Vec<Value> = input_fields(loaded)
        .into_iter()
        .map(|(name, levels)| {
            let data_type = if levels.is_some() { "Str" } else { "Float64" };
            json!({"name": name, "dataType": data_type})
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
    let (fields, row): (Vec<&str>, Vec<&str>) = input_fields(loaded)
        .into_iter()
        .map(|(name, levels)| (name, levels.and_then(|l| l.get(0)).unwrap_or("0")))
        .unzip();
    json!({"fields": fields, "rows": [row]})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// hyper allocates room for a request's future (the service's answer) per connection,
    /// so its size is memory per connection; a route that needs a big one boxes it
    /// (`models`, ~40 KB).
    #[test]
    fn a_requests_future_is_small() {
        fn size<T>(_: &Option<T>) -> usize {
            std::mem::size_of::<T>()
        }
        let state = Arc::new(State::new(crate::server::Config::default()));
        // The future of a call never made: its type is all that is needed.
        let future = None::<Request<Incoming>>.map(|req| handle(&state, req));
        assert!(size(&future) <= 4 << 10, "{} bytes", size(&future));
    }

    #[test]
    fn heads_are_the_first_value_of_each_name_as_header_map_get_gives() {
        let mut h = header::HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("h"));
        h.append(header::ACCEPT, HeaderValue::from_static("text/csv"));
        h.append(header::ACCEPT, HeaderValue::from_static("application/json"));
        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("12"));
        h.insert(CUSTOM_ATTRIBUTES, HeaderValue::from_static("a=1"));
        h.insert(TARGET_MODEL, HeaderValue::from_static("m.tar.gz"));
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_bytes(b"text/\xffcsv").unwrap(),
        );
        let heads = Heads::read(&h);
        assert_eq!(
            heads.accept(),
            h.get(header::ACCEPT).and_then(|v| v.to_str().ok())
        );
        assert_eq!(heads.accept(), Some("text/csv"));
        assert_eq!(heads.content_length, Some(12));
        assert_eq!(heads.custom(), Some("a=1"));
        assert_eq!(heads.target_model, h.get(TARGET_MODEL));
        assert_eq!(heads.inference_id, None);
        // Present but not text: kept for the log, read as absent, as before.
        assert!(heads.content_type.is_some());
        assert_eq!(heads.content_type(), None);

        h.insert(header::CONTENT_LENGTH, HeaderValue::from_static("twelve"));
        assert_eq!(Heads::read(&h).content_length, None);
    }
}
