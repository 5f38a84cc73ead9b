#!/usr/bin/env python3
"""Golden fixtures for models trained with a categorical encoding and an offset or weights column.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_encoded_specials.py

H2O keeps a model's weights, offset and fold columns after its features, and an encoded
model's `_orig_names` lists them among the original columns. Label, eigen and enum_limited
encodings write original column `i` to slot `i`, so these columns fall past the features:
genmodel scores the models, and PredictCsv reads the offset from its column. One-hot and
binary encodings number the original numeric columns first, these among them, so every slot
after one is misplaced and genmodel fails on every row (PredictCsv's refusals are listed;
their MOJOs stay in models/ for the test that the scorer refuses them too). The models are
trained on generate.py's prostate data (PSA, a regression, with VOL as the offset or the
weights); as generate_encodings.py does (whose runner it shares), it scores the committed
prostate inputs into expected/ and replaces its rows in manifest.tsv and its section of
README.md; `--rescore` scores the committed models again without training.
"""
import os
import sys

from h2o.estimators import H2OGradientBoostingEstimator as GBM
from h2o.estimators import H2ORandomForestEstimator as DRF

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54443
SECTION = "## Encoded models with an offset or weights column (generate_encoded_specials.py)"
X = [c for c in G.PROSTATE_X if c not in ("VOL", "PSA")]
SPECS = [E.S("gbm_%s_offset_prostate" % enc, GBM, "prostate", X, "PSA",
             "GBM regression (PSA), categorical_encoding=%s, offset_column=VOL" % enc,
             categorical_encoding=enc, offset_column="VOL", ntrees=20, max_depth=4, seed=31)
         for enc in ("label_encoder", "eigen", "enum_limited", "one_hot_explicit")]
SPECS += [E.S("drf_%s_weights_prostate" % enc, DRF, "prostate", X, "PSA",
              "DRF regression (PSA), categorical_encoding=%s, weights_column=VOL" % enc,
              categorical_encoding=enc, weights_column="VOL", ntrees=10, max_depth=6, seed=32)
          for enc in ("label_encoder", "binary")]


def main():
    intro = ("Made by `generate_encoded_specials.py` (same H2O, datasets and inputs as above): encoded "
             "models with an offset or weights column, which H2O lists among the original columns. genmodel "
             "scores the label, eigen and enum_limited ones (PredictCsv reads the offset from its column) and "
             "fails on every row of the one-hot and binary ones.")
    E.run_extra(SPECS, [G.make_prostate()], SECTION, intro, H2O_PORT, lambda s, i: ["predict", "invalid_na"],
                E.PLAIN_COLUMNS, E.plain_cells)


if __name__ == "__main__":
    main()
