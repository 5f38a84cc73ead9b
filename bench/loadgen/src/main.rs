//! `loadgen`: fixed-rate (open-loop) HTTP/1.1 load for the side-by-side benchmark.
//!
//! wrk keeps each connection busy: a faster server gets more requests, so its p99 is taken at
//! a higher load than a slower server's. This sends requests on a fixed timetable instead
//! (`--rate` per second over `--conns` keep-alive connections, one thread each), so that two
//! servers can be compared at the same offered load. A request that is sent late because the
//! previous answer on its connection was late counts its latency from when it was due, not
//! from when it went out (the "coordinated omission" correction of wrk2); a request sent late
//! only because this thread woke up late from its sleep counts from when it went out, so the
//! sleep's own jitter is not charged to the server.
//!
//! Each line of the rows file is one CSV row, POSTed as `text/csv` (answers must be 200).
//! Prints one JSON line: requests, rate, latency percentiles in µs, errors, and the share of
//! requests that went out late (near 0 unless the server cannot keep up).
//!
//! ```text
//! loadgen HOST:PORT PATH ROWS --rate 10000 [--conns 16] [--secs 10] [--warmup 2]
//! ```

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

struct Args {
    addr: SocketAddr,
    path: String,
    rows: String,
    rate: f64,
    conns: usize,
    secs: f64,
    warmup: f64,
}

const USAGE: &str =
    "usage: loadgen HOST:PORT PATH ROWS --rate N [--conns 16] [--secs 10] [--warmup 2]";

fn parse_args(args: &[String]) -> Result<Args, String> {
    let [addr, path, rows, flags @ ..] = args else {
        return Err(USAGE.into());
    };
    let mut a = Args {
        addr: addr.parse().map_err(|e| format!("{addr}: {e}"))?,
        path: path.clone(),
        rows: rows.clone(),
        rate: 0.0,
        conns: 16,
        secs: 10.0,
        warmup: 2.0,
    };
    for pair in flags.chunks(2) {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value\n{USAGE}", pair[0]));
        };
        let number = || {
            value
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| format!("{flag}: `{value}` is not a number"))
        };
        match flag.as_str() {
            "--rate" => a.rate = number()?,
            "--conns" => a.conns = number()? as usize,
            "--secs" => a.secs = number()?,
            "--warmup" => a.warmup = number()?,
            _ => return Err(format!("unknown flag {flag}\n{USAGE}")),
        }
    }
    if a.rate <= 0.0 || a.conns == 0 || a.secs <= 0.0 {
        return Err(format!(
            "--rate, --conns and --secs must be positive\n{USAGE}"
        ));
    }
    Ok(a)
}

/// What one connection saw after the warm-up.
#[derive(Default)]
struct Seen {
    latencies_us: Vec<u32>,
    errors: u64,
    late: u64,
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse_args(&args).and_then(|a| run(&a)) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("loadgen: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(a: &Args) -> Result<String, String> {
    let text = std::fs::read_to_string(&a.rows).map_err(|e| format!("{}: {e}", a.rows))?;
    let requests: Vec<Vec<u8>> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|row| {
            let body = format!("{row}\n");
            format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: text/csv\r\nAccept: text/csv\r\n\
                 Content-Length: {}\r\n\r\n{body}",
                a.path,
                a.addr,
                body.len()
            )
            .into_bytes()
        })
        .collect();
    if requests.is_empty() {
        return Err(format!("{}: no rows", a.rows));
    }
    let requests = Arc::new(requests);
    // Each connection sends every `conns / rate` seconds, the connections evenly staggered.
    let interval = Duration::from_secs_f64(a.conns as f64 / a.rate);
    let start = Instant::now() + Duration::from_millis(50);
    let measured_from = start + Duration::from_secs_f64(a.warmup);
    let end = measured_from + Duration::from_secs_f64(a.secs);
    let threads: Vec<_> = (0..a.conns)
        .map(|k| {
            let requests = requests.clone();
            let addr = a.addr;
            let first_due = start + interval.mul_f64(k as f64 / a.conns as f64);
            thread::spawn(move || {
                connection(addr, &requests, k, first_due, interval, measured_from, end)
            })
        })
        .collect();
    let mut all = Seen::default();
    for t in threads {
        let seen = t.join().map_err(|_| "a connection thread panicked")??;
        all.latencies_us.extend(seen.latencies_us);
        all.errors += seen.errors;
        all.late += seen.late;
    }
    let lat = &mut all.latencies_us;
    lat.sort_unstable();
    let n = lat.len();
    let pct = |p: f64| -> u32 {
        if n == 0 {
            return 0;
        }
        // Nearest rank.
        let rank = ((p / 100.0) * n as f64).ceil().max(1.0) as usize;
        lat[rank.min(n) - 1]
    };
    Ok(format!(
        "{{\"requests\":{n},\"duration_us\":{},\"req_s\":{:.1},\"target_req_s\":{:.1},\
         \"p50_us\":{},\"p90_us\":{},\"p99_us\":{},\"p999_us\":{},\"max_us\":{},\
         \"errors\":{},\"late_pct\":{:.2}}}",
        (a.secs * 1e6) as u64,
        n as f64 / a.secs,
        a.rate,
        pct(50.0),
        pct(90.0),
        pct(99.0),
        pct(99.9),
        lat.last().copied().unwrap_or(0),
        all.errors,
        if n == 0 {
            0.0
        } else {
            100.0 * all.late as f64 / n as f64
        },
    ))
}

/// One keep-alive connection on its timetable until `end`.
fn connection(
    addr: SocketAddr,
    requests: &[Vec<u8>],
    k: usize,
    first_due: Instant,
    interval: Duration,
    measured_from: Instant,
    end: Instant,
) -> Result<Seen, String> {
    let mut stream = TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
    stream.set_nodelay(true).map_err(|e| e.to_string())?;
    let mut seen = Seen::default();
    let mut buf = Vec::with_capacity(4096);
    let mut due = first_due;
    let mut i = k * 7919; // each connection starts at a different row
    while due < end {
        let now = Instant::now();
        let (sent_at, late) = if now < due {
            thread::sleep(due - now);
            (Instant::now(), false)
        } else {
            (due, now > due + Duration::from_micros(50))
        };
        let request = &requests[i % requests.len()];
        i += 1;
        let status = stream
            .write_all(request)
            .map_err(|e| e.to_string())
            .and_then(|()| read_response(&mut stream, &mut buf));
        let done = Instant::now();
        if due >= measured_from {
            match status {
                Ok(200) => {
                    let us = done.duration_since(sent_at).as_micros();
                    seen.latencies_us
                        .push(u32::try_from(us).unwrap_or(u32::MAX));
                    seen.late += u64::from(late);
                }
                Ok(_) => seen.errors += 1,
                Err(e) => return Err(format!("connection {k}: {e}")),
            }
        } else if let Err(e) = status {
            return Err(format!("connection {k} (warm-up): {e}"));
        }
        due += interval;
    }
    Ok(seen)
}

/// Reads one response (headers and a `Content-Length` body); returns its status code.
fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Result<u16, String> {
    buf.clear();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the answer's headers".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| "headers are not UTF-8")?;
    let status: u16 = head
        .get(9..12)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| format!("bad status line: {:?}", head.lines().next()))?;
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .ok_or("the answer has no Content-Length")?;
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed inside the answer's body".into());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(status)
}
