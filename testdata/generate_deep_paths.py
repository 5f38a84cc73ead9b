#!/usr/bin/env python3
"""Golden fixtures for decision paths deeper than 31 levels.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_deep_paths.py

genmodel encodes a row's path through a tree for leaf assignment as the bits of a `long`, one
per level (right turns) plus a bit at the leaf's level, and has no path for a leaf at level 64
or deeper (its `scoreTree` returns NaN, `getDecisionPath` null, and PredictCsv fails on it).
This script makes a dataset, `chain`, on which trees grow as chains: 100 rows, one indicator
column per row (`c0`..`c99`) and the response `y = i²`, so every split isolates one row and
min_rows=1 trees reach depth ~100. It trains a GBM and a DRF on it and, as
generate_encodings.py does (whose runner it shares), scores inputs/chain.csv (the rows whose
paths end between levels 1 and 55, every one below 64) with PredictCsv into expected/,
replacing its rows in manifest.tsv and its section of README.md. inputs/chain_all.csv holds
all 100 rows: on it PredictCsv's leaf assignment fails (the deepest rows' paths pass level
64), and the CLI tests check that `serve predict-csv` refuses it too. generate.py calls it at
the end of a full regeneration; `--rescore` scores the committed models again without
training.
"""
import os
import sys

import pandas as pd
from h2o.estimators import H2OGradientBoostingEstimator as GBM, H2ORandomForestEstimator as DRF

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54419
SECTION = "## Decision paths past 31 levels (generate_deep_paths.py)"
S = E.S
ROWS = 100
X = ["c%d" % k for k in range(ROWS)]
# The rows whose paths stay below level 64 in both models: the chains isolate the largest
# responses first.
SHALLOW_FROM = 45

SPECS = [
    S("gbm_chain", GBM, "chain", X, "y",
      "GBM regression, 2 trees grown as chains to depth 98 (max_depth=100, min_rows=1)",
      ntrees=2, max_depth=100, min_rows=1, learn_rate=1.0, min_split_improvement=0, seed=81),
    S("drf_chain", DRF, "chain", X, "y",
      "DRF regression, 2 trees grown as chains to depth 99 (max_depth=0: unlimited, every column tried)",
      ntrees=2, max_depth=0, min_rows=1, sample_rate=1.0, mtries=-2, min_split_improvement=0, seed=82),
]


def make_chain():
    df = pd.DataFrame({c: [1.0 if i == k else 0.0 for i in range(ROWS)] for k, c in enumerate(X)})
    df["y"] = [float(i * i) for i in range(ROWS)]
    types = dict({c: "numeric" for c in X}, y="numeric")
    return dict(name="chain", train=df, holdout=df, types=types)


def write_inputs(ds):
    rows = G.df_rows(ds["train"])
    header = list(ds["train"].columns)
    G.write_csv(G.p("inputs", "chain_all.csv"), header, rows)
    G.write_csv(G.p("inputs", "chain.csv"), header, rows[SHALLOW_FROM:])


def modes_for(spec, info):
    return ["predict", "leaf"]


def main():
    ds = make_chain()
    if "--rescore" not in sys.argv:
        write_inputs(ds)
    intro = ("Made by `generate_deep_paths.py` (same H2O as above): the `chain` dataset (100 rows, an indicator "
             "column per row, `y = i²`), on which every split isolates one row, so trees grow as chains. "
             "inputs/chain.csv holds the rows whose paths end between levels 1 and 55; inputs/chain_all.csv "
             "holds all 100, on which PredictCsv's leaf assignment fails (paths reach level 64 and beyond), "
             "as `serve predict-csv`'s must (the CLI tests check it).")
    E.run_extra(SPECS, [ds], SECTION, intro, H2O_PORT, modes_for, E.PLAIN_COLUMNS, E.plain_cells)


if __name__ == "__main__":
    main()
