#!/usr/bin/env python3
"""Golden fixture for a stacked ensemble wider than the core keeps inline: 150 base models.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_ensemble.py

H2O AutoML's `StackedEnsemble_AllModels` stacks every model a run trained, which a long
run on a small frame takes past a hundred. The core keeps an ensemble's sub-model headers
inline up to `limits::MAX_SUBMODELS` (128) and a caller-given store past that (serve's);
this script trains 140 GLMs (one per lambda) and 10 small GBMs on prostate with the same
5-fold Modulo cross-validation, stacks them, and, as generate_encodings.py does (whose
runner it shares), scores the committed inputs with PredictCsv (hex output) into expected/
and replaces its rows in manifest.tsv and its section of README.md. generate.py calls it at
the end of a full regeneration; `--rescore` scores the committed model again.
"""
import os
import sys
import zipfile

from h2o.estimators import H2OGeneralizedLinearEstimator as GLM
from h2o.estimators import H2OGradientBoostingEstimator as GBM
from h2o.estimators import H2OStackedEnsembleEstimator as SE

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54401
SECTION = "## A stacked ensemble of 150 base models (generate_ensemble.py)"
SPEC = E.S("se_150_bases_prostate", SE, "prostate", G.PROSTATE_X, "CAPSULE",
           "binomial, 140 GLMs (lambda 1e-5 .. 0.3) and 10 GBMs (3 trees, depth 2) under the default "
           "GLM metalearner, which keeps 130 of them (131 sub-models in the MOJO)")
CV = dict(nfolds=5, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=1234)


def strip_experimental(path):
    """Drops every `experimental/` entry (model details for H2O's UI, 6.9 of 7 MB here),
    which neither genmodel nor the scorer reads."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            if "experimental/" not in item.filename:
                dst.writestr(item, src.read(item.filename))
    os.replace(tmp, path)


def train(ds):
    with E.training_session([SPEC], [ds], H2O_PORT, mem="3G") as frames:
        frame = frames[ds["name"]]
        bases = []
        for i in range(140):
            m = GLM(family="binomial", lambda_=1e-5 * (1.06 ** i), alpha=0.5, **CV)
            m.train(x=SPEC["x"], y=SPEC["y"], training_frame=frame)
            bases.append(m)
        for i in range(10):
            m = GBM(ntrees=3, max_depth=2, sample_rate=0.8, col_sample_rate=0.7, **dict(CV, seed=1234 + i))
            m.train(x=SPEC["x"], y=SPEC["y"], training_frame=frame)
            bases.append(m)
        se = SE(base_models=bases, seed=1)
        se.train(x=SPEC["x"], y=SPEC["y"], training_frame=frame)
        E.export(se, SPEC)
        strip_experimental(G.p(SPEC["mojo"]))


def main():
    intro = ("Made by `generate_ensemble.py` (same H2O, datasets and inputs as above): a stacked ensemble "
             "wider than the core keeps inline (`limits::MAX_SUBMODELS`), as H2O AutoML's "
             "`StackedEnsemble_AllModels` is after a long run.")
    E.run_on_prostate([SPEC], train, SECTION, intro)


if __name__ == "__main__":
    main()
