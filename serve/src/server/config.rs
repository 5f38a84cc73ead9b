//! Server configuration from flags and the environment, and finding the model file.
//!
//! | setting | flag | environment | default |
//! | --- | --- | --- | --- |
//! | model file | `--model FILE` | `MOJO_FILE_PATH` | found in the model directory |
//! | model directory | `--model-dir DIR` | `SM_MODEL_DIR` | `/opt/ml/model` |
//! | port | `--port N` | `SAGEMAKER_BIND_TO_PORT` | 8080 |
//! | address | `--host ADDR` | | `0.0.0.0` |
//! | body limit | `--max-payload-mb N` | `SAGEMAKER_MAX_PAYLOAD_IN_MB` | 6 (MiB, as SageMaker's 6 MB); 100 in batch mode |
//! | log level | | `LOG_LEVEL`, `SAGEMAKER_CONTAINER_LOG_LEVEL` | `info` |
//! | batch transform | `--batch` | `SAGEMAKER_BATCH=true` | off |
//! | batch strategy | | `SAGEMAKER_BATCH_STRATEGY` | `MULTI_RECORD` |
//! | concurrent transforms | | `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS` | the number of cores |
//! | multi-model endpoint | `--multi-model` | `SAGEMAKER_MULTI_MODEL=true` | off |
//! | MME memory budget | `--memory-budget SIZE` | `MODEL_MEMORY_BUDGET` | from the cgroup limit ([`super::mme`]) |
//!
//! Flags win over the environment. In batch mode (`SAGEMAKER_BATCH`, set by SageMaker in
//! every transform job) CSV and JSON Lines bodies are scored as a stream
//! ([`super::stream`]), so the body limit can be SageMaker's largest `MaxPayloadInMB`, 100;
//! `SAGEMAKER_MAX_PAYLOAD_IN_MB=0` (SageMaker's "unlimited") means no limit there, and 100 MiB
//! elsewhere. In multi-model mode no model is loaded at start: `POST /models` loads them.
//! SIZE is bytes, or a number with `K`, `M` or `G` (binary units: `512M`, `1.5G`). In a model directory the model is `pipeline.mojo` if it
//! is there, else the directory itself if it holds an unzipped MOJO (`model.ini` at its top,
//! as genmodel loads a folder), else the one `*.mojo` or `*.zip` file; if the directory holds
//! none, its subdirectories are searched the same way (one level). Anything else is an error
//! that lists what was found. Nothing is ever written to the model directory.

use std::net::{IpAddr, Ipv4Addr};
use std::path::{Path, PathBuf};

use super::log::Level;

/// SageMaker's model directory.
pub const DEFAULT_MODEL_DIR: &str = "/opt/ml/model";

/// SageMaker's real-time payload limit, 6 MB (6,291,456 bytes in its API model).
pub const DEFAULT_MAX_BODY: usize = 6 << 20;

/// SageMaker batch transform's largest `MaxPayloadInMB`; used where it says 0 (unlimited).
pub const LARGEST_MAX_BODY: usize = 100 << 20;

/// Where the model comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelSource {
    File(PathBuf),
    Dir(PathBuf),
}

#[derive(Debug, Clone)]
pub struct Config {
    pub host: IpAddr,
    pub port: u16,
    pub model: ModelSource,
    /// Largest request body, in bytes.
    pub max_body: usize,
    pub log_level: Level,
    /// Driverless AI license settings found (`DRIVERLESS_AI_LICENSE_KEY`, ...): not needed.
    pub license: Vec<String>,
    /// Batch transform: CSV and JSON Lines bodies are scored as a stream.
    pub batch: bool,
    /// `SAGEMAKER_BATCH_STRATEGY` (`SINGLE_RECORD` or `MULTI_RECORD`), if set.
    pub batch_strategy: Option<String>,
    /// `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS`, if set.
    pub max_concurrent_transforms: Option<usize>,
    /// Whether the body limit was set (flag or `SAGEMAKER_MAX_PAYLOAD_IN_MB`).
    pub max_body_set: bool,
    /// Multi-model endpoint: models are loaded and unloaded through `/models`.
    pub multi_model: bool,
    /// Bytes of model memory a multi-model endpoint may hold; `None`: from the cgroup.
    pub memory_budget: Option<usize>,
    /// How long a client may take to send a request's head (slowloris); also how long an
    /// idle keep-alive connection is kept. Not a flag: tests shorten it.
    pub header_read_timeout: std::time::Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            host: IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            port: 8080,
            model: ModelSource::Dir(PathBuf::from(DEFAULT_MODEL_DIR)),
            max_body: DEFAULT_MAX_BODY,
            log_level: Level::Info,
            license: Vec::new(),
            batch: false,
            batch_strategy: None,
            max_concurrent_transforms: None,
            max_body_set: false,
            multi_model: false,
            memory_budget: None,
            header_read_timeout: super::HEADER_READ_TIMEOUT,
        }
    }
}

pub const USAGE: &str = "\
  serve serve [--model FILE | --model-dir DIR] [--port N] [--host ADDR] [--max-payload-mb N]
              [--batch] [--multi-model [--memory-budget SIZE]]
      Run the SageMaker HTTP server (what SageMaker starts with `docker run IMAGE serve`).
      The model is --model, else $MOJO_FILE_PATH, else pipeline.mojo, an unzipped MOJO
      (model.ini) or the single *.mojo/*.zip in --model-dir, $SM_MODEL_DIR or /opt/ml/model. Port: --port, $SAGEMAKER_BIND_TO_PORT
      or 8080. Body limit: --max-payload-mb, $SAGEMAKER_MAX_PAYLOAD_IN_MB or 6 (MiB).
      Log level: $LOG_LEVEL or $SAGEMAKER_CONTAINER_LOG_LEVEL (error, warn, info, debug).
      --batch or $SAGEMAKER_BATCH=true: batch transform (streamed CSV / JSON Lines bodies,
      limit $SAGEMAKER_MAX_PAYLOAD_IN_MB or 100 MiB). --multi-model or
      $SAGEMAKER_MULTI_MODEL=true: a multi-model endpoint (POST /models loads, no model at
      start); model memory up to --memory-budget or $MODEL_MEMORY_BUDGET (bytes, or 512M, 2G),
      by default the cgroup memory limit less a margin.";

impl Config {
    /// Reads flags (after `serve`) and the environment (`env` looks a variable up).
    pub fn parse(args: &[String], env: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let mut c = Config::default();
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let (mut model, mut model_dir, mut port, mut host, mut payload) =
            (None, None, None, None, None);
        let (mut batch, mut multi_model, mut budget) = (false, false, None);
        let mut it = args.iter();
        while let Some(a) = it.next() {
            let (flag, inline) = match a.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f, Some(v.to_owned())),
                _ => (a.as_str(), None),
            };
            let mut value = || {
                inline
                    .clone()
                    .or_else(|| it.next().cloned())
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match flag {
                "--batch" if inline.is_none() => batch = true,
                "--multi-model" if inline.is_none() => multi_model = true,
                "--memory-budget" => budget = Some(value()?),
                "--model" => model = Some(value()?),
                "--model-dir" => model_dir = Some(value()?),
                "--port" => port = Some(value()?),
                "--host" => host = Some(value()?),
                "--max-payload-mb" => payload = Some(value()?),
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        c.model = match (model, model_dir) {
            (Some(_), Some(_)) => return Err("give --model or --model-dir, not both".into()),
            (Some(f), None) => ModelSource::File(f.into()),
            (None, Some(d)) => ModelSource::Dir(d.into()),
            (None, None) => match (env("MOJO_FILE_PATH"), env("SM_MODEL_DIR")) {
                (Some(f), _) => ModelSource::File(f.into()),
                (None, Some(d)) => ModelSource::Dir(d.into()),
                (None, None) => ModelSource::Dir(DEFAULT_MODEL_DIR.into()),
            },
        };
        if let Some(p) = port.or_else(|| env("SAGEMAKER_BIND_TO_PORT")) {
            c.port = p
                .trim()
                .parse()
                .map_err(|_| format!("port `{p}` is not a number from 0 to 65535"))?;
        }
        if let Some(h) = host {
            c.host = h
                .parse()
                .map_err(|_| format!("host `{h}` is not an IP address"))?;
        }
        c.batch = batch || env("SAGEMAKER_BATCH").is_some_and(|v| truthy(&v));
        c.multi_model = multi_model || env("SAGEMAKER_MULTI_MODEL").is_some_and(|v| truthy(&v));
        if let Some(mb) = payload.or_else(|| env("SAGEMAKER_MAX_PAYLOAD_IN_MB")) {
            let n: usize = mb
                .trim()
                .parse()
                .map_err(|_| format!("max payload `{mb}` is not a whole number of MiB"))?;
            c.max_body = match n {
                0 if c.batch => usize::MAX,
                0 => LARGEST_MAX_BODY,
                n => n.saturating_mul(1 << 20),
            };
            c.max_body_set = true;
        } else if c.batch {
            c.max_body = LARGEST_MAX_BODY;
        }
        if let Some(s) = env("SAGEMAKER_BATCH_STRATEGY") {
            let upper = s.trim().to_ascii_uppercase();
            if upper != "MULTI_RECORD" && upper != "SINGLE_RECORD" {
                return Err(format!(
                    "SAGEMAKER_BATCH_STRATEGY=`{s}`: use MULTI_RECORD or SINGLE_RECORD"
                ));
            }
            c.batch_strategy = Some(upper);
        }
        if let Some(n) = env("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS") {
            c.max_concurrent_transforms = Some(
                n.trim()
                    .parse()
                    .ok()
                    .filter(|&n: &usize| n > 0)
                    .ok_or_else(|| {
                        format!(
                            "SAGEMAKER_MAX_CONCURRENT_TRANSFORMS=`{n}` is not a positive number"
                        )
                    })?,
            );
        }
        if let Some(b) = budget
            .map(|b| ("--memory-budget", b))
            .or_else(|| env("MODEL_MEMORY_BUDGET").map(|b| ("MODEL_MEMORY_BUDGET", b)))
        {
            c.memory_budget = Some(parse_size(&b.1).ok_or_else(|| {
                format!("{}=`{}`: give bytes or a size such as 512M or 2G", b.0, b.1)
            })?);
        }
        let level = env("LOG_LEVEL").map(|v| ("LOG_LEVEL", v)).or_else(|| {
            env("SAGEMAKER_CONTAINER_LOG_LEVEL").map(|v| ("SAGEMAKER_CONTAINER_LOG_LEVEL", v))
        });
        if let Some((name, v)) = level {
            c.log_level = Level::parse(&v).ok_or_else(|| {
                format!("{name}=`{v}`: use error, warn, info or debug (or 40, 30, 20, 10)")
            })?;
        }
        for key in ["DRIVERLESS_AI_LICENSE_KEY", "DRIVERLESS_AI_LICENSE_FILE"] {
            if env(key).is_some() {
                c.license.push(key.to_owned());
            }
        }
        if let ModelSource::Dir(d) = &c.model {
            if d.join("license.sig").is_file() {
                c.license.push(d.join("license.sig").display().to_string());
            }
        }
        Ok(c)
    }

    /// The model file to load.
    pub fn model_path(&self) -> Result<PathBuf, String> {
        match &self.model {
            ModelSource::File(f) => Ok(f.clone()),
            ModelSource::Dir(d) => discover(d),
        }
    }
}

/// `true`, `1` or `yes` (any case): how SageMaker's boolean variables are read.
fn truthy(v: &str) -> bool {
    matches!(
        v.trim().to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on"
    )
}

/// Bytes, or a number with a `K`, `M`, `G` or `T` suffix (binary; `KiB`, `MB` ... also read).
pub fn parse_size(s: &str) -> Option<usize> {
    let t = s.trim().to_ascii_lowercase();
    let t = t.trim_end_matches("ib").trim_end_matches('b');
    let (num, shift) = match t.char_indices().last()? {
        (i, 'k') => (&t[..i], 10),
        (i, 'm') => (&t[..i], 20),
        (i, 'g') => (&t[..i], 30),
        (i, 't') => (&t[..i], 40),
        _ => (t, 0),
    };
    let v: f64 = num.trim().parse().ok()?;
    (v.is_finite() && v >= 0.0).then(|| (v * (1u64 << shift) as f64) as usize)
}

/// Finds the model in `dir` (the rule is in the module docs).
pub fn discover(dir: &Path) -> Result<PathBuf, String> {
    let listing = list(dir).map_err(|e| format!("model directory {}: {e}", dir.display()))?;
    if let Some(found) = pick(dir, &listing)? {
        return Ok(found);
    }
    let mut seen: Vec<String> = listing.iter().map(|(n, _)| n.clone()).collect();
    for (name, is_dir) in &listing {
        if !is_dir {
            continue;
        }
        let sub = dir.join(name);
        if let Ok(inner) = list(&sub) {
            if let Some(found) = pick(&sub, &inner)? {
                return Ok(found);
            }
            seen.extend(inner.iter().map(|(n, _)| format!("{name}/{n}")));
        }
    }
    Err(format!(
        "no model in {}: expected pipeline.mojo, one *.mojo / *.zip file or an unzipped MOJO \
         (model.ini); found {}",
        dir.display(),
        describe(&seen)
    ))
}

/// Entries of a directory, sorted: (name, is a directory).
fn list(dir: &Path) -> std::io::Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let is_dir = entry.path().is_dir();
        out.push((entry.file_name().to_string_lossy().into_owned(), is_dir));
    }
    out.sort();
    Ok(out)
}

fn pick(dir: &Path, listing: &[(String, bool)]) -> Result<Option<PathBuf>, String> {
    if listing.iter().any(|(n, d)| n == "pipeline.mojo" && !d) {
        return Ok(Some(dir.join("pipeline.mojo")));
    }
    // A MOJO unzipped here (`tar czf model.tar.gz -C unzipped_mojo .`).
    if listing.iter().any(|(n, d)| n == "model.ini" && !d) {
        return Ok(Some(dir.to_path_buf()));
    }
    let candidates: Vec<&String> = listing
        .iter()
        .filter(|(n, d)| {
            let lower = n.to_ascii_lowercase();
            !d && (lower.ends_with(".mojo") || lower.ends_with(".zip"))
        })
        .map(|(n, _)| n)
        .collect();
    match candidates.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(dir.join(one))),
        several => Err(format!(
            "several model candidates in {}: {}; keep one, name it pipeline.mojo, or pass --model FILE",
            dir.display(),
            several
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn describe(names: &[String]) -> String {
    const SHOWN: usize = 20;
    match names.len() {
        0 => "an empty directory".into(),
        n if n <= SHOWN => names.join(", "),
        n => format!("{}, … ({n} entries)", names[..SHOWN].join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn parse(args: &[&str], env: &[(&str, &str)]) -> Result<Config, String> {
        let env: HashMap<String, String> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        Config::parse(&args, |k| env.get(k).cloned())
    }

    #[test]
    fn defaults_and_env() {
        let c = parse(&[], &[]).unwrap();
        assert_eq!(c.port, 8080);
        assert_eq!(c.model, ModelSource::Dir("/opt/ml/model".into()));
        assert_eq!(c.max_body, 6 << 20);
        let c = parse(
            &[],
            &[
                ("SAGEMAKER_BIND_TO_PORT", "9090"),
                ("MOJO_FILE_PATH", "/m/x.zip"),
                ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "2"),
                ("SAGEMAKER_CONTAINER_LOG_LEVEL", "10"),
                ("DRIVERLESS_AI_LICENSE_KEY", "abc"),
            ],
        )
        .unwrap();
        assert_eq!(c.port, 9090);
        assert_eq!(c.model, ModelSource::File("/m/x.zip".into()));
        assert_eq!(c.max_body, 2 << 20);
        assert_eq!(c.log_level, Level::Debug);
        assert_eq!(c.license, ["DRIVERLESS_AI_LICENSE_KEY"]);
    }

    #[test]
    fn flags_win() {
        let c = parse(
            &["--port=1234", "--model-dir", "/d"],
            &[("SAGEMAKER_BIND_TO_PORT", "9090"), ("MOJO_FILE_PATH", "/x")],
        )
        .unwrap();
        assert_eq!(c.port, 1234);
        assert_eq!(c.model, ModelSource::Dir("/d".into()));
        assert!(parse(&["--port", "x"], &[]).unwrap_err().contains("port"));
        assert!(parse(&["--bogus"], &[]).unwrap_err().contains("--bogus"));
        assert!(parse(&[], &[("LOG_LEVEL", "loud")]).is_err());
    }

    #[test]
    fn batch_and_multi_model() {
        let c = parse(&[], &[("SAGEMAKER_BATCH", "true")]).unwrap();
        assert!(c.batch && !c.max_body_set);
        assert_eq!(c.max_body, 100 << 20);
        let c = parse(
            &[],
            &[
                ("SAGEMAKER_BATCH", "True"),
                ("SAGEMAKER_MAX_PAYLOAD_IN_MB", "0"),
                ("SAGEMAKER_BATCH_STRATEGY", "single_record"),
                ("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", "3"),
            ],
        )
        .unwrap();
        assert_eq!(c.max_body, usize::MAX);
        assert_eq!(c.batch_strategy.as_deref(), Some("SINGLE_RECORD"));
        assert_eq!(c.max_concurrent_transforms, Some(3));
        assert!(parse(&[], &[("SAGEMAKER_BATCH_STRATEGY", "x")]).is_err());
        assert!(!parse(&[], &[("SAGEMAKER_BATCH", "false")]).unwrap().batch);
        let c = parse(&["--multi-model", "--memory-budget=1.5G"], &[]).unwrap();
        assert!(c.multi_model);
        assert_eq!(c.memory_budget, Some(3 << 29));
        let c = parse(
            &[],
            &[
                ("SAGEMAKER_MULTI_MODEL", "true"),
                ("MODEL_MEMORY_BUDGET", "4096"),
            ],
        )
        .unwrap();
        assert!(c.multi_model);
        assert_eq!(c.memory_budget, Some(4096));
        assert!(parse(&["--memory-budget", "lots"], &[]).is_err());
        assert_eq!(parse_size("512MiB"), Some(512 << 20));
        assert_eq!(parse_size("64k"), Some(64 << 10));
    }

    #[test]
    fn discovery() {
        let base = std::env::temp_dir().join(format!("serve-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(base.join("sub")).unwrap();
        let err = discover(&base).unwrap_err();
        assert!(err.contains("no model") && err.contains("sub"), "{err}");
        std::fs::write(base.join("sub/m.zip"), b"").unwrap();
        assert_eq!(discover(&base).unwrap(), base.join("sub/m.zip"));
        std::fs::write(base.join("a.mojo"), b"").unwrap();
        assert_eq!(discover(&base).unwrap(), base.join("a.mojo"));
        std::fs::write(base.join("b.zip"), b"").unwrap();
        let err = discover(&base).unwrap_err();
        assert!(err.contains("a.mojo, b.zip"), "{err}");
        std::fs::write(base.join("pipeline.mojo"), b"").unwrap();
        assert_eq!(discover(&base).unwrap(), base.join("pipeline.mojo"));
        let _ = std::fs::remove_dir_all(&base);

        // An unzipped MOJO: the directory itself, at the top or one level down.
        std::fs::create_dir_all(base.join("GBM_model/trees")).unwrap();
        std::fs::write(base.join("GBM_model/model.ini"), b"").unwrap();
        assert_eq!(discover(&base).unwrap(), base.join("GBM_model"));
        assert_eq!(
            discover(&base.join("GBM_model")).unwrap(),
            base.join("GBM_model")
        );
        let _ = std::fs::remove_dir_all(&base);
    }
}
