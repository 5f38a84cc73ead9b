#!/usr/bin/env python3
"""Golden fixtures for CoxPH with interaction terms.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_coxph.py

genmodel computes a CoxPH model's interaction columns (`x1_x2`, `x1_grp`, `grp_site`)
itself when the row leaves them NA (`CoxPHMojoModel.evaluateInteractions`): a product for
two numerics, the numeric or 0 by level (and a coefficient per level) for a categorical and
a numeric, the level named `<level1>_<level2>` for two categoricals. Each kind, with and
without strata (whose columns shift genmodel's indices), and `interactions_only`, takes its
own path; this script trains one model per path on generate.py's survival data (same seed
and training rows), then, as generate_encodings.py does (whose runner it shares), scores
the committed inputs with PredictCsv (hex output) into expected/ and replaces its rows in
manifest.tsv and its section of README.md. generate.py calls it at the end of a full
regeneration; `--rescore` scores the committed models again without training them.
"""
import os
import sys

from h2o.estimators import H2OCoxProportionalHazardsEstimator as CoxPH

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54405
SECTION = "## CoxPH interactions (generate_coxph.py)"
S = E.S
X = G.SURV_X + ["site"]

SPECS = [
    S("coxph_interactions_surv", CoxPH, "surv", X, "event",
      "interactions x1, x2, grp: x1_x2 (numeric), x1_grp and x2_grp (categorical by numeric)",
      stop_column="time", interactions=["x1", "x2", "grp"]),
    S("coxph_interaction_pairs_strata_surv", CoxPH, "surv", X, "event",
      "interaction pairs (x1, grp) and (grp, site), stratified by site", stop_column="time",
      interaction_pairs=[("x1", "grp"), ("grp", "site")], stratify_by=["site"]),
    S("coxph_category_pair_surv", CoxPH, "surv", X, "event",
      "interaction pair (grp, site) without strata: grp_site is a categorical whose first level has "
      "a coefficient", stop_column="time", interaction_pairs=[("grp", "site")]),
    S("coxph_interactions_only_surv", CoxPH, "surv", X, "event",
      "interactions x1, grp, interactions_only (x1 and grp only through x1_grp)", stop_column="time",
      interactions=["x1", "grp"], interactions_only=["x1", "grp"]),
]


def modes_for(spec, info):
    return ["predict", "invalid_na"]


def main():
    intro = ("Made by `generate_coxph.py` (same H2O, datasets and inputs as above): CoxPH models with "
             "interaction terms, which genmodel computes from the row's columns when the row leaves "
             "them NA (the inputs never carry them).")

    def cells(s, rows):
        p = s["params"]
        terms = p.get("interactions") or p.get("interaction_pairs")
        return ["`%s`" % s["name"], str(terms), rows[0][4] if rows else "-",
                ", ".join(r[5] for r in rows) or "-", s["desc"]]

    E.run_extra(SPECS, [G.make_surv()], SECTION, intro, H2O_PORT, modes_for,
                ["model", "interactions", "input", "modes", "description"], cells)


if __name__ == "__main__":
    main()
