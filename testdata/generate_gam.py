#!/usr/bin/env python3
"""Golden fixtures for GAM beyond cubic regression splines: multinomial and ordinal GAMs,
I-splines (bs=2), M-splines (bs=3) and thin plate regression splines (bs=1, on one column
and on two), alone and mixed in one model.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_gam.py

Each spline type and each family takes its own code path in genmodel (`GamMojoModelBase`,
`GamMojoMultinomialModel`, `ISplines`, `MSplines`, `GamUtilsThinPlateRegression`), and a
model mixing types takes genmodel's per-type counters and block offsets, so this script
trains one model per path, without regularization (`lambda_=0`, so that every spline term
carries a coefficient), on generate.py's datasets (same seeds and training rows), then,
as generate_encodings.py does (whose runner it shares), scores the committed inputs with
PredictCsv (hex output) into expected/ and replaces its rows in manifest.tsv and its section
of README.md. generate.py calls it at the end of a full regeneration; `--rescore` scores the
committed models again without training them.
"""
import os
import sys

from h2o.estimators import H2OGeneralizedAdditiveEstimator as GAM

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54393
SECTION = "## GAM families and spline types (generate_gam.py)"
S = E.S
DIAB_REST = ["age", "sex", "s1", "s2", "s3", "s4", "s6"]
PROSTATE_REST = ["AGE", "RACE", "DPROS", "DCAPS", "GLEASON"]

SPECS = [
    S("gam_multinomial_multi", GAM, "multi", ["c1", "c2", "x3", "x4"], "y6",
      "multinomial, 6 classes, cubic splines on x1 and x2 (x2 15% NA, mean imputation)",
      family="multinomial", gam_columns=["x1", "x2"], num_knots=[5, 6], seed=41, lambda_=0),
    S("gam_ordinal_ordfrac", GAM, "ordfrac", ["x2", "x3", "grp"], "y_ord",
      "ordinal, 4 levels, cubic spline on x1", family="ordinal", gam_columns=["x1"], num_knots=[6],
      seed=42, lambda_=0),
    S("gam_ispline_diabetes", GAM, "diabetes", DIAB_REST, "target",
      "gaussian, I-splines (monotone, bs=2) on bmi (order 3) and bp (order 2)", family="gaussian",
      gam_columns=["bmi", "bp"], bs=[2, 2], spline_orders=[3, 2], num_knots=[5, 4], seed=43, lambda_=0),
    S("gam_mspline_prostate", GAM, "prostate", PROSTATE_REST, "CAPSULE",
      "binomial, M-splines (bs=3) on PSA (order 3) and VOL (order 4)", family="binomial",
      gam_columns=["PSA", "VOL"], bs=[3, 3], spline_orders=[3, 4], num_knots=[5, 5], seed=44, lambda_=0),
    S("gam_thinplate_diabetes", GAM, "diabetes", DIAB_REST, "target",
      "gaussian, thin plate splines (bs=1) on bmi and on (bp, s5) together", family="gaussian",
      gam_columns=[["bmi"], ["bp", "s5"]], bs=[1, 1], num_knots=[6, 12], seed=45, lambda_=0),
    S("gam_mixed_diabetes", GAM, "diabetes", ["age", "sex", "s2", "s4"], "target",
      "gaussian, all four spline types: CS on s1, thin plate on bmi, I-spline on bp, M-spline on s3 (genmodel "
      "centres the M-spline with the first column's matrix and advances every block by knots - 1)",
      family="gaussian", gam_columns=["s1", "bmi", "bp", "s3"], bs=[0, 1, 2, 3], num_knots=[8, 6, 4, 5],
      spline_orders=[1, 1, 2, 3], seed=46, lambda_=0),
    S("gam_mspline_multinomial_multi", GAM, "multi", ["c1", "c2", "x3"], "y6",
      "multinomial, CS on x2, M-spline on x1 (order 3), thin plate on x4 (10% NA)", family="multinomial",
      gam_columns=["x1", "x2", "x4"], bs=[3, 0, 1], spline_orders=[3, 1, 1], num_knots=[5, 8, 6], seed=47, lambda_=0),
    # genmodel fails on every row of this one (its M-spline borrows the 5-knot CS column's 4 x 5
    # centering matrix): kept so the scorer's refusal is tested against a real model.
    S("gam_mixed_failing_diabetes", GAM, "diabetes", ["age", "sex", "s2", "s4"], "target",
      "gaussian, CS on s1 (5 knots), thin plate on (bmi, s6), I-spline on bp, M-spline on s3: genmodel fails",
      family="gaussian", gam_columns=["s1", ["bmi", "s6"], "bp", "s3"], bs=[0, 1, 2, 3],
      num_knots=[5, 8, 4, 5], spline_orders=[1, 1, 2, 3], seed=46, lambda_=0),
]


def modes_for(spec, info):
    return ["predict"]


def main():
    intro = ("Made by `generate_gam.py` (same H2O, datasets and inputs as above): GAMs whose family or "
             "spline type takes its own path in genmodel. GAM parses its spline columns itself "
             "(`Double.parseDouble`), so there is no `invalid_na` mode.")

    def cells(s, rows):
        p = s["params"]
        return ["`%s`" % s["name"], p["family"], str(p.get("bs", [0] * len(p["gam_columns"]))),
                rows[0][4] if rows else "-", ", ".join(r[5] for r in rows) or "-", s["desc"]]

    datasets = [G.make_prostate(), G.make_diabetes(), G.make_multi(), G.make_ordfrac()]
    E.run_extra(SPECS, datasets, SECTION, intro, H2O_PORT, modes_for,
                ["model", "family", "bs", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
