//! Multi-model endpoints: SageMaker's model management API, on a memory budget.
//!
//! | method | path | answer |
//! | --- | --- | --- |
//! | POST | `/models` `{"model_name", "url"}` | 200 loaded; 400 bad body or no model at `url`; 409 already loaded (or loading); 507 over the memory budget |
//! | GET | `/models[?max_results=N&next_page_token=T]` | `{"models": [{"modelName", "modelUrl", ..}], "nextPageToken"?}` |
//! | GET | `/models/{name}` | the model; 404 not loaded |
//! | DELETE | `/models/{name}` | 200 once its memory is freed; 404 not loaded |
//! | POST | `/models/{name}/invoke` | as `/invocations`; 404 not loaded |
//!
//! Enabled by `SAGEMAKER_MULTI_MODEL=true` (SageMaker sets it in MME containers) or
//! `--multi-model`; then no model is loaded at start and `/ping` answers 200 at once.
//!
//! # Memory
//! Every byte a load allocates is reserved against the budget before it is allocated: the
//! file (its size from the file system), the core's scratch (`Mojo::scratch_len`) and the
//! model memory (`Plan::bytes`, known from the plan before the model's memory exists) with
//! the [`Loaded`] that holds it ([`LOADED_BYTES`]), the sub-model headers and
//! [`PER_MODEL_SLACK`]; only the names `Loaded` builds (a few KB) are counted once built.
//! A reservation that does not fit is a 507 and nothing more is allocated; once loaded,
//! only the model, its `Loaded` and their heap stay reserved. The reservation lives in the [`Loaded`] itself, so it is released exactly when
//! the memory is freed: when the model is unloaded and its last request in flight has
//! ended. `DELETE` waits for those requests (up to [`UNLOAD_WAIT`]) so that the memory is
//! back when it answers, as SageMaker expects.
//!
//! The budget is `--memory-budget` / `MODEL_MEMORY_BUDGET`, else the cgroup's memory limit
//! (v2 `memory.max`, v1 `memory.limit_in_bytes`; `MemTotal` without one) less a margin of a
//! quarter, at least 64 MiB and at most half, for the server itself and request bodies.
//!
//! # Concurrency
//! The registry is a `RwLock` held only to look up, insert or remove (never while loading,
//! scoring or waiting). Loads run on the blocking pool; a name being loaded is reserved, so
//! a second load of it is a 409 at once. Requests hold an `Arc<Loaded>`.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use scorer::model::Mojo;

use crate::load::{self, HeapSubModels};
use serde_json::{json, Value};

use super::error::ApiError;
use super::{config, log, Loaded};

/// How long `DELETE` waits for requests in flight before it answers anyway.
pub const UNLOAD_WAIT: Duration = Duration::from_secs(60);

/// `GET /models` page size when `max_results` is not given, and its largest value.
pub const DEFAULT_PAGE: usize = 100;
pub const MAX_PAGE: usize = 1000;

/// The memory a multi-model endpoint may give to models.
#[derive(Debug)]
pub struct Budget {
    limit: usize,
    used: Arc<AtomicUsize>,
    /// Where the limit came from (`--memory-budget`, `cgroup v2 memory.max`, ...).
    pub source: String,
}

/// Bytes reserved against a [`Budget`]; given back on drop.
#[derive(Debug)]
pub struct Reservation {
    bytes: usize,
    used: Arc<AtomicUsize>,
    limit: usize,
}

impl Budget {
    pub fn new(limit: usize, source: impl Into<String>) -> Self {
        Budget {
            limit,
            used: Arc::new(AtomicUsize::new(0)),
            source: source.into(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    pub fn used(&self) -> usize {
        self.used.load(Ordering::Acquire)
    }

    /// An empty reservation to grow.
    pub fn reservation(&self) -> Reservation {
        Reservation {
            bytes: 0,
            used: self.used.clone(),
            limit: self.limit,
        }
    }
}

impl Reservation {
    pub fn bytes(&self) -> usize {
        self.bytes
    }

    /// Reserves `more` bytes; on failure returns the bytes in use (nothing changes).
    pub fn grow(&mut self, more: usize) -> Result<(), usize> {
        let limit = self.limit;
        self.used
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |u| {
                u.checked_add(more).filter(|&n| n <= limit)
            })
            .map(|_| self.bytes += more)
    }

    /// Gives back all but `keep` bytes.
    pub fn shrink_to(&mut self, keep: usize) {
        if keep < self.bytes {
            self.used.fetch_sub(self.bytes - keep, Ordering::AcqRel);
            self.bytes = keep;
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        self.shrink_to(0);
    }
}

/// The default budget: the memory limit less the margin (module docs).
pub fn default_budget() -> Budget {
    let (limit, source) = memory_limit();
    let margin = (limit / 4).max(64 << 20).min(limit / 2);
    Budget::new(
        limit - margin,
        format!("{source} {limit} bytes less {margin}"),
    )
}

fn read_number(path: &Path) -> Option<usize> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

/// The cgroup's memory limit, else the machine's memory, else 1 GiB.
fn memory_limit() -> (usize, &'static str) {
    const UNLIMITED: usize = 1 << 60;
    let root = Path::new("/sys/fs/cgroup");
    // cgroup v2: this process's group, then the namespace root (inside a container).
    let own = std::fs::read_to_string("/proc/self/cgroup")
        .ok()
        .and_then(|s| {
            s.lines().find_map(|l| {
                l.strip_prefix("0::")
                    .map(|p| p.trim_start_matches('/').to_owned())
            })
        })
        .map(|p| root.join(p).join("memory.max"));
    for path in own.into_iter().chain([root.join("memory.max")]) {
        if let Some(n) = read_number(&path) {
            return (n, "cgroup v2 memory.max");
        }
    }
    if let Some(n) = read_number(&root.join("memory/memory.limit_in_bytes")) {
        if n < UNLIMITED {
            return (n, "cgroup v1 memory.limit_in_bytes");
        }
    }
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("MemTotal:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
    });
    match total {
        Some(kb) => (kb.saturating_mul(1024), "MemTotal"),
        None => (1 << 30, "no limit found, assumed"),
    }
}

/// Bytes of the [`Loaded`] struct, counted with every model's memory (with the sub-model
/// headers, on the heap since decision 59, what `Loaded` builds on the heap,
/// [`Loaded::heap_bytes`], and [`PER_MODEL_SLACK`]).
pub const LOADED_BYTES: usize = std::mem::size_of::<Loaded>();

// `Loaded` held the core's 128 inline sub-model headers (~40 KB) until decision 59; it is
// about 1 KB now. Keep it small: a thousand models carry it a thousand times.
const _: () = assert!(LOADED_BYTES <= 4 * 1024);

/// Bytes counted with every model for what no struct shows: the allocator's size classes
/// around its allocations and the pages a load leaves behind. A thousand demo models grew
/// RSS by 10.2 MB where their memory, `Loaded` and its names came to 7.7 MB (decision 59).
pub const PER_MODEL_SLACK: usize = 2048;

/// A loaded model and where it came from.
pub struct Slot {
    pub loaded: Arc<Loaded>,
    pub url: String,
    pub memory_bytes: usize,
}

#[derive(Default)]
struct Models {
    loaded: BTreeMap<String, Slot>,
    loading: HashSet<String>,
}

/// The models of a multi-model endpoint.
pub struct Registry {
    models: RwLock<Models>,
    pub budget: Budget,
}

impl Registry {
    pub fn new(budget: Budget) -> Self {
        Registry {
            models: RwLock::new(Models::default()),
            budget,
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Models> {
        self.models.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Models> {
        self.models.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The model called `name`, for one request.
    pub fn get(&self, name: &str) -> Option<Arc<Loaded>> {
        self.read().loaded.get(name).map(|s| s.loaded.clone())
    }

    pub fn len(&self) -> usize {
        self.read().loaded.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Claims `name` for a load: 409 if it is loaded or being loaded.
    pub fn claim(&self, name: &str) -> Result<(), ApiError> {
        let mut m = self.write();
        if m.loaded.contains_key(name) || m.loading.contains(name) {
            return Err(ApiError::new(
                409,
                format!(
                    "model `{name}` is already loaded; unload it first (DELETE /models/{name})"
                ),
            )
            .with("model_name", name));
        }
        m.loading.insert(name.to_owned());
        Ok(())
    }

    /// Ends a claim: stores the model (if it loaded) and frees the name.
    fn settle(&self, name: &str, slot: Option<Slot>) {
        let mut m = self.write();
        m.loading.remove(name);
        if let Some(slot) = slot {
            m.loaded.insert(name.to_owned(), slot);
        }
    }

    /// Loads `name` from `url` (blocking: run it on the blocking pool), after [`Self::claim`].
    pub fn load(&self, name: &str, url: &str) -> Result<Value, ApiError> {
        let started = Instant::now();
        let result = self.load_claimed(name, url);
        let slot_json = result.as_ref().ok().map(|s| describe(name, s));
        let used = self.budget.used();
        match result {
            Ok(slot) => {
                self.settle(name, Some(slot));
                let models = self.len();
                log::info(
                    "model loaded",
                    &[
                        ("model_name", name.into()),
                        ("url", url.into()),
                        ("memory_used_bytes", used.into()),
                        ("memory_budget_bytes", self.budget.limit().into()),
                        ("models", models.into()),
                        (
                            "load_ms",
                            ((started.elapsed().as_secs_f64() * 1e6).round() / 1e3).into(),
                        ),
                    ],
                );
                let mut v = slot_json.unwrap_or(Value::Null);
                v["status"] = format!("model {name} loaded").into();
                Ok(v)
            }
            Err(e) => {
                self.settle(name, None);
                Err(e)
            }
        }
    }

    fn over_budget(&self, name: &str, need: usize, used: usize, what: &str) -> ApiError {
        ApiError::new(
            507,
            format!(
                "not enough memory to load `{name}`: {what} needs {need} more bytes, and \
                 {used} of the {} bytes of the model memory budget are in use by {} models; \
                 unload models (DELETE /models/{{name}}) or raise --memory-budget / \
                 MODEL_MEMORY_BUDGET",
                self.budget.limit(),
                self.len()
            ),
        )
        .with("model_name", name)
        .with("needed_bytes", need)
        .with("used_bytes", used)
        .with("budget_bytes", self.budget.limit())
    }

    fn load_claimed(&self, name: &str, url: &str) -> Result<Slot, ApiError> {
        let bad = |m: String| ApiError::bad_request(m).with("model_name", name);
        let dir = PathBuf::from(url);
        let path = if dir.is_file() {
            dir
        } else {
            config::discover(&dir).map_err(bad)?
        };
        let shown = path.display().to_string();
        let mut reservation = self.budget.reservation();
        // A file is counted before it is read; an unzipped MOJO directory once packed.
        let file_len = match path.is_dir() {
            true => 0,
            false => std::fs::metadata(&path)
                .map_err(|e| bad(format!("{shown}: {e}")))?
                .len() as usize,
        };
        reservation
            .grow(file_len)
            .map_err(|used| self.over_budget(name, file_len, used, "reading the file"))?;
        let bytes = load::read_mojo(&path).map_err(|e| bad(format!("{shown}: {e}")))?;
        if let Some(more) = bytes.len().checked_sub(file_len).filter(|&n| n > 0) {
            reservation
                .grow(more)
                .map_err(|used| self.over_budget(name, bytes.len(), used, "reading the files"))?;
        }
        let invalid = |e: scorer::Error| bad(format!("{shown}: {e}"));
        let mojo = Mojo::new(&bytes).map_err(invalid)?;
        let scratch_len = mojo.scratch_len();
        reservation
            .grow(scratch_len)
            .map_err(|used| self.over_budget(name, scratch_len, used, "loading"))?;
        let mut scratch = load::LoadBuffer::zeroed(scratch_len);
        let plan = mojo
            .plan_with::<HeapSubModels>(&mut scratch)
            .map_err(invalid)?;
        let model_bytes =
            plan.bytes() + LOADED_BYTES + load::sub_model_bytes(&plan) + PER_MODEL_SLACK;
        reservation
            .grow(model_bytes)
            .map_err(|used| self.over_budget(name, model_bytes, used, "the model"))?;
        let mem = vec![0u64; plan.words()].into_boxed_slice();
        let model = mojo.load_with(&plan, &mut scratch, mem).map_err(invalid)?;
        drop(scratch);
        drop(bytes);
        reservation.shrink_to(model_bytes);
        let mut loaded = Loaded::new(model, path);
        // The names and maps `Loaded` builds: known only once built, and small beside the
        // model (a few KB); counted as soon as they exist.
        let names_bytes = loaded.heap_bytes();
        reservation
            .grow(names_bytes)
            .map_err(|used| self.over_budget(name, names_bytes, used, "the model's names"))?;
        loaded.reservation = Some(reservation);
        Ok(Slot {
            loaded: Arc::new(loaded),
            url: url.to_owned(),
            memory_bytes: model_bytes + names_bytes,
        })
    }

    /// Removes `name`; then waits (up to [`UNLOAD_WAIT`]) for its requests in flight so
    /// that its memory is freed before the answer.
    pub async fn unload(&self, name: &str) -> Result<Value, ApiError> {
        let slot = self
            .write()
            .loaded
            .remove(name)
            .ok_or_else(|| not_loaded(name))?;
        let deadline = Instant::now() + UNLOAD_WAIT;
        let mut loaded = slot.loaded;
        let freed = loop {
            match Arc::try_unwrap(loaded) {
                Ok(model) => {
                    drop(model);
                    break true;
                }
                Err(shared) if Instant::now() >= deadline => {
                    drop(shared);
                    break false;
                }
                Err(shared) => {
                    loaded = shared;
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
            }
        };
        let used = self.budget.used();
        log::info(
            "model unloaded",
            &[
                ("model_name", name.into()),
                ("freed", freed.into()),
                ("memory_used_bytes", used.into()),
            ],
        );
        let status = if freed {
            format!("model {name} unloaded")
        } else {
            format!("model {name} unloaded; its memory is freed when its last request ends")
        };
        Ok(json!({
            "status": status,
            "modelName": name,
            "freedBytes": if freed { slot.memory_bytes } else { 0 },
            "memory": self.memory(),
        }))
    }

    pub fn describe(&self, name: &str) -> Result<Value, ApiError> {
        self.read()
            .loaded
            .get(name)
            .map(|s| describe(name, s))
            .ok_or_else(|| not_loaded(name))
    }

    /// One page of the models, in name order, after `token` (the last name of the page
    /// before, hex-encoded so that it needs no escaping in a query string).
    pub fn list(&self, max: usize, token: Option<&str>) -> Result<Value, ApiError> {
        let after = match token {
            None | Some("") => None,
            Some(t) => Some(unhex(t).ok_or_else(|| {
                ApiError::bad_request(format!(
                    "next_page_token `{t}` is not one this server gave out"
                ))
                .with("field", "next_page_token")
            })?),
        };
        let (page, next) = {
            let m = self.read();
            let range = match &after {
                Some(a) => m.loaded.range::<str, _>((
                    std::ops::Bound::Excluded(a.as_str()),
                    std::ops::Bound::Unbounded,
                )),
                None => m.loaded.range::<str, _>(..),
            };
            let mut page: Vec<Value> = Vec::with_capacity(max.min(m.loaded.len()));
            let mut last = None;
            let mut next = None;
            for (name, slot) in range {
                if page.len() == max {
                    next = last.map(hex);
                    break;
                }
                last = Some(name.as_str());
                page.push(json!({
                    "modelName": name,
                    "modelUrl": slot.url,
                    "memoryBytes": slot.memory_bytes,
                }));
            }
            (page, next)
        };
        let mut v = json!({
            "models": page,
            "memory": self.memory(),
        });
        if let Some(t) = next {
            v["nextPageToken"] = t.into();
        }
        Ok(v)
    }

    /// The memory accounting: budget, bytes in use, models loaded.
    pub fn memory(&self) -> Value {
        json!({
            "budgetBytes": self.budget.limit(),
            "usedBytes": self.budget.used(),
            "models": self.len(),
            "budgetSource": self.budget.source,
        })
    }
}

fn describe(name: &str, s: &Slot) -> Value {
    let m = &s.loaded.model;
    json!({
        "modelName": name,
        "modelUrl": s.url,
        "modelPath": s.loaded.path.display().to_string(),
        "memoryBytes": s.memory_bytes,
        "uuid": m.uuid(),
        "algo": m.algorithm().name(),
        "category": m.category().name(),
    })
}

pub fn not_loaded(name: &str) -> ApiError {
    ApiError::not_found(format!(
        "model `{name}` is not loaded; load it with POST /models {{\"model_name\": \"{name}\", \"url\": \"<dir>\"}}"
    ))
    .with("model_name", name)
}

/// The body of `POST /models`: `{"model_name": "...", "url": "..."}`.
pub fn parse_load(body: &[u8]) -> Result<(String, String), ApiError> {
    let v: Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request(format!(
            "the body must be JSON {{\"model_name\": \"..\", \"url\": \"..\"}}: {e}"
        ))
    })?;
    let get = |key: &str| {
        v.get(key)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .ok_or_else(|| {
                ApiError::bad_request(format!("`{key}` must be a non-empty string"))
                    .with("field", key)
            })
    };
    Ok((get("model_name")?, get("url")?))
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Option<String> {
    if s.len() % 2 != 0 {
        return None;
    }
    let bytes: Option<Vec<u8>> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect();
    String::from_utf8(bytes?).ok()
}

/// Decodes `%XX` escapes (and nothing else: `+` stays `+`); `None` if not valid UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            let h = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(h) = h {
                out.push(h);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// The query parameter `key` of `query`, decoded.
pub fn query_param(query: Option<&str>, key: &str) -> Option<String> {
    query?.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (k == key).then(|| percent_decode(&v.replace('+', " ")).unwrap_or_default())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reservations() {
        let b = Budget::new(100, "test");
        let mut r = b.reservation();
        r.grow(60).unwrap();
        let mut s = b.reservation();
        assert_eq!(s.grow(50), Err(60));
        s.grow(40).unwrap();
        assert_eq!(b.used(), 100);
        r.shrink_to(10);
        assert_eq!(b.used(), 50);
        drop(s);
        assert_eq!(b.used(), 10);
        drop(r);
        assert_eq!(b.used(), 0);
    }

    #[test]
    fn tokens_and_escapes() {
        assert_eq!(unhex(&hex("a/b ü")).as_deref(), Some("a/b ü"));
        assert_eq!(unhex("zz"), None);
        assert_eq!(percent_decode("a%2Fb%20c").as_deref(), Some("a/b c"));
        assert_eq!(
            query_param(Some("max_results=5&next_page_token=61"), "next_page_token").as_deref(),
            Some("61")
        );
        assert_eq!(query_param(Some("x=1"), "y"), None);
    }

    #[test]
    fn default_budget_leaves_a_margin() {
        let b = default_budget();
        let (limit, _) = memory_limit();
        assert!(b.limit() < limit && b.limit() >= limit / 2, "{b:?}");
    }
}
