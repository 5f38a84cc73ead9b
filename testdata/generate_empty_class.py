#!/usr/bin/env python3
"""Golden fixtures for multinomial models with a response class that no training row has.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_empty_class.py

A user who filters rows inside H2O (`frame[frame["y"] != "c", :]`) keeps the level in the
column's domain, so the model has a class no training row has. H2O's GBM and DRF build no
tree for such a class, and the MOJO writer leaves its `trees/tCC_GGG.bin` files out (genmodel
scores the missing tree as no tree: a constant 0 for the class); XGBoost, GLM and Deep
Learning keep the class with their own initial values. These models are trained on the
`multi` dataset without one class (one in the middle of the domain, so later classes shift
if the scorer counts trees rather than classes). As generate_encodings.py does (whose runner
it shares), it scores the committed inputs into expected/ and replaces its rows in
manifest.tsv and its section of README.md; `--rescore` scores the committed models again
without training.
"""
import os
import sys
import zipfile

from h2o.estimators import (H2ODeepLearningEstimator, H2OGeneralizedLinearEstimator,
                            H2OGradientBoostingEstimator, H2ORandomForestEstimator, H2OXGBoostEstimator)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54435
SECTION = "## A class without training rows (generate_empty_class.py)"
X = ["c1", "c2", "x1", "x2", "x3", "x4"]


def S(name, cls, y, level, desc, **params):
    return dict(E.S(name, cls, "multi", X, y, desc, **params), without=(y, level))


SPECS = [
    S("gbm_empty_class_multi", H2OGradientBoostingEstimator, "y6", "delta",
      "GBM, y6 without its class delta (3rd of 6): no trees for it", ntrees=30, max_depth=4, seed=91),
    S("drf_empty_class_multi", H2ORandomForestEstimator, "y12", "k10",
      "DRF, y12 without k10 (3rd of 12 in domain order): no trees for it", ntrees=12, max_depth=8, seed=92),
    S("xgb_empty_class_multi", H2OXGBoostEstimator, "y6", "delta",
      "XGBoost, y6 without delta", ntrees=15, max_depth=4, seed=93),
    S("glm_empty_class_multi", H2OGeneralizedLinearEstimator, "y6", "delta",
      "GLM multinomial, y6 without delta", family="multinomial", lambda_=0.001, seed=94),
    S("dl_empty_class_multi", H2ODeepLearningEstimator, "y6", "delta",
      "Deep Learning, y6 without delta", hidden=[16], epochs=5, reproducible=True, seed=95),
]


def modes_for(spec, info):
    # Multinomial contributions genmodel refuses.
    modes = ["predict"]
    if info["algo"] in ("gbm", "drf"):
        modes.append("leaf")
    return modes + ["invalid_na"]


def absent_trees(path):
    """Tree files model.ini promises (classes x trees) that the archive does not hold."""
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        ini = dict(line.split(" = ", 1) for line in z.read("model.ini").decode().splitlines() if " = " in line)
    if "n_trees" not in ini:
        return None
    groups, per_class = int(ini["n_trees"]), int(ini["n_trees_per_class"])
    return sum("trees/t%02d_%03d.bin" % (c, t) not in names for t in range(groups) for c in range(per_class))


def main():
    intro = ("Made by `generate_empty_class.py` (same H2O, datasets and inputs as above): multinomial "
             "models trained on `multi` after dropping one class's rows inside H2O, so the class stays in "
             "the response domain with no training row. GBM and DRF write no tree files for it.")

    def cells(s, rows):
        absent = absent_trees(G.p(s["mojo"]))
        return ["`%s`" % s["name"], "-" if absent is None else str(absent), rows[0][4] if rows else "-",
                ", ".join(r[5] for r in rows) or "-", s["desc"]]

    E.run_extra(SPECS, [G.make_multi()], SECTION, intro, H2O_PORT, modes_for,
                ["model", "absent tree files", "input", "modes", "description"], cells)
    for s in SPECS[:2]:
        if not absent_trees(G.p("models", s["name"] + ".zip")):
            sys.exit("expected %s to have absent tree files" % s["name"])


if __name__ == "__main__":
    main()
