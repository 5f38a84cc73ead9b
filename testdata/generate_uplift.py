#!/usr/bin/env python3
"""Golden fixtures for Uplift DRF.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_uplift.py

An Uplift DRF grows, per tree, one tree for the treated rows' response and one for the
control rows' (`t00_*` and `t01_*`); genmodel averages each forest's leaves and writes
`uplift_predict = p_y1_with_treatment - p_y1_without_treatment`
(`UpliftDrfMojoModel.unifyPreds`). PredictCsv has no branch for the BinomialUplift category,
so the expected files come from tools/PredictUplift.java: PredictCsv's reading and hex
output around genmodel's `EasyPredictModelWrapper.predictUpliftBinomial`. This script trains
a model per split metric but KL on generate.py's uplift data (same seed and rows, with NAs put
into a tenth of the training rows' x1 and c so that splits learn NA directions), forests
whose tree counts are and are not a multiple of 8, deep and shallow; as
generate_encodings.py does (whose runner it shares), it scores the committed inputs into
expected/ and replaces its rows in manifest.tsv and its section of README.md. generate.py
calls it at the end of a full regeneration; `--rescore` scores the committed models again
without training.
"""
import os
import sys

import numpy as np
from h2o.estimators import H2OUpliftRandomForestEstimator as Uplift

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54409
SECTION = "## Uplift DRF (generate_uplift.py)"
S = E.S

SPECS = [
    S("upliftdrf_euclidean_uplift", Uplift, "uplift", G.UPL_X, "y",
      "Euclidean split metric, 20 trees of depth 6", treatment_column="trt", uplift_metric="euclidean",
      ntrees=20, max_depth=6, seed=61),
    S("upliftdrf_chisquared_uplift", Uplift, "uplift", G.UPL_X, "y",
      "ChiSquared split metric, 50 trees of depth 10, sample_rate 0.8, mtries 2",
      treatment_column="trt", uplift_metric="chi_squared", ntrees=50, max_depth=10, min_rows=5,
      sample_rate=0.8, mtries=2, seed=62),
    # KL (generate.py's upliftdrf_uplift) fails to train on these rows (H2O 3.46: AssertionError
    # with NAs in the training frame).
    S("upliftdrf_deep_euclidean_uplift", Uplift, "uplift", G.UPL_X, "y",
      "Euclidean split metric, 9 trees grown to depth 14 (min_rows 2)", treatment_column="trt",
      uplift_metric="euclidean", ntrees=9, max_depth=14, min_rows=2, seed=63),
]


def uplift_with_nas():
    ds = G.make_uplift()
    train = ds["train"].copy()
    rng = np.random.RandomState(64)
    n = len(train)
    train.loc[train.index[rng.rand(n) < 0.1], "x1"] = np.nan
    train.loc[train.index[rng.rand(n) < 0.1], "c"] = None
    ds["train"] = train
    return ds


def modes_for(spec, info):
    return ["predict", "invalid_na"]


def main():
    intro = ("Made by `generate_uplift.py` (same H2O, datasets and inputs as above): Uplift DRF, one model "
             "per split metric, trained with NAs in a tenth of the rows' x1 and c (KL, which H2O 3.46 fails "
             "to train on them, is generate.py's `upliftdrf_uplift`). PredictCsv cannot score "
             "the BinomialUplift category, so these rows (like `upliftdrf_uplift`'s) come from "
             "`tools/PredictUplift.java` (genmodel's `predictUpliftBinomial` behind PredictCsv's input and "
             "output).")

    def cells(s, rows):
        p = s["params"]
        return ["`%s`" % s["name"], p["uplift_metric"], "%d x depth %d" % (p["ntrees"], p["max_depth"]),
                rows[0][4] if rows else "-", ", ".join(r[5] for r in rows) or "-", s["desc"]]

    E.run_extra(SPECS, [uplift_with_nas()], SECTION, intro, H2O_PORT, modes_for,
                ["model", "metric", "trees", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
