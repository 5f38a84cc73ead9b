#!/usr/bin/env python3
"""Golden fixtures for stacked ensembles whose metalearner is a tree model, or has fewer inputs
than the ensemble's base models give.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_metalearners.py

A stacked ensemble's sub-models read their own columns: a metalearner reads its base
models' predictions, a base model trained on fewer inputs reads those. Tree nodes name a
column by its index among their own model's columns, and a categorical column's domain
decides whether a level is NA. This script trains regression ensembles on generate.py's
prostate data (response VOL, so base predictions run far past the 3 and 4 levels of the
ensemble's RACE and DPROS columns at the same indices) from a GBM on every input, a DRF on
three of them and a GLM, all cross-validated alike, under a GBM and a DRF metalearner; as
generate_encodings.py does (whose runner it shares), it scores the committed prostate inputs
with PredictCsv (hex output) into expected/ and replaces its rows in manifest.tsv and its
section of README.md. generate.py calls it at the end of a full regeneration; `--rescore`
scores the committed models again.

It also trains two ensembles (regression and binomial) whose metalearner has fewer inputs
than the ensemble has base models: blended on a frame of their own, one base is a GLM so
penalized that it predicts its intercept alone, a constant column the metalearner's
`ignore_const_cols` drops. H2O then writes no `base_model1`, and genmodel hands the
metalearner all three level-one values, which it reads by position: the third base's
coefficient meets the missing second's 0 (docs/decisions.md 71).
"""
import os
import sys

from h2o.estimators import H2OGeneralizedLinearEstimator as GLM
from h2o.estimators import H2OGradientBoostingEstimator as GBM
from h2o.estimators import H2ORandomForestEstimator as DRF
from h2o.estimators import H2OStackedEnsembleEstimator as SE

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54423
SECTION = "## Stacked ensembles with tree metalearners (generate_metalearners.py)"
X = [c for c in G.PROSTATE_X if c != "VOL"]
# The DRF base reads three inputs: its columns' indices differ from the ensemble's.
DRF_X = ["PSA", "GLEASON", "AGE"]
SPECS = [E.S("se_%s_metalearner_prostate" % algo, SE, "prostate", X, "VOL",
             "regression (VOL): GBM, DRF (on %s only) and GLM bases under a %s metalearner"
             % (", ".join(DRF_X), algo.upper()), metalearner_algorithm=algo)
         for algo in ("gbm", "drf")]
CV = dict(nfolds=5, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=1234)
# Ensembles whose metalearner dropped a base model's constant predictions (response, family).
DROPPED = [E.S("se_dropped_base_%s_prostate" % y.lower(), SE, "prostate", X, y,
               "%s (%s): GBM, a GLM penalized to its intercept alone (constant, dropped by the GLM "
               "metalearner) and DRF bases, blended" % (kind, y), family=family)
           for y, kind, family in (("VOL", "regression", "gaussian"), ("CAPSULE", "binomial", "binomial"))]


def train(ds):
    with E.training_session(SPECS + DROPPED, [ds], H2O_PORT) as frames:
        frame = frames[ds["name"]]
        bases = [GBM(ntrees=10, max_depth=4, **CV), DRF(ntrees=10, max_depth=6, **CV), GLM(**CV)]
        for b, x in zip(bases, [X, DRF_X, X]):
            b.train(x=x, y="VOL", training_frame=frame)
        for s in SPECS:
            se = SE(base_models=bases, seed=1, **s["params"])
            se.train(x=X, y="VOL", training_frame=frame)
            E.export(se, s)
        train_part, blend = frame.split_frame([0.6], seed=1)
        for s in DROPPED:
            family = s["params"]["family"]
            bases = [GBM(ntrees=10, max_depth=3, seed=1),
                     GLM(family=family, lambda_=[1e4], alpha=1.0),
                     DRF(ntrees=10, max_depth=4, seed=1)]
            for b in bases:
                b.train(x=X, y=s["y"], training_frame=train_part)
            se = SE(base_models=bases, blending_frame=blend, seed=1)
            se.train(x=X, y=s["y"], training_frame=train_part)
            E.export(se, s)


def main():
    intro = ("Made by `generate_metalearners.py` (same H2O, datasets and inputs as above): regression "
             "ensembles whose metalearner is a GBM or a DRF, over bases of which one reads fewer inputs "
             "than the ensemble, so every sub-model's tree nodes index columns of their own; and "
             "ensembles whose GLM metalearner dropped a constant base, so it has fewer inputs than the "
             "ensemble has base models and reads the level-one values by position.")
    E.run_on_prostate(SPECS + DROPPED, train, SECTION, intro)


if __name__ == "__main__":
    main()
