#!/usr/bin/env python3
"""Side-by-side benchmarks of the Rust scorer and h2o-genmodel; `bench/run` calls this.

Runs, on this machine and in this one run, each comparison against the Java reference:
  engine  core rows/s (one thread) vs EasyPredictModelWrapper and GenModel.score0, row by row
          and (Rust) in blocks of rows; TreeSHAP contributions per row vs genmodel's
  batch   `serve score` vs PredictCsv on a 1M-row CSV (whole process)
  http    one-row POST /invocations with wrk: `serve serve` vs bench/java/Srv.java
  cold    exec -> first 200 on /ping with the model loaded; RSS then and after load
and writes bench/.cache/results.json and docs/benchmarks.md (bench/notes.md is appended).

Pinning: servers and single-thread benchmarks on CPU 1, wrk and the /ping poller on CPU 0.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "bench" / ".cache"
GBM = "testdata/models/gbm_bench_100x6.zip"
BENCH_CSV = "testdata/inputs/bench.csv"
ENGINE_MODELS = [
    ("gbm_bench_100x6", "bench.csv", "GBM, 100 trees depth 6, binomial, 28 numeric"),
    ("drf_binomial_prostate", "prostate.csv", "DRF, binomial, prostate (categorical + NA)"),
    ("automl_GLM_1", "breast_cancer.csv", "GLM (AutoML), binomial"),
    ("automl_XGBoost_1", "breast_cancer.csv", "XGBoost (AutoML), binomial"),
    ("automl_DeepLearning_1", "breast_cancer_tame.csv", "Deep Learning (AutoML), binomial"),
    ("automl_StackedEnsemble_AllModels_1", "breast_cancer_tame.csv",
     "Stacked ensemble (AutoML, all models), binomial"),
]
SERVER_CPU, CLIENT_CPU = "1", "0"


def log(*a):
    print("[bench]", *a, file=sys.stderr, flush=True)


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def run(cmd, **kw):
    log("$", " ".join(map(str, cmd)))
    return subprocess.run(cmd, check=True, text=True, capture_output=True, **kw).stdout


class Ctx:
    def __init__(self, a):
        self.jar, self.classes, self.serve, self.compare = a.jar, a.classes, a.serve, a.compare
        self.loadgen = a.loadgen
        self.coldstart = str(Path(a.loadgen).with_name("coldstart"))  # built beside loadgen
        self.quick = a.quick
        self.java = ["java", "-cp", f"{self.jar}:{self.classes}"]


# ---------------------------------------------------------------- engine (rows/s, 1 thread)
def engine(c):
    warm, rounds, secs = (3, 3, 1) if c.quick else (10, 5, 2)
    out = []
    for name, inp, desc in ENGINE_MODELS:
        model, csv_ = ROOT / f"testdata/models/{name}.zip", ROOT / f"testdata/inputs/{inp}"
        j = json.loads(run(["taskset", "-c", SERVER_CPU, *c.java, "GenBench", model, csv_,
                            str(warm), str(rounds), str(secs)]).strip().splitlines()[-1])
        r = json.loads(run(["taskset", "-c", SERVER_CPU, c.compare, str(max(2, warm // 3)),
                            str(rounds), str(secs), f"{model}={csv_}"]).strip().splitlines()[-1])
        row = dict(model=name, desc=desc, rows=r["rows"], rust=median(r["score"]),
                   batch=median(r["batch"]), easy=median(j["easy"]), score0=median(j["score0"]),
                   raw=dict(rust=r["score"], batch=r["batch"], easy=j["easy"], score0=j["score0"]))
        row["x_easy"] = row["rust"] / row["easy"]
        row["x_score0"] = row["rust"] / row["score0"]
        row["x_easy_batch"] = row["batch"] / row["easy"]
        log(f"engine {name}: rust {row['rust']:.0f} batch {row['batch']:.0f} "
            f"easy {row['easy']:.0f} score0 {row['score0']:.0f}")
        out.append(row)
    return out


CONTRIB_MODELS = [("gbm_bench_100x6", "bench.csv", "GBM, 100 trees depth 6, binomial"),
                  ("drf_binomial_prostate", "prostate.csv", "DRF, binomial, prostate")]


def contrib(c):
    """TreeSHAP contributions per row, one thread: `Model::contributions` against genmodel's
    EasyPredictModelWrapper.predictContributions and PredictContributions directly."""
    warm, rounds, secs = (3, 3, 1) if c.quick else (10, 5, 2)
    out = []
    for name, inp, desc in CONTRIB_MODELS:
        model, csv_ = ROOT / f"testdata/models/{name}.zip", ROOT / f"testdata/inputs/{inp}"
        j = json.loads(run(["taskset", "-c", SERVER_CPU, *c.java, "GenBench", model, csv_,
                            str(warm), str(rounds), str(secs), "contrib"]).strip().splitlines()[-1])
        r = json.loads(run(["taskset", "-c", SERVER_CPU, c.compare, str(max(2, warm // 3)),
                            str(rounds), str(secs), f"{model}={csv_}"],
                           env={**os.environ, "BENCH_MODE": "contrib"}).strip().splitlines()[-1])
        row = dict(model=name, desc=desc, rows=r["rows"], rust=median(r["contrib"]),
                   easy=median(j["easy"]), direct=median(j["score0"]),
                   raw=dict(rust=r["contrib"], easy=j["easy"], direct=j["score0"]))
        row["x_easy"] = row["rust"] / row["easy"]
        row["x_direct"] = row["rust"] / row["direct"]
        log(f"contrib {name}: rust {row['rust']:.0f} easy {row['easy']:.0f} direct {row['direct']:.0f}")
        out.append(row)
    return out


# ---------------------------------------------------------------- batch CLI on 1M rows
def big_csv(n):
    path = CACHE / f"bench_{n}.csv"
    if path.exists():
        return path
    log(f"writing {path} ({n} rows jittered from {BENCH_CSV})")
    rng = random.Random(6)
    with open(ROOT / BENCH_CSV) as f:
        rows = list(csv.reader(f))
    header, base = rows[0], rows[1:]
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w") as f:
        f.write(",".join(header) + "\n")
        for i in range(n):
            src = base[i % len(base)]
            cells = [f"{float(v) * (1 + rng.gauss(0, 0.02)) + rng.gauss(0, 0.01):.5f}"
                     for v in src[:28]]
            f.write(",".join(cells + src[28:]) + "\n")
    tmp.rename(path)
    return path


def ulps(a, b):
    """Distance in units in the last place between two doubles of the same sign."""
    import struct
    ia, ib = (struct.unpack("<q", struct.pack("<d", x))[0] for x in (a, b))
    return abs(ia - ib)


def compare_outputs(rust, java):
    """Rows that differ between the two CSVs, and the largest difference in ulps."""
    rows = differ = worst = 0
    with open(rust) as fr, open(java) as fj:
        for lr, lj in zip(fr, fj):
            rows += 1
            if lr == lj:
                continue
            differ += 1
            for a, b in zip(lr.strip().split(",")[1:], lj.strip().split(",")[1:]):
                if a != b:
                    worst = max(worst, ulps(float.fromhex(a), float.fromhex(b)))
    return dict(rows=rows - 1, rows_differing=differ, max_ulps=worst)


def batch(c):
    n = 100_000 if c.quick else 1_000_000
    inp = big_csv(n)
    runs = 1 if c.quick else 3
    out_r, out_j = CACHE / "out_rust.csv", CACHE / "out_java.csv"
    res = CACHE / "hyperfine.json"
    run(["hyperfine", "--runs", str(runs), "--export-json", res,
         "-n", "serve score", f"{c.serve} score --hex --model {ROOT / GBM} --input {inp} --output {out_r}",
         "-n", "PredictCsv", " ".join(c.java) + f" hex.genmodel.tools.PredictCsv --mojo {ROOT / GBM}"
         f" --input {inp} --output {out_j}"])
    h = {r["command"]: r for r in json.loads(res.read_text())["results"]}
    same = compare_outputs(out_r, out_j)
    d = dict(rows=n, runs=runs, rust_s=h["serve score"]["median"], java_s=h["PredictCsv"]["median"],
             raw=dict(rust=h["serve score"]["times"], java=h["PredictCsv"]["times"]),
             identical_output=same)
    d["ratio"] = d["java_s"] / d["rust_s"]
    log(f"batch: rust {d['rust_s']:.2f}s java {d['java_s']:.2f}s outputs {same}")
    return d


# ---------------------------------------------------------------- servers
def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def server_cmd(c, kind, port, threads=4):
    if kind == "rust":
        return ["taskset", "-c", SERVER_CPU, c.serve, "serve", "--model", str(ROOT / GBM),
                "--host", "127.0.0.1", "--port", str(port)]
    return ["taskset", "-c", SERVER_CPU, "java", "-Dsun.net.httpserver.nodelay=true",
            "-cp", f"{c.jar}:{c.classes}", "Srv", str(ROOT / GBM), str(port), str(threads)]


def ping(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            s.sendall(b"GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            return s.recv(64).startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def rss_kib(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def start(c, kind):
    """Starts a server; returns (process, port, seconds from exec to the first /ping 200)."""
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen(server_cmd(c, kind, port), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    while not ping(port):
        if p.poll() is not None:
            raise SystemExit(f"{kind} server exited with {p.returncode}")
        if time.perf_counter() - t0 > 60:
            raise SystemExit(f"{kind} server did not answer /ping in 60 s")
        time.sleep(0.0002)
    return p, port, time.perf_counter() - t0


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def cold(c):
    """bench/loadgen's `coldstart`: exec to the first /ping 200, polled from CPU 0 in Rust."""
    n = 5 if c.quick else 15
    out = {}
    for kind in ("rust", "java"):
        # coldstart pins the server itself (`--cpu`), so taskset's own start is not timed.
        cmd = [str(x) for x in server_cmd(c, kind, "{port}")][3:]
        got = json.loads(run(["taskset", "-c", CLIENT_CPU, c.coldstart, str(n), "--cpu", SERVER_CPU, "--"]
                             + cmd).strip().splitlines()[-1])
        out[kind] = dict(ms=median(got["ms"]), rss_kib=median(got["rss_kib"]),
                         raw_ms=got["ms"], raw_rss=got["rss_kib"])
        log(f"cold {kind}: {out[kind]['ms']:.1f} ms, RSS {out[kind]['rss_kib']} KiB")
    out["ratio"] = out["java"]["ms"] / out["rust"]["ms"]
    out["rss_ratio"] = out["java"]["rss_kib"] / out["rust"]["rss_kib"]
    return out


def rows_file(c):
    feats = [f["name"] for f in json.loads(run([c.serve, "inspect", "--model", str(ROOT / GBM)]))["features"]]
    with open(ROOT / BENCH_CSV) as f:
        r = csv.DictReader(f)
        lines = [",".join(row[k] for k in feats) for row in r]
    path = CACHE / "rows.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def wrk(port, conns, secs, rows):
    outp = run(["taskset", "-c", CLIENT_CPU, "wrk", "-t1", f"-c{conns}", f"-d{secs}s", "--latency",
                "-s", str(ROOT / "bench/wrk/rows.lua"), f"http://127.0.0.1:{port}/invocations",
                "--", str(rows)])
    return json.loads(outp.strip().splitlines()[-1])


def loadgen(c, port, rate, conns, secs, rows):
    """Fixed-rate load (bench/loadgen): latency at an offered rate, not at saturation."""
    outp = run(["taskset", "-c", CLIENT_CPU, c.loadgen, f"127.0.0.1:{port}", "/invocations", str(rows),
                "--rate", f"{rate:.0f}", "--conns", str(conns), "--secs", str(secs), "--warmup", "2"])
    return json.loads(outp.strip().splitlines()[-1])


# The fixed-rate runs offer both servers this share of the Java server's maximum (c=16), as
# ../shared/reference/performance.md G4 defines the p99 comparison.
FIXED_SHARE = 0.7


def http(c):
    rows = rows_file(c)
    secs, reps, warm = (3, 1, 3) if c.quick else (10, 5, 10)
    kinds = ("java", "rust")
    # Both servers run side by side (an idle one costs nothing) and their runs alternate, so
    # that the machine's drift over the minutes of the benchmark falls on both alike.
    servers = {kind: start(c, kind) for kind in kinds}
    for kind in kinds:
        wrk(servers[kind][1], 16, warm, rows)  # warm-up (JIT for Java; allocator for both)
    out = {kind: {} for kind in kinds}

    def alternate(tool, label, measure):
        """`reps` runs of `measure(port)` per server, alternating; medians per server."""
        runs = {kind: [] for kind in kinds}
        for _ in range(reps):
            for kind in kinds:
                runs[kind].append(measure(servers[kind][1]))
        res = {}
        for kind in kinds:
            if any(r["errors"] for r in runs[kind]):
                raise SystemExit(f"{kind}: {tool} saw errors: {runs[kind]}")
            res[kind] = {k: median([r[k] for r in runs[kind]])
                         for k in ("req_s", "p50_us", "p99_us", "p999_us", "late_pct") if k in runs[kind][0]}
            res[kind]["raw"] = runs[kind]
            log(f"http {kind} {label}: {res[kind]['req_s']:.0f} req/s "
                f"p50 {res[kind]['p50_us']} p99 {res[kind]['p99_us']} us")
        return res

    for conns in (1, 16):
        for kind, r in alternate("wrk", f"c={conns}", lambda port: wrk(port, conns, secs, rows)).items():
            out[kind][str(conns)] = r
    rate = FIXED_SHARE * out["java"]["16"]["req_s"]
    fixed = alternate("loadgen", f"fixed {rate:.0f} req/s", lambda port: loadgen(c, port, rate, 16, secs, rows))
    for kind, r in fixed.items():
        out[kind]["fixed"] = {**r, "rate": rate}
    for kind in kinds:
        out[kind]["rss_after_load_kib"] = rss_kib(servers[kind][0].pid)
        stop(servers[kind][0])
    return out


# ---------------------------------------------------------------- sizes and machine
def sizes(c):
    d = {"release_binary": os.path.getsize(c.serve)}
    for tool in ("podman", "docker"):
        try:
            o = subprocess.run([tool, "images", "--format", "{{.Repository}}:{{.Tag}} {{.Size}}"],
                               capture_output=True, text=True, timeout=20)
            if o.returncode == 0:
                d["images"] = [l for l in o.stdout.splitlines() if "serve" in l]
                break
        except (OSError, subprocess.TimeoutExpired):
            pass
    d["genmodel_jar"] = os.path.getsize(c.jar)
    return d


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                if l.startswith("model name")), platform.processor())
    mem = next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines() if l.startswith("MemTotal"))
    ver = lambda cmd: subprocess.run(cmd, capture_output=True, text=True).stderr.splitlines()[0] \
        if cmd[0] == "java" else subprocess.run(cmd, capture_output=True, text=True).stdout.splitlines()[0]
    return dict(cpu=cpu, cores=os.cpu_count(), mem_gib=round(int(mem) / 2**20, 1),
                kernel=platform.release(), java=ver(["java", "-version"]), rustc=ver(["rustc", "-V"]),
                wrk=subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0],
                date=datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


# ---------------------------------------------------------------- report
def verdict(ok):
    return "**met**" if ok else "**missed**"


def paired(h, key, field, show):
    """One run's figure per round, Rust's against the Java run before it (they alternate)."""
    rust, java = h["rust"][key].get("raw", []), h["java"][key].get("raw", [])
    return ", ".join(show(r[field], j[field]) for r, j in zip(rust, java)) or "not recorded"


def report(R):
    m, e, b, h, cs, sz = R["machine"], R.get("engine"), R.get("batch"), R.get("http"), R.get("cold"), R["sizes"]
    L = []
    w = L.append
    w("# Benchmarks: the Rust scorer against h2o-genmodel\n")
    w("Generated by `just bench` (`bench/run`, `bench/bench.py`); every ratio compares numbers measured in "
      "the same run on the same machine. Medians of several rounds; raw values are in "
      "`bench/.cache/results.json`. " + ("**Quick run** (`QUICK=1`): fewer and shorter rounds.\n" if R["quick"] else "\n"))
    w("## Machine\n")
    w(f"- {m['cpu']}, {m['cores']} vCPUs, {m['mem_gib']} GiB RAM, Linux {m['kernel']}; {m['date']}")
    earlier = {}
    for part, date in R.get("dates", {}).items():
        if date != m["date"]:
            earlier.setdefault(date, []).append(part)
    for date, names in sorted(earlier.items()):
        w(f"- Kept from the run of {date} (this run measured a subset, `ONLY=`): {', '.join(names)}")
    w(f"- {m['rustc']}; {m['java']} (HotSpot, default flags); {m['wrk']}")
    w(f"- genmodel: `{R['jar']}`; Rust: `{R.get('serve', 'target/release/serve')}`, the release profile (fat LTO); "
      "the static musl build is the image's binary")
    w("- Pinning: servers and single-thread benchmarks on CPU 1 (`taskset -c 1`; for cold starts, inherited "
      "from `coldstart`'s launcher thread), wrk, loadgen and the /ping poller on CPU 0. A small, noisy VM: "
      "treat differences under ~10 % as noise.\n")
    w("## Targets (issue 6)\n")
    w("| target | measured | verdict |")
    w("| --- | --- | --- |")
    if e:
        g = e[0]
        w(f"| core ≥ 10× genmodel rows/s on the 100×6 GBM (stretch 25×), row by row | {g['x_easy']:.2f}× "
          f"EasyPredict ({g['x_score0']:.1f}× raw `score0`) | {verdict(g['x_easy'] >= 10)} |")
        if "batch" in g:
            w(f"| … in blocks of rows (`Model::score_rows`; genmodel has no batch path) | "
              f"{g['x_easy_batch']:.2f}× EasyPredict | {verdict(g['x_easy_batch'] >= 10)} |")
    if h:
        r, j = h["rust"]["16"], h["java"]["16"]
        w(f"| /invocations ≥ 4× req/s (c=16) | {r['req_s'] / j['req_s']:.2f}× | {verdict(r['req_s'] / j['req_s'] >= 4)} |")
        w(f"| … with p99 ≤ 1/10 of Java's, both offered {FIXED_SHARE:.0%} of Java's maximum (fixed rate) | "
          + (f"1/{h['java']['fixed']['p99_us'] / h['rust']['fixed']['p99_us']:.1f} | "
             f"{verdict(h['java']['fixed']['p99_us'] / h['rust']['fixed']['p99_us'] >= 10)} |"
             if "fixed" in h["rust"] else "not measured | — |"))
        w(f"| … p99 ≤ 1/10 of Java's when each runs flat out (wrk, c=16) | 1/{j['p99_us'] / r['p99_us']:.1f} | "
          f"{verdict(j['p99_us'] / r['p99_us'] >= 10)} |")
    if cs:
        w(f"| cold start ≤ 1/50 | 1/{cs['ratio']:.0f} | {verdict(cs['ratio'] >= 50)} |")
        w(f"| RSS ≤ 1/10 (after load) | 1/{cs['rss_ratio']:.0f} | {verdict(cs['rss_ratio'] >= 10)} |")
    if b:
        w(f"| `serve score` ≥ 10× PredictCsv on {b['rows']:,} rows | {b['ratio']:.1f}× | {verdict(b['ratio'] >= 10)} |")
    w("")
    if e:
        w("## 1. Core rows/s, one thread, in process\n")
        w("Each model's input CSV (all rows distinct) converted once, rows scored in order, round after round. "
          "Java: `EasyPredictModelWrapper.predict(RowData)` (Doubles for numbers, Strings for levels) and "
          "`GenModel.score0(double[], double[])`, after a JIT warm-up. Rust: `Model::score` row by row, "
          "and `Model::score_rows` over blocks of 256 rows (\"Rust batch\"; genmodel has no batch path) "
          "(`core/benches/compare.rs`).\n")
        w("| model | rows | Rust rows/s | Rust batch rows/s | Java EasyPredict rows/s | Java score0 rows/s | "
          "× EasyPredict | × EasyPredict (batch) | × score0 | Rust µs/row |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in e:
            bt = r.get("batch", r["rust"])
            w(f"| `{r['model']}` ({r['desc']}) | {r['rows']} | {r['rust']:,.0f} | {bt:,.0f} | {r['easy']:,.0f} | "
              f"{r['score0']:,.0f} | {r['x_easy']:.1f} | {bt / r['easy']:.1f} | {r['x_score0']:.1f} | "
              f"{1e6 / r['rust']:.2f} |")
        w("")
    ct = R.get("contrib")
    if ct:
        w("### Contributions (TreeSHAP) per row\n")
        w("`Model::contributions` (caller buffers) against genmodel's `EasyPredictModelWrapper.predictContributions` "
          "and `PredictContributions.calculateContributions(double[])`, the model loaded with metadata "
          "(`GenBench ... contrib`, `BENCH_MODE=contrib cargo bench --bench compare`).\n")
        w("| model | rows | Rust rows/s | Java EasyPredict rows/s | Java direct rows/s | × EasyPredict | × direct |")
        w("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
        for r in ct:
            w(f"| `{r['model']}` ({r['desc']}) | {r['rows']} | {r['rust']:,.0f} | {r['easy']:,.0f} | "
              f"{r['direct']:,.0f} | {r['x_easy']:.1f} | {r['x_direct']:.1f} |")
        w("")
    if b:
        w(f"## 2. Batch CLI, whole process, {b['rows']:,} rows\n")
        w(f"`bench/.cache/bench_{b['rows']}.csv`: bench.csv's rows with jittered values. Hyperfine, {b['runs']} run(s), "
          "both unpinned (2 cores), output in Java's hex format (`--hex`, PredictCsv's default).\n")
        w("| tool | median s | rows/s |")
        w("| --- | ---: | ---: |")
        w(f"| `serve score --hex` | {b['rust_s']:.2f} | {b['rows'] / b['rust_s']:,.0f} |")
        w(f"| `PredictCsv` | {b['java_s']:.2f} | {b['rows'] / b['java_s']:,.0f} |")
        o = b["identical_output"]
        w(f"\nRatio {b['ratio']:.1f}×. Outputs compared: {o['rows']:,} rows, {o['rows_differing']:,} differ, "
          f"by at most {o['max_ulps']} ulp (HotSpot's `Math.exp` intrinsic is not correctly rounded; we are; "
          "README, Parity).\n")
    if h:
        w("## 3. One-row POST /invocations (wrk)\n")
        w("Body: one distinct header-less CSV row of the 100×6 GBM per request (`bench/wrk/rows.lua` cycles "
          "through bench.csv's 2,000 rows), `Accept: text/csv`. Server on CPU 1, `wrk -t1` on CPU 0, keep-alive. "
          "Java: `bench/java/Srv.java` (JDK HttpServer, 4-thread fixed pool, `-Dsun.net.httpserver.nodelay=true`), "
          "warmed up with wrk first; Rust: `serve serve` (tokio sees one CPU under taskset). Both servers run at "
          "once and their runs alternate (Java, Rust, Java, …), so drift in this VM's speed falls on both; "
          "medians of the runs.\n")
        w("| connections | server | req/s | p50 µs | p99 µs | p99.9 µs |")
        w("| ---: | --- | ---: | ---: | ---: | ---: |")
        for conns in ("1", "16"):
            for kind, label in (("rust", "serve"), ("java", "Java HttpServer")):
                r = h[kind][conns]
                w(f"| {conns} | {label} | {r['req_s']:,.0f} | {r['p50_us']:,.0f} | {r['p99_us']:,.0f} | {r['p999_us']:,.0f} |")
            r, j = h["rust"][conns], h["java"][conns]
            w(f"| {conns} | **ratio** | **{r['req_s'] / j['req_s']:.1f}×** | 1/{j['p50_us'] / r['p50_us']:.1f} | "
              f"**1/{j['p99_us'] / r['p99_us']:.1f}** | 1/{j['p999_us'] / r['p999_us']:.1f} |")
        w("")
        w("Round by round (each Rust run against the Java run just before it), c=16: req/s "
          + paired(h, "16", "req_s", lambda r, j: f"{r / j:.2f}×") + "; p99 "
          + paired(h, "16", "p99_us", lambda r, j: f"1/{j / r:.1f}") + ".\n")
        if "fixed" in h["rust"]:
            fr, fj = h["rust"]["fixed"], h["java"]["fixed"]
            w(f"### Equal offered load: {fj['rate']:,.0f} req/s ({FIXED_SHARE:.0%} of the Java server's c=16 maximum)\n")
            w("wrk measures each server flat out, so the faster one is measured under more load. Here both get "
              "the same fixed timetable: `bench/loadgen` (16 keep-alive connections on CPU 0, driven by one "
              "thread that polls them without sleeping, since a client that sleeps adds its own wake-up to every "
              "answer it times). A request held back because the previous answer on its connection was late "
              "counts from when it was due, so a stalled server is charged for the requests queued behind the "
              "stall (wrk2's correction); \"late\" is the share of such requests.\n")
            w("| server | req/s | p50 µs | p99 µs | p99.9 µs | late % |")
            w("| --- | ---: | ---: | ---: | ---: | ---: |")
            for label, f in (("serve", fr), ("Java HttpServer", fj)):
                w(f"| {label} | {f['req_s']:,.0f} | {f['p50_us']:,.0f} | {f['p99_us']:,.0f} | "
                  f"{f['p999_us']:,.0f} | {f['late_pct']:.1f} |")
            w(f"| **ratio** | | 1/{fj['p50_us'] / fr['p50_us']:.1f} | **1/{fj['p99_us'] / fr['p99_us']:.1f}** | "
              f"1/{fj['p999_us'] / fr['p999_us']:.1f} | |")
            w("")
            w("Round by round, p99: " + paired(h, "fixed", "p99_us", lambda r, j: f"{r:,.0f} against {j:,.0f} µs")
              + ".\n")
    if cs:
        w("## 4–5. Cold start and memory\n")
        w(f"Cold start: exec of the server (pinned to CPU 1) to the first `GET /ping` answered 200, median of "
          f"{len(cs['rust']['raw_ms'])} starts each, timed by `bench/loadgen`'s `coldstart` (the poller on CPU 0, a new "
          "TCP connection every 0.2 ms; the server started by a thread pinned to CPU 1, so that no `taskset` runs "
          "inside the timed span); the Rust server answers 503 until the model is loaded, the Java one binds after "
          "`MojoModel.load`. RSS (`VmRSS`) at that moment, and after the wrk runs above.\n")
        w("Starts, ms: Rust " + ", ".join(f"{t:.1f}" for t in cs["rust"]["raw_ms"]) + "; Java "
          + ", ".join(f"{t:.0f}" for t in cs["java"]["raw_ms"]) + ".\n")
        w("| | Rust `serve serve` | Java Srv | ratio |")
        w("| --- | ---: | ---: | ---: |")
        w(f"| cold start, median ms | {cs['rust']['ms']:.1f} | {cs['java']['ms']:.0f} | 1/{cs['ratio']:.0f} |")
        w(f"| RSS after load, MiB | {cs['rust']['rss_kib'] / 1024:.1f} | {cs['java']['rss_kib'] / 1024:.1f} | 1/{cs['rss_ratio']:.0f} |")
        if h:
            a, j = h["rust"]["rss_after_load_kib"], h["java"]["rss_after_load_kib"]
            w(f"| RSS after the wrk runs, MiB | {a / 1024:.1f} | {j / 1024:.1f} | 1/{j / a:.0f} |")
        w("")
    w("## Sizes\n")
    w(f"- `serve`, the binary measured above (`{R.get('serve', 'target/release/serve')}`, stripped): "
      f"{sz['release_binary'] / 1e6:.2f} MB")
    if sz.get("images"):
        w(f"- images: {'; '.join(sz['images'])}")
    w(f"- for comparison, the genmodel jar alone is {sz['genmodel_jar'] / 1e6:.1f} MB and needs a JRE "
      "(eclipse-temurin:17-jre ≈ 89 MB compressed, per ../shared/reference/performance.md)\n")
    w("## Commands\n")
    w("```sh\njust bench            # everything (≈15 min); QUICK=1 just bench for a ≈4 min smoke run\n"
      "cargo bench -p scorer-core --bench score      # criterion, per model: one row per call and a batch\n"
      "cargo bench -p scorer-core --bench compare -- 10 5 2   # warm-up s, rounds, round s: JSON rows/s\n"
      "cargo bench -p serve --bench request          # criterion: one request's user-space cost, no sockets\n"
      "java -cp $JAR:bench/.cache/classes GenBench MOJO CSV 10 5 2\n```\n")
    notes = ROOT / "bench" / "notes.md"
    if notes.exists():
        w(notes.read_text())
    return "\n".join(L)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--jar", required=True)
    ap.add_argument("--classes", required=True)
    ap.add_argument("--serve", required=True)
    ap.add_argument("--compare", required=True)
    ap.add_argument("--loadgen", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--only", default="engine,contrib,batch,http,cold")
    ap.add_argument("--out", default=str(ROOT / "docs" / "benchmarks.md"))
    ap.add_argument("--report-only", action="store_true", help="rewrite the report from results.json")
    a = ap.parse_args()
    if a.report_only:
        Path(a.out).write_text(report(json.loads((CACHE / "results.json").read_text())))
        return
    c = Ctx(a)
    only = a.only.split(",")
    R = dict(quick=a.quick, jar=os.path.relpath(a.jar, ROOT), serve=os.path.relpath(a.serve, ROOT),
             machine=machine())
    # A subset (ONLY=...) keeps the other parts' numbers from the last run's results.json.
    prev = CACHE / "results.json"
    parts = ("engine", "contrib", "cold", "http", "batch")
    # Each part's date says which run measured it.
    R["dates"] = {}
    if set(only) != set(parts) and prev.exists():
        old = json.loads(prev.read_text())
        R = {**{k: v for k, v in old.items() if k in parts}, **R}
        R["dates"] = {k: old.get("dates", {}).get(k, old["machine"]["date"]) for k in parts if k in old}
    for name, f in (("engine", engine), ("contrib", contrib), ("cold", cold), ("http", http),
                    ("batch", batch)):
        if name in only:
            R[name] = f(c)
            R["dates"][name] = R["machine"]["date"]
    R["sizes"] = sizes(c)
    (CACHE / "results.json").write_text(json.dumps(R, indent=1))
    Path(a.out).write_text(report(R))
    log(f"wrote {a.out}")


if __name__ == "__main__":
    main()
