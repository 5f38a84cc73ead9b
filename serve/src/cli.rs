//! The command line: `serve score`, `serve predict-csv` (`serve score` behind PredictCsv's
//! arguments), `serve inspect`.

use std::io::Write;
use std::path::PathBuf;

use scorer::model::{Algo, Algorithm, InputRules};
use serde_json::{json, Value};

use crate::batch::{contributions_csv, leaf_paths_csv, reconstruct_csv, score_csv, BatchOptions};
use crate::format::NumberFormat;
use crate::load::{self, LoadedModel};

pub const USAGE: &str = "\
usage:
  serve score --model MODEL --input IN.csv --output OUT.csv [--hex] [--calibrated] [--invalid-as-na]
              [--leaf-assignment | --contributions | --glrm-reconstruct] [--glrm-iterations N]
              [--separator C] [--no-header]
      Score a CSV file (header row, comma separated) as H2O's PredictCsv does.
      --hex            numbers as Java's Double.toHexString (exact) instead of shortest decimal
      --calibrated     add calibrated probabilities (cal_*) for calibrated binomial models
      --invalid-as-na  text that is not a number in a numeric column is NA instead of an error
      --leaf-assignment  instead of predictions, each row's path (L/R) through every tree
      --contributions  instead of predictions, Shapley contributions (TreeSHAP) per feature
                       and BiasTerm, as PredictCsv --predictContributions (GBM, DRF, XGBoost)
      --glrm-reconstruct  instead of a GLRM's coordinates, each row as it reconstructs it
                       (reconstr_<column>), as PredictCsv --glrmReconstruct
      --glrm-iterations N  descent steps per row for a GLRM (default 100), as PredictCsv
                       --glrmIterNumber
      --separator C    the input's field separator: one ASCII character (`\t` or `tab` for a tab)
      --no-header      do not write the output's header row
      --input - / --output - read standard input / write standard output
  serve predict-csv --mojo MODEL --input IN.csv --output OUT.csv [PredictCsv's options]
      `serve score` with PredictCsv's command line: `java -cp h2o-genmodel.jar
      hex.genmodel.tools.PredictCsv ARGS` becomes `serve predict-csv ARGS`. Numbers are hex
      unless --decimal (Java's Double.toString layout); --setConvertInvalidNum, --predictCalibrated, --leafNodeAssignment,
      --predictContributions, --glrmReconstruct, --glrmIterNumber N, --separator S (its last
      character), --outputHeader false and --header (ignored) as PredictCsv reads them.
  serve inspect --model MODEL
      Print the model as JSON: algorithm, category, columns, outputs, sizes.
  serve --version";

/// A failure the CLI reports on one line before exiting non-zero.
#[derive(Debug)]
pub struct CliError {
    pub message: String,
    /// 2 for usage errors, 1 for everything else.
    pub code: i32,
}

impl CliError {
    fn usage(message: impl Into<String>) -> Self {
        CliError {
            message: format!("{}\n{USAGE}", message.into()),
            code: 2,
        }
    }

    fn fail(message: impl std::fmt::Display) -> Self {
        CliError {
            message: message.to_string(),
            code: 1,
        }
    }
}

#[derive(Default)]
struct Args {
    model: Option<PathBuf>,
    input: Option<String>,
    output: Option<String>,
    hex: bool,
    calibrated: bool,
    invalid_as_na: bool,
    leaf_assignment: bool,
    contributions: bool,
    glrm_reconstruct: bool,
    glrm_iterations: Option<u32>,
    /// The input's field separator; `,` when unset.
    separator: Option<u8>,
    no_header: bool,
    /// Read as PredictCsv reads its arguments (`serve predict-csv`).
    predict_csv: bool,
}

/// `--glrm-iterations` / `--glrmIterNumber`: a positive count.
fn iterations(flag: &str, n: &str) -> Result<u32, CliError> {
    n.parse()
        .ok()
        .filter(|&n| n > 0)
        .ok_or_else(|| CliError::usage(format!("{flag} takes a positive count, not `{n}`")))
}

/// A separator the CSV reader can split on.
fn separator(flag: &str, c: char) -> Result<u8, CliError> {
    u8::try_from(c)
        .ok()
        .filter(|&b| crate::csv::is_separator(b))
        .ok_or_else(|| {
            CliError::usage(format!(
                "{flag}: {c:?} cannot separate fields; use one ASCII character other than \
                 `\"` and the line ends"
            ))
        })
}

/// The arguments left to read.
struct Flags<'a>(std::slice::Iter<'a, String>);

impl Flags<'_> {
    /// The value that follows `flag`.
    fn value(&mut self, flag: &str) -> Result<String, CliError> {
        self.0
            .next()
            .cloned()
            .ok_or_else(|| CliError::usage(format!("{flag} needs a value")))
    }
}

fn parse(args: &[String]) -> Result<Args, CliError> {
    let mut out = Args::default();
    let mut flags = Flags(args.iter());
    while let Some(a) = flags.0.next() {
        match a.as_str() {
            "--model" => out.model = Some(PathBuf::from(flags.value("--model")?)),
            "--input" => out.input = Some(flags.value("--input")?),
            "--output" => out.output = Some(flags.value("--output")?),
            "--hex" => out.hex = true,
            "--calibrated" => out.calibrated = true,
            "--invalid-as-na" => out.invalid_as_na = true,
            "--leaf-assignment" => out.leaf_assignment = true,
            "--contributions" => out.contributions = true,
            "--glrm-reconstruct" => out.glrm_reconstruct = true,
            "--glrm-iterations" => {
                out.glrm_iterations = Some(iterations(a, &flags.value(a)?)?);
            }
            "--separator" => {
                let s = flags.value(a)?;
                let c = match s.as_str() {
                    "\\t" | "tab" => '\t',
                    _ => {
                        let mut chars = s.chars();
                        match (chars.next(), chars.next()) {
                            (Some(c), None) => c,
                            _ => {
                                return Err(CliError::usage(format!(
                                    "--separator takes one character, not `{s}`"
                                )))
                            }
                        }
                    }
                };
                out.separator = Some(separator(a, c)?);
            }
            "--no-header" => out.no_header = true,
            other => return Err(CliError::usage(format!("unknown argument `{other}`"))),
        }
    }
    check_outputs(out)
}

/// The arguments of `serve predict-csv`: PredictCsv's, read as `PredictCsv.main` reads them
/// (genmodel 3.46), onto `serve score`'s.
fn parse_predict_csv(args: &[String]) -> Result<Args, CliError> {
    let mut out = Args {
        hex: true,
        predict_csv: true,
        ..Args::default()
    };
    let mut flags = Flags(args.iter());
    while let Some(a) = flags.0.next() {
        match a.as_str() {
            "--header" => {} // PredictCsv reads and ignores it
            "--decimal" => out.hex = false,
            "--glrmReconstruct" => out.glrm_reconstruct = true,
            "--setConvertInvalidNum" => out.invalid_as_na = true,
            "--leafNodeAssignment" => out.leaf_assignment = true,
            "--predictContributions" => out.contributions = true,
            "--predictCalibrated" => out.calibrated = true,
            // PredictCsv's --model takes a POJO class or a MOJO file; here only the file.
            "--mojo" | "--model" => out.model = Some(PathBuf::from(flags.value(a)?)),
            "--input" => out.input = Some(flags.value(a)?),
            "--output" => out.output = Some(flags.value(a)?),
            // PredictCsv splits on the value's last character.
            "--separator" => {
                let s = flags.value(a)?;
                let c = s.chars().last().ok_or_else(|| {
                    CliError::usage("--separator needs a character, not an empty value")
                })?;
                out.separator = Some(separator(a, c)?);
            }
            "--glrmIterNumber" => out.glrm_iterations = Some(iterations(a, &flags.value(a)?)?),
            // Java's Boolean.parseBoolean: "true" in any case, anything else is false.
            "--outputHeader" => out.no_header = !flags.value(a)?.eq_ignore_ascii_case("true"),
            "--pojo" | "--embedded" => {
                return Err(CliError::usage(format!(
                    "{a} loads a compiled Java POJO; this scorer reads MOJO files (--mojo FILE)"
                )))
            }
            "--testConcurrent" => {
                return Err(CliError::usage(
                    "--testConcurrent (PredictCsv's test of concurrent predictors) is not \
                     supported; `serve predict-csv` scores on every core already",
                ))
            }
            other => return Err(CliError::usage(format!("unknown argument `{other}`"))),
        }
    }
    check_outputs(out)
}

/// At most one output other than the predictions.
fn check_outputs(out: Args) -> Result<Args, CliError> {
    let outputs = [out.leaf_assignment, out.contributions, out.glrm_reconstruct];
    if outputs.iter().filter(|&&o| o).count() > 1 {
        return Err(CliError::usage(
            "leaf assignment, contributions and GLRM reconstruction cannot be combined \
             (--leaf-assignment, --contributions, --glrm-reconstruct; PredictCsv's \
             --leafNodeAssignment, --predictContributions, --glrmReconstruct)",
        ));
    }
    Ok(out)
}

fn load_model(args: &Args) -> Result<LoadedModel, CliError> {
    let path = args
        .model
        .as_ref()
        .ok_or_else(|| CliError::usage("--model is required"))?;
    load::from_path(path).map_err(|e| CliError::fail(format!("{}: {e}", path.display())))
}

/// `serve score`.
pub fn score(args: &[String]) -> Result<(), CliError> {
    run_score(parse(args)?)
}

/// `serve predict-csv`: `serve score` with PredictCsv's arguments.
pub fn predict_csv(args: &[String]) -> Result<(), CliError> {
    run_score(parse_predict_csv(args)?)
}

fn run_score(mut args: Args) -> Result<(), CliError> {
    let mut model = load_model(&args)?;
    // PredictCsv computes an Isolation Forest's leaf assignments and writes its predictions.
    if args.predict_csv && model.algorithm() == Algorithm::IsolationForest {
        args.leaf_assignment = false;
    }
    if let Some(n) = args.glrm_iterations {
        if !model.set_glrm_iterations(n) {
            return Err(CliError::usage(format!(
                "--glrm-iterations is for GLRM models; this one is {}",
                model.algorithm().name()
            )));
        }
    }
    let input_name = args
        .input
        .as_deref()
        .ok_or_else(|| CliError::usage("--input is required"))?;
    let output_name = args
        .output
        .as_deref()
        .ok_or_else(|| CliError::usage("--output is required"))?;
    // Read a block at a time as it is scored (crate::batch), not into memory first.
    let input: Box<dyn std::io::Read> = if input_name == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(input_name)
                .map_err(|e| CliError::fail(format!("{input_name}: {e}")))?,
        )
    };
    let options = BatchOptions {
        format: match (args.hex, args.predict_csv) {
            (true, _) => NumberFormat::Hex,
            // PredictCsv's `--decimal` is Java's `Double.toString`.
            (false, true) => NumberFormat::JavaDecimal,
            (false, false) => NumberFormat::Decimal,
        },
        calibrated: args.calibrated,
        rules: InputRules {
            unknown_level_as_na: true,
            invalid_number_as_na: args.invalid_as_na,
        },
        separator: args.separator.unwrap_or(b','),
        header: !args.no_header,
        find_opencsv_difference: args.predict_csv,
    };
    let mut out: Box<dyn Write> = if output_name == "-" {
        Box::new(std::io::BufWriter::new(std::io::stdout().lock()))
    } else {
        let file = std::fs::File::create(output_name)
            .map_err(|e| CliError::fail(format!("{output_name}: {e}")))?;
        Box::new(std::io::BufWriter::with_capacity(1 << 16, file))
    };
    let run = if args.leaf_assignment {
        leaf_paths_csv
    } else if args.contributions {
        contributions_csv
    } else if args.glrm_reconstruct {
        reconstruct_csv
    } else {
        score_csv
    };
    let report = run(&model, input, &mut out, options)
        .map_err(|e| CliError::fail(format!("{input_name}: {e}")))?;
    out.flush()
        .map_err(|e| CliError::fail(format!("{output_name}: {e}")))?;
    if !report.missing.is_empty() {
        eprintln!(
            "note: {} model column(s) missing from the input, scored as NA: {}",
            report.missing.len(),
            report.missing.join(", ")
        );
    }
    if let Some((line, what)) = report.opencsv_difference {
        eprintln!(
            "note: line {line} holds {what}, which PredictCsv's CSV reader (opencsv 2.3) reads \
             otherwise: read here as RFC 4180, so rows from there on may differ from PredictCsv's"
        );
    }
    if !report.unused.is_empty() {
        eprintln!(
            "note: {} input column(s) not used by the model: {}",
            report.unused.len(),
            report.unused.join(", ")
        );
    }
    Ok(())
}

/// `serve inspect`.
pub fn inspect(args: &[String]) -> Result<(), CliError> {
    let args = parse(args)?;
    let model = load_model(&args)?;
    let json = describe(&model);
    let mut stdout = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut stdout, &json).map_err(CliError::fail)?;
    writeln!(stdout).map_err(CliError::fail)
}

/// The model as JSON (what `serve inspect` prints).
pub fn describe(model: &LoadedModel) -> Value {
    let column = |i: usize| {
        let c = model.column(i)?;
        Some(match c.levels {
            Some(levels) => {
                json!({"name": c.name, "type": "categorical", "levels": levels.iter().collect::<Vec<_>>()})
            }
            None => json!({"name": c.name, "type": "numeric"}),
        })
    };
    let mut outputs = Vec::new();
    model.for_each_output_name(false, |n| outputs.push(n.to_string()));
    let (groups, per_class) = model.n_trees();
    let trees = json!({"groups": groups, "per_class": per_class});
    let mut details = json!({});
    if !matches!(model.algo(), Algo::Glm(_)) {
        details["trees"] = trees;
    }
    match model.algo() {
        Algo::Gbm {
            family,
            link,
            init_f,
        } => {
            details["distribution"] = json!(family.name());
            details["link"] = json!(format!("{link:?}").to_lowercase());
            details["init_f"] = json!(init_f);
        }
        Algo::Drf {
            binomial_double_trees,
        } => details["binomial_double_trees"] = json!(binomial_double_trees),
        Algo::IsolationForest {
            min_path_length,
            max_path_length,
            output_anomaly_flag,
        } => {
            details["min_path_length"] = json!(min_path_length);
            details["max_path_length"] = json!(max_path_length);
            details["output_anomaly_flag"] = json!(output_anomaly_flag);
        }
        Algo::UpliftDrf
        | Algo::DeepLearning(_)
        | Algo::XgBoost(_)
        | Algo::KMeans(_)
        | Algo::ExtendedIsolationForest(_)
        | Algo::IsotonicRegression { .. }
        | Algo::CoxPh(_)
        | Algo::Gam(_) => {}
        Algo::RuleFit(_) => {
            details["linear_model"] = json!("GLM");
        }
        Algo::Pca(pca) => details["k"] = json!(pca.k()),
        Algo::Glrm(glrm) => {
            details["k"] = json!(glrm.rank());
            details["regularization_x"] = json!(format!("{:?}", glrm.regularizer()));
            details["iterations"] = json!(glrm.iterations());
            // genmodel seeds each row's start with the rows scored before it.
            details["depends_on_row_order"] = json!(true);
        }
        Algo::Ensemble(_) => {
            details["sub_models"] = json!(model.n_sub_models());
        }
        Algo::Glm(glm) => {
            details["family"] = json!(format!("{:?}", glm.family).to_lowercase());
            details["link"] = json!(format!("{:?}", glm.link).to_lowercase());
        }
    }
    let response = model
        .is_supervised()
        .then(|| column(model.n_columns() - 1))
        .flatten();
    let mut json = json!({
        "algo": model.algorithm().name(),
        "category": model.category().name(),
        "uuid": model.uuid(),
        "h2o_version": model.h2o_version(),
        "mojo_version": format!("{}.{:02}", model.mojo_version() / 100, model.mojo_version() % 100),
        "n_features": model.n_features(),
        "n_classes": model.n_classes(),
        "default_threshold": model.default_threshold(),
        "calibrated": model.has_calibration(),
        "features": (0..model.n_features()).filter_map(column).collect::<Vec<_>>(),
        "offset_column": model.offset_column().and_then(|i| model.column(i)).map(|c| c.name),
        "response": response,
        "outputs": outputs,
        "model": details,
        "memory_bytes": model.memory_bytes(),
        "contributions": match model.contributions_support() {
            Ok(()) => json!({"supported": true, "columns": model.contribution_len()}),
            Err(e) => json!({"supported": false, "reason": e.to_string()}),
        },
    });
    // A model trained on an encoded frame: the columns users send, which genmodel maps onto
    // the features (the encoded columns).
    if let Some(encoding) = model.encoding() {
        let inputs: Vec<Value> = (0..model.n_inputs())
            .filter_map(|k| model.input(k))
            .map(|i| match i.levels {
                Some(levels) => json!({"name": i.name, "type": "categorical", "levels": levels.iter().collect::<Vec<_>>()}),
                None => json!({"name": i.name, "type": "numeric"}),
            })
            .collect();
        json["categorical_encoding"] = json!(encoding.name());
        json["inputs"] = json!(inputs);
    }
    json
}
