#!/usr/bin/env python3
"""Generate the golden MOJO test fixtures for the Rust h2o-genmodel re-implementation.

Run from anywhere:   python3 testdata/generate.py

What it does (deterministic apart from H2O model uuids/timestamps):
  1. checks h2o.__version__ == 3.46.0.9, starts a local H2O (loopback),
  2. builds the datasets (h2o bundled prostate/iris, scikit-learn bundled diabetes/breast_cancer/wine,
     plus seeded synthetic data), trains the tree models, exports MOJOs to models/,
  3. writes the input CSVs (held-out real rows + awkward rows) to inputs/,
  4. fetches h2o-genmodel.jar from the running H2O into .cache/ (gitignored),
  5. runs the reference PredictCsv (hex output) for every (model, mode) into expected/,
  6. writes manifest.tsv and README.md, shuts H2O down,
  7. runs generate_encodings.py (models trained on encoded frames), generate_glrm.py (one
     GLRM per loss and regularizer), generate_gam.py (GAM families and spline types),
     generate_rulefit.py (multinomial RuleFit), generate_ensemble.py (an ensemble of 150
     base models), generate_coxph.py (CoxPH interactions), generate_uplift.py (Uplift
     DRF variants), generate_unicode.py (names and levels beyond ASCII),
     generate_deep_paths.py (decision paths past 31 levels), generate_metalearners.py
     (stacked ensembles with GBM and DRF metalearners, and with a GLM metalearner that
     dropped a constant base), generate_zip64.py (a MOJO of more than 65,535 files, which
     H2O writes as a zip64 archive), generate_empty_class.py (multinomial models with a
     class no training row has: no trees for it), generate_ensemble_encodings.py (stacked
     ensembles over encoded base models), generate_encoded_specials.py (encoded models with
     an offset or weights column) and generate_releases.py (MOJOs
     exported by older H2O releases, each trained in its own venv), each in its
     own H2O run, which add their rows to manifest.tsv and their sections to README.md;
     then generate_opencsv_cases.py (csv/opencsv_cases.jsonl: how PredictCsv's CSV reader
     splits 2,000 short inputs).
"""
import csv
import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import zipfile
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

import h2o
import h2o.estimators
from h2o.estimators import H2OGradientBoostingEstimator, H2ORandomForestEstimator

H2O_VERSION = "3.46.0.9"
# generate_releases.py's training and the real-data sweep may run under an older release that
# GENERATE_OTHER_H2O names (their MOJOs are scored by this release's genmodel all the same).
if h2o.__version__ != H2O_VERSION and os.environ.get("GENERATE_OTHER_H2O") != h2o.__version__:
    sys.exit("h2o python package must be %s, found %s" % (H2O_VERSION, h2o.__version__))


def estimator_class(name):
    """h2o.estimators' class `name`; where the release (an older one, GENERATE_OTHER_H2O) has
    none, a stand-in that raises ImportError naming it when called to make an estimator."""
    cls = getattr(h2o.estimators, name, None)
    if cls is not None:
        return cls

    def missing(**_):
        raise ImportError("H2O %s has no %s" % (h2o.__version__, name))
    return missing


# 3.18.0.11 has no Isolation Forest.
H2OIsolationForestEstimator = estimator_class("H2OIsolationForestEstimator")

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE = os.path.join(HERE, ".cache")
JAR = os.path.join(CACHE, "h2o-genmodel.jar")
H2O_PORT = 54387


def p(*parts):
    return os.path.join(HERE, *parts)


# ---------------------------------------------------------------------------------------------
# CSV writing (RFC-4180 subset that opencsv 2.3 parses identically: no backslashes, no quoted
# empty fields, no multi-line fields, no whitespace before an opening quote)
# ---------------------------------------------------------------------------------------------
class Q(str):
    """A cell that is always written quoted."""


def csv_cell(v):
    s = str(v)
    assert "\\" not in s and "\n" not in s and "\r" not in s, repr(s)
    if isinstance(v, Q) or "," in s or '"' in s:
        assert s != "", "never write a quoted empty field"
        return '"' + s.replace('"', '""') + '"'
    return s


def write_csv(path, header, rows):
    """rows: list of dicts (missing key -> empty cell) or lists."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        f.write(",".join(csv_cell(h) for h in header) + "\n")
        for r in rows:
            cells = [r.get(h, "") for h in header] if isinstance(r, dict) else r
            f.write(",".join(csv_cell(c) for c in cells) + "\n")


def fmt(v):
    """Number/level -> CSV token (shortest round-trip repr for floats)."""
    if v is None:
        return ""
    if isinstance(v, (float, np.floating)):
        v = float(v)
        if np.isnan(v):
            return ""
        if v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    return str(v)


def df_rows(df):
    return [{c: fmt(v) for c, v in zip(df.columns, row)} for row in df.itertuples(index=False)]


# ---------------------------------------------------------------------------------------------
# awkward input rows
# ---------------------------------------------------------------------------------------------
NA_TOKENS = ["", "NA", "N/A", "-"]
# every one of these is accepted by Java Double.parseDouble (after String.trim()) or is an NA token
NUM_TOKENS = [
    " 7 ", "1e3", "+5", "5.", ".5", "-0.0", "0.0", "NaN", "Infinity", "-Infinity", "+Infinity",
    "1e400", "-1e400", "4.9e-324", "1e-400", "0x1.8p1", "-0x1.8p-3", "0X1P4", "1.5f", "2d", "3F",
    "-4D", "1.7976931348623157e308", "-1.7976931348623157E308", "2.2250738585072014E-308",
    "1e-300", "-1e300", "123456789012345678901234567890", "0.1000000000000000055511151231257827",
    "2.50000000000000000001", "9007199254740993", "007", "1E+2", "1e-2", "  -3.25", "+.5e1", "-.0",
    "0x1.fffffffffffffp1023", "0x0.0000000000001P-1022", "1e0 ", " 42",
] + NA_TOKENS
# offsets must always parse (PredictCsv does Double.parseDouble on the offset cell, NA -> NPE)
OFFSET_TOKENS = ["0", "0.5", " 0.25 ", "+0.1", "-0.5", "1e-1", "0x1.0p-2", "-0.0", "1.5f", "2d", ".75"]
# NOT parseable by Double.parseDouble -> only in the *_invalid inputs (run with --setConvertInvalidNum)
INVALID_TOKENS = [
    "abc", Q("1,5"), "inf", "-inf", "nan", "NAN", "infinity", "INFINITY", "1_000", "   ", " NA", "NA ",
    "n/a", "na", "#N/A", "null", "None", "0x1.8", "0x", "1e", "e5", ".", "+", "-5-", "1.2.3", "1 000",
    "1d5", "1.5ff", "TRUE", "Infinityx", "0b101", "--1", "5%", "$5", "1e5.5", "0x1p",
]
# valid values mixed into the invalid inputs
INVALID_MIX_VALID = ["2.5", "NaN", "", "NA", "-", "1e3", " 3 "]
UNUSED_VALUES = ["hello", "", "NA", Q("x,y"), 'say "hi"', "1e5", "abc", "-"]


def cat_tokens(domain, col):
    """Tokens for a categorical column: known levels (some needing quoting), unseen levels,
    near-misses (case, whitespace, numeric spelling) and NA tokens."""
    toks = []
    toks += [d for d in domain if ("," in d or '"' in d or " " in d)]
    toks += ["zzz_unseen", "NaN", "na", "Infinity", "1.0", "01", " " + domain[0], domain[-1] + " ",
             domain[0].upper() if domain[0].upper() != domain[0] else domain[0].lower() + "_x",
             col + "." + domain[0], domain[0], domain[-1]]
    # "<col>.<level>" fallback: if the domain holds "col.xyz", the bare "xyz" maps to it
    toks += [d[len(col) + 1:] for d in domain if d.startswith(col + ".")]
    toks += NA_TOKENS
    seen, out = set(), []
    for t in toks:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out


def awkward_rows(ds, base_rows, rng):
    num, cat, off = ds["num_cols"], ds["cat_cols"], ds.get("offset_cols", [])
    rows = []
    k = [0]

    def base():
        r = dict(base_rows[k[0] % len(base_rows)])
        k[0] += 1
        for i, o in enumerate(off):
            r[o] = OFFSET_TOKENS[(k[0] + i) % len(OFFSET_TOKENS)]
        return r

    for j, t in enumerate(NUM_TOKENS):  # token in all numeric columns
        r = base()
        for c in num:
            r[c] = t
        rows.append(r)
    for j, t in enumerate(NUM_TOKENS):  # token in one numeric column
        r = base()
        r[num[j % len(num)]] = t
        rows.append(r)
    for c in cat:
        for t in cat_tokens(ds["domains"][c], c):
            r = base()
            r[c] = t
            rows.append(r)
    if cat:  # same unseen/NA token in all categorical columns
        for t in ["zzz_unseen"] + NA_TOKENS:
            r = base()
            for c in cat:
                r[c] = t
            rows.append(r)
    for t in NA_TOKENS:  # whole row NA (offset stays valid)
        r = base()
        for c in num + cat:
            r[c] = t
        rows.append(r)
    for big in ["1e300", "-1e300", "1e-300", "3.4028235677973366e38", "-3.4028234663852886e38",
                "1.401298464324817e-45"]:
        r = base()
        for c in num:
            r[c] = big
        rows.append(r)
    for r in rows:
        r["unused_extra"] = UNUSED_VALUES[rng.randint(len(UNUSED_VALUES))]
    return rows


def invalid_rows(ds, base_rows, rng):
    num, cat, off = ds["num_cols"], ds["cat_cols"], ds.get("offset_cols", [])
    rows = [dict(r) for r in base_rows[:5]]
    k = 0
    for j, t in enumerate(INVALID_TOKENS):
        r = dict(base_rows[(5 + j) % len(base_rows)])
        for c in num + cat:
            r[c] = t
        rows.append(r)
        r = dict(base_rows[(7 + j) % len(base_rows)])
        r[num[j % len(num)]] = t
        if cat:
            r[cat[j % len(cat)]] = t
        rows.append(r)
    for j in range(20):  # random mix of invalid and valid tokens
        r = dict(base_rows[(11 + j) % len(base_rows)])
        for c in num:
            if rng.rand() < 0.5:
                pool = INVALID_TOKENS if rng.rand() < 0.6 else INVALID_MIX_VALID
                r[c] = pool[rng.randint(len(pool))]
        rows.append(r)
    for r in rows:
        for i, o in enumerate(off):
            r[o] = OFFSET_TOKENS[k % len(OFFSET_TOKENS)]
            k += 1
        r["unused_extra"] = UNUSED_VALUES[rng.randint(len(UNUSED_VALUES))]
    return rows


# ---------------------------------------------------------------------------------------------
# datasets
# ---------------------------------------------------------------------------------------------
H2O_DATA = os.path.join(os.path.dirname(h2o.__file__), "h2o_data")


def read_raw_csv(path):
    with open(path, newline="") as f:
        r = list(csv.reader(f))
    return r[0], r[1:]


def split_idx(n, n_hold, seed):
    perm = np.random.RandomState(seed).permutation(n)
    return np.sort(perm[n_hold:]), np.sort(perm[:n_hold])


def make_prostate():
    header, rows = read_raw_csv(os.path.join(H2O_DATA, "prostate.csv"))
    df = pd.DataFrame(rows, columns=header)
    tr, ho = split_idx(len(df), 150, 11)
    types = {c: "numeric" for c in header}
    for c in ["CAPSULE", "RACE", "DPROS", "DCAPS"]:
        types[c] = "enum"
    return dict(
        name="prostate", train=df.iloc[tr], holdout=df.iloc[ho], types=types,
        num_cols=["AGE", "PSA", "VOL", "GLEASON"], cat_cols=["RACE", "DPROS", "DCAPS"],
        keep_cols=["ID", "CAPSULE"],
        desc="h2o bundled prostate.csv (380 rows): 230 train / 150 held-out; RACE, DPROS, DCAPS and "
             "CAPSULE are categorical (integer-looking levels)")


def make_iris():
    header, rows = read_raw_csv(os.path.join(H2O_DATA, "iris.csv"))
    df = pd.DataFrame(rows, columns=header)
    tr, ho = split_idx(len(df), 50, 12)
    types = {c: "numeric" for c in header}
    types["Species"] = "enum"
    return dict(
        name="iris", train=df.iloc[tr], holdout=df, types=types,
        num_cols=header[:4], cat_cols=[], keep_cols=["Species"], keep_order=True,
        desc="h2o bundled iris.csv: train on 100 rows; input = all 150 rows (50 held-out) + awkward rows; "
             "input columns in training order")


def make_diabetes():
    from sklearn.datasets import load_diabetes
    df = load_diabetes(scaled=False, as_frame=True).frame
    rng = np.random.RandomState(13)
    df["w"] = np.round(rng.uniform(0.2, 3.0, len(df)), 3)
    tr, ho = split_idx(len(df), 200, 13)
    return dict(
        name="diabetes", train=df.iloc[tr], holdout=df.iloc[ho],
        types={c: "numeric" for c in df.columns},
        num_cols=["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"], cat_cols=[],
        keep_cols=["target", "w"],
        desc="scikit-learn load_diabetes(scaled=False) (442 rows): 242 train / 200 held-out; extra "
             "weight column w (uniform 0.2..3)")


def make_breast_cancer():
    from sklearn.datasets import load_breast_cancer
    b = load_breast_cancer(as_frame=True)
    df = b.frame.copy()
    df["diagnosis"] = np.array(b.target_names)[b.target]
    df = df.drop(columns=["target"])
    perm = np.random.RandomState(14).permutation(len(df))
    ho, cal, tr = np.sort(perm[:200]), np.sort(perm[200:300]), np.sort(perm[300:])
    types = {c: "numeric" for c in df.columns}
    types["diagnosis"] = "enum"
    feats = list(b.feature_names)
    return dict(
        name="breast_cancer", train=df.iloc[tr], calib=df.iloc[cal], holdout=df.iloc[ho], types=types,
        num_cols=feats, cat_cols=[], keep_cols=["diagnosis"],
        desc="scikit-learn load_breast_cancer (569 rows, 30 features, names with spaces): 269 train / "
             "100 calibration / 200 held-out; response diagnosis = benign/malignant")


def make_wine():
    from sklearn.datasets import load_wine
    df = load_wine(as_frame=True).frame
    df["target"] = df["target"].astype(int)
    tr, ho = split_idx(len(df), 78, 15)
    types = {c: "numeric" for c in df.columns}
    types["target"] = "enum"
    return dict(
        name="wine", train=df.iloc[tr], holdout=df, types=types,
        num_cols=[c for c in df.columns if c != "target"], cat_cols=[], keep_cols=["target"],
        desc="scikit-learn load_wine: train on 100 rows; input = all 178 rows (78 held-out) + awkward; "
             "response target has integer levels 0/1/2")


def make_highcard():
    rng = np.random.RandomState(21)
    n = 3200
    levels = ["L%03d" % i for i in range(146)] + ["a,b", "x y", "hc.zz", 'q"t']  # 150 levels
    hc = rng.choice(levels, n)
    eff = dict(zip(levels, rng.normal(0, 1.2, len(levels))))
    cat2 = rng.choice(["red", "green", "blue", "Grey", "n/a"], n)
    x1 = np.round(rng.normal(0, 1, n), 4)
    x2 = np.round(rng.uniform(-5, 5, n), 3)
    x3 = np.round(rng.exponential(2.0, n), 4)
    x4 = rng.randint(0, 20, n).astype(float)
    lin = np.array([eff[h] for h in hc]) + 0.8 * x1 - 0.3 * x2 + np.where(cat2 == "red", 0.7, 0) \
        + 0.2 * np.sin(x3) + 0.05 * x4
    y = rng.rand(n) < 1 / (1 + np.exp(-lin))
    x1[rng.rand(n) < 0.2] = np.nan
    x3[rng.rand(n) < 0.1] = np.nan
    hc = hc.astype(object)
    hc[rng.rand(n) < 0.08] = None
    cat2 = cat2.astype(object)
    cat2[rng.rand(n) < 0.05] = None
    df = pd.DataFrame(dict(hc=hc, cat2=cat2, x1=x1, x2=x2, x3=x3, x4=x4,
                           y=np.where(y, "pos", "neg"), y01=y.astype(int)))
    types = dict(hc="enum", cat2="enum", x1="numeric", x2="numeric", x3="numeric", x4="numeric",
                 y="enum", y01="numeric")
    return dict(
        name="highcard", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3", "x4"], cat_cols=["hc", "cat2"], keep_cols=["y", "y01"],
        desc="synthetic (3000 train / 200 held-out): hc = 150-level categorical incl. levels 'a,b', 'x y', "
             "'q\"t', 'hc.zz' (8% NA), cat2 5 levels incl. 'n/a', x1 (20% NA), x3 (10% NA); "
             "responses y (neg/pos) and y01 (numeric 0/1)")


def make_multi():
    rng = np.random.RandomState(22)
    n = 2600
    c1 = rng.choice(["c1_%d" % i for i in range(8)], n)
    c2 = rng.choice(["lo", "mid", "hi"], n)
    x = np.round(rng.normal(0, 1, (n, 4)), 4)
    c1e = np.array([int(s[-1]) for s in c1])
    s6 = 0.9 * x[:, 0] + 0.6 * x[:, 1] * x[:, 2] + 0.3 * c1e + np.where(c2 == "hi", 1.0, 0.0) \
        + rng.normal(0, 0.7, n)
    y6 = np.array(["alpha", "beta", "gamma", "delta", "epsilon", "zeta"])[
        np.clip(np.floor((s6 + 2.0) * 1.2), 0, 5).astype(int)]
    s12 = 1.5 * x[:, 0] + x[:, 3] + 0.25 * c1e + rng.normal(0, 0.5, n)
    y12 = np.array(["k%d" % i for i in range(12)])[np.clip(np.floor((s12 + 3.5) * 1.6), 0, 11).astype(int)]
    x[rng.rand(n) < 0.15, 1] = np.nan
    x[rng.rand(n) < 0.1, 3] = np.nan
    c1 = c1.astype(object)
    c1[rng.rand(n) < 0.1] = None
    df = pd.DataFrame(dict(c1=c1, c2=c2, x1=x[:, 0], x2=x[:, 1], x3=x[:, 2], x4=x[:, 3], y6=y6, y12=y12))
    types = dict(c1="enum", c2="enum", x1="numeric", x2="numeric", x3="numeric", x4="numeric",
                 y6="enum", y12="enum")
    return dict(
        name="multi", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3", "x4"], cat_cols=["c1", "c2"], keep_cols=["y6", "y12"],
        desc="synthetic (2400 train / 200 held-out): c1 (8 levels, 10% NA), c2 (3 levels), x1..x4 "
             "(x2 15% NA, x4 10% NA); responses y6 (6 classes) and y12 (12 classes k0..k11, "
             "lexicographic domain order k0,k1,k10,k11,k2,...)")


def make_ties():
    rng = np.random.RandomState(23)
    n = 230
    df = pd.DataFrame(dict(
        a=rng.randint(0, 6, n).astype(float), b=rng.randint(0, 6, n).astype(float),
        c=np.round(rng.uniform(0, 1, n), 2), g=rng.choice(["u", "v", "w"], n),
        cls=rng.choice(["A", "B", "C"], n)))
    types = dict(a="numeric", b="numeric", c="numeric", g="enum", cls="enum")
    return dict(
        name="ties", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["a", "b", "c"], cat_cols=["g"], keep_cols=["cls"],
        desc="synthetic, pure-noise 3-class labels, 30 train rows (last 30) / 200 held-out: small integer features "
             "so DRF leaves are tiny and few-tree averages tie")


def make_counts():
    rng = np.random.RandomState(24)
    n = 2200
    x = np.round(rng.uniform(-1, 1, (n, 4)), 4)
    grp = rng.choice(["g1", "g2", "g3", "g4"], n)
    lin = 0.5 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.3 * x[:, 2] * x[:, 3] + np.where(grp == "g2", 0.4, 0.0)
    mu = np.exp(lin)
    y_pois = rng.poisson(mu).astype(float)
    y_gamma = np.round(rng.gamma(2.0, mu / 2.0), 4) + 1e-3
    npois = rng.poisson(mu * 0.6)
    y_tweedie = np.round(np.array([rng.gamma(1.5, 1.0, k).sum() for k in npois]), 4)
    x[rng.rand(n) < 0.05, 2] = np.nan
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], x3=x[:, 2], x4=x[:, 3], grp=grp,
                           y_pois=y_pois, y_gamma=y_gamma, y_tweedie=y_tweedie))
    types = {c: "numeric" for c in df.columns}
    types["grp"] = "enum"
    return dict(
        name="counts", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3", "x4"], cat_cols=["grp"], keep_cols=["y_pois", "y_gamma", "y_tweedie"],
        desc="synthetic log-linear targets (2000 train / 200 held-out): y_pois (Poisson counts), y_gamma "
             "(positive), y_tweedie (compound Poisson-gamma, many zeros)")


def make_imbal():
    rng = np.random.RandomState(25)
    n = 3200
    x = np.round(rng.normal(0, 1, (n, 5)), 4)
    cat = rng.choice(["p", "q", "r"], n)
    lin = -3.6 + 1.2 * x[:, 0] + 0.8 * x[:, 1] - 0.5 * x[:, 2] + np.where(cat == "p", 0.5, 0)
    y = rng.rand(n) < 1 / (1 + np.exp(-lin))
    s = x[:, 0] + 0.5 * x[:, 3] + rng.normal(0, 0.5, n)
    ym = np.where(s > 2.1, "m_d", np.where(s > 1.5, "m_c", np.where(s > 0.6, "m_b", "m_a")))
    x[rng.rand(n) < 0.05, 4] = np.nan
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], x3=x[:, 2], x4=x[:, 3], x5=x[:, 4], cat=cat,
                           y=np.where(y, "rare", "common"), ym=ym))
    types = {c: "numeric" for c in df.columns}
    types.update(cat="enum", y="enum", ym="enum")
    return dict(
        name="imbal", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3", "x4", "x5"], cat_cols=["cat"], keep_cols=["y", "ym"],
        desc="synthetic imbalanced (3000 train / 200 held-out): y = rare (~5%) / common, ym = 4 classes "
             "m_a..m_d (~70/18/8/4%)")


def make_offset():
    rng = np.random.RandomState(26)
    n = 2200
    x = np.round(rng.normal(0, 1, (n, 4)), 4)
    c = rng.choice(["s", "t", "u"], n)
    off = np.round(rng.uniform(-1, 1, n), 3)
    g = 1.0 * x[:, 0] - 0.7 * x[:, 1] ** 2 + 0.4 * x[:, 2] + np.where(c == "t", 0.8, 0)
    y_reg = np.round(3 + g + 2.0 * off + rng.normal(0, 0.3, n), 4)
    y_bin = rng.rand(n) < 1 / (1 + np.exp(-(g + off)))
    x[rng.rand(n) < 0.05, 3] = np.nan
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], x3=x[:, 2], x4=x[:, 3], c=c, off=off,
                           y_reg=y_reg, y_bin=np.where(y_bin, "1", "0")))
    types = {k: "numeric" for k in df.columns}
    types.update(c="enum", y_bin="enum")
    return dict(
        name="offset", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3", "x4"], cat_cols=["c"], keep_cols=["y_reg", "y_bin"],
        offset_cols=["off"],
        desc="synthetic with offset column off (2000 train / 200 held-out); y_reg gaussian, y_bin 0/1. "
             "The offset cell is always a valid number in every input (PredictCsv NPEs on an NA offset)")


def make_bench():
    rng = np.random.RandomState(27)
    n = 22000
    X = np.round(rng.normal(0, 1, (n, 28)), 5)
    w = rng.normal(0, 1, 28)
    lin = X @ w * 0.4 + np.sin(X[:, 0] * 2) + X[:, 1] * X[:, 2] - 0.5 * np.abs(X[:, 3])
    y = rng.rand(n) < 1 / (1 + np.exp(-lin))
    cols = ["f%02d" % i for i in range(28)]
    df = pd.DataFrame(X, columns=cols)
    df["y"] = np.where(y, "1", "0")
    types = {c: "numeric" for c in cols}
    types["y"] = "enum"
    return dict(
        name="bench", train=df.iloc[2000:], holdout=df.iloc[:2000], types=types,
        num_cols=cols, cat_cols=[], keep_cols=["y"], no_awkward=True, keep_order=True,
        desc="synthetic benchmark: 28 numeric features, 20000 train rows; input = 2000 held-out rows only")


def make_ordfrac():
    rng = np.random.RandomState(28)
    n = 1700
    x = np.round(rng.normal(0, 1, (n, 3)), 4)
    grp = rng.choice(["ga", "gb", "gc", "gd"], n)
    lin = 1.1 * x[:, 0] - 0.7 * x[:, 1] + 0.4 * x[:, 2] + np.where(grp == "gc", 0.8, 0.0) \
        + rng.logistic(0, 1, n)
    y_ord = np.array(["r1_low", "r2_mid", "r3_high", "r4_top"])[np.digitize(lin, [-1.2, 0.3, 1.6])]
    frac = 1 / (1 + np.exp(-(0.9 * x[:, 0] + 0.5 * x[:, 2] - np.where(grp == "gb", 0.6, 0.0))))
    y_frac = np.round(np.clip(frac + rng.normal(0, 0.08, n), 0, 1), 4)
    x[rng.rand(n) < 0.1, 1] = np.nan
    grp = grp.astype(object)
    grp[rng.rand(n) < 0.08] = None
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], x3=x[:, 2], grp=grp, y_ord=y_ord, y_frac=y_frac))
    types = dict(x1="numeric", x2="numeric", x3="numeric", grp="enum", y_ord="enum", y_frac="numeric")
    return dict(
        name="ordfrac", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2", "x3"], cat_cols=["grp"], keep_cols=["y_ord", "y_frac"],
        desc="synthetic (1500 train / 200 held-out) for GLM ordinal / fractionalbinomial: x1..x3 (x2 10% NA), "
             "grp 4 levels (8% NA); y_ord = ordered levels r1_low < r2_mid < r3_high < r4_top (lexicographic "
             "= intended order), y_frac = fraction in [0,1] (some exact 0/1)")


def make_surv():
    rng = np.random.RandomState(29)
    n = 700
    x = np.round(rng.normal(0, 1, (n, 2)), 4)
    grp = rng.choice(["a", "b", "c"], n)
    site = rng.choice(["s1", "s2"], n)
    rate = np.exp(0.6 * x[:, 0] - 0.4 * x[:, 1] + np.where(grp == "b", 0.5, 0.0)) \
        * np.where(site == "s2", 1.8, 1.0)
    t = rng.exponential(1 / rate)
    c = rng.exponential(1.5, n)
    time = np.round(np.minimum(t, c), 3) + 0.001
    event = (t <= c).astype(int)
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], grp=grp, site=site, time=time, event=event))
    types = dict(x1="numeric", x2="numeric", grp="enum", site="enum", time="numeric", event="numeric")
    return dict(
        name="surv", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2"], cat_cols=["grp", "site"], keep_cols=["time", "event"],
        desc="synthetic survival data for CoxPH (500 train / 200 held-out): x1, x2, grp (3 levels), site "
             "(2 levels, strata), stop column time, event 0/1 (~35% censored)")


def make_sparse():
    rng = np.random.RandomState(30)
    n = 2200
    k = 20
    X = np.where(rng.rand(n, k) < 0.06, np.round(rng.exponential(2.0, (n, k)), 3), 0.0)
    sc = rng.choice(["sa", "sb", "sc", "sd"], n, p=[0.85, 0.05, 0.05, 0.05])
    w = rng.normal(0, 1, k)
    lin = X @ w + np.where(sc == "sb", 1.0, 0.0) - 0.3
    y = rng.rand(n) < 1 / (1 + np.exp(-lin))
    cols = ["s%02d" % i for i in range(k)]
    df = pd.DataFrame(X, columns=cols)
    df["sc"] = sc
    df["y"] = np.where(y, "yes", "no")
    types = {c: "numeric" for c in cols}
    types.update(sc="enum", y="enum")
    return dict(
        name="sparse", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=cols, cat_cols=["sc"], keep_cols=["y"],
        desc="synthetic mostly-zero data (2000 train / 200 held-out): 20 numerics s00..s19, 94% exact zeros; "
             "sc 4 levels (85% 'sa'); y = no/yes. For XGBoost sparse=true")


def make_uplift():
    rng = np.random.RandomState(31)
    n = 900
    x = np.round(rng.normal(0, 1, (n, 2)), 4)
    c = rng.choice(["u", "v", "w"], n)
    trt = rng.choice(["control", "treatment"], n)
    lin = -0.2 + 0.5 * x[:, 0] + np.where(trt == "treatment", 0.8 * x[:, 1] + np.where(c == "u", 0.5, 0), 0.0)
    y = rng.rand(n) < 1 / (1 + np.exp(-lin))
    df = pd.DataFrame(dict(x1=x[:, 0], x2=x[:, 1], c=c, trt=trt, y=np.where(y, "1", "0")))
    types = dict(x1="numeric", x2="numeric", c="enum", trt="enum", y="enum")
    return dict(
        name="uplift", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
        num_cols=["x1", "x2"], cat_cols=["c"], keep_cols=["trt", "y"],
        desc="synthetic uplift data (700 train / 200 held-out): x1, x2, c (3 levels), treatment column trt "
             "(control/treatment), y 0/1")


# ---------------------------------------------------------------------------------------------
# models
# ---------------------------------------------------------------------------------------------
GBM, DRF, IF = H2OGradientBoostingEstimator, H2ORandomForestEstimator, H2OIsolationForestEstimator
PROSTATE_X = ["AGE", "RACE", "DPROS", "DCAPS", "PSA", "VOL", "GLEASON"]
DIAB_X = ["age", "sex", "bmi", "bp", "s1", "s2", "s3", "s4", "s5", "s6"]
HC_X = ["hc", "cat2", "x1", "x2", "x3", "x4"]
MULTI_X = ["c1", "c2", "x1", "x2", "x3", "x4"]
COUNTS_X = ["x1", "x2", "x3", "x4", "grp"]
IMB_X = ["x1", "x2", "x3", "x4", "x5", "cat"]
OFF_X = ["x1", "x2", "x3", "x4", "c"]


def M(name, cls, ds, x, y, desc, calibrated=False, input=None, train_kw=None, **params):
    params.setdefault("seed", 1234)
    return dict(name=name, cls=cls, ds=ds, x=x, y=y, desc=desc, calibrated=calibrated,
                input=input, train_kw=train_kw or {}, params=params)


def model_specs(bc_x, wine_x, bench_x):
    return [
        # ---------------- GBM ----------------
        M("gbm_bernoulli_prostate", GBM, "prostate", PROSTATE_X, "CAPSULE",
          "GBM bernoulli, categoricals with integer-looking levels (header p0,p1); also calibrated mode "
          "on an uncalibrated model (cal_ columns are NA)", ntrees=30, max_depth=4),
        M("gbm_bernoulli_highcard_na", GBM, "highcard", HC_X, "y",
          "GBM bernoulli; 150-level categorical (large bitset splits), NAs in train, levels needing CSV "
          "quoting, 'hc.zz' level reachable as 'zz' via the col.level fallback", ntrees=40, max_depth=5),
        M("gbm_quasibinomial_highcard", GBM, "highcard", HC_X, "y01",
          "GBM quasibinomial on a numeric 0/1 response", distribution="quasibinomial", ntrees=25,
          max_depth=4),
        M("gbm_multinomial_iris", GBM, "iris", ["Sepal.Length", "Sepal.Width", "Petal.Length",
                                                 "Petal.Width"], "Species",
          "GBM multinomial, 3 classes, numeric only", ntrees=20, max_depth=3),
        M("gbm_multinomial_6class_na", GBM, "multi", MULTI_X, "y6",
          "GBM multinomial, 6 classes, categoricals and NAs", ntrees=25, max_depth=4),
        M("gbm_multinomial_12class", GBM, "multi", MULTI_X, "y12",
          "GBM multinomial, 12 classes (domain order k0,k1,k10,k11,k2..)", ntrees=10, max_depth=3),
        M("gbm_multinomial_2class_prostate", GBM, "prostate", PROSTATE_X, "CAPSULE",
          "GBM distribution=multinomial on a 2-class response (H2O keeps 1 tree per iteration); input lacks the "
          "PSA column entirely", input="prostate_nopsa", distribution="multinomial", ntrees=15,
          max_depth=3),
        M("gbm_gaussian_diabetes", GBM, "diabetes", DIAB_X, "target", "GBM gaussian regression",
          ntrees=40, max_depth=4),
        M("gbm_poisson_counts", GBM, "counts", COUNTS_X, "y_pois", "GBM poisson (log link)",
          distribution="poisson", ntrees=30, max_depth=4),
        M("gbm_gamma_counts", GBM, "counts", COUNTS_X, "y_gamma", "GBM gamma (log link)",
          distribution="gamma", ntrees=30, max_depth=4),
        M("gbm_tweedie_counts", GBM, "counts", COUNTS_X, "y_tweedie", "GBM tweedie, tweedie_power=1.4",
          distribution="tweedie", tweedie_power=1.4, ntrees=30, max_depth=4),
        M("gbm_laplace_diabetes", GBM, "diabetes", DIAB_X, "target", "GBM laplace",
          distribution="laplace", ntrees=30, max_depth=4),
        M("gbm_quantile_diabetes", GBM, "diabetes", DIAB_X, "target", "GBM quantile, quantile_alpha=0.8",
          distribution="quantile", quantile_alpha=0.8, ntrees=30, max_depth=4),
        M("gbm_huber_diabetes", GBM, "diabetes", DIAB_X, "target", "GBM huber (huber_alpha=0.9)",
          distribution="huber", huber_alpha=0.9, ntrees=30, max_depth=4),
        M("gbm_bernoulli_balanced_imbal", GBM, "imbal", IMB_X, "y",
          "GBM bernoulli, balance_classes=True (prior vs model class distribution correction)",
          balance_classes=True, ntrees=25, max_depth=4),
        M("gbm_multinomial_balanced_imbal", GBM, "imbal", IMB_X, "ym",
          "GBM multinomial, balance_classes=True", balance_classes=True, ntrees=20, max_depth=3),
        M("gbm_bernoulli_platt_breast_cancer", GBM, "breast_cancer", bc_x, "diagnosis",
          "GBM bernoulli + Platt calibration (calibrate_model, calibration_frame)", calibrated=True,
          calibrate_model=True, calibration_method="platt_scaling", ntrees=30, max_depth=3),
        M("gbm_bernoulli_isotonic_breast_cancer", GBM, "breast_cancer", bc_x, "diagnosis",
          "GBM bernoulli + isotonic calibration (calib/thresholds_x, calib/thresholds_y blobs)", calibrated=True,
          calibrate_model=True, calibration_method="isotonic_regression", ntrees=30, max_depth=3),
        M("gbm_bernoulli_breast_cancer_d5", GBM, "breast_cancer", bc_x, "diagnosis",
          "GBM bernoulli, depth 5, other seed, sample_rate/col_sample_rate < 1", seed=7, ntrees=40,
          max_depth=5, sample_rate=0.8, col_sample_rate=0.7),
        M("gbm_gaussian_offset", GBM, "offset", OFF_X, "y_reg", "GBM gaussian with offset_column",
          train_kw=dict(offset_column="off"), ntrees=30, max_depth=4),
        M("gbm_bernoulli_offset", GBM, "offset", OFF_X, "y_bin", "GBM bernoulli with offset_column "
          "(levels 0/1)", train_kw=dict(offset_column="off"), ntrees=30, max_depth=4),
        M("gbm_gaussian_weights_diabetes", GBM, "diabetes", DIAB_X, "target",
          "GBM gaussian with weights_column (w is a model column but not a feature)",
          train_kw=dict(weights_column="w"), ntrees=30, max_depth=4),
        M("gbm_stumps_diabetes", GBM, "diabetes", DIAB_X, "target",
          "GBM whose only tree is a stump (min_split_improvement=1e10: no split possible, H2O stops "
          "after 1 tree); prediction = init_f + root leaf; empty leaf paths; empty _aux.bin",
          ntrees=10, max_depth=3, min_split_improvement=1e10),
        M("gbm_multinomial_wine", GBM, "wine", wine_x, "target",
          "GBM multinomial on integer levels 0/1/2", seed=99, ntrees=20, max_depth=3),
        M("gbm_onehot_explicit_prostate", GBM, "prostate", PROSTATE_X, "CAPSULE",
          "GBM with categorical_encoding=one_hot_explicit (_orig_names/_orig_domain_values: genmodel maps "
          "the original columns onto the one-hot ones; more encodings in generate_encodings.py)",
          categorical_encoding="one_hot_explicit", ntrees=20, max_depth=3),
        M("gbm_bench_100x6", GBM, "bench", bench_x, "y",
          "benchmark: GBM bernoulli 100 trees depth 6, 28 numerics, 2000-row input", ntrees=100,
          max_depth=6),
        # ---------------- DRF ----------------
        M("drf_binomial_prostate", DRF, "prostate", PROSTATE_X, "CAPSULE", "DRF binomial",
          ntrees=30, max_depth=5),
        M("drf_binomial_double_trees_prostate", DRF, "prostate", PROSTATE_X, "CAPSULE",
          "DRF binomial_double_trees=True (2 trees per iteration); input lacks PSA",
          input="prostate_nopsa", binomial_double_trees=True, ntrees=20, max_depth=5),
        M("drf_multinomial_iris", DRF, "iris", ["Sepal.Length", "Sepal.Width", "Petal.Length",
                                                 "Petal.Width"], "Species", "DRF multinomial",
          ntrees=20, max_depth=4),
        M("drf_multinomial_ties", DRF, "ties", ["a", "b", "c", "g"], "cls",
          "DRF multinomial, 3 trees on 30 noise rows: many exact probability ties -> genmodel's "
          "hash + java.util.Random tie-break (with stale ties entries)", ntrees=3, max_depth=5,
          min_rows=1),
        M("drf_regression_diabetes", DRF, "diabetes", DIAB_X, "target", "DRF regression",
          ntrees=30, max_depth=5),
        M("drf_xrt_diabetes", DRF, "diabetes", DIAB_X, "target",
          "XRT: DRF regression with histogram_type=Random", histogram_type="Random", ntrees=30,
          max_depth=5),
        M("drf_binomial_balanced_imbal", DRF, "imbal", IMB_X, "y", "DRF binomial, balance_classes=True",
          balance_classes=True, ntrees=25, max_depth=5),
        M("drf_binomial_platt_breast_cancer", DRF, "breast_cancer", bc_x, "diagnosis",
          "DRF binomial + Platt calibration", calibrated=True, calibrate_model=True,
          calibration_method="platt_scaling", ntrees=30, max_depth=4),
        M("drf_binomial_isotonic_breast_cancer", DRF, "breast_cancer", bc_x, "diagnosis",
          "DRF binomial + isotonic calibration", calibrated=True, calibrate_model=True,
          calibration_method="isotonic_regression", ntrees=20, max_depth=4),
        M("drf_binomial_breast_cancer_d3", DRF, "breast_cancer", bc_x, "diagnosis",
          "DRF binomial, depth 3, other seed, mtries=8", seed=5, ntrees=40, max_depth=3, mtries=8),
        M("drf_highcard_na", DRF, "highcard", HC_X, "y",
          "DRF binomial on the 150-level categorical with NAs", ntrees=30, max_depth=5),
        M("drf_multinomial_wine", DRF, "wine", wine_x, "target", "DRF multinomial on integer levels",
          seed=3, ntrees=25, max_depth=4),
        M("drf_multinomial_6class_na", DRF, "multi", MULTI_X, "y6",
          "DRF multinomial, 6 classes, categoricals and NAs", ntrees=15, max_depth=4),
        # ---------------- Isolation Forest ----------------
        M("if_prostate", IF, "prostate", PROSTATE_X, None,
          "Isolation Forest (header predict,mean_length)", ntrees=50, max_depth=5),
        M("if_contamination_highcard", IF, "highcard", HC_X, None,
          "Isolation Forest with contamination=0.1 -> anomaly flag (header predict,score,mean_length)",
          ntrees=40, max_depth=5, contamination=0.1),
    ]


# ---------------------------------------------------------------------------------------------
# non-tree models (GLM, XGBoost, Deep Learning, Stacked Ensembles, unsupervised, others)
# ---------------------------------------------------------------------------------------------
try:
    from h2o.estimators import (H2OCoxProportionalHazardsEstimator, H2ODeepLearningEstimator,  # noqa: E402
                                H2OExtendedIsolationForestEstimator, H2OGeneralizedAdditiveEstimator,
                                H2OGeneralizedLinearEstimator, H2OGeneralizedLowRankEstimator,
                                H2OIsotonicRegressionEstimator, H2OKMeansEstimator,
                                H2OPrincipalComponentAnalysisEstimator, H2ORuleFitEstimator,
                                H2OStackedEnsembleEstimator, H2OTargetEncoderEstimator,
                                H2OUpliftRandomForestEstimator, H2OWord2vecEstimator, H2OXGBoostEstimator)
except ImportError:
    # An older release (GENERATE_OTHER_H2O) lacks some; the sweep imports this module for its
    # runner and data helpers only, never for the training below.
    if h2o.__version__ == H2O_VERSION:
        raise
    globals().update((name, estimator_class(name)) for name in (
        "H2OCoxProportionalHazardsEstimator", "H2ODeepLearningEstimator", "H2OExtendedIsolationForestEstimator",
        "H2OGeneralizedAdditiveEstimator", "H2OGeneralizedLinearEstimator", "H2OGeneralizedLowRankEstimator",
        "H2OIsotonicRegressionEstimator", "H2OKMeansEstimator", "H2OPrincipalComponentAnalysisEstimator",
        "H2ORuleFitEstimator", "H2OStackedEnsembleEstimator", "H2OTargetEncoderEstimator",
        "H2OUpliftRandomForestEstimator", "H2OWord2vecEstimator", "H2OXGBoostEstimator"))

GLM, XGB, DL, SE = (H2OGeneralizedLinearEstimator, H2OXGBoostEstimator, H2ODeepLearningEstimator,
                    H2OStackedEnsembleEstimator)
IRIS_X = ["Sepal.Length", "Sepal.Width", "Petal.Length", "Petal.Width"]
ORD_X = ["x1", "x2", "x3", "grp"]
SURV_X = ["x1", "x2", "grp"]
UPL_X = ["x1", "x2", "c"]


def N(name, cls, ds, x, y, desc, **kw):
    """A spec added with the non-tree algorithms: training/export errors are recorded instead of
    aborting, a failing `predict` falls back to the tame/holdout input variants."""
    s = M(name, cls, ds, x, y, desc, **kw)
    s["new"] = True
    s["prep"] = s["params"].pop("prep", None)
    s["train_fn"] = s["params"].pop("train_fn", None)
    s["params"] = {k: v for k, v in s["params"].items() if v is not None}
    return s


def prep_plug_values(frames, cache):
    pv = h2o.H2OFrame({"hc": ["L005"], "cat2": ["green"], "x1": [0.5], "x2": [-1.25], "x3": [3.0],
                       "x4": [7.0]}, column_types={"hc": "enum", "cat2": "enum", "x1": "numeric",
                                                   "x2": "numeric", "x3": "numeric", "x4": "numeric"})
    return dict(plug_values=pv), {}


def cv_base(cls, frames, ds, x, y, key, cache, **params):
    """Base model for stacked ensembles (5-fold Modulo CV, CV predictions kept); cached per key."""
    if key not in cache:
        est = cls(nfolds=5, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=1234,
                  **params)
        est.train(x=x, y=y, training_frame=frames[ds])
        cache[key] = est
    return cache[key]


def se_bases_prostate(frames, cache):
    return [cv_base(GBM, frames, "prostate", PROSTATE_X, "CAPSULE", "se_p_gbm", cache, ntrees=15, max_depth=3),
            cv_base(DRF, frames, "prostate", PROSTATE_X, "CAPSULE", "se_p_drf", cache, ntrees=10, max_depth=4),
            cv_base(GLM, frames, "prostate", PROSTATE_X, "CAPSULE", "se_p_glm", cache, family="binomial"),
            cv_base(DL, frames, "prostate", PROSTATE_X, "CAPSULE", "se_p_dl", cache, hidden=[6], epochs=5,
                    reproducible=True)]


def prep_se_prostate(frames, cache):
    return dict(base_models=se_bases_prostate(frames, cache)), {}


def prep_se_iris(frames, cache):
    return dict(base_models=[
        cv_base(GBM, frames, "iris", IRIS_X, "Species", "se_i_gbm", cache, ntrees=10, max_depth=3),
        cv_base(DRF, frames, "iris", IRIS_X, "Species", "se_i_drf", cache, ntrees=10, max_depth=3),
        cv_base(GLM, frames, "iris", IRIS_X, "Species", "se_i_glm", cache, family="multinomial")]), {}


def prep_se_diabetes(frames, cache):
    return dict(base_models=[
        cv_base(GBM, frames, "diabetes", DIAB_X, "target", "se_d_gbm", cache, ntrees=15, max_depth=3),
        cv_base(DRF, frames, "diabetes", DIAB_X, "target", "se_d_drf", cache, ntrees=10, max_depth=4),
        cv_base(GLM, frames, "diabetes", DIAB_X, "target", "se_d_glm", cache, family="gaussian"),
        cv_base(DL, frames, "diabetes", DIAB_X, "target", "se_d_dl", cache, hidden=[6], epochs=10,
                reproducible=True)]), {}


def train_dl_exprectifier(spec, frames):
    est = DL(**spec["params"])
    est._parms["activation"] = "ExpRectifier"
    est.train(x=spec["x"], y=spec["y"], training_frame=frames[spec["ds"]])
    return est


def train_word2vec(spec, frames):
    rng = np.random.RandomState(32)
    vocab = ["alpha", "beta", "gamma", "delta", "eps", "zeta", "eta", "theta", "iota", "kappa"]
    words = []
    for _ in range(300):
        words += list(rng.choice(vocab, rng.randint(3, 8))) + [None]
    fr = h2o.H2OFrame({"words": words}, column_types={"words": "string"})
    est = H2OWord2vecEstimator(vec_size=4, epochs=3, min_word_freq=1, window_size=2)
    est.train(training_frame=fr)
    return est


def extra_specs(bc_x, wine_x, sparse_x):
    glm_std = ("standardize=True, MeanImputation (defaults); lambda>0 so H2O sets use_all_factor_levels=true "
               "(not settable from Python)")
    return [
        # ---------------- GLM ----------------
        N("glm_binomial_prostate", GLM, "prostate", PROSTATE_X, "CAPSULE",
          "GLM binomial; " + glm_std, family="binomial"),
        N("glm_binomial_nostd_prostate", GLM, "prostate", PROSTATE_X, "CAPSULE",
          "GLM binomial, standardize=False", family="binomial", standardize=False),
        N("glm_binomial_lambda0_prostate", GLM, "prostate", PROSTATE_X, "CAPSULE",
          "GLM binomial, lambda=0 (unregularized: H2O then uses use_all_factor_levels=false)",
          family="binomial", lambda_=0),
        N("glm_binomial_highcard_na", GLM, "highcard", HC_X, "y",
          "GLM binomial, MeanImputation over NAs (num_means/cat_modes), 150 levels",
          family="binomial", missing_values_handling="MeanImputation"),
        N("glm_binomial_plugvalues_highcard_na", GLM, "highcard", HC_X, "y",
          "GLM binomial, missing_values_handling=PlugValues (hc=L005, cat2=green, x1=0.5, x2=-1.25, x3=3, x4=7)",
          prep=prep_plug_values, family="binomial", missing_values_handling="PlugValues"),
        N("glm_binomial_skip_prostate", GLM, "prostate", PROSTATE_X, "CAPSULE",
          "GLM binomial, missing_values_handling=Skip (no imputation: NA/unseen categoricals throw)",
          family="binomial", missing_values_handling="Skip"),
        N("glm_gaussian_skip_diabetes", GLM, "diabetes", DIAB_X, "target",
          "GLM gaussian, missing_values_handling=Skip, numeric only (NA -> NaN prediction)",
          family="gaussian", missing_values_handling="Skip"),
        N("glm_quasibinomial_highcard", GLM, "highcard", HC_X, "y01",
          "GLM quasibinomial on a numeric 0/1 response (no response domain)", family="quasibinomial"),
        N("glm_fractionalbinomial_ordfrac", GLM, "ordfrac", ORD_X, "y_frac",
          "GLM fractionalbinomial on a fraction in [0,1]", family="fractionalbinomial"),
        N("glm_multinomial_6class_na", GLM, "multi", MULTI_X, "y6",
          "GLM multinomial, 6 classes, categoricals with NAs, lambda=0 (use_all_factor_levels=false)",
          family="multinomial", lambda_=0),
        N("glm_multinomial_nostd_wine", GLM, "wine", wine_x, "target",
          "GLM multinomial on integer levels 0/1/2, standardize=False", family="multinomial",
          standardize=False),
        N("glm_ordinal_ordfrac", GLM, "ordfrac", ORD_X, "y_ord", "GLM ordinal (ologit), 4 ordered levels",
          family="ordinal"),
        N("glm_gaussian_diabetes", GLM, "diabetes", DIAB_X, "target", "GLM gaussian; " + glm_std,
          family="gaussian"),
        N("glm_gaussian_nostd_lambda0_counts", GLM, "counts", COUNTS_X, "y_gamma",
          "GLM gaussian, standardize=False, lambda=0 (use_all_factor_levels=false)", family="gaussian",
          standardize=False, lambda_=0),
        N("glm_poisson_counts", GLM, "counts", COUNTS_X, "y_pois", "GLM poisson (log link)", family="poisson"),
        N("glm_gamma_counts", GLM, "counts", COUNTS_X, "y_gamma", "GLM gamma, default link (inverse)",
          family="gamma"),
        N("glm_gamma_log_counts", GLM, "counts", COUNTS_X, "y_gamma", "GLM gamma, link=log",
          family="gamma", link="log"),
        N("glm_tweedie_p15_l0_counts", GLM, "counts", COUNTS_X, "y_tweedie",
          "GLM tweedie, tweedie_variance_power=1.5, tweedie_link_power=0 (log)", family="tweedie",
          tweedie_variance_power=1.5, tweedie_link_power=0),
        N("glm_tweedie_p15_lm05_counts", GLM, "counts", COUNTS_X, "y_tweedie",
          "GLM tweedie, tweedie_variance_power=1.5, tweedie_link_power=-0.5 (Math.pow(eta, -2))",
          family="tweedie", tweedie_variance_power=1.5, tweedie_link_power=-0.5),
        N("glm_negativebinomial_counts", GLM, "counts", COUNTS_X, "y_pois",
          "GLM negativebinomial, theta=0.5 (log link)", family="negativebinomial", theta=0.5),
        N("glm_gaussian_offset", GLM, "offset", OFF_X, "y_reg", "GLM gaussian with offset_column",
          train_kw=dict(offset_column="off"), family="gaussian"),
        N("glm_binomial_offset", GLM, "offset", OFF_X, "y_bin", "GLM binomial with offset_column",
          train_kw=dict(offset_column="off"), family="binomial"),
        N("glm_interactions_prostate", GLM, "prostate", PROSTATE_X, "CAPSULE",
          "GLM binomial with interactions=[AGE, PSA, RACE] (H2O has no MOJO for it)", family="binomial",
          interactions=["AGE", "PSA", "RACE"]),
        # ---------------- XGBoost ----------------
        N("xgb_gbtree_bernoulli_prostate", XGB, "prostate", PROSTATE_X, "CAPSULE",
          "XGBoost gbtree bernoulli, categoricals one-hot", booster="gbtree", distribution="bernoulli",
          ntrees=15, max_depth=4),
        N("xgb_gbtree_bernoulli_highcard_na", XGB, "highcard", HC_X, "y",
          "XGBoost gbtree bernoulli, 150-level categorical, NAs in train", booster="gbtree",
          distribution="bernoulli", ntrees=15, max_depth=5),
        N("xgb_dart_bernoulli_highcard_na", XGB, "highcard", HC_X, "y",
          "XGBoost dart bernoulli, rate_drop=0.3 (weight_drop != 1)", booster="dart", distribution="bernoulli",
          rate_drop=0.3, ntrees=12, max_depth=4),
        N("xgb_gblinear_bernoulli_prostate", XGB, "prostate", PROSTATE_X, "CAPSULE",
          "XGBoost gblinear bernoulli", booster="gblinear", distribution="bernoulli", ntrees=20),
        N("xgb_gbtree_multinomial_6class_na", XGB, "multi", MULTI_X, "y6",
          "XGBoost gbtree multinomial, 6 classes, categoricals with NAs", booster="gbtree",
          distribution="multinomial", ntrees=8, max_depth=3),
        N("xgb_dart_multinomial_iris", XGB, "iris", IRIS_X, "Species",
          "XGBoost dart multinomial, rate_drop=0.2", booster="dart", distribution="multinomial",
          rate_drop=0.2, ntrees=10, max_depth=3),
        N("xgb_gblinear_multinomial_wine", XGB, "wine", wine_x, "target",
          "XGBoost gblinear multinomial on integer levels", booster="gblinear", distribution="multinomial",
          ntrees=15),
        N("xgb_gbtree_gaussian_diabetes", XGB, "diabetes", DIAB_X, "target", "XGBoost gbtree gaussian",
          booster="gbtree", distribution="gaussian", ntrees=20, max_depth=4),
        N("xgb_dart_gaussian_diabetes", XGB, "diabetes", DIAB_X, "target",
          "XGBoost dart gaussian, rate_drop=0 (H2O default; all weight_drop 1)", booster="dart",
          distribution="gaussian", ntrees=15, max_depth=4),
        N("xgb_gblinear_gaussian_diabetes", XGB, "diabetes", DIAB_X, "target", "XGBoost gblinear gaussian",
          booster="gblinear", distribution="gaussian", ntrees=20),
        N("xgb_gbtree_poisson_counts", XGB, "counts", COUNTS_X, "y_pois", "XGBoost gbtree poisson",
          booster="gbtree", distribution="poisson", ntrees=15, max_depth=4),
        N("xgb_gbtree_tweedie_counts", XGB, "counts", COUNTS_X, "y_tweedie",
          "XGBoost gbtree tweedie, tweedie_power=1.5", booster="gbtree", distribution="tweedie",
          tweedie_power=1.5, ntrees=15, max_depth=4),
        N("xgb_gbtree_gamma_counts", XGB, "counts", COUNTS_X, "y_gamma", "XGBoost gbtree gamma",
          booster="gbtree", distribution="gamma", ntrees=15, max_depth=4),
        N("xgb_gbtree_sparse", XGB, "sparse", sparse_x + ["sc"], "y",
          "XGBoost gbtree bernoulli on mostly-zero data (dmatrix_type=sparse -> sparse=true in the MOJO: "
          "0.0 and one-hot zeros are 'missing')", booster="gbtree", distribution="bernoulli",
          dmatrix_type="sparse", ntrees=12, max_depth=4),
        N("xgb_gbtree_offset", XGB, "offset", OFF_X, "y_reg", "XGBoost gbtree gaussian with offset_column "
          "(has_offset, base_margin)", train_kw=dict(offset_column="off"), booster="gbtree",
          distribution="gaussian", ntrees=15, max_depth=4),
        N("xgb_gbtree_platt_breast_cancer", XGB, "breast_cancer", bc_x, "diagnosis",
          "XGBoost gbtree bernoulli + Platt calibration", calibrated=True, calibrate_model=True,
          calibration_method="platt_scaling", booster="gbtree", distribution="bernoulli", ntrees=15,
          max_depth=3),
        # ---------------- Deep Learning ----------------
        N("dl_tanh_binomial_prostate", DL, "prostate", PROSTATE_X, "CAPSULE",
          "DL Tanh binomial, use_all_factor_levels=False", activation="Tanh", hidden=[8, 6], epochs=5,
          use_all_factor_levels=False, reproducible=True),
        N("dl_tanhdropout_multinomial_iris", DL, "iris", IRIS_X, "Species",
          "DL TanhWithDropout multinomial (hidden_dropout_ratios 0.2/0.1)", activation="TanhWithDropout",
          hidden=[8, 6], hidden_dropout_ratios=[0.2, 0.1], epochs=10, reproducible=True),
        N("dl_rectifier_regression_diabetes", DL, "diabetes", DIAB_X, "target",
          "DL Rectifier regression (norm_resp_*)", activation="Rectifier", hidden=[8, 6], epochs=10,
          reproducible=True),
        N("dl_rectifierdropout_binomial_highcard_na", DL, "highcard", HC_X, "y",
          "DL RectifierWithDropout binomial, 150-level categorical + NAs", activation="RectifierWithDropout",
          hidden=[8], hidden_dropout_ratios=[0.3], epochs=3, reproducible=True),
        N("dl_maxout_multinomial_6class_na", DL, "multi", MULTI_X, "y6", "DL Maxout multinomial, 6 classes",
          activation="Maxout", hidden=[6, 4], epochs=3, reproducible=True),
        N("dl_maxoutdropout_regression_counts", DL, "counts", COUNTS_X, "y_pois",
          "DL MaxoutWithDropout, distribution=poisson", activation="MaxoutWithDropout", hidden=[6],
          hidden_dropout_ratios=[0.25], distribution="poisson", epochs=3, reproducible=True),
        N("dl_exprectifier_binomial_breast_cancer", DL, "breast_cancer", bc_x, "diagnosis",
          "DL ExpRectifier binomial, 30 inputs (the h2o 3.46 Python client rejects activation='ExpRectifier'; "
          "set on the parameter dict directly)", train_fn=train_dl_exprectifier, hidden=[8, 6], epochs=10,
          reproducible=True),
        N("dl_rectifier_nostd_regression_diabetes", DL, "diabetes", DIAB_X, "target",
          "DL Rectifier regression, standardize=False", activation="Rectifier", hidden=[8], epochs=10,
          standardize=False, reproducible=True),
        N("dl_tanh_nostd_multinomial_wine", DL, "wine", wine_x, "target",
          "DL Tanh multinomial, standardize=False, integer levels", activation="Tanh", hidden=[6], epochs=10,
          standardize=False, reproducible=True),
        N("dl_autoencoder_prostate", DL, "prostate", PROSTATE_X, None,
          "DL autoencoder (Tanh, hidden [4]); output reconstr_<col>[.<level>]", autoencoder=True,
          activation="Tanh", hidden=[4], epochs=5, reproducible=True),
        # ---------------- Stacked Ensembles ----------------
        N("se_glm_binomial_prostate", SE, "prostate", PROSTATE_X, "CAPSULE",
          "SE, GLM metalearner (AUTO) over GBM+DRF+GLM+DL (5-fold Modulo CV)", prep=prep_se_prostate),
        N("se_gbm_binomial_prostate", SE, "prostate", PROSTATE_X, "CAPSULE",
          "SE, metalearner_algorithm=gbm over the same 4 base models", prep=prep_se_prostate,
          metalearner_algorithm="gbm", metalearner_params=dict(ntrees=5, max_depth=2)),
        N("se_multinomial_iris", SE, "iris", IRIS_X, "Species", "SE multinomial over GBM+DRF+GLM",
          prep=prep_se_iris),
        N("se_regression_diabetes", SE, "diabetes", DIAB_X, "target", "SE regression over GBM+DRF+GLM+DL",
          prep=prep_se_diabetes),
        # ---------------- unsupervised ----------------
        N("eif_ext0_diabetes", H2OExtendedIsolationForestEstimator, "diabetes", DIAB_X, None,
          "Extended Isolation Forest, extension_level=0", ntrees=25, sample_size=128, extension_level=0),
        N("eif_ext5_diabetes", H2OExtendedIsolationForestEstimator, "diabetes", DIAB_X, None,
          "Extended Isolation Forest, extension_level=5", ntrees=25, sample_size=128, extension_level=5),
        N("eif_ext2_prostate", H2OExtendedIsolationForestEstimator, "prostate", PROSTATE_X, None,
          "Extended Isolation Forest with categoricals, extension_level=2", ntrees=20, sample_size=64,
          extension_level=2),
        N("kmeans_std_prostate", H2OKMeansEstimator, "prostate", PROSTATE_X, None,
          "K-Means k=4, standardize=True, categoricals", k=4, standardize=True),
        N("kmeans_nostd_prostate", H2OKMeansEstimator, "prostate", PROSTATE_X, None,
          "K-Means k=3, standardize=False, categoricals", k=3, standardize=False),
        N("kmeans_std_highcard_na", H2OKMeansEstimator, "highcard", HC_X, None,
          "K-Means k=5, standardize=True, NAs, 150-level categorical", k=5, standardize=True),
        N("pca_allfactors_prostate", H2OPrincipalComponentAnalysisEstimator, "prostate", PROSTATE_X, None,
          "PCA k=3, transform=STANDARDIZE, use_all_factor_levels=True", k=3, transform="STANDARDIZE",
          use_all_factor_levels=True),
        N("pca_prostate", H2OPrincipalComponentAnalysisEstimator, "prostate", PROSTATE_X, None,
          "PCA k=3, transform=STANDARDIZE, use_all_factor_levels=False", k=3, transform="STANDARDIZE",
          use_all_factor_levels=False),
        N("pca_demean_diabetes", H2OPrincipalComponentAnalysisEstimator, "diabetes", DIAB_X, None,
          "PCA k=4, transform=DEMEAN, numeric only", k=4, transform="DEMEAN"),
        N("glrm_prostate", H2OGeneralizedLowRankEstimator, "prostate", PROSTATE_X, None,
          "GLRM k=3, quadratic loss, STANDARDIZE (scoring is iterative and seeded per row: "
          "java.util.Random(seed + row counter))", k=3, transform="STANDARDIZE", max_iterations=50),
        # ---------------- other algos ----------------
        N("rulefit_binomial_prostate", H2ORuleFitEstimator, "prostate", PROSTATE_X, "CAPSULE",
          "RuleFit binomial (DRF rules, depth 1..3, 20 rules, rules_and_linear)", algorithm="DRF",
          min_rule_length=1, max_rule_length=3, max_num_rules=20, rule_generation_ntrees=10),
        N("gam_gaussian_diabetes", H2OGeneralizedAdditiveEstimator, "diabetes", DIAB_X, "target",
          "GAM gaussian, cubic splines on bmi and bp (5 knots)", family="gaussian", gam_columns=["bmi", "bp"],
          num_knots=[5, 5]),
        N("gam_binomial_prostate", H2OGeneralizedAdditiveEstimator, "prostate", ["AGE", "RACE", "DPROS", "DCAPS",
                                                                                 "GLEASON"], "CAPSULE",
          "GAM binomial, cubic spline on PSA and VOL (gam_columns, not in x)", family="binomial",
          gam_columns=["PSA", "VOL"], num_knots=[5, 5]),
        N("coxph_surv", H2OCoxProportionalHazardsEstimator, "surv", SURV_X, "event",
          "CoxPH, stop_column=time, ties=efron; output lp", seed=None, stop_column="time"),
        N("coxph_strata_surv", H2OCoxProportionalHazardsEstimator, "surv", SURV_X + ["site"], "event",
          "CoxPH stratified by site", seed=None, stop_column="time", stratify_by=["site"]),
        N("isotonic_diabetes", H2OIsotonicRegressionEstimator, "diabetes", ["bmi"], "target",
          "Isotonic Regression target ~ bmi (out_of_bounds=NA)", seed=None),
        N("isotonic_clip_diabetes", H2OIsotonicRegressionEstimator, "diabetes", ["s5"], "target",
          "Isotonic Regression target ~ s5, out_of_bounds=clip", seed=None, out_of_bounds="clip"),
        N("te_highcard", H2OTargetEncoderEstimator, "highcard", ["hc", "cat2"], "y",
          "Target Encoder on hc and cat2 (blending, inflection 5, smoothing 10, noise 0)", blending=True,
          inflection_point=5, smoothing=10, noise=0),
        N("upliftdrf_uplift", H2OUpliftRandomForestEstimator, "uplift", UPL_X, "y",
          "Uplift DRF (treatment_column trt, KL)", treatment_column="trt", uplift_metric="KL", ntrees=10,
          max_depth=4),
        N("word2vec_words", H2OWord2vecEstimator, "prostate", None, None,
          "Word2Vec vec_size 4 on a synthetic 10-word corpus (scored on the prostate input only to record "
          "PredictCsv's error)", seed=None, train_fn=train_word2vec),
    ]


def short_error(e):
    """One line of an H2O / Java error message."""
    lines = [l.strip() for l in str(e).splitlines() if l.strip()]
    for key in ("msg", "Exception", "ERRR", "Error", "error"):
        for l in lines:
            if key in l:
                return l[:400]
    return (lines[0] if lines else type(e).__name__)[:400]


def train_new(s, frames, cache, export_refused):
    """Train + export one non-tree spec; on failure record (name, stage, message) and return False."""
    s["mojo"] = "models/%s.zip" % s["name"]
    try:
        params = dict(s["params"])
        train_kw = dict(s["train_kw"])
        if s["prep"]:
            pu, tu = s["prep"](frames, cache)
            params.update(pu)
            train_kw.update(tu)
        if params.get("calibrate_model"):
            params["calibration_frame"] = frames[s["ds"] + "_calib"]
        if s["train_fn"]:
            est = s["train_fn"](s, frames)
        else:
            est = s["cls"](**params)
            kw = dict(x=s["x"], training_frame=frames[s["ds"]], **train_kw)
            if s["y"] is not None:
                kw["y"] = s["y"]
            est.train(**kw)
    except Exception as e:  # noqa: BLE001
        export_refused.append((s["name"], "train", short_error(e)))
        print("TRAIN FAILED", s["name"], short_error(e), flush=True)
        return False
    s["est"] = est
    try:
        est.download_mojo(path=p(s["mojo"]))
    except Exception as e:  # noqa: BLE001
        export_refused.append((s["name"], "export", short_error(e)))
        print("EXPORT FAILED", s["name"], short_error(e), flush=True)
        if os.path.exists(p(s["mojo"])):
            os.remove(p(s["mojo"]))
        return False
    print("trained", s["name"], flush=True)
    return True


def java_double(tok):
    """Approximation of PredictCsv's Double.parseDouble (after trim) for the tokens the generator
    writes; NA tokens -> nan."""
    if tok in NA_TOKENS:
        return float("nan")
    t = tok.strip()
    if "x" in t.lower():
        return float.fromhex(t)
    if t and t[-1] in "fFdD":
        t = t[:-1]
    return float(t)


def tame_rows(ds, rows):
    """Rows whose numeric cells are all NA/NaN or finite with |x| <= 1e6 (for models whose scorer throws
    on non-finite intermediate values, e.g. DL classifiers: 'Predicted class probability NaN!')."""
    out = []
    for r in rows:
        ok = True
        for c in ds["num_cols"]:
            v = java_double(str(r.get(c, "")))
            if not (np.isnan(v) or abs(v) <= 1e6):
                ok = False
        if ok:
            out.append(r)
    return out


def sanitize_automl_id(mid):
    """StackedEnsemble_AllModels_1_AutoML_1_20240101_120000 -> StackedEnsemble_AllModels_1"""
    import re
    return re.sub(r"_AutoML_\d+_\d{8}_\d+.*$", "", mid)


def run_automl(frames, bc_x):
    from h2o.automl import H2OAutoML
    aml = H2OAutoML(max_models=12, seed=1, max_runtime_secs=300, project_name="fixtures_bc",
                    sort_metric="AUC")
    aml.train(x=bc_x, y="diagnosis", training_frame=frames["breast_cancer"])
    lb = aml.leaderboard.as_data_frame(use_pandas=True)
    return aml, list(lb["model_id"]), lb


# ---------------------------------------------------------------------------------------------
# opencsv vs RFC-4180 cross-check of every input file
# ---------------------------------------------------------------------------------------------
CSVDUMP_JAVA = r"""
import au.com.bytecode.opencsv.CSVReader;
import java.io.*;
public class CsvDump {
  public static void main(String[] a) throws Exception {
    for (String f : a) {
      CSVReader r = new CSVReader(new FileReader(f), ',');
      PrintStream out = new PrintStream(new FileOutputStream(f + ".opencsv"), false, "UTF-8");
      String[] l;
      while ((l = r.readNext()) != null) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < l.length; i++) { if (i > 0) sb.append('\u001f'); sb.append(l[i]); }
        out.print(sb.append('\u001e').toString());
      }
      out.close(); r.close();
    }
  }
}
"""


def crosscheck_inputs(files):
    src = os.path.join(CACHE, "CsvDump.java")
    with open(src, "w") as f:
        f.write(CSVDUMP_JAVA)
    subprocess.run(["java", "-cp", JAR, src] + files, check=True)
    for fn in files:
        with open(fn + ".opencsv", encoding="utf-8") as f:
            j = [rec.split("\x1f") for rec in f.read().split("\x1e")[:-1]]
        os.remove(fn + ".opencsv")
        with open(fn, newline="", encoding="utf-8") as f:
            py = list(csv.reader(f, strict=True))
        assert j == py, "opencsv and RFC-4180 parses differ for %s" % fn
        assert all(len(r) == len(py[0]) for r in py), "ragged rows in %s" % fn
        with open(fn, encoding="utf-8") as f:
            assert "\\" not in f.read(), fn


# ---------------------------------------------------------------------------------------------
# PredictCsv
# ---------------------------------------------------------------------------------------------
MODE_FLAGS = {"predict": [], "calibrated": ["--predictCalibrated"], "leaf": ["--leafNodeAssignment"],
              "contributions": ["--predictContributions"], "invalid_na": ["--setConvertInvalidNum"],
              "glrm_iter5": ["--glrmIterNumber", "5"], "glrm_reconstruct": ["--glrmReconstruct"]}


# PredictCsv loads MOJOs without metadata, so its DRF contributions fail (NPE: no variable
# importances). tools/PredictCsvMeta.java runs the same PredictCsv on the MOJO loaded with
# MojoModel.load(path, true) (JDK source-file mode, no build step).
META_TOOL = os.path.join(HERE, "tools", "PredictCsvMeta.java")
# PredictCsv has no branch for BinomialUplift ("Unknown model category"): tools/PredictUplift.java
# reads the input as PredictCsv does and scores with genmodel's EasyPredictModelWrapper.predictUpliftBinomial.
UPLIFT_TOOL = os.path.join(HERE, "tools", "PredictUplift.java")


def predict_csv(job):
    mojo, inp, out, mode, algo = job
    if algo == "upliftdrf":
        main = UPLIFT_TOOL
    elif mode == "contributions" and algo == "drf":
        main = META_TOOL
    else:
        main = "hex.genmodel.tools.PredictCsv"
    cmd = ["java", "-cp", JAR, main, "--mojo", mojo, "--input", inp,
           "--output", out] + MODE_FLAGS[mode]
    r = subprocess.run(cmd, capture_output=True, text=True)
    ok = r.returncode == 0
    msg = ""
    if not ok:
        lines = [l for l in (r.stdout + r.stderr).splitlines() if l.strip()]
        err = [l for l in lines if "Exception" in l or "error" in l.lower()]
        msg = (err[0] if err else (lines[0] if lines else "exit %d" % r.returncode)).strip()
        if "Prediction failed" in msg or "Exception" not in msg:
            exc = [l for l in lines if l.startswith("Caused by")] + [l for l in lines if "Exception" in l]
            if exc and exc[0].strip().split(": ", 1)[-1] not in msg:
                msg += " / " + exc[0].strip()
        if os.path.exists(out):
            os.remove(out)
    return ok, msg


def fetch_genmodel_jar(est):
    """Puts the genmodel jar of the H2O that trained `est` at JAR (download_mojo with
    get_genmodel_jar treats its path as a directory). Only 3.46.0.9's: every expected output
    is its genmodel's, so an older release (GENERATE_OTHER_H2O) finding none stops here."""
    if h2o.__version__ != H2O_VERSION:
        sys.exit("%s is missing: the reference is %s's genmodel, which H2O %s cannot give (run "
                 "generate.py first)" % (JAR, H2O_VERSION, h2o.__version__))
    jdir = os.path.join(CACHE, "jar_tmp")
    os.makedirs(jdir, exist_ok=True)
    est.download_mojo(path=jdir, get_genmodel_jar=True, genmodel_name="h2o-genmodel.jar")
    shutil.move(os.path.join(jdir, "h2o-genmodel.jar"), JAR)
    shutil.rmtree(jdir)


def mojo_info(path):
    with zipfile.ZipFile(path) as z:
        ini = z.read("model.ini").decode("utf-8")
    info = {}
    for line in ini.splitlines():
        line = line.strip()
        if line.startswith("[columns]"):
            break
        if "=" in line:
            k, v = line.split("=", 1)
            info[k.strip()] = v.strip()
    # MOJO 1.00 writers (H2O 3.10.0) name the algorithm in full only.
    info.setdefault("algo", {"Gradient Boosting Machine": "gbm", "Distributed Random Forest": "drf"}.get(
        info.get("algorithm"), "?"))
    return info


def count_lines(path):
    with open(path) as f:
        return sum(1 for _ in f)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for b in iter(lambda: f.read(1 << 20), b""):
            h.update(b)
    return h.hexdigest()


def count_ties(path):
    """rows of a multinomial predict output whose max probability is shared by >= 2 classes,
    and how many of those rows got a label that is not one of the maximal classes."""
    with open(path) as f:
        rows = list(csv.reader(f))
    hdr, ties, nonmax = rows[0], 0, 0
    for r in rows[1:]:
        probs = [float.fromhex(v) if v != "NA" else float("nan") for v in r[1:]]
        m = max(probs)
        idx = [i for i, v in enumerate(probs) if v == m]
        if len(idx) > 1:
            ties += 1
            if r[0] not in [hdr[1 + i] for i in idx]:
                nonmax += 1
    return ties, nonmax, len(rows) - 1


# ---------------------------------------------------------------------------------------------
# main
# ---------------------------------------------------------------------------------------------
def start_h2o(port, mem):
    """h2o.init on 127.0.0.1:`port` with two threads and `mem` of heap, as every release takes
    it: an older one (GENERATE_OTHER_H2O) has no `verbose`, and one that needs an older JDK
    starts on the java of H2O_JAVA_HOME, which some clients look for on the PATH only (put
    there while it starts: PredictCsv runs on the system's java). With H2O_LEGACY_LAUNCHER
    (a folder holding tools/LegacyH2O.java compiled against the release's h2o.jar) the server
    is started through it, for releases before 3.22, which do not start on Java 11 alone."""
    import inspect
    launcher = os.environ.get("H2O_LEGACY_LAUNCHER")
    if launcher:
        start_legacy_h2o(launcher, port, mem)
        h2o.init(ip="127.0.0.1", port=port, start_h2o=False)
        return
    quiet = dict(verbose=False) if "verbose" in inspect.signature(h2o.init).parameters else {}
    path = os.environ.get("PATH", "")
    java_home = os.environ.get("H2O_JAVA_HOME")
    if java_home and h2o.__version__ != H2O_VERSION:
        os.environ["PATH"] = os.path.join(java_home, "bin") + os.pathsep + path
    try:
        h2o.init(max_mem_size=mem, nthreads=2, port=port, **quiet)
    finally:
        os.environ["PATH"] = path


def start_legacy_h2o(launcher, port, mem):
    """Starts the release's h2o.jar through LegacyH2O on H2O_JAVA_HOME's java, its log in
    .cache/train; returns once it answers on `port` (the JVM stops when the cluster is shut
    down, or with this process)."""
    import atexit
    import time
    import urllib.request
    jar = os.path.join(os.path.dirname(h2o.__file__), "backend", "bin", "h2o.jar")
    java = os.path.join(os.environ["H2O_JAVA_HOME"], "bin", "java")
    log = open(os.path.join(CACHE, "train", "h2o-%s.log" % h2o.__version__), "w")
    proc = subprocess.Popen([java, "-Xmx" + mem.lower(), "-cp", jar + os.pathsep + launcher, "LegacyH2O",
                             "-ip", "127.0.0.1", "-port", str(port), "-nthreads", "2",
                             "-name", "legacy%d" % port], stdout=log, stderr=subprocess.STDOUT)
    atexit.register(proc.kill)
    for _ in range(240):
        if proc.poll() is not None:
            sys.exit("H2O %s exited with %d (log: %s)" % (h2o.__version__, proc.returncode, log.name))
        try:
            urllib.request.urlopen("http://127.0.0.1:%d/3/Cloud" % port, timeout=1).read()
            return
        except OSError:
            time.sleep(0.5)
    sys.exit("H2O %s did not answer on port %d (log: %s)" % (h2o.__version__, port, log.name))


def upload(df, types, path):
    write_csv(path, list(df.columns), df_rows(df))
    return h2o.upload_file(path, col_types={c: types[c] for c in df.columns}, header=1)


def main():
    for d in ["models", "inputs", "expected", "demo"]:
        shutil.rmtree(p(d), ignore_errors=True)
        os.makedirs(p(d))
    for f in ["manifest.tsv", "README.md"]:
        if os.path.exists(p(f)):
            os.remove(p(f))
    shutil.rmtree(CACHE, ignore_errors=True)
    os.makedirs(os.path.join(CACHE, "train"))

    datasets = {d["name"]: d for d in [make_prostate(), make_iris(), make_diabetes(), make_breast_cancer(),
                                        make_wine(), make_highcard(), make_multi(), make_ties(),
                                        make_counts(), make_imbal(), make_offset(), make_bench(),
                                        make_ordfrac(), make_surv(), make_sparse(), make_uplift()]}
    specs = model_specs(datasets["breast_cancer"]["num_cols"], datasets["wine"]["num_cols"],
                        datasets["bench"]["num_cols"])
    new_specs = extra_specs(datasets["breast_cancer"]["num_cols"], datasets["wine"]["num_cols"],
                            datasets["sparse"]["num_cols"])
    assert len({s["name"] for s in specs + new_specs}) == len(specs) + len(new_specs)
    export_refused = []  # (name, stage, message) for models H2O refused to train or export
    automl_info = {}

    h2o.init(max_mem_size="4G", nthreads=2, port=H2O_PORT, verbose=False)
    h2o.no_progress()
    try:
        frames = {}
        for name, ds in datasets.items():
            tdir = os.path.join(CACHE, "train")
            frames[name] = upload(ds["train"], ds["types"], os.path.join(tdir, name + ".csv"))
            if "calib" in ds:
                frames[name + "_calib"] = upload(ds["calib"], ds["types"],
                                                 os.path.join(tdir, name + "_calib.csv"))
            # record training domains (sorted as H2O sorts them) for awkward categorical tokens
            ds["domains"] = {c: frames[name][c].levels()[0] for c in ds["cat_cols"]}

        # ---- train + export models
        for s in specs:
            params = dict(s["params"])
            if params.get("calibrate_model"):
                params["calibration_frame"] = frames[s["ds"] + "_calib"]
            est = s["cls"](**params)
            kw = dict(x=s["x"], training_frame=frames[s["ds"]], **s["train_kw"])
            if s["y"] is not None:
                kw["y"] = s["y"]
            est.train(**kw)
            s["est"] = est
            s["mojo"] = "models/%s.zip" % s["name"]
            est.download_mojo(path=p(s["mojo"]))
            print("trained", s["name"], flush=True)

        # ---- demo model
        header, rows = read_raw_csv(os.path.join(H2O_DATA, "prostate.csv"))
        dem = pd.DataFrame(rows, columns=header)
        dem["CAPSULE"] = np.where(dem["CAPSULE"] == "1", "yes", "no")
        dtypes = {c: "numeric" for c in header}
        dtypes.update(CAPSULE="enum", RACE="enum", DPROS="enum", DCAPS="enum")
        dfr = upload(dem, dtypes, os.path.join(CACHE, "train", "demo.csv"))
        demo_est = GBM(ntrees=20, max_depth=3, seed=42, distribution="bernoulli")
        demo_est.train(x=PROSTATE_X, y="CAPSULE", training_frame=dfr)
        tmpdir = os.path.join(CACHE, "demo_tmp")
        os.makedirs(tmpdir)
        shutil.move(demo_est.download_mojo(path=os.path.join(tmpdir, "pipeline.zip")), p("demo", "pipeline.mojo"))
        shutil.rmtree(tmpdir)

        # ---- non-tree models (after the original fixtures so those stay byte-identical)
        if not H2OXGBoostEstimator.available():
            for s in [s for s in new_specs if s["cls"] is XGB]:
                export_refused.append((s["name"], "train", "H2OXGBoostEstimator.available() is False"))
            new_specs = [s for s in new_specs if s["cls"] is not XGB]
        cache = {}
        trained = []
        for s in new_specs:
            if train_new(s, frames, cache, export_refused):
                trained.append(s)
        # ---- one real AutoML run; every leaderboard model exported
        aml, lb_ids, lb = run_automl(frames, datasets["breast_cancer"]["num_cols"])
        automl_info["leaderboard"] = lb
        for mid in lb_ids:
            name = "automl_" + sanitize_automl_id(mid)
            s = dict(name=name, ds="breast_cancer", desc="AutoML leaderboard model `%s`" % mid, calibrated=False,
                     input=None, new=True, automl=True, model_id=mid, mojo="models/%s.zip" % name)
            try:
                h2o.get_model(mid).download_mojo(path=p(s["mojo"]))
                trained.append(s)
                print("exported", name, flush=True)
            except Exception as e:  # noqa: BLE001
                export_refused.append((name, "export", short_error(e)))
                if os.path.exists(p(s["mojo"])):
                    os.remove(p(s["mojo"]))
        new_specs = trained

        fetch_genmodel_jar(specs[0]["est"])
    finally:
        h2o.cluster().shutdown()

    # ---- inputs
    input_files = {}
    for name, ds in datasets.items():
        rng = np.random.RandomState(1000 + len(name))
        real = df_rows(ds["holdout"])
        for r in real:
            r["unused_extra"] = "x"
        cols = list(ds["holdout"].columns)
        if ds.get("keep_order"):
            header = cols + ["unused_extra"]
        else:
            header = list(np.random.RandomState(len(name)).permutation(cols + ["unused_extra"]))
        rows = real if ds.get("no_awkward") else real + awkward_rows(ds, real, rng)
        write_csv(p("inputs", name + ".csv"), header, rows)
        input_files[name] = ("inputs/%s.csv" % name, len(rows))
        inv = invalid_rows(ds, real, rng)
        write_csv(p("inputs", name + "_invalid.csv"), header, inv)
        input_files[name + "_invalid"] = ("inputs/%s_invalid.csv" % name, len(inv))
        ds["input_header"], ds["input_rows"] = header, rows
        if name == "prostate":  # variant lacking a model column entirely
            h2 = [h for h in header if h != "PSA"]
            write_csv(p("inputs", "prostate_nopsa.csv"), h2, rows)
            input_files["prostate_nopsa"] = ("inputs/prostate_nopsa.csv", len(rows))

    # ---- demo inputs
    demo_cols = PROSTATE_X
    ph, prow = read_raw_csv(os.path.join(H2O_DATA, "prostate.csv"))
    demo_rows = [dict(zip(ph, r)) for r in prow[:10]]
    write_csv(p("demo", "demo.csv"), demo_cols, demo_rows)
    first = demo_rows[0]
    with open(p("demo", "test.json"), "w") as f:
        items = ['"%s": %s' % (c, json.dumps(first[c]) if c in ("RACE", "DPROS", "DCAPS") else first[c])
                 for c in demo_cols]
        f.write("{" + ", ".join(items) + "}\n")
    json.loads(open(p("demo", "test.json")).read())
    input_files["demo"] = ("demo/demo.csv", len(demo_rows))

    crosscheck_inputs([p(v[0]) for v in input_files.values()])

    # ---- PredictCsv jobs
    jobs = []  # (name, algo, category, mojo, input, mode, expected)
    for s in specs:
        info = mojo_info(p(s["mojo"]))
        s["algo"], s["category"] = info["algo"], info["category"]
        inp = input_files[s["input"] or s["ds"]][0]
        inv = input_files[s["ds"] + "_invalid"][0]
        modes = [("predict", inp), ("leaf", inp)]
        if s["category"] in ("Binomial", "Regression") and s["algo"] in ("gbm", "drf"):
            modes.append(("contributions", inp))
        if s["calibrated"] or s["name"] == "gbm_bernoulli_prostate":
            modes.append(("calibrated", inp))
        modes.append(("invalid_na", inv))
        for mode, i in modes:
            jobs.append([s["name"], s["algo"], s["category"], s["mojo"], i, mode,
                         "expected/%s.%s.csv" % (s["name"], mode)])
    dinfo = mojo_info(p("demo", "pipeline.mojo"))
    jobs.append(["demo", dinfo["algo"], dinfo["category"], "demo/pipeline.mojo", "demo/demo.csv", "predict",
                 "demo/expected.csv"])
    # non-tree models: predict, contributions (XGBoost binomial/regression, and AutoML GBM/DRF),
    # leaf (AutoML GBM/DRF; otherwise tried once per new algo to record what PredictCsv does),
    # calibrated (calibrated models), invalid_na
    leaf_tried = set()
    for s in new_specs:
        info = mojo_info(p(s["mojo"]))
        s["algo"], s["category"] = info["algo"], info["category"]
        inp = input_files[s["input"] or s["ds"]][0]
        inv = input_files[s["ds"] + "_invalid"][0]
        modes = [("predict", inp)]
        if s["category"] in ("TargetEncoder", "WordEmbedding"):
            for mode, i in modes:
                jobs.append([s["name"], s["algo"], s["category"], s["mojo"], i, mode,
                             "expected/%s.%s.csv" % (s["name"], mode)])
            continue
        if s["algo"] in ("gbm", "drf") or (s["algo"] in ("glm", "xgboost") and s["algo"] not in leaf_tried):
            modes.append(("leaf", inp))
            leaf_tried.add(s["algo"])
        if s["category"] in ("Binomial", "Regression") and s["algo"] in ("gbm", "drf", "xgboost"):
            modes.append(("contributions", inp))
        if s["calibrated"]:
            modes.append(("calibrated", inp))
        modes.append(("invalid_na", inv))
        for mode, i in modes:
            jobs.append([s["name"], s["algo"], s["category"], s["mojo"], i, mode,
                         "expected/%s.%s.csv" % (s["name"], mode)])

    with ThreadPoolExecutor(2) as ex:
        results = list(ex.map(lambda j: predict_csv((p(j[3]), p(j[4]), p(j[6]), j[5], j[1])), jobs))

    # a new model whose `predict` aborts on some row ("Prediction failed on line N") is retried on
    # inputs/<ds>_tame.csv (no non-finite / |x| > 1e6 numerics) and then inputs/<ds>_holdout.csv
    # (held-out real rows only); every failure is recorded
    new_names = {s["name"]: s for s in new_specs}
    fallback_notes = []
    for variant in ["tame", "holdout"]:
        retry = []
        for k, (j, (ok, msg)) in enumerate(zip(jobs, results)):
            if ok or j[0] not in new_names or j[5] != "predict" or "Prediction failed" not in msg \
                    or "Unknown model category" in msg:
                continue
            s = new_names[j[0]]
            if j[4] in (input_files.get(s["ds"] + "_holdout", ("",))[0],) or (
                    variant == "tame" and j[4] == input_files.get(s["ds"] + "_tame", ("",))[0]):
                continue
            ds = datasets[s["ds"]]
            key = s["ds"] + "_" + variant
            if key not in input_files:
                rows = ds["input_rows"]
                vrows = tame_rows(ds, rows) if variant == "tame" else rows[:len(ds["holdout"])]
                write_csv(p("inputs", key + ".csv"), ds["input_header"], vrows)
                crosscheck_inputs([p("inputs", key + ".csv")])
                input_files[key] = ("inputs/%s.csv" % key, len(vrows))
            fallback_notes.append((j[0], j[4], msg))
            retry.append(k)
            jobs[k] = j[:4] + [input_files[key][0]] + j[5:]
        with ThreadPoolExecutor(2) as ex:
            rr = list(ex.map(lambda k: predict_csv((p(jobs[k][3]), p(jobs[k][4]), p(jobs[k][6]), jobs[k][5], jobs[k][1])),
                             retry))
        for k, r in zip(retry, rr):
            results[k] = r

    manifest, refused = [], []
    nrows = {v[0]: v[1] for v in input_files.values()}
    for j, (ok, msg) in zip(jobs, results):
        if ok:
            n = count_lines(p(j[6]))
            assert n == nrows[j[4]] + 1, (j, n, nrows[j[4]])
            manifest.append(j)
        else:
            refused.append((j[0], j[5], msg))
            print("REFUSED", j[0], j[5], msg, flush=True)
    with open(p("manifest.tsv"), "w") as f:
        f.write("\t".join(["name", "algo", "category", "model", "input", "mode", "expected"]) + "\n")
        for j in manifest:
            f.write("\t".join(j) + "\n")

    # ---- stats for the README
    ties = count_ties(p("expected", "drf_multinomial_ties.predict.csv")) \
        if os.path.exists(p("expected", "drf_multinomial_ties.predict.csv")) else (0, 0, 0)
    headers = {}
    for j in manifest:
        if j[5] == "predict":
            with open(p(j[6])) as f:
                headers[j[0]] = f.readline().strip()
    write_readme(specs, datasets, manifest, refused, ties, headers, new_specs, export_refused, fallback_notes,
                 automl_info)
    total = 0
    for root, dirs, files in os.walk(HERE):
        if os.path.relpath(root, HERE).startswith(".cache"):
            continue
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    print("manifest rows:", len(manifest), "refused:", len(refused), "ties:", ties,
          "size: %.2f MB" % (total / 1e6))
    # ---- the models trained on encoded frames (their own H2O run; appends to manifest and README)
    import generate_encodings
    generate_encodings.main()
    # ---- one GLRM per loss and regularizer (likewise)
    import generate_glrm
    generate_glrm.main()
    # ---- GAM families and spline types (likewise)
    import generate_gam
    generate_gam.main()
    # ---- multinomial RuleFit (likewise)
    import generate_rulefit
    generate_rulefit.main()
    # ---- an ensemble wider than the core's inline store (likewise)
    import generate_ensemble
    generate_ensemble.main()
    # ---- CoxPH interactions (likewise)
    import generate_coxph
    generate_coxph.main()
    # ---- Uplift DRF variants (likewise)
    import generate_uplift
    generate_uplift.main()
    # ---- names and levels beyond ASCII (likewise, with its own dataset and inputs)
    import generate_unicode
    generate_unicode.main()
    # ---- decision paths past 31 levels (likewise, with its own dataset and inputs)
    import generate_deep_paths
    generate_deep_paths.main()
    # ---- stacked ensembles with tree metalearners (likewise)
    import generate_metalearners
    generate_metalearners.main()
    # ---- a MOJO of more than 65,535 files: a zip64 archive (likewise)
    import generate_zip64
    generate_zip64.main()
    import generate_empty_class
    generate_empty_class.main()
    import generate_ensemble_encodings
    generate_ensemble_encodings.main()
    import generate_encoded_specials
    generate_encoded_specials.main()
    # ---- MOJOs from older H2O releases (likewise, each release in its own venv under .cache/)
    import generate_releases
    generate_releases.main()
    # ---- how PredictCsv's CSV reader splits short inputs (no H2O needed, only the jar)
    import generate_opencsv_cases
    generate_opencsv_cases.main()


NEW_NOTES = [
    "Non-tree models get modes predict + invalid_na; XGBoost (and AutoML GBM/DRF/XGBoost) binomial/regression "
    "also contributions; calibrated models also calibrated; leaf only for AutoML GBM/DRF, plus one attempt for "
    "the first GLM and XGBoost model to record the refusal. Target Encoder and Word2Vec only get a "
    "predict attempt (both refused); Uplift DRF gets predict + invalid_na through tools/PredictUplift.java.",
    "GLM `use_all_factor_levels` is not a Python parameter in 3.46: H2O sets it true for regularized fits "
    "(default lambda > 0) and false for `lambda_=0` (the `*_lambda0_*` models).",
    "GLM `missing_values_handling=Skip` writes `mean_imputation = false`: an NA or unseen categorical throws "
    "`IllegalArgumentException: categorical value out of range` and aborts PredictCsv, so "
    "`glm_binomial_skip_prostate` is scored on `inputs/prostate_holdout.csv` and has no invalid_na row; "
    "numeric NAs just give an NA prediction (`glm_gaussian_skip_diabetes`). PlugValues is stored as "
    "`mean_imputation = true` with the plug values in `num_means`/`cat_modes`.",
    "GLM ordinal: an Infinity input gives NaN probabilities and EasyPredictModelWrapper.predictOrdinal throws "
    "`ArrayIndexOutOfBoundsException: Index -1` (whole file aborted) -> scored on the tame input.",
    "Deep Learning classifiers throw `Predicted class probability NaN!` and regressions `Predicted regression "
    "target NaN!` on rows with infinite/huge inputs (also via a DL base model inside a stacked ensemble), so "
    "they are scored on `inputs/<dataset>_tame.csv` (see Fallback inputs). The autoencoder does not throw.",
    "DL autoencoder header: categorical blocks come first, ordered by H2O's DataInfo (by cardinality, "
    "e.g. `reconstr_DPROS.1..4, reconstr_DPROS.missing(NA), reconstr_RACE.0..`), then the numerics.",
    "`dl_exprectifier_binomial_breast_cancer`: the 3.46 Python client's enum check rejects "
    "`activation=\"ExpRectifier\"`; the backend accepts it when set on the parameter dict.",
    "GAM ignores `--setConvertInvalidNum` (its own row converter parses numbers: `NumberFormatException`), "
    "so GAM models have no invalid_na rows.",
    "XGBoost leaf mode: ClassCastException (XGBoostJavaMojoModel is not a SharedTreeMojoModel); gblinear "
    "contributions: ClassCastException GBLinear -> GBTree (see refused list).",
    "`xgb_gbtree_sparse` was trained with `dmatrix_type=\"sparse\"` and its model.ini has `sparse = true`.",
    "GLRM scoring is iterative and seeded per scored row (`java.util.Random(seed + row counter)`), so its "
    "expected output depends on the row order of the input and PredictCsv's default `--glrmIterNumber` (100); "
    "`--glrmIterNumber` and `--glrmReconstruct` are exercised by generate_glrm.py's models.",
    "AutoML and the stacked ensembles: the MOJO zips nest the base models; the AutoML leaderboard depends on "
    "timing (max_runtime_secs), so it can change between regenerations.",
    "GLM quasibinomial on a numeric 0/1 response: H2O 3.46 gives the response a domain `0.0`/`1.0`, "
    "so the header is `predict,0.0,1.0` and labels are `0.0`/`1.0` (not `predict,0,1`). "
    "fractionalbinomial gets `predict,p0,p1` with labels `0`/`1`.",
    "K-Means: rows whose distance is NaN/overflows to infinity (e.g. `1e400`) print cluster "
    "`-0x1.0p0` (-1).",
    "Two consecutive full regenerations on this machine gave byte-identical expected/ files for "
    "every model except the AutoML DeepLearning_1 and the two AutoML stacked ensembles containing it "
    "(AutoML's DL is not reproducible); the AutoML leaderboard (model set and order) was the same.",
]


def write_readme(specs, datasets, manifest, refused, ties, headers, new_specs, export_refused, fallback_notes,
                 automl_info):
    jv = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr.splitlines()[0]
    modes_by = {}
    for j in manifest:
        modes_by.setdefault(j[0], []).append(j[5])
    L = []
    L.append("# Golden fixtures for the Rust MOJO scorer\n")
    L.append("MOJOs exported by H2O-3 together with the output of the *reference* scorer, "
             "`hex.genmodel.tools.PredictCsv` from the matching `h2o-genmodel.jar`, on deliberately awkward "
             "input CSVs. Our scorer must reproduce `expected/*.csv` byte for byte (numbers are Java "
             "`Double.toHexString`, NaN is `NA`; PredictCsv was run without `--decimal`).\n")
    L.append("## Regenerating\n")
    L.append("```\npython3 testdata/generate.py      # from the repo root (any cwd works)\n```\n")
    L.append("Everything under `models/`, `inputs/`, `expected/`, `demo/`, `manifest.tsv` and this README is "
             "rewritten. The script starts a local H2O on 127.0.0.1:%d, trains with fixed seeds, downloads "
             "the genmodel jar into `testdata/.cache/` (gitignored, not committed; training CSVs also go "
             "there) and shuts H2O down. Data and inputs are bit-for-bit reproducible; MOJOs differ in "
             "uuid/timestamp between runs (on this 2-core machine two consecutive regenerations gave "
             "byte-identical expected/ outputs; other core counts might change tree values), so always "
             "regenerate models and expected outputs together.\n" % H2O_PORT)
    L.append("Pinned versions: h2o (python + server) %s, Python %s, numpy %s, pandas %s, scikit-learn %s, "
             "`%s`.\n" % (H2O_VERSION, platform.python_version(), np.__version__, pd.__version__,
                          __import__("sklearn").__version__, jv))
    L.append("Genmodel jar: `.cache/h2o-genmodel.jar` (from `model.download_mojo(..., get_genmodel_jar=True)`), "
             "sha256 `%s`.\n" % sha256(JAR))
    L.append("Reference command per manifest row:\n```\njava -cp testdata/.cache/h2o-genmodel.jar "
             "hex.genmodel.tools.PredictCsv --mojo <model> --input <input> --output <expected> [flag]\n```\n"
             "flags by mode: predict: none; calibrated: `--predictCalibrated`; leaf: `--leafNodeAssignment`; "
             "contributions: `--predictContributions`; invalid_na: `--setConvertInvalidNum`.\n"
             "DRF contributions rows instead run `java -cp testdata/.cache/h2o-genmodel.jar "
             "testdata/tools/PredictCsvMeta.java --mojo <model> ...` (same arguments): the same PredictCsv "
             "on the MOJO loaded with `MojoModel.load(path, true)`, since DRF contributions need the variable "
             "importances of `experimental/modelDetails.json` and PredictCsv loads without them (NPE).\n"
             "Uplift DRF rows (PredictCsv: `Unknown model category BinomialUplift`) run `java -cp "
             "testdata/.cache/h2o-genmodel.jar testdata/tools/PredictUplift.java --mojo <model> ...` (same "
             "arguments): PredictCsv's reading of the input and hex output around genmodel's "
             "`EasyPredictModelWrapper.predictUpliftBinomial`, header `GenModel.getOutputNames`.\n")
    L.append("## Layout\n")
    L.append("* `manifest.tsv`: `name algo category model input mode expected` (tab separated, paths "
             "relative to testdata/; algo/category are the `algo`/`category` keys of the MOJO's model.ini).\n"
             "* `models/<name>.zip`: MOJOs. `inputs/<dataset>.csv`: inputs shared by all models of a "
             "dataset; `inputs/<dataset>_invalid.csv`: inputs with unparseable numbers (mode invalid_na). "
             "`expected/<name>.<mode>.csv`: PredictCsv output.\n"
             "* `demo/`: README demo: `pipeline.mojo` (GBM bernoulli on prostate, CAPSULE recoded no/yes, "
             "RACE/DPROS/DCAPS categorical, 20 trees depth 3), `demo.csv` (10 prostate rows), "
             "`expected.csv`, `test.json` (= first row of demo.csv as a JSON object). Listed in the "
             "manifest as `demo`.\n")
    L.append("## Inputs\n")
    L.append("All inputs are RFC-4180 CSV that opencsv 2.3 (PredictCsv's parser) reads identically: the "
             "generator cross-checks every file with opencsv from the jar vs Python's csv module. No "
             "backslashes, no quoted empty field, no multi-line field, no whitespace before an opening "
             "quote, no ragged rows. Each `inputs/<dataset>.csv` holds held-out real rows, then awkward rows:\n"
             "* column order shuffled vs training (except iris and bench), an extra ignored column "
             "`unused_extra` (text, quoted `x,y`, `say \"hi\"`), response/weight/ID columns present "
             "(ignored by the scorer);\n"
             "* NA: empty cell, `NA`, `N/A`, `-` (exact tokens; ` NA` is not NA);\n"
             "* numeric spellings accepted by Java `Double.parseDouble` after trim: %s - each token once in "
             "all numeric columns of a row and once in a single column;\n"
             "* categoricals: quoted levels (`\"a,b\"`, `\"q\"\"t\"`, `x y`), unseen levels, case/space "
             "variants (` L000`, H2O trimmed leading spaces of levels at parse time), `1.0`/`01` vs `1`, "
             "`<col>.<level>` spellings and the reverse fallback (`zz` -> level `hc.zz`), NA tokens;\n"
             "* all-NA rows and rows of huge/tiny magnitudes (1e300, f32 max, f32 min subnormal).\n"
             % ", ".join("`%s`" % t for t in NUM_TOKENS if t not in NA_TOKENS))
    L.append("`inputs/<dataset>_invalid.csv` (mode invalid_na) put unparseable values into numeric (and "
             "categorical) columns: %s, mixed with valid ones. Without `--setConvertInvalidNum` PredictCsv "
             "aborts on these. Offsets are always valid numbers (PredictCsv parses the offset itself, "
             "`--setConvertInvalidNum` does not apply, and an NA offset is an NPE).\n"
             % ", ".join("`%s`" % t for t in INVALID_TOKENS))
    L.append("`inputs/prostate_nopsa.csv` = `inputs/prostate.csv` without the PSA column (model column "
             "missing from the input: PredictCsv reports it on stdout and scores it as NA).\n")
    L.append("Datasets:\n")
    for name, ds in datasets.items():
        L.append("* `%s`: %s." % (name, ds["desc"]))
    L.append("")
    L.append("## Models\n")
    L.append("| name | algo | category | modes | predict header | exercises |\n|---|---|---|---|---|---|")
    for s in specs:
        h = headers.get(s["name"], "")
        if len(h) > 60:
            h = h[:57] + "..."
        L.append("| `%s` | %s | %s | %s | `%s` | %s |" % (s["name"], s["algo"], s["category"],
                                                      ", ".join(modes_by.get(s["name"], [])), h, s["desc"]))
    L.append("| `demo` | gbm | Binomial | predict | `%s` | README demo (demo/) |" % headers.get("demo", ""))
    for s in new_specs:
        h = headers.get(s["name"], "")
        if len(h) > 60:
            h = h[:57] + "..."
        L.append("| `%s` | %s | %s | %s | `%s` | %s |" % (s["name"], s["algo"], s["category"],
                                                      ", ".join(modes_by.get(s["name"], [])), h, s["desc"]))
    L.append("")
    L.append("## Models H2O refused to train or export (no MOJO in models/)\n")
    for n, stage, msg in export_refused:
        L.append("* `%s` (%s): %s" % (n, stage, msg.replace("|", "/")))
    if not export_refused:
        L.append("* none")
    L.append("")
    L.append("MOJOs in models/ that have no manifest row (PredictCsv cannot score them, see the next section): %s.\n"
             % ", ".join("`%s`" % s["name"] for s in new_specs if s["name"] not in modes_by))
    if "leaderboard" in automl_info:
        lb = automl_info["leaderboard"]
        L.append("## AutoML run\n")
        L.append("`H2OAutoML(max_models=12, seed=1, max_runtime_secs=300, sort_metric=AUC)` on the breast_cancer "
                 "training rows (y=diagnosis, all 30 features, default nfolds=5, nothing excluded). Every "
                 "leaderboard model is exported as `automl_<model_id without the _AutoML_<n>_<date>_<time> "
                 "suffix>`. AutoML is time-bounded, so a rerun may produce a different leaderboard.\n")
        L.append("| model_id | auc | exported as |\n|---|---|---|")
        names = {s.get("model_id"): s["name"] for s in new_specs if s.get("automl")}
        for _, r in lb.iterrows():
            L.append("| `%s` | %.6f | %s |" % (r["model_id"], r["auc"],
                                              "`%s`" % names[r["model_id"]] if r["model_id"] in names
                                              else "not exported"))
        L.append("")
    if fallback_notes:
        L.append("## Fallback inputs\n")
        L.append("PredictCsv aborts the whole file when one row throws. For the non-tree models such a `predict` "
                 "run was repeated on `inputs/<dataset>_tame.csv` (the same rows minus those with a numeric cell "
                 "that is non-finite or |x| > 1e6; NA/NaN cells kept) and, if that failed too, on "
                 "`inputs/<dataset>_holdout.csv` (held-out real rows only). Failed attempts:\n")
        for n, inp, msg in fallback_notes:
            L.append("* `%s` on `%s`: %s" % (n, inp, msg.replace("|", "/")))
        L.append("")
    L.append("## Modes PredictCsv refused (left out of the manifest)\n")
    if refused:
        for n, m, msg in refused:
            L.append("* `%s` %s: %s" % (n, m, msg.replace("|", "/")))
    else:
        L.append("* none")
    L.append("")
    L.append("## Notes\n")
    L.append("* `drf_multinomial_ties`: %d of %d rows have an exact tie for the maximum probability; in %d "
             "of them the label is not one of the tied maximal classes (genmodel's stale `ties` list)." %
             (ties[0], ties[2], ties[1]))
    L.append("* Integer-looking response levels give headers `p0,p1` / `p0,p1,p2` instead of the level "
             "names (see the predict header column); the label column still prints the level itself.")
    L.append("* `gbm_onehot_explicit_prostate` uses categorical_encoding=one_hot_explicit: inputs are the "
             "original columns, which genmodel maps onto the one-hot ones (see the last section).")
    L.append("* GBM quasibinomial with a numeric response has no response domain: header `predict,pVal0,pVal1`, "
             "labels `0`/`1`.")
    L.append("* Leaf-node mode on Isolation Forest: PredictCsv ignores the flag and prints the normal output "
             "(expected/if_*.leaf.csv == expected/if_*.predict.csv).")
    L.append("* `calibrated` on `gbm_bernoulli_prostate` (not calibrated) gives `cal_p0,cal_p1` columns of `NA`.")
    L.append("* `gbm_stumps_diabetes`: a single tree with no split (H2O stops boosting when a tree cannot "
             "split; `_aux.bin` is empty). Its leaf output is the empty path, so every data line of "
             "`expected/gbm_stumps_diabetes.leaf.csv` is an EMPTY LINE (one empty field) - CSV readers that "
             "skip blank lines will see 0 rows. Contributions: all features 0, BiasTerm = (float) init_f.")
    L.append("* `gbm_multinomial_2class_prostate`: H2O stores distribution=multinomial with n_trees_per_class=1 "
             "(1-tree binomial optimisation, category Binomial), and PredictCsv does produce contributions "
             "for it.")
    L.append("* `gbm_onehot_explicit_prostate` contributions are named per one-hot column "
             "(`RACE.0,...,RACE.missing(NA)`) after the numeric columns.")
    L.append("* DRF contributions: PredictCsv itself NPEs on them (it loads MOJOs without metadata), so DRF "
             "`contributions` rows come from `tools/PredictCsvMeta.java` (PredictCsv on the MOJO loaded with "
             "metadata). genmodel transforms every non-zero value: regression `c / ntrees`, binomial "
             "`1f/(nUsed+1) + c/(-ntrees)` with nUsed = variables of non-zero relative importance. "
             "binomial_double_trees and multinomial DRFs are refused by genmodel (listed above).")
    L.append("")
    L.append("### Non-tree models\n")
    for s in NEW_NOTES:
        L.append("* " + s)
    with open(p("README.md"), "w") as f:
        f.write("\n".join(L) + "\n")


if __name__ == "__main__":
    main()
