#!/usr/bin/env python3
"""Golden fixtures for stacked ensembles over base models trained with a categorical encoding.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_ensemble_encodings.py

genmodel scores a stacked ensemble's base models on the ensemble's own row (`score0`, by
column name), not through the encoders EasyPredictModelWrapper puts in front of a model on
its own. A base trained with `label_encoder` keeps the frame's column names, so it reads each
categorical's level index in the ensemble's domain, where on its own it reads the level's
number (prostate's DPROS levels 1..4 are indices 0..3); `sort_by_response` is native
handling; the other encodings rename the columns, and genmodel fails to load the ensemble
("does not have input column"), except where the encoding leaves every column as it was
(`enum_limited` on columns of at most 10 levels). This script trains binomial ensembles
(CAPSULE) on generate.py's prostate data, each over a GBM and a DRF with one encoding (and,
for label_encoder, a Deep Learning model with it too), all cross-validated alike (no plain
base: the metalearner would keep it alone); as
generate_encodings.py does (whose runner it shares), it scores the committed prostate inputs
with PredictCsv (hex output) into expected/ and replaces its rows in manifest.tsv and its
section of README.md, where PredictCsv's refusals are listed (their MOJOs stay in models/
for the test that the scorer refuses them too). `--rescore` scores the committed models again.
"""
import os
import sys

from h2o.estimators import H2ODeepLearningEstimator as DL
from h2o.estimators import H2OGradientBoostingEstimator as GBM
from h2o.estimators import H2ORandomForestEstimator as DRF
from h2o.estimators import H2OStackedEnsembleEstimator as SE

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54439
SECTION = "## Stacked ensembles over encoded base models (generate_ensemble_encodings.py)"
X = G.PROSTATE_X
CV = dict(nfolds=5, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=4321)
ENCODINGS = ["label_encoder", "sort_by_response", "one_hot_explicit", "binary", "enum_limited"]
SPECS = [E.S("se_%s_bases_prostate" % enc, SE, "prostate", X, "CAPSULE",
             "binomial (CAPSULE): a GBM, a DRF%s trained with categorical_encoding=%s"
             % (" and a Deep Learning model" if enc == "label_encoder" else "", enc), encoding=enc)
         for enc in ENCODINGS]


def train(ds):
    with E.training_session(SPECS, [ds], H2O_PORT) as frames:
        frame = frames[ds["name"]]
        for s in SPECS:
            enc = s["params"]["encoding"]
            bases = [GBM(ntrees=10, max_depth=4, categorical_encoding=enc, **CV),
                     DRF(ntrees=10, max_depth=6, categorical_encoding=enc, **CV)]
            if enc == "label_encoder":
                bases.append(DL(hidden=[8], epochs=5, categorical_encoding=enc, reproducible=True, **CV))
            for b in bases:
                b.train(x=X, y="CAPSULE", training_frame=frame)
            se = SE(base_models=bases, seed=1)
            se.train(x=X, y="CAPSULE", training_frame=frame)
            E.export(se, s)


def main():
    intro = ("Made by `generate_ensemble_encodings.py` (same H2O, datasets and inputs as above): binomial "
             "ensembles over base models trained with a categorical encoding. genmodel scores base models "
             "on the ensemble's row, not through their encoders: a label-encoded base reads level indices, "
             "and the encodings that rename columns fail to load.")
    E.run_on_prostate(SPECS, train, SECTION, intro)


if __name__ == "__main__":
    main()
