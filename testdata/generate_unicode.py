#!/usr/bin/env python3
"""Golden fixtures for text beyond ASCII.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_unicode.py

Real data names its columns and levels in every script. This script makes one dataset,
`unicode`, whose column names (`größe`, `stadt`, `farbe`, `ziel`, `klasse`), categorical
levels (`café`, `東京`, `Zürich`, an emoji, a fullwidth letter, `a,b`, `q"t`) and response
levels (`sí`/`nö`; `α`, `β`, `γ`, `日本`) are not ASCII, writes its inputs (UTF-8, as H2O
reads its training file and PredictCsv its input under a UTF-8 locale) with generate.py's
awkward rows plus spellings that only look the same: a level in decomposed form (`cafe`
and a combining accent), other case, padding, and numbers written with non-ASCII digits or
spaces (in the invalid input only, which PredictCsv reads with `--setConvertInvalidNum`).
It trains one model per algorithm that keeps names in its output or contributions, and as
generate_encodings.py does (whose runner it shares), scores the inputs with PredictCsv (hex
output) into expected/ and replaces its rows in manifest.tsv and its section of README.md.
generate.py calls it at the end of a full regeneration; `--rescore` scores the committed
models again without training (and without writing the inputs).
"""
import os
import sys

import numpy as np
import pandas as pd
from h2o.estimators import (H2ODeepLearningEstimator as DL, H2OGeneralizedLinearEstimator as GLM,
                            H2OGradientBoostingEstimator as GBM, H2ORandomForestEstimator as DRF,
                            H2OXGBoostEstimator as XGB)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54415
SECTION = "## Text beyond ASCII (generate_unicode.py)"
S = E.S
X = ["stadt", "farbe", "größe", "x2"]

SPECS = [
    S("gbm_binomial_unicode", GBM, "unicode", X, "ziel",
      "GBM binomial: levels and names beyond ASCII in bitset splits, leaf paths and contributions",
      ntrees=15, max_depth=4, seed=71),
    S("glm_binomial_unicode", GLM, "unicode", X, "ziel",
      "GLM binomial, one-hot coefficients per non-ASCII level", family="binomial", seed=72),
    S("drf_multinomial_unicode", DRF, "unicode", X, "klasse",
      "DRF multinomial, classes α, β, γ, 日本 (the header names them)", ntrees=10, max_depth=5, seed=73),
    S("xgb_binomial_unicode", XGB, "unicode", X, "ziel",
      "XGBoost binomial: one-hot contribution names `stadt.東京`, ...", ntrees=10, max_depth=4, seed=74),
    S("dl_multinomial_unicode", DL, "unicode", X, "klasse",
      "Deep Learning multinomial", hidden=[8], epochs=10, seed=75, reproducible=True),
]

CITIES = ["café", "naïve", "東京", "Zürich", "🙂smile", "plain", "a,b", 'q"t', "ß", "Ａbc"]
COLOURS = ["rot", "grün", "blau", "weiß"]
CLASSES = ["α", "β", "γ", "日本"]


def make_unicode():
    rng = np.random.RandomState(70)
    n = 1000
    city = rng.choice(CITIES, n)
    colour = np.array(rng.choice(COLOURS, n), dtype=object)
    colour[rng.rand(n) < 0.08] = None
    size = np.round(rng.normal(0, 1, n), 4)
    size[rng.rand(n) < 0.05] = np.nan
    x2 = np.round(rng.uniform(-2, 2, n), 3)
    effect = {c: e for c, e in zip(CITIES, np.linspace(-1.5, 1.5, len(CITIES)))}
    lin = size + np.array([effect[c] for c in city]) + np.where(colour == "grün", 0.7, 0.0) + 0.3 * x2
    lin = np.nan_to_num(lin)
    y = np.where(rng.rand(n) < 1 / (1 + np.exp(-lin)), "sí", "nö")
    k = np.clip(((lin + 2.5) / 1.4 + rng.normal(0, 0.6, n)).astype(int), 0, 3)
    df = pd.DataFrame({"stadt": city, "farbe": colour, "größe": size, "x2": x2, "ziel": y,
                       "klasse": [CLASSES[i] for i in k]})
    types = {"stadt": "enum", "farbe": "enum", "größe": "numeric", "x2": "numeric", "ziel": "enum",
             "klasse": "enum"}
    return dict(name="unicode", train=df.iloc[200:], holdout=df.iloc[:200], types=types,
                num_cols=["größe", "x2"], cat_cols=["stadt", "farbe"], keep_cols=["ziel", "klasse"],
                domains={"stadt": sorted(CITIES), "farbe": sorted(COLOURS)})


# Spellings of known levels that genmodel does not match (each an unseen level, so NA).
LOOK_ALIKE = ["cafe\u0301", "CAFÉ", "Zu\u0308rich", "東京 ", "\u3000東京", "ｃａｆé", "SS"]
# Numbers that Java's Double.parseDouble rejects (non-ASCII digits, spaces it does not trim).
NOT_JAVA_NUMBERS = ["１２", "١٢", "7\u00a0", "\u20071", "−3", "1\u202f000", "٫5"]


def write_inputs(ds):
    rng = np.random.RandomState(1070)
    real = G.df_rows(ds["holdout"])
    for r in real:
        r["unused_extra"] = "x"
    header = list(np.random.RandomState(7).permutation(list(ds["holdout"].columns) + ["unused_extra"]))
    rows = real + G.awkward_rows(ds, real, rng)
    for j, t in enumerate(LOOK_ALIKE):
        r = dict(real[j % len(real)])
        r["stadt" if j % 2 == 0 else "farbe"] = t
        rows.append(r)
    invalid = G.invalid_rows(ds, real, rng)
    for j, t in enumerate(NOT_JAVA_NUMBERS):
        r = dict(real[(3 + j) % len(real)])
        r["größe"] = t
        invalid.append(r)
    files = []
    for name, rs in [("unicode", rows), ("unicode_invalid", invalid), ("unicode_tame", G.tame_rows(ds, rows))]:
        path = G.p("inputs", name + ".csv")
        G.write_csv(path, header, rs)
        files.append(path)
    G.crosscheck_inputs(files)


def modes_for(spec, info):
    modes = ["predict"]
    if info["algo"] in ("gbm", "drf"):
        modes.append("leaf")
    if info["category"] == "Binomial" and info["algo"] in ("gbm", "xgboost"):
        modes.append("contributions")
    modes.append("invalid_na")
    return modes


def main():
    ds = make_unicode()
    if "--rescore" not in sys.argv:
        write_inputs(ds)
    intro = ("Made by `generate_unicode.py` (same H2O as above): the `unicode` dataset, whose column names, "
             "levels and response levels are not ASCII (`größe`, `東京`, `sí`, `日本`, an emoji, `a,b`), with "
             "generate.py's awkward rows, look-alike spellings of its levels (decomposed accents, other case, "
             "padding, fullwidth letters: unseen, so NA) and, in the invalid input, numbers in non-ASCII digits "
             "or with spaces Java does not trim. Files are UTF-8, and PredictCsv ran under a UTF-8 locale "
             "(`C.UTF-8`; under `LANG=C` JDK 17 reads and writes these characters as `?`).")
    E.run_extra(SPECS, [ds], SECTION, intro, H2O_PORT, modes_for, E.PLAIN_COLUMNS, E.plain_cells)


if __name__ == "__main__":
    main()
