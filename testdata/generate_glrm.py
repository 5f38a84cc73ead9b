#!/usr/bin/env python3
"""Golden fixtures for GLRM: every loss and regularizer genmodel scores.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_glrm.py

GLRM scoring solves for a row's coordinates by proximal gradient descent from a random
start (`java.util.Random(seed + rows scored before)`), so each loss (`loss`, `multi_loss`,
`loss_by_col`) and each `regularization_x` takes its own code path. This script trains one
model per path on generate.py's datasets (same seeds and training rows), then, as
generate_encodings.py does (whose runner it shares), scores the committed inputs with
PredictCsv (hex output) into expected/ and replaces its rows in manifest.tsv and its section
of README.md. generate.py calls it at the end of a full regeneration; `--rescore` scores
the committed models again without training them.
"""
import os
import struct
import sys
import zipfile

from h2o.estimators import H2OGeneralizedLowRankEstimator as GLRM

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54391
SECTION = "## GLRM losses and regularizers (generate_glrm.py)"
S = E.S
# `loss_by_col_idx` counts the columns of the whole training frame. Logistic and Hinge are for
# binary columns, which GLRM takes as 0/1 numerics (H2O refuses them as `loss`).
COMMON = dict(max_iterations=30, transform="STANDARDIZE")

SPECS = [
    S("glrm_absolute_l1_prostate", GLRM, "prostate", G.PROSTATE_X, None,
      "k=3, Absolute loss, L1 regularizer (gamma_x 0.3)", k=3, loss="Absolute", regularization_x="L1",
      gamma_x=0.3, seed=31, **COMMON),
    S("glrm_huber_ordinal_highcard", GLRM, "highcard", G.HC_X, None,
      "k=4, Huber loss, Ordinal multi_loss, Quadratic regularizer; NA categoricals shift later columns",
      k=4, loss="Huber", multi_loss="Ordinal", regularization_x="Quadratic", gamma_x=0.5, seed=32, **COMMON),
    S("glrm_nonnegative_highcard", GLRM, "highcard", G.HC_X, None,
      "k=3, NonNegative regularizer (gamma_x 0.1)", k=3, regularization_x="NonNegative", gamma_x=0.1,
      seed=33, **COMMON),
    S("glrm_onesparse_prostate", GLRM, "prostate", G.PROSTATE_X, None,
      "k=3, OneSparse regularizer (ties broken with Random.nextInt)", k=3, regularization_x="OneSparse",
      gamma_x=1.0, seed=34, **COMMON),
    S("glrm_unitonesparse_diabetes", GLRM, "diabetes", G.DIAB_X, None,
      "k=3, UnitOneSparse regularizer", k=3, regularization_x="UnitOneSparse", gamma_x=1.0, seed=35, **COMMON),
    S("glrm_simplex_diabetes", GLRM, "diabetes", G.DIAB_X, None,
      "k=4, Simplex regularizer", k=4, regularization_x="Simplex", gamma_x=1.0, seed=36, **COMMON),
    S("glrm_l2_counts", GLRM, "counts", G.COUNTS_X, None,
      "k=2, L2 regularizer, NA numerics", k=2, regularization_x="L2", gamma_x=0.5, seed=37, **COMMON),
    S("glrm_poisson_counts", GLRM, "counts", ["y_pois", "grp"], None,
      "k=2, Poisson loss on the counts column (Math.exp and Math.log)", k=2, loss="Poisson",
      transform="NONE", max_iterations=30, seed=38),
    S("glrm_logistic_prostate", GLRM, "prostate", G.PROSTATE_X, None,
      "k=2, Logistic loss on DCAPS (two levels: H2O makes it a 0/1 numeric; Math.exp and Math.log)", k=2,
      loss_by_col=["Logistic"], loss_by_col_idx=[5], seed=39, **COMMON),
    S("glrm_hinge_prostate", GLRM, "prostate", G.PROSTATE_X, None,
      "k=2, Hinge loss on DCAPS (a 0/1 numeric), L1 regularizer", k=2, loss_by_col=["Hinge"],
      loss_by_col_idx=[5], regularization_x="L1", gamma_x=0.2, seed=40, **COMMON),
]


def make_rank700(path):
    """glrm_prostate (generate.py's) with rank 700 and archetypes of a fixed pattern: a model
    that needs more scratch than the core keeps on the stack (7 + 6 x 700 + 2 x 4 doubles), so
    the golden test runs serve's heap-scratch path against genmodel."""
    rank = 700
    with zipfile.ZipFile(G.p("models", "glrm_prostate.zip")) as src, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        width = None
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("experimental/"):
                continue
            if item.filename == "model.ini":
                text = data.decode()
                width = int(text.split("ncolY = ")[1].split()[0])
                text = text.replace("ncolX = 3", "ncolX = %d" % rank).replace("nrowY = 3", "nrowY = %d" % rank)
                data = text.encode()
            if item.filename == "archetypes":
                data = b"".join(struct.pack(">d", ((i * 7919) % 23 - 11) / 16.0) for i in range(rank * 13))
            dst.writestr(zipfile.ZipInfo(item.filename, date_time=(2026, 1, 1, 0, 0, 0)), data,
                         compress_type=zipfile.ZIP_DEFLATED)
        assert width == 13, width


DERIVED = [S("glrm_rank700_prostate", None, "prostate", G.PROSTATE_X, None,
             "glrm_prostate with rank 700 and patterned archetypes (made by make_rank700, not trained): "
             "more scratch than the stack holds")]
DERIVED[0]["make"] = make_rank700


def modes_for(spec, info):
    if spec["name"] == "glrm_rank700_prostate":  # slow to score; one mode checks its path
        return ["predict"]
    return ["predict", "invalid_na", "glrm_iter5", "glrm_reconstruct"]


def main():
    intro = ("Made by `generate_glrm.py` (same H2O, datasets and inputs as above): one GLRM per loss and "
             "regularizer. PredictCsv scores the rows of a file in order with one model instance, so row `n` "
             "starts from `new Random(seed + n)`; the scorer counts rows the same way. Defaults: 100 iterations "
             "per row (`--glrmIterNumber` unset; mode `glrm_iter5` sets it to 5); mode `glrm_reconstruct` is "
             "`--glrmReconstruct` (each row imputed from its coordinates).")

    def cells(s, rows):
        return ["`%s`" % s["name"], s["info"].get("regularizationX", "-"), rows[0][4] if rows else "-",
                ", ".join(r[5] for r in rows) or "-", s["desc"]]

    datasets = [G.make_prostate(), G.make_highcard(), G.make_diabetes(), G.make_counts()]
    E.run_extra(SPECS, datasets, SECTION, intro, H2O_PORT, modes_for,
                ["model", "regularization_x", "input", "modes", "description"], cells, derived=DERIVED)


if __name__ == "__main__":
    main()
