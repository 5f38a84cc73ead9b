#!/usr/bin/env python3
"""Golden fixtures for models trained with a non-AUTO categorical_encoding.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_encodings.py

generate.py writes the main fixtures; this script adds models whose categorical columns H2O
encodes before training (one_hot_explicit, binary, eigen, label_encoder, enum_limited), for
GBM, DRF and Deep Learning (H2O refuses to export an Isolation Forest with one, and to
train Deep Learning with one_hot_explicit or enum_limited). genmodel's EasyPredictModelWrapper turns the
user's columns into the encoded ones itself (hex/genmodel/easy/*Encoder*.java), so these
check that mapping end to end. It reuses generate.py's datasets (same seeds, same training
rows) and the committed input CSVs, and:
  1. trains and exports the models below into models/,
  2. fetches h2o-genmodel.jar into .cache/ if it is missing,
  3. runs PredictCsv (hex output) for every (model, mode) into expected/,
  4. replaces its own rows in manifest.tsv and its section of README.md.
generate.py calls it at the end of a full regeneration.
"""
import contextlib
import os
import sys

import h2o
from h2o.estimators import (H2ODeepLearningEstimator, H2OGradientBoostingEstimator, H2ORandomForestEstimator,
                            H2OXGBoostEstimator)

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402

H2O_PORT = 54389
GBM, DRF, DL, XGB = (H2OGradientBoostingEstimator, H2ORandomForestEstimator, H2ODeepLearningEstimator,
                     H2OXGBoostEstimator)
SECTION = "## Categorical encodings (generate_encodings.py)"


def S(name, cls, ds, x, y, desc, **params):
    return dict(name=name, cls=cls, ds=ds, x=x, y=y, desc=desc, params=params)


SPECS = [
    S("drf_onehot_explicit_prostate", DRF, "prostate", G.PROSTATE_X, "CAPSULE",
      "DRF binomial, categorical_encoding=one_hot_explicit", categorical_encoding="one_hot_explicit",
      ntrees=10, max_depth=5, seed=5),
    S("gbm_onehot_explicit_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, one_hot_explicit on a 150-level column with NAs", categorical_encoding="one_hot_explicit",
      ntrees=15, max_depth=4, seed=6),
    S("gbm_binary_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, categorical_encoding=binary (150 levels -> 8 bit columns)", categorical_encoding="binary",
      ntrees=20, max_depth=4, seed=7),
    S("drf_binary_regression_prostate", DRF, "prostate", G.PROSTATE_X, "VOL",
      "DRF regression on VOL, categorical_encoding=binary", categorical_encoding="binary", ntrees=10,
      max_depth=5, seed=8),
    S("gbm_eigen_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, categorical_encoding=eigen (one projection column per categorical)",
      categorical_encoding="eigen", ntrees=20, max_depth=4, seed=9),
    S("gbm_label_encoder_prostate", GBM, "prostate", G.PROSTATE_X, "CAPSULE",
      "GBM binomial, categorical_encoding=label_encoder (integer-looking levels: genmodel uses their value)",
      categorical_encoding="label_encoder", ntrees=20, max_depth=3, seed=10),
    S("gbm_label_encoder_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, categorical_encoding=label_encoder (text levels: genmodel uses their index)",
      categorical_encoding="label_encoder", ntrees=20, max_depth=4, seed=11),
    S("gbm_enum_limited_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, categorical_encoding=enum_limited (H2O's default max_categorical_levels, 10; the "
      "other levels share one)", categorical_encoding="enum_limited", ntrees=20, max_depth=4, seed=12),
    S("gbm_sort_by_response_highcard", GBM, "highcard", G.HC_X, "y",
      "GBM binomial, categorical_encoding=sort_by_response (genmodel scores it as AUTO)",
      categorical_encoding="sort_by_response", ntrees=20, max_depth=4, seed=13),
    S("dl_binary_highcard", DL, "highcard", G.HC_X, "y",
      "Deep Learning binomial, categorical_encoding=binary", categorical_encoding="binary", hidden=[8, 8],
      epochs=5, seed=15, reproducible=True),
    S("dl_eigen_prostate", DL, "prostate", G.PROSTATE_X, "CAPSULE",
      "Deep Learning binomial, categorical_encoding=eigen", categorical_encoding="eigen", hidden=[6],
      epochs=20, seed=16, reproducible=True),
    S("dl_label_encoder_regression_prostate", DL, "prostate", G.PROSTATE_X, "VOL",
      "Deep Learning regression on VOL, categorical_encoding=label_encoder", categorical_encoding="label_encoder",
      hidden=[6], epochs=20, seed=17, reproducible=True),
    S("xgb_onehot_explicit_categoricals_prostate", XGB, "prostate", ["RACE", "DPROS", "DCAPS"], "CAPSULE",
      "XGBoost binomial on the categoricals only, categorical_encoding=one_hot_explicit: the MOJO has no "
      "encoding and names only the encoded columns (`RACE.1`, ...), so genmodel finds none of them in the "
      "input and scores every row as all NA", categorical_encoding="one_hot_explicit", ntrees=10, max_depth=3,
      seed=18),
    S("xgb_binary_categoricals_prostate", XGB, "prostate", ["RACE", "DPROS", "DCAPS"], "CAPSULE",
      "XGBoost binomial on the categoricals only, categorical_encoding=binary: as above, with the bit columns "
      "named `RACE:0`, ...", categorical_encoding="binary", ntrees=10, max_depth=3, seed=19),
]


def modes_for(spec, info):
    algo, category = info["algo"], info["category"]
    modes = ["predict"]
    if algo in ("gbm", "drf"):
        modes.append("leaf")
        if category in ("Binomial", "Regression"):
            modes.append("contributions")
    modes.append("invalid_na")
    return modes


def run_extra(specs, datasets, section, intro, port, modes_for, columns, cells, derived=()):
    """Trains, exports and scores `specs` (dicts made by S) in their own H2O run, and replaces
    their rows in manifest.tsv and their `section` of README.md (`intro`, then a table with
    `columns` whose cells for a spec are `cells(spec, its manifest rows)`). Shared with the
    other extra-fixture scripts (generate_glrm.py). `derived` specs have a `make` function
    that writes their MOJO from the trained ones instead of training. With `--rescore` on
    the command line the committed models are scored again (new modes, a new genmodel)
    without training."""
    if "--rescore" in sys.argv:
        refused, trained = [], [s for s in specs if os.path.exists(G.p("models", s["name"] + ".zip"))]
        for s in trained:
            s["mojo"] = "models/%s.zip" % s["name"]
    else:
        refused, trained = train_all(specs, datasets, port)
    for s in derived:
        s["mojo"] = "models/%s.zip" % s["name"]
        s["make"](G.p(s["mojo"]))
        trained.append(s)
    score_and_record(list(specs) + list(derived), trained, refused, section, intro, modes_for, columns, cells)


# The README table most extra-fixture scripts write: the model, its input and modes.
PLAIN_COLUMNS = ["model", "input", "modes", "description"]


def plain_cells(s, rows):
    """A spec's row of a PLAIN_COLUMNS table, from its manifest rows."""
    return ["`%s`" % s["name"], rows[0][4] if rows else "-", ", ".join(r[5] for r in rows) or "-", s["desc"]]


@contextlib.contextmanager
def training_session(specs, datasets, port, mem="2G"):
    """Removes `specs`' committed MOJOs, starts H2O on `port` and uploads the training rows of
    `datasets`; yields their frames by dataset name, and shuts H2O down after. Shared with
    the extra-fixture scripts that train in their own way (generate_ensemble_encodings.py)."""
    for s in specs:
        path = G.p("models", s["name"] + ".zip")
        if os.path.exists(path):
            os.remove(path)
    G.start_h2o(port, mem)
    h2o.no_progress()
    try:
        tdir = os.path.join(G.CACHE, "train")
        os.makedirs(tdir, exist_ok=True)
        yield {ds["name"]: G.upload(ds["train"], ds["types"], os.path.join(tdir, "extra_" + ds["name"] + ".csv"))
               for ds in datasets}
    finally:
        h2o.cluster().shutdown()


def export(est, spec):
    """Writes `est`'s MOJO as `spec`'s model (recorded in spec["mojo"]), and the genmodel jar
    from its H2O if the jar is not there yet."""
    spec["mojo"] = "models/%s.zip" % spec["name"]
    est.download_mojo(path=G.p(spec["mojo"]))
    if not os.path.exists(G.JAR):
        G.fetch_genmodel_jar(est)
    print("trained", spec["name"], flush=True)


def run_on_prostate(specs, train, section, intro):
    """The main of the scripts that train `specs` their own way on generate.py's prostate data
    (`train(dataset)`, skipped with `--rescore`): scores each committed model's predictions
    and `--setConvertInvalidNum` ones and records them as run_extra does."""
    ds = G.make_prostate()
    if "--rescore" not in sys.argv:
        train(ds)
    for s in specs:
        s["mojo"] = "models/%s.zip" % s["name"]
    score_and_record(specs, specs, [], section, intro, lambda s, i: ["predict", "invalid_na"],
                     PLAIN_COLUMNS, plain_cells)


def train_all(specs, datasets, port):
    """Trains and exports `specs`; returns (refused, trained). A spec's optional `without`,
    (column, level), trains on the rows whose column is not that level."""
    refused = []
    trained = []
    with training_session(specs, datasets, port) as frames:
        for s in specs:
            try:
                est = s["cls"](**s["params"])
                frame = frames[s["ds"]]
                if s.get("without"):  # rows of one level dropped in H2O: the level stays in the domain
                    column, level = s["without"]
                    frame = frame[frame[column] != level, :]
                kw = dict(x=s["x"], training_frame=frame)
                if s["y"] is not None:
                    kw["y"] = s["y"]
                est.train(**kw)
                export(est, s)
                trained.append(s)
            except Exception as e:  # noqa: BLE001
                refused.append((s["name"], "train/export", G.short_error(e)))
                print("FAILED", s["name"], G.short_error(e), flush=True)
    return refused, trained


def score_and_record(specs, trained, refused, section, intro, modes_for, columns, cells):
    """Runs PredictCsv for every mode of every trained spec and records the results."""
    rows = []
    for s in trained:
        info = G.mojo_info(G.p(s["mojo"]))
        s["info"] = info
        inputs = ["inputs/%s.csv" % s["ds"], "inputs/%s_tame.csv" % s["ds"], "inputs/%s_holdout.csv" % s["ds"]]
        for mode in modes_for(s, info):
            out = "expected/%s.%s.csv" % (s["name"], mode)
            candidates = ["inputs/%s_invalid.csv" % s["ds"]] if mode == "invalid_na" else inputs
            last, done = "", False
            for inp in candidates:
                if not os.path.exists(G.p(inp)):
                    continue
                ok, msg = G.predict_csv((G.p(s["mojo"]), G.p(inp), G.p(out), mode, info["algo"]))
                if ok:
                    rows.append([s["name"], info["algo"], info["category"], s["mojo"], inp, mode, out])
                    done = True
                    break
                last = msg
                if "Prediction failed" not in msg:
                    break
            if not done:
                refused.append((s["name"], mode, last))
                print("REFUSED", s["name"], mode, last, flush=True)

    names = {s["name"] for s in specs}
    with open(G.p("manifest.tsv")) as f:
        lines = f.read().splitlines()
    kept = [lines[0]] + [l for l in lines[1:] if l.split("\t")[0] not in names]
    with open(G.p("manifest.tsv"), "w") as f:
        f.write("\n".join(kept + ["\t".join(r) for r in rows]) + "\n")

    L = [section, "", intro, "",
         "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for s in trained:
        L.append("| " + " | ".join(cells(s, [r for r in rows if r[0] == s["name"]])) + " |")
    if refused:
        L += ["", "Refused by H2O or by PredictCsv (left out of the manifest):", ""]
        L += ["* `%s` %s: %s" % r for r in refused]
    readme = G.p("README.md")
    text = open(readme).read() if os.path.exists(readme) else ""
    if section in text:
        head, _, rest = text.partition(section)
        tail = rest.split("\n## ", 1)
        text = head + "\n".join(L) + "\n" + ("\n## " + tail[1] if len(tail) > 1 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + "\n".join(L) + "\n"
    with open(readme, "w") as f:
        f.write(text)
    print(section, ":", len(trained), "models,", len(rows), "manifest rows,", len(refused), "refused")


def main():
    intro = ("Made by `generate_encodings.py` (same H2O, datasets and inputs as above): models whose "
             "categorical columns H2O encodes before training. genmodel's EasyPredictModelWrapper maps the "
             "user's columns (`_orig_names`, `_orig_domain_values_*`) onto the encoded ones "
             "(`_genmodel_encoding`), so the inputs are the same CSVs as for every other model. H2O 3.46.0.9 "
             "itself refuses to export an Isolation Forest trained with an encoding (\"Only default categorical "
             "encoding scheme is supported for MOJO\") and to train Deep Learning with one_hot_explicit; Deep "
             "Learning MOJOs with enum_limited or one_hot_explicit would have no mapping in genmodel "
             "(`DeeplearningMojoModel.getCategoricalEncoding` knows only Binary, Eigen and LabelEncoder besides "
             "AUTO).")

    def cells(s, rows):
        return ["`%s`" % s["name"], s["info"].get("_genmodel_encoding", "(none)"), rows[0][4] if rows else "-",
                ", ".join(r[5] for r in rows) or "-", s["desc"]]

    run_extra(SPECS, [G.make_prostate(), G.make_highcard()], SECTION, intro, H2O_PORT, modes_for,
              ["model", "encoding", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
