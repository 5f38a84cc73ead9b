//! `coldstart`: how long a server takes from exec to its first `200` on `GET /ping`, and its
//! RSS then, for the side-by-side benchmark (bench/bench.py, part `cold`).
//!
//! For each run it picks a free loopback port, substitutes it for `{port}` in the command,
//! starts the command and tries `GET /ping` on that port every [`POLL_EVERY`] (a refused
//! connection costs a few µs), so that the poller's own delay stays well below the ~7 ms
//! being measured; a poller in Python added 1–3 ms to each start, and more on a busy VM.
//! After the first `200` it reads the process's `VmRSS` and kills it.
//! With `--cpu N` the servers start pinned to CPU `N` (see [`Launcher`]) while the poller
//! stays where this process runs. The command must be the server itself (its RSS is read).
//!
//! Prints one JSON line: `{"ms":[one per run],"rss_kib":[one per run]}`.
//!
//! ```text
//! coldstart RUNS [--cpu N] -- COMMAND ARGS... ({port} is replaced)
//! ```

use std::io::{Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: coldstart RUNS [--cpu N] -- COMMAND ARGS... ({port} is replaced)";

/// The pause between two tries. Without one, the poller would hold CPU 0 while the new
/// process starts there (it moves to the server's CPU only once `taskset` runs), and starts
/// measured ~11 ms instead of ~7; with 20 µs they measured ~8 ms, with 0.1 to 1 ms all alike.
const POLL_EVERY: Duration = Duration::from_micros(200);

/// How long one start may take before the run fails.
const GIVE_UP: Duration = Duration::from_secs(60);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("coldstart: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &[String]) -> Result<String, String> {
    let (runs, cpu, command) = match args {
        [runs, flag, cpu, dashes, command @ ..] if flag == "--cpu" && dashes == "--" => {
            (runs, Some(cpu), command)
        }
        [runs, dashes, command @ ..] if dashes == "--" => (runs, None, command),
        _ => return Err(USAGE.into()),
    };
    let runs: usize = runs
        .parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| format!("RUNS: `{runs}` is not a positive number\n{USAGE}"))?;
    if command.is_empty() {
        return Err(USAGE.into());
    }
    let launcher = Launcher::start(cpu.cloned())?;
    let (mut ms, mut rss) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        let (elapsed, kib) = once(&launcher, command)?;
        ms.push(format!("{:.3}", elapsed.as_secs_f64() * 1e3));
        rss.push(kib.to_string());
    }
    Ok(format!(
        "{{\"ms\":[{}],\"rss_kib\":[{}]}}",
        ms.join(","),
        rss.join(",")
    ))
}

/// A thread that starts the servers, pinned to the server's CPU so that each server inherits
/// the pinning and no `taskset` runs inside the timed span (its own start, dynamic linking
/// and locale files, costs ~0.7 ms here: a tenth of ours). The poller stays on the CPU this
/// process was started on.
struct Launcher {
    requests: mpsc::Sender<Vec<String>>,
    started: mpsc::Receiver<Result<(Child, Instant), String>>,
}

impl Launcher {
    fn start(cpu: Option<String>) -> Result<Self, String> {
        let (requests, commands) = mpsc::channel::<Vec<String>>();
        let (report, started) = mpsc::channel();
        let (pinned_tx, pinned) = mpsc::channel();
        thread::spawn(move || {
            // Affinity is per thread and inherited by the processes it starts.
            let pinned = match &cpu {
                Some(cpu) => pin_this_thread(cpu),
                None => Ok(()),
            };
            let _ = pinned_tx.send(pinned);
            for args in commands {
                let at = Instant::now();
                let child = Command::new(&args[0])
                    .args(&args[1..])
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(|e| format!("{}: {e}", args[0]));
                if report.send(child.map(|c| (c, at))).is_err() {
                    return;
                }
            }
        });
        pinned
            .recv()
            .map_err(|_| "the launcher thread stopped".to_string())??;
        Ok(Launcher { requests, started })
    }

    /// Starts `args`; returns the process and the instant just before it was started.
    fn spawn(&self, args: Vec<String>) -> Result<(Child, Instant), String> {
        self.requests
            .send(args)
            .map_err(|_| "the launcher thread stopped")?;
        self.started
            .recv()
            .map_err(|_| "the launcher thread stopped")?
    }
}

/// Pins the calling thread to `cpu` with `taskset -p` on its thread id (this crate has no
/// `unsafe` for `sched_setaffinity`; this runs once, before anything is timed).
fn pin_this_thread(cpu: &str) -> Result<(), String> {
    let me =
        std::fs::read_link("/proc/thread-self").map_err(|e| format!("/proc/thread-self: {e}"))?;
    let tid = me
        .file_name()
        .and_then(|t| t.to_str())
        .ok_or("/proc/thread-self has no thread id")?
        .to_string();
    let status = Command::new("taskset")
        .args(["-p", "-c", cpu, &tid])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("taskset: {e}"))?;
    if !status.success() {
        return Err(format!("taskset -p -c {cpu} {tid}: {status}"));
    }
    Ok(())
}

/// One start: the time to the first `200` and the RSS then.
fn once(launcher: &Launcher, command: &[String]) -> Result<(Duration, u64), String> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let args: Vec<String> = command
        .iter()
        .map(|a| a.replace("{port}", &port.to_string()))
        .collect();
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    let (mut child, started) = launcher.spawn(args)?;
    let result = wait_for_ping(&mut child, addr, started).and_then(|elapsed| {
        let kib = rss_kib(child.id()).map_err(|e| format!("VmRSS of {}: {e}", child.id()))?;
        Ok((elapsed, kib))
    });
    let _ = child.kill();
    let _ = child.wait();
    result
}

fn wait_for_ping(
    child: &mut Child,
    addr: SocketAddr,
    started: Instant,
) -> Result<Duration, String> {
    loop {
        if ping(addr) {
            return Ok(started.elapsed());
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(format!(
                "the server exited ({status}) before answering /ping"
            ));
        }
        std::thread::sleep(POLL_EVERY);
        if started.elapsed() > GIVE_UP {
            return Err(format!("no 200 on /ping within {GIVE_UP:?}"));
        }
    }
}

/// Whether `GET /ping` answers `200` (a server that is still loading answers `503`).
fn ping(addr: SocketAddr) -> bool {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_nodelay(true);
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    if s.write_all(b"GET /ping HTTP/1.1\r\nHost: coldstart\r\nConnection: close\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut head = [0u8; 12];
    s.read_exact(&mut head).is_ok() && head.starts_with(b"HTTP/1.1 200")
}

fn rss_kib(pid: u32) -> Result<u64, String> {
    let status =
        std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(|e| e.to_string())?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .ok_or_else(|| "no VmRSS line".into())
}
