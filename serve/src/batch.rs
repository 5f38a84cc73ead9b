//! Batch scoring of CSV, as PredictCsv does it: a header row, one output row per input row,
//! PredictCsv's header and columns for every model category.

use std::io::{self, Write};

use scorer::model::{InputRules, Model, OutputValue};

use crate::csv::{CsvError, Records};
use crate::format::{write_number, NumberFormat};
use crate::rows::{RowError, RowMapper};

/// Options of a batch run.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    pub format: NumberFormat,
    /// Add calibrated probabilities (PredictCsv's `--predictCalibrated`).
    pub calibrated: bool,
    pub rules: InputRules,
}

/// What a batch run did.
#[derive(Debug, Clone, Default)]
pub struct BatchReport {
    pub rows: usize,
    /// Model features the input does not have (scored as NA).
    pub missing: Vec<String>,
    /// Input columns the model does not use.
    pub unused: Vec<String>,
}

/// Why a batch run stopped.
#[derive(Debug)]
pub enum BatchError {
    NoHeader,
    Csv(CsvError),
    /// A bad cell in data row `row` (1-based), which starts on input line `line`.
    Row {
        row: usize,
        line: usize,
        error: RowError,
    },
    Write(io::Error),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::NoHeader => f.write_str("the input is empty: a header row is required"),
            BatchError::Csv(e) => e.fmt(f),
            BatchError::Row { row, line, error } => write!(f, "row {row} (line {line}): {error}"),
            BatchError::Write(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for BatchError {}

/// Scores every row of `input` (CSV with a header) into `out`.
pub fn score_csv<M: AsRef<[u64]>>(
    model: &Model<M>,
    input: &[u8],
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    let mut records = Records::new(input);
    if !records.next_record().map_err(BatchError::Csv)? {
        return Err(BatchError::NoHeader);
    }
    let names: Vec<String> = (0..records.len())
        .map(|i| String::from_utf8_lossy(records.field(i).unwrap_or_default()).into_owned())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mapper = RowMapper::new(model, &names, options.rules);

    let w = |e| BatchError::Write(e);
    let mut first = true;
    let mut header_err = Ok(());
    model.for_each_output_name(options.calibrated, |name| {
        if header_err.is_ok() {
            header_err = (|| {
                if !first {
                    out.write_all(b",")?;
                }
                first = false;
                write!(out, "{name}")
            })();
        }
    });
    header_err.map_err(w)?;
    out.write_all(b"\n").map_err(w)?;

    let mut row = vec![f64::NAN; model.n_features()];
    let mut preds = vec![0.0; model.preds_len()];
    let mut n = 0usize;
    loop {
        let line = records.line();
        if !records.next_record().map_err(BatchError::Csv)? {
            break;
        }
        n += 1;
        let fields = (0..records.len()).filter_map(|i| records.field(i));
        let offset = mapper
            .text_row(model, fields, &mut row)
            .map_err(|error| BatchError::Row {
                row: n,
                line,
                error,
            })?;
        // Both buffers are sized from the model, so scoring cannot fail on shape.
        if let Err(e) = model.score(&row, offset, &mut preds) {
            unreachable_shape(e);
        }
        write_row(model, &preds, options, out).map_err(w)?;
    }
    Ok(BatchReport {
        rows: n,
        missing: mapper.missing,
        unused: mapper.unused,
    })
}

#[cold]
fn unreachable_shape(e: scorer::ScoreError) {
    debug_assert!(false, "buffers sized from the model were rejected: {e}");
}

/// Writes one output row.
pub fn write_row<M: AsRef<[u64]>>(
    model: &Model<M>,
    preds: &[f64],
    options: BatchOptions,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut first = true;
    let mut result = Ok(());
    model.for_each_output(preds, options.calibrated, |v| {
        if result.is_err() {
            return;
        }
        result = (|| {
            if !first {
                out.write_all(b",")?;
            }
            first = false;
            match v {
                OutputValue::Label(l) => out.write_all(l.as_bytes()),
                OutputValue::Number(x) => write_number(out, x, options.format),
            }
        })();
    });
    result?;
    out.write_all(b"\n")
}
