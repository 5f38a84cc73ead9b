//! Shared by the benches: load a MOJO from testdata and turn an input CSV into model rows.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use scorer::model::{InputRules, Model, Mojo};

pub type Loaded = Model<Vec<u64>>;

/// The workspace root (benches run with the package directory as the working directory).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Loads a MOJO: plan, allocate exactly the planned memory, load.
pub fn load(path: &Path) -> Loaded {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mojo = Mojo::new(&bytes).expect("a MOJO");
    let mut scratch = vec![0u8; mojo.scratch_len()];
    let plan = mojo.plan(&mut scratch).expect("a plan");
    mojo.load(&plan, &mut scratch, vec![0u64; plan.words()])
        .expect("a model")
}

/// RFC 4180 fields of one line (the inputs have no embedded newlines).
pub fn fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            (true, '"') => quoted = false,
            (false, '"') => quoted = true,
            (false, ',') => out.push(std::mem::take(&mut cur)),
            _ => cur.push(c),
        }
    }
    out.push(cur);
    out
}

/// The CSV's rows as model feature vectors (NaN for NA, unknown levels and bad numbers), as
/// PredictCsv would build them; every row is distinct in the testdata inputs.
pub fn rows(model: &Loaded, csv: &Path) -> Vec<Vec<f64>> {
    let text = std::fs::read_to_string(csv).unwrap_or_else(|e| panic!("{}: {e}", csv.display()));
    let mut lines = text.lines();
    let header = fields(lines.next().expect("a header"));
    let pos: Vec<Option<usize>> = (0..model.n_features())
        .map(|c| {
            let name = model.column(c).expect("a column").name;
            header.iter().position(|h| h == name)
        })
        .collect();
    let rules = InputRules {
        unknown_level_as_na: true,
        invalid_number_as_na: true,
    };
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f = fields(l);
            pos.iter()
                .enumerate()
                .map(|(c, p)| {
                    let s = p.and_then(|p| f.get(p)).map_or("", String::as_str);
                    if matches!(s, "" | "NA" | "N/A" | "-") {
                        f64::NAN
                    } else {
                        model
                            .encode_text(c, s.as_bytes(), rules)
                            .unwrap_or(f64::NAN)
                    }
                })
                .collect()
        })
        .collect()
}

/// The models the benches time, with their inputs (relative to the workspace root).
pub const MODELS: &[(&str, &str)] = &[
    ("gbm_bench_100x6", "testdata/inputs/bench.csv"),
    ("drf_binomial_prostate", "testdata/inputs/prostate.csv"),
    ("automl_GLM_1", "testdata/inputs/breast_cancer.csv"),
    ("automl_XGBoost_1", "testdata/inputs/breast_cancer.csv"),
    (
        "automl_DeepLearning_1",
        "testdata/inputs/breast_cancer_tame.csv",
    ),
    (
        "automl_StackedEnsemble_AllModels_1",
        "testdata/inputs/breast_cancer_tame.csv",
    ),
];

pub fn model_path(name: &str) -> PathBuf {
    root().join("testdata/models").join(format!("{name}.zip"))
}
