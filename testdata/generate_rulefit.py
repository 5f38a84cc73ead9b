#!/usr/bin/env python3
"""Golden fixtures for multinomial RuleFit.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_rulefit.py

A multinomial RuleFit's rules are split per class by the suffix of their names
(`MojoRuleEnsemble.transformRow`: a rule belongs to every class its name ends with), and
each (depth, tree, class) gives one column `M<i>T<j>C<k>` of the multinomial GLM. This
script trains one model per model type on generate.py's datasets (same seeds and training
rows); the iris one relabels the classes `setosa`, `versicolor` and `color`, so that the
versicolor rules also end with `color`. As generate_encodings.py does (whose runner it
shares), it scores the committed inputs with PredictCsv (hex output) into expected/ and
replaces its rows in manifest.tsv and its section of README.md. generate.py calls it at the
end of a full regeneration; `--rescore` scores the committed models again without training.
"""
import os
import sys

from h2o.estimators import H2ORuleFitEstimator as RuleFit

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54397
SECTION = "## Multinomial RuleFit (generate_rulefit.py)"
S = E.S
RULES = dict(min_rule_length=1, max_rule_length=3, max_num_rules=30, rule_generation_ntrees=6)

SPECS = [
    S("rulefit_multinomial_iris", RuleFit, "iris", G.IRIS_X, "Species",
      "DRF rules and linear terms, classes setosa, versicolor and color (versicolor's rules end with "
      "`color` too)", algorithm="DRF", model_type="rules_and_linear", seed=51, min_rule_length=1,
      max_rule_length=2, max_num_rules=15, rule_generation_ntrees=5),  # longer rules: H2O fails here
    S("rulefit_multinomial_rules_multi", RuleFit, "multi", G.MULTI_X, "y6",
      "GBM rules only, 6 classes, NA categoricals and numerics", algorithm="GBM", model_type="rules",
      seed=52, **RULES),
    S("rulefit_multinomial_linear_multi", RuleFit, "multi", G.MULTI_X, "y6",
      "linear terms only (no rules), 6 classes", model_type="linear", seed=53, **RULES),
]


def relabelled_iris():
    ds = G.make_iris()
    names = {"Iris-setosa": "setosa", "Iris-versicolor": "versicolor", "Iris-virginica": "color"}
    train = ds["train"].copy()
    train["Species"] = train["Species"].map(names)
    ds["train"] = train
    return ds


def modes_for(spec, info):
    return ["predict", "invalid_na"]


def main():
    intro = ("Made by `generate_rulefit.py` (same H2O, datasets and inputs as above): multinomial RuleFit, "
             "one model per model type. The iris model's classes are relabelled (`setosa`, `versicolor`, "
             "`color`) in its training frame only; the inputs are the usual iris rows.")

    def cells(s, rows):
        return ["`%s`" % s["name"], s["params"]["model_type"], rows[0][4] if rows else "-",
                ", ".join(r[5] for r in rows) or "-", s["desc"]]

    datasets = [relabelled_iris(), G.make_multi()]
    E.run_extra(SPECS, datasets, SECTION, intro, H2O_PORT, modes_for,
                ["model", "model_type", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
