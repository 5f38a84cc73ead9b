#!/usr/bin/env python3
"""Smoke test of a running server, as SageMaker talks to it (called by `.ci/container smoke`).

Waits for GET /ping to answer 200, then POSTs the demo's JSON row (test.json) and CSV
(demo.csv) to /invocations and compares the probabilities with h2o-genmodel's PredictCsv
output (expected.csv, Java hex doubles). The server writes shortest round-trip decimals;
both are parsed to doubles and compared numerically, allowing a few units in the last
place (the README's parity rule for values that pass through exp).

Standard library only: CI machines have python3 and nothing else.
"""

import argparse
import csv
import io
import json
import math
import sys
import time
import urllib.error
import urllib.request

FIELDS = ["CAPSULE.no", "CAPSULE.yes"]
MAX_ULPS = 4


def fail(msg):
    print(f"smoke: FAIL: {msg}", file=sys.stderr)
    sys.exit(1)


def request(url, data=None, headers=None, timeout=10.0):
    req = urllib.request.Request(url, data=data, headers=headers or {},
                                 method="POST" if data is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers.get("Content-Type", ""), r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers.get("Content-Type", ""), e.read()


def media_type(content_type):
    return content_type.split(";", 1)[0].strip().lower()


def wait_ping(base, deadline_s):
    start = time.monotonic()
    last = "no answer"
    while time.monotonic() - start < deadline_s:
        try:
            status, _, _ = request(base + "/ping", timeout=2.0)  # SageMaker's ping timeout
            if status == 200:
                print(f"smoke: /ping 200 after {time.monotonic() - start:.2f} s")
                return
            last = f"status {status}"
        except (urllib.error.URLError, ConnectionError, OSError) as e:
            last = str(e)
        time.sleep(0.1)
    fail(f"/ping did not answer 200 within {deadline_s} s (last: {last})")


def ulps(a, b):
    if a == b:
        return 0
    if math.isnan(a) or math.isnan(b) or math.isinf(a) or math.isinf(b):
        return math.inf
    return abs(a - b) / math.ulp(max(abs(a), abs(b)))


def compare(what, got, want):
    """got: decimal strings from the server; want: doubles from expected.csv."""
    if len(got) != len(want):
        fail(f"{what}: {len(got)} values, want {len(want)}: {got}")
    worst = 0
    for i, (g, w) in enumerate(zip(got, want)):
        if not isinstance(g, str):
            fail(f"{what}[{i}]: {g!r} is not a decimal string")
        try:
            gv = float(g)
        except ValueError:
            fail(f"{what}[{i}]: {g!r} is not a number")
        d = ulps(gv, w)
        if d > MAX_ULPS:
            fail(f"{what}[{i}]: got {g}, want {w!r} ({float.hex(w)}), {d} ulps apart")
        worst = max(worst, d)
    return worst


def load_expected(demo):
    """Rows of demo.csv (as dicts) and PredictCsv's (p_no, p_yes) for each."""
    with open(f"{demo}/demo.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(f"{demo}/expected.csv", newline="") as f:
        r = csv.reader(f)
        header = next(r)
        if header != ["predict", "no", "yes"]:
            fail(f"expected.csv header {header}")
        probs = [(float.fromhex(row[1]), float.fromhex(row[2])) for row in r]
    if len(rows) != len(probs):
        fail("demo.csv and expected.csv have different row counts")
    return rows, probs


def same_value(cell, value):
    try:
        return float(cell) == float(value)
    except (TypeError, ValueError):
        return str(cell) == str(value)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", required=True, help="base URL, e.g. http://127.0.0.1:8080")
    ap.add_argument("--demo", default="testdata/demo")
    ap.add_argument("--wait", type=float, default=60.0, help="seconds to wait for /ping")
    a = ap.parse_args()
    base = a.url.rstrip("/")
    rows, probs = load_expected(a.demo)

    wait_ping(base, a.wait)

    # JSON: one row; find which demo.csv row it is.
    with open(f"{a.demo}/test.json", "rb") as f:
        body = f.read()
    obj = json.loads(body)
    idx = [i for i, row in enumerate(rows) if all(same_value(row[k], v) for k, v in obj.items())]
    if len(idx) != 1:
        fail(f"test.json matches {len(idx)} rows of demo.csv, want 1")
    status, ctype, out = request(base + "/invocations", body,
                                 {"Content-Type": "application/json", "Accept": "application/json"})
    if status != 200:
        fail(f"JSON /invocations: status {status}: {out[:500]!r}")
    if media_type(ctype) != "application/json":
        fail(f"JSON /invocations: Content-Type {ctype!r}")
    try:
        doc = json.loads(out)
    except ValueError as e:
        fail(f"JSON /invocations: not JSON ({e}): {out[:500]!r}")
    # id: the model's uuid from model.ini (H2O writes a Java long, not an RFC 4122 UUID).
    if not isinstance(doc.get("id"), str) or not doc["id"]:
        fail(f"JSON /invocations: id {doc.get('id')!r}, want the model's uuid string")
    if doc.get("fields") != FIELDS:
        fail(f"JSON /invocations: fields {doc.get('fields')!r}, want {FIELDS}")
    score = doc.get("score")
    if not isinstance(score, list) or len(score) != 1 or not isinstance(score[0], list):
        fail(f"JSON /invocations: score {score!r}, want one row")
    worst = compare("JSON score[0]", score[0], probs[idx[0]])
    print(f"smoke: JSON ok: row {idx[0] + 1} = {score[0]} ({worst} ulps max)")

    # CSV: the whole demo file, header included; one output line per row.
    with open(f"{a.demo}/demo.csv", "rb") as f:
        body = f.read()
    status, ctype, out = request(base + "/invocations", body,
                                 {"Content-Type": "text/csv", "Accept": "text/csv"})
    if status != 200:
        fail(f"CSV /invocations: status {status}: {out[:500]!r}")
    if media_type(ctype) != "text/csv":
        fail(f"CSV /invocations: Content-Type {ctype!r}")
    lines = list(csv.reader(io.StringIO(out.decode("utf-8"))))
    if not lines or lines[0] != FIELDS:
        fail(f"CSV /invocations: header {lines[:1]!r}, want {FIELDS}")
    if len(lines) - 1 != len(probs):
        fail(f"CSV /invocations: {len(lines) - 1} rows, want {len(probs)}: {out[:500]!r}")
    worst = 0
    for i, (got, want) in enumerate(zip(lines[1:], probs)):
        worst = max(worst, compare(f"CSV row {i + 1}", got, want))
    print(f"smoke: CSV ok: {len(probs)} rows ({worst} ulps max)")


if __name__ == "__main__":
    main()
