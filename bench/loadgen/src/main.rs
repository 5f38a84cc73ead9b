//! `loadgen`: fixed-rate (open-loop) HTTP/1.1 load for the side-by-side benchmark.
//!
//! wrk keeps each connection busy: a faster server gets more requests, so its p99 is taken at
//! a higher load than a slower server's. This sends requests on a fixed timetable instead
//! (`--rate` per second over `--conns` keep-alive connections), so that two servers can be
//! compared at the same offered load. A request that is sent late because the previous answer
//! on its connection was late counts its latency from when it was due, not from when it went
//! out (the "coordinated omission" correction of wrk2).
//!
//! One thread drives every connection and never sleeps: it polls the sockets with a zero
//! timeout (mio) and sends each request when its time comes. A client that sleeps adds its
//! own wake-up to every answer it times: on this VM a blocked thread takes tens of µs to run
//! again after its socket becomes readable, which is as long as our server's whole answer.
//! Spinning costs the client's CPU (CPU 0 in bench/), never the server's.
//!
//! Each line of the rows file is one CSV row, POSTed as `text/csv` (answers must be 200).
//! Prints one JSON line: requests, rate, latency percentiles in µs, errors, and the share of
//! requests held back more than 50 µs by a late answer before them (near 0 unless the server
//! cannot keep up).
//!
//! ```text
//! loadgen HOST:PORT PATH ROWS --rate 10000 [--conns 16] [--secs 10] [--warmup 2]
//! ```

use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

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

/// What the connections saw after the warm-up.
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
    // Each connection sends every `conns / rate` seconds, the connections evenly staggered.
    let interval = Duration::from_secs_f64(a.conns as f64 / a.rate);
    let start = Instant::now() + Duration::from_millis(50);
    let timetable = Timetable {
        measured_from: start + Duration::from_secs_f64(a.warmup),
        end: start + Duration::from_secs_f64(a.warmup + a.secs),
        interval,
    };
    let mut poll = Poll::new().map_err(|e| format!("poll: {e}"))?;
    let mut conns = (0..a.conns)
        .map(|k| {
            let first_due = start + interval.mul_f64(k as f64 / a.conns as f64);
            Connection::open(a.addr, &poll, k, first_due)
        })
        .collect::<Result<Vec<_>, _>>()?;
    let seen = drive(&mut poll, &mut conns, &requests, &timetable)?;
    Ok(report(a, seen))
}

struct Timetable {
    measured_from: Instant,
    end: Instant,
    interval: Duration,
}

/// Where one keep-alive connection is in its timetable.
struct Connection {
    stream: TcpStream,
    /// When its next request is due, or the one in flight was.
    due: Instant,
    /// The request on the wire: what its latency counts from, bytes still to send.
    in_flight: Option<InFlight>,
    /// Set when an answer came after the next request was due: that request is late because of
    /// the server, so its latency counts from when it was due.
    behind: bool,
    answer: Vec<u8>,
    next_row: usize,
}

struct InFlight {
    counts_from: Instant,
    request: usize,
    written: usize,
    late: bool,
}

impl Connection {
    fn open(addr: SocketAddr, poll: &Poll, k: usize, due: Instant) -> Result<Self, String> {
        let std = std::net::TcpStream::connect(addr).map_err(|e| format!("connect {addr}: {e}"))?;
        std.set_nodelay(true).map_err(|e| e.to_string())?;
        std.set_nonblocking(true).map_err(|e| e.to_string())?;
        let mut stream = TcpStream::from_std(std);
        poll.registry()
            .register(&mut stream, Token(k), Interest::READABLE)
            .map_err(|e| format!("register: {e}"))?;
        Ok(Connection {
            stream,
            due,
            in_flight: None,
            behind: false,
            answer: Vec::with_capacity(4096),
            next_row: k * 7919, // each connection starts at a different row
        })
    }

    /// Sends the next request if it is due and the connection is free (or the rest of the one
    /// in flight).
    fn send_if_due(
        &mut self,
        now: Instant,
        requests: &[Vec<u8>],
        end: Instant,
    ) -> Result<(), String> {
        if self.in_flight.is_some() {
            // Spinning, so a request the socket only partly took is retried here.
            return self.write_pending(requests);
        }
        if now < self.due || self.due >= end {
            return Ok(());
        }
        let late = self.behind && now > self.due + Duration::from_micros(50);
        let counts_from = if self.behind { self.due } else { now };
        self.in_flight = Some(InFlight {
            counts_from,
            request: self.next_row % requests.len(),
            written: 0,
            late,
        });
        self.next_row += 1;
        self.behind = false;
        self.write_pending(requests)
    }

    /// Writes what the socket takes of the request in flight (all of it, nearly always).
    fn write_pending(&mut self, requests: &[Vec<u8>]) -> Result<(), String> {
        let Some(f) = self.in_flight.as_mut() else {
            return Ok(());
        };
        let request = &requests[f.request];
        while f.written < request.len() {
            match self.stream.write(&request[f.written..]) {
                Ok(0) => return Err("the server closed the connection".into()),
                Ok(n) => f.written += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        Ok(())
    }

    /// Reads what has arrived; returns the status once the whole answer is in.
    fn read_available(&mut self) -> Result<Option<u16>, String> {
        let mut chunk = [0u8; 4096];
        loop {
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err("the server closed the connection".into()),
                Ok(n) => self.answer.extend_from_slice(&chunk[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e.to_string()),
            }
        }
        let Some((status, length)) = parse_answer(&self.answer)? else {
            return Ok(None);
        };
        if self.answer.len() > length {
            return Err("the server sent more than one answer".into());
        }
        self.answer.clear();
        Ok(Some(status))
    }
}

/// Runs the timetable to its end; one thread, never blocking.
fn drive(
    poll: &mut Poll,
    conns: &mut [Connection],
    requests: &[Vec<u8>],
    t: &Timetable,
) -> Result<Seen, String> {
    let mut seen = Seen::default();
    let mut events = Events::with_capacity(conns.len());
    loop {
        let now = Instant::now();
        if now >= t.end && conns.iter().all(|c| c.in_flight.is_none()) {
            return Ok(seen);
        }
        if now > t.end + Duration::from_secs(10) {
            return Err("answers still missing 10 s after the end".into());
        }
        for (k, c) in conns.iter_mut().enumerate() {
            c.send_if_due(now, requests, t.end)
                .map_err(|e| format!("connection {k}: {e}"))?;
        }
        poll.poll(&mut events, Some(Duration::ZERO))
            .map_err(|e| format!("poll: {e}"))?;
        for event in events.iter() {
            let k = event.token().0;
            let c = &mut conns[k];
            let status = c
                .read_available()
                .map_err(|e| format!("connection {k}: {e}"))?;
            let Some(status) = status else {
                continue; // the rest of the answer is still on its way
            };
            let done = Instant::now();
            let f = c
                .in_flight
                .take()
                .ok_or_else(|| format!("connection {k}: an answer nobody asked for"))?;
            let due = c.due;
            c.due += t.interval;
            c.behind = done > c.due;
            if due < t.measured_from {
                continue;
            }
            if status == 200 {
                let us = done.duration_since(f.counts_from).as_micros();
                seen.latencies_us
                    .push(u32::try_from(us).unwrap_or(u32::MAX));
                seen.late += u64::from(f.late);
            } else {
                seen.errors += 1;
            }
        }
    }
}

/// Once `buf` holds a whole answer (headers and a `Content-Length` body): its status and length.
fn parse_answer(buf: &[u8]) -> Result<Option<(u16, usize)>, String> {
    let Some(head_end) = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4) else {
        return Ok(None);
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
    Ok((buf.len() >= head_end + length).then_some((status, head_end + length)))
}

fn report(a: &Args, mut all: Seen) -> String {
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
    format!(
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
    )
}
