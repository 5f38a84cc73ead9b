//! Batch scoring of CSV, as PredictCsv does it: a header row, one output row per input row,
//! PredictCsv's header and columns for every model category.

use std::io::{self, Write};

use scorer::model::{InputRules, Model, OutputValue};

use crate::csv::{CsvError, Records};
use crate::format::{write_number, NumberFormat};
use crate::rows::{Columns, RowError, RowMapper};

/// What each output row holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchOutput {
    /// The prediction, as PredictCsv writes it by default.
    #[default]
    Predictions,
    /// The path through every tree (PredictCsv's `--leafNodeAssignment`).
    LeafPaths,
    /// Shapley contributions (PredictCsv's `--predictContributions`).
    Contributions,
}

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
    /// The model cannot score data row `row` (genmodel refuses it too).
    Rejected {
        row: usize,
        line: usize,
        message: String,
    },
    /// Leaf assignment was asked of a model without trees.
    NoLeafPaths,
    /// Contributions were asked of a model without them; the reason.
    NoContributions(String),
    Write(io::Error),
}

impl std::fmt::Display for BatchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchError::NoHeader => f.write_str("the input is empty: a header row is required"),
            BatchError::Csv(e) => e.fmt(f),
            BatchError::Row { row, line, error } => write!(f, "row {row} (line {line}): {error}"),
            BatchError::Rejected { row, line, message } => {
                write!(f, "row {row} (line {line}): {message}")
            }
            BatchError::NoLeafPaths => {
                f.write_str("leaf assignment is only defined for GBM and DRF models")
            }
            BatchError::NoContributions(why) => write!(f, "no contributions: {why}"),
            BatchError::Write(e) => write!(f, "cannot write the output: {e}"),
        }
    }
}

impl std::error::Error for BatchError {}

/// Scores every row of `input` (CSV with a header) into `out`.
pub fn score_csv<M: AsRef<[u64]> + Sync>(
    model: &Model<M>,
    input: &[u8],
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::Predictions)
}

/// Writes every row's path through every tree (PredictCsv's `--leafNodeAssignment`).
pub fn leaf_paths_csv<M: AsRef<[u64]> + Sync>(
    model: &Model<M>,
    input: &[u8],
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::LeafPaths)
}

/// Writes every row's Shapley contributions (PredictCsv's `--predictContributions`): one
/// column per contribution name, f32 values widened to f64.
pub fn contributions_csv<M: AsRef<[u64]> + Sync>(
    model: &Model<M>,
    input: &[u8],
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::Contributions)
}

/// Below this many input bytes, one thread scores everything.
const PARALLEL_MIN_BYTES: usize = 1 << 20;
/// Bytes of input each thread scores per round (cut at line ends).
const CHUNK_BYTES: usize = 1 << 20;

fn run<M: AsRef<[u64]> + Sync>(
    model: &Model<M>,
    input: &[u8],
    out: &mut impl Write,
    options: BatchOptions,
    output: BatchOutput,
) -> Result<BatchReport, BatchError> {
    let mut records = Records::new(input);
    if !records.next_record().map_err(BatchError::Csv)? {
        return Err(BatchError::NoHeader);
    }
    let names: Vec<String> = (0..records.len())
        .map(|i| String::from_utf8_lossy(records.field(i).unwrap_or_default()).into_owned())
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mapper = RowMapper::new(&Columns::new(model), &names, options.rules);

    let w = |e| BatchError::Write(e);
    let leaf = output == BatchOutput::LeafPaths;
    if leaf && !model.has_leaf_paths() {
        return Err(BatchError::NoLeafPaths);
    }
    let contributions = output == BatchOutput::Contributions;
    if contributions {
        model
            .contributions_support()
            .map_err(|e| BatchError::NoContributions(e.to_string()))?;
    }
    let mut cells = Cells::new(out);
    if contributions {
        model.for_each_contribution_name(|name| cells.cell(format_args!("{name}")));
    } else if leaf {
        model.for_each_tree(|class, group| {
            cells.cell(format_args!("T{}.C{}", group + 1, class + 1))
        });
    } else {
        model.for_each_output_name(options.calibrated, |name| {
            cells.cell(format_args!("{name}"))
        });
    }
    cells.end().map_err(w)?;

    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let n = match body_for_chunks(input) {
        Some((body, first_line)) if threads > 1 && body.len() >= PARALLEL_MIN_BYTES => {
            let rows = Rows {
                model,
                mapper: &mapper,
                options,
                output,
            };
            rows.parallel(body, first_line, threads, out)?
        }
        _ => {
            let rows = Rows {
                model,
                mapper: &mapper,
                options,
                output,
            };
            rows.score(&mut records, 0, 0, out)?
        }
    };
    Ok(BatchReport {
        rows: n,
        missing: mapper.missing,
        unused: mapper.unused,
    })
}

/// The data rows of `input` (after its header line) and the line they start on, when they
/// can be cut into chunks at any line end: no quote anywhere, so every `\n` ends a record.
fn body_for_chunks(input: &[u8]) -> Option<(&[u8], usize)> {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    if input.contains(&b'"') {
        return None;
    }
    let header_end = input.iter().position(|&b| b == b'\n')? + 1;
    Some((input.get(header_end..)?, 2))
}

/// The end of the chunk that starts at `body[start..]`: at least `CHUNK_BYTES` long, cut
/// just after a line end, and never so that the next chunk starts with a byte-order mark
/// (which [`Records::new`] would strip).
fn chunk_end(body: &[u8], start: usize) -> usize {
    let mut end = start.saturating_add(CHUNK_BYTES);
    loop {
        if end >= body.len() {
            return body.len();
        }
        match body[end..].iter().position(|&b| b == b'\n') {
            None => return body.len(),
            Some(i) => end += i + 1,
        }
        if !body[end..].starts_with(b"\xEF\xBB\xBF") {
            return end;
        }
    }
}

/// Scores data rows: everything one row needs, shared by the threads.
struct Rows<'a, M> {
    model: &'a Model<M>,
    mapper: &'a RowMapper,
    options: BatchOptions,
    output: BatchOutput,
}

impl<M: AsRef<[u64]> + Sync> Rows<'_, M> {
    /// Scores `body` in chunks, `threads` at a time, writing their output in input order.
    /// The first error (in input order) stops the run after the rows before it are written,
    /// as the one-thread path does.
    fn parallel(
        &self,
        body: &[u8],
        first_line: usize,
        threads: usize,
        out: &mut impl Write,
    ) -> Result<usize, BatchError> {
        let (mut at, mut line, mut rows) = (0usize, first_line, 0usize);
        while at < body.len() {
            let mut chunks = Vec::with_capacity(threads);
            while chunks.len() < threads && at < body.len() {
                let end = chunk_end(body, at);
                chunks.push(&body[at..end]);
                at = end;
            }
            let results: Vec<(Vec<u8>, Result<usize, BatchError>)> = std::thread::scope(|s| {
                let handles: Vec<_> = chunks
                    .iter()
                    .skip(1)
                    .map(|&chunk| s.spawn(move || self.chunk(chunk)))
                    .collect();
                let mut results = vec![self.chunk(chunks[0])];
                results.extend(
                    handles
                        .into_iter()
                        .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))),
                );
                results
            });
            for (chunk, (bytes, result)) in chunks.iter().zip(results) {
                out.write_all(&bytes).map_err(BatchError::Write)?;
                match result {
                    Ok(n) => rows += n,
                    Err(e) => return Err(shift(e, rows, line - 1)),
                }
                line += chunk.iter().filter(|&&b| b == b'\n').count();
            }
        }
        Ok(rows)
    }

    /// Scores one chunk into a buffer; rows and lines are numbered from 1 within it.
    fn chunk(&self, chunk: &[u8]) -> (Vec<u8>, Result<usize, BatchError>) {
        let mut buf = Vec::with_capacity(chunk.len());
        let result = self.score(&mut Records::new(chunk), 0, 0, &mut buf);
        (buf, result)
    }

    /// Scores every remaining record, numbering rows after `row_base` and shifting lines by
    /// `line_base`; returns how many rows it scored.
    fn score(
        &self,
        records: &mut Records<'_>,
        row_base: usize,
        line_base: usize,
        out: &mut impl Write,
    ) -> Result<usize, BatchError> {
        let (model, mapper, options) = (self.model, self.mapper, self.options);
        let w = |e| BatchError::Write(e);
        let leaf = self.output == BatchOutput::LeafPaths;
        let contributions = self.output == BatchOutput::Contributions;
        let mut row = vec![f64::NAN; model.n_features()];
        let (mut contribs, mut work) = if contributions {
            (
                vec![0.0f32; model.contribution_len()],
                vec![0.0f32; model.contribution_work_len()],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let predict = !contributions && !leaf;
        let mut block = Block::new(model);
        let mut n = row_base;
        loop {
            let line = records.line() + line_base;
            // A bad record or cell ends the run after the rows before it are written.
            let more = match records.next_record() {
                Ok(more) => more,
                Err(e) => {
                    block.flush(options, out)?;
                    return Err(BatchError::Csv(e));
                }
            };
            if !more {
                break;
            }
            n += 1;
            let fields = (0..records.len()).filter_map(|i| records.field(i));
            let offset = match mapper.text_row(model, fields, &mut row) {
                Ok(offset) => offset,
                Err(error) => {
                    block.flush(options, out)?;
                    return Err(BatchError::Row {
                        row: n,
                        line,
                        error,
                    });
                }
            };
            let rejected = |e: scorer::ScoreError| rejected(model, e, n, line);
            if predict {
                block.push(&row, offset, n, line);
                if block.is_full() {
                    block.flush(options, out)?;
                }
            } else if contributions {
                model
                    .contributions(&row, &mut contribs, &mut work)
                    .map_err(|e| match e {
                        scorer::Error::Score(e) => rejected(e),
                        other => BatchError::NoContributions(other.to_string()),
                    })?;
                write_floats(&contribs, options.format, out).map_err(w)?;
            } else if leaf {
                let mut cells = Cells::new(out);
                model
                    .for_each_leaf_path(&row, |p| cells.cell(format_args!("{p}")))
                    .map_err(rejected)?;
                cells.end().map_err(w)?;
            }
        }
        block.flush(options, out)?;
        Ok(n - row_base)
    }
}

/// Rows scored together (`Model::score_rows`, which walks each tree for several rows).
const BLOCK_ROWS: usize = 64;

/// Converted rows waiting to be scored together, with their row and line numbers.
struct Block<'a, M> {
    model: &'a Model<M>,
    rows: Vec<f64>,
    offsets: Vec<f64>,
    at: Vec<(usize, usize)>,
    preds: Vec<f64>,
}

impl<'a, M: AsRef<[u64]>> Block<'a, M> {
    fn new(model: &'a Model<M>) -> Self {
        Block {
            model,
            rows: Vec::with_capacity(BLOCK_ROWS * model.n_features()),
            offsets: Vec::with_capacity(BLOCK_ROWS),
            at: Vec::with_capacity(BLOCK_ROWS),
            preds: vec![0.0; BLOCK_ROWS * model.preds_len()],
        }
    }

    fn push(&mut self, row: &[f64], offset: f64, n: usize, line: usize) {
        self.rows.extend_from_slice(row);
        self.offsets.push(offset);
        self.at.push((n, line));
    }

    fn is_full(&self) -> bool {
        self.at.len() >= BLOCK_ROWS
    }

    /// Scores and writes the rows held. If the model rejects one, the rows before it are
    /// written and its error (with its row and line) returned, as row by row.
    fn flush(&mut self, options: BatchOptions, out: &mut impl Write) -> Result<(), BatchError> {
        let (model, k) = (self.model, self.at.len());
        let (nf, pl) = (model.n_features(), model.preds_len());
        let preds = self.preds.get_mut(..k * pl).unwrap_or_default();
        let together = model.score_rows(&self.rows, &self.offsets, preds);
        for (i, &(n, line)) in self.at.iter().enumerate() {
            let p = preds.get_mut(i * pl..(i + 1) * pl).unwrap_or_default();
            if together.is_err() {
                let row = self.rows.get(i * nf..(i + 1) * nf).unwrap_or_default();
                let offset = self.offsets.get(i).copied().unwrap_or(0.0);
                model
                    .score(row, offset, p)
                    .map_err(|e| rejected(model, e, n, line))?;
            }
            write_row(model, p, options, out).map_err(BatchError::Write)?;
        }
        self.rows.clear();
        self.offsets.clear();
        self.at.clear();
        Ok(())
    }
}

/// A row the model refused to score, as an error naming its row, line and column.
fn rejected<M: AsRef<[u64]>>(
    model: &Model<M>,
    e: scorer::ScoreError,
    row: usize,
    line: usize,
) -> BatchError {
    let message = match e {
        scorer::ScoreError::Rejected { column, reason } => {
            let name = model.column(column as usize).map(|c| c.name).unwrap_or("?");
            format!("column `{name}`: {reason}")
        }
        other => other.to_string(),
    };
    BatchError::Rejected { row, line, message }
}

/// An error of a chunk, renumbered: its rows follow `rows` earlier rows and its lines
/// `lines` earlier lines.
fn shift(e: BatchError, rows: usize, lines: usize) -> BatchError {
    match e {
        BatchError::Row { row, line, error } => BatchError::Row {
            row: row + rows,
            line: line + lines,
            error,
        },
        BatchError::Rejected { row, line, message } => BatchError::Rejected {
            row: row + rows,
            line: line + lines,
            message,
        },
        BatchError::Csv(mut c) => {
            c.line += lines;
            BatchError::Csv(c)
        }
        other => other,
    }
}

/// Comma-separated cells of one line, remembering the first write error.
struct Cells<'w, W: Write> {
    out: &'w mut W,
    first: bool,
    result: io::Result<()>,
}

impl<'w, W: Write> Cells<'w, W> {
    fn new(out: &'w mut W) -> Self {
        Cells {
            out,
            first: true,
            result: Ok(()),
        }
    }

    fn cell(&mut self, value: std::fmt::Arguments<'_>) {
        if self.result.is_ok() {
            let sep: &[u8] = if self.first { b"" } else { b"," };
            self.first = false;
            self.result = self
                .out
                .write_all(sep)
                .and_then(|()| self.out.write_fmt(value));
        }
    }

    fn end(self) -> io::Result<()> {
        self.result?;
        self.out.write_all(b"\n")
    }
}

/// Writes one row of f32 values, each widened to f64.
pub fn write_floats(values: &[f32], format: NumberFormat, out: &mut impl Write) -> io::Result<()> {
    for (i, &v) in values.iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_number(out, f64::from(v), format)?;
    }
    out.write_all(b"\n")
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
