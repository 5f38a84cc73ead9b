//! Batch scoring of CSV, as PredictCsv does it: a header row, one output row per input row,
//! PredictCsv's header and columns for every model category.
//!
//! The input is read a block at a time (`CHUNK_BYTES` per thread), cut after its last whole
//! record (by the quoting rules of [`crate::csv`]), so memory stays near the block size
//! whatever the input's. A block without quotes is cut again into one chunk per thread
//! (any newline there ends a record); their outputs are written in input order. Row and
//! line numbers in errors count from the start of the whole input.

use std::io::{self, Read, Write};

use scorer::model::{Algorithm, Header, InputRules, Model, OutputValue};

use crate::csv::{opencsv_difference, CsvError, CsvScan, OpenCsvDifference, Records, BOM};
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
    /// A GLRM's reconstruction of each row (PredictCsv's `--glrmReconstruct`).
    Reconstructed,
}

/// Options of a batch run.
#[derive(Debug, Clone, Copy)]
pub struct BatchOptions {
    pub format: NumberFormat,
    /// Add calibrated probabilities (PredictCsv's `--predictCalibrated`).
    pub calibrated: bool,
    pub rules: InputRules,
    /// The input's field separator (PredictCsv's `--separator`): `,` or another byte
    /// [`crate::csv::is_separator`] allows.
    pub separator: u8,
    /// Write the header row (PredictCsv's `--outputHeader`, true by default).
    pub header: bool,
    /// Look for the first place PredictCsv's CSV reader reads otherwise
    /// ([`BatchReport::opencsv_difference`]).
    pub find_opencsv_difference: bool,
}

/// What a batch run did.
#[derive(Debug, Clone, Default)]
pub struct BatchReport {
    pub rows: usize,
    /// Model features the input does not have (scored as NA).
    pub missing: Vec<String>,
    /// Input columns the model does not use.
    pub unused: Vec<String>,
    /// The first input line where PredictCsv's CSV reader (opencsv 2.3) may read otherwise,
    /// and what is there, when [`BatchOptions::find_opencsv_difference`] asked.
    pub opencsv_difference: Option<(usize, OpenCsvDifference)>,
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
    /// Leaf assignment was asked of a model without them; the reason.
    NoLeafPaths(String),
    /// Contributions were asked of a model without them; the reason.
    NoContributions(String),
    /// A reconstruction was asked of a model that is not a GLRM.
    NoReconstruction,
    Write(io::Error),
    Read(io::Error),
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
            BatchError::NoLeafPaths(why) => write!(f, "no leaf assignment: {why}"),
            BatchError::NoContributions(why) => write!(f, "no contributions: {why}"),
            BatchError::NoReconstruction => {
                f.write_str("only GLRM models reconstruct their input (--glrm-reconstruct)")
            }
            BatchError::Write(e) => write!(f, "cannot write the output: {e}"),
            BatchError::Read(e) => write!(f, "cannot read the input: {e}"),
        }
    }
}

impl std::error::Error for BatchError {}

/// Scores every row of `input` (CSV with a header) into `out`, reading the input a block at
/// a time.
pub fn score_csv<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::Predictions)
}

/// Writes every row's path through every tree (PredictCsv's `--leafNodeAssignment`).
pub fn leaf_paths_csv<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::LeafPaths)
}

/// Writes every row's Shapley contributions (PredictCsv's `--predictContributions`): one
/// column per contribution name, f32 values widened to f64.
pub fn contributions_csv<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::Contributions)
}

/// Writes every row as a GLRM reconstructs it (PredictCsv's `--glrmReconstruct`): one
/// column `reconstr_<feature>` per feature, a categorical's value as its level index.
pub fn reconstruct_csv<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
) -> Result<BatchReport, BatchError> {
    run(model, input, out, options, BatchOutput::Reconstructed)
}

/// Bytes of input each thread scores per round (cut at line ends); a block read from the
/// input holds one such chunk per thread, and a block smaller than one chunk is scored by
/// one thread.
const CHUNK_BYTES: usize = 1 << 20;

/// How the input is cut: chunks of `chunk` bytes, `threads` of them per block.
#[derive(Debug, Clone, Copy)]
struct Blocking {
    chunk: usize,
    threads: usize,
}

fn run<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
    output: BatchOutput,
) -> Result<BatchReport, BatchError> {
    // A model that counts its rows (GLRM) must see them in input order: one thread.
    let threads = match model.counts_rows() {
        true => 1,
        false => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    let blocking = Blocking {
        chunk: CHUNK_BYTES,
        threads,
    };
    run_blocks(model, input, out, options, output, blocking)
}

fn run_blocks<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync>(
    model: &Model<M, S>,
    mut input: impl Read,
    out: &mut impl Write,
    options: BatchOptions,
    output: BatchOutput,
    blocking: Blocking,
) -> Result<BatchReport, BatchError> {
    let Blocking { chunk, threads } = blocking;
    let chunk = chunk.max(1);
    let block_bytes = chunk.saturating_mul(threads.max(1));
    // The input not scored yet: it always starts at a record's start. Its size stays near
    // `block_bytes` whatever the input's (more only for a record longer than a block).
    let mut pending = Vec::new();
    let mut eof = fill(&mut input, &mut pending, chunk.max(BOM.len()))?;
    if pending.starts_with(BOM) {
        pending.drain(..BOM.len());
    }
    let header_end = loop {
        if let Some(end) = first_record_end(&pending, options.separator) {
            break end;
        }
        if eof {
            break pending.len();
        }
        let target = pending.len().saturating_add(chunk);
        eof = fill(&mut input, &mut pending, target)?;
    };
    // The first line of `bytes` (starting on line `first`) opencsv may read otherwise.
    let mut difference = None;
    let mut look = |bytes: &[u8], first: usize| {
        if options.find_opencsv_difference && difference.is_none() {
            difference = opencsv_difference(bytes, options.separator).map(|(at, what)| {
                let lines = bytes[..at].iter().filter(|&&b| b == b'\n').count();
                (first + lines, what)
            });
        }
    };
    look(pending.get(..header_end).unwrap_or_default(), 1);
    let mut records = Records::continuing(pending.get(..header_end).unwrap_or_default())
        .separated_by(options.separator);
    if !records.next_record().map_err(BatchError::Csv)? {
        return Err(BatchError::NoHeader);
    }
    let names: Vec<String> = (0..records.len())
        .map(|i| String::from_utf8_lossy(records.field(i).unwrap_or_default()).into_owned())
        .collect();
    let mut line = records.line();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let mapper = RowMapper::new(&Columns::new(model), &names, options.rules);
    pending.drain(..header_end);

    let w = |e| BatchError::Write(e);
    let leaf = output == BatchOutput::LeafPaths;
    if leaf {
        model
            .leaf_paths_support()
            .map_err(|e| BatchError::NoLeafPaths(e.to_string()))?;
    }
    let contributions = output == BatchOutput::Contributions;
    if contributions {
        model
            .contributions_support()
            .map_err(|e| BatchError::NoContributions(e.to_string()))?;
    }
    let reconstructed = output == BatchOutput::Reconstructed;
    if reconstructed && model.algorithm() != Algorithm::Glrm {
        return Err(BatchError::NoReconstruction);
    }
    if options.header {
        let mut cells = Cells::new(out);
        if contributions {
            model.for_each_contribution_name(|name| cells.cell(format_args!("{name}")));
        } else if reconstructed {
            for column in (0..model.n_features()).filter_map(|i| model.column(i)) {
                cells.cell(format_args!("reconstr_{}", column.name));
            }
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
    }

    let rows = Rows {
        model,
        mapper: &mapper,
        options,
        output,
    };
    let mut n = 0usize;
    loop {
        if !eof {
            eof = fill(&mut input, &mut pending, block_bytes)?;
        }
        let (boundary, quoted) = if eof {
            (pending.len(), pending.contains(&b'"'))
        } else {
            last_record_end(&pending, options.separator)
        };
        if boundary == 0 {
            if eof {
                break;
            }
            // Not one whole record in a block: read on until there is.
            let target = pending.len().saturating_add(block_bytes);
            eof = fill(&mut input, &mut pending, target)?;
            continue;
        }
        let body = pending.get(..boundary).unwrap_or_default();
        look(body, line);
        // Without a quote, every newline of the block ends a record: it can be cut anywhere.
        let (scored, next_line) = if threads > 1 && body.len() >= chunk && !quoted {
            rows.parallel(body, line, blocking, out)
                .map_err(|e| shift(e, n, 0))?
        } else {
            let mut records = Records::continuing(body).separated_by(options.separator);
            let scored = rows
                .score(&mut records, 0, 0, out)
                .map_err(|e| shift(e, n, line - 1))?;
            (scored, line + records.line() - 1)
        };
        n += scored;
        line = next_line;
        pending.drain(..boundary);
        if eof && pending.is_empty() {
            break;
        }
    }
    Ok(BatchReport {
        rows: n,
        missing: mapper.missing,
        unused: mapper.unused,
        opencsv_difference: difference,
    })
}

/// Reads from `input` until `pending` holds `target` bytes or the input ends; whether it
/// ended.
fn fill(input: &mut impl Read, pending: &mut Vec<u8>, target: usize) -> Result<bool, BatchError> {
    let want = target.saturating_sub(pending.len());
    if want == 0 {
        return Ok(false);
    }
    let got = input
        .take(want as u64)
        .read_to_end(pending)
        .map_err(BatchError::Read)?;
    Ok(got < want)
}

/// Where the first record of `bytes` ends (just after its newline), if it does.
fn first_record_end(bytes: &[u8], separator: u8) -> Option<usize> {
    let mut scan = CsvScan::separated_by(separator);
    bytes
        .iter()
        .position(|&b| scan.record_ends_at(b))
        .map(|i| i + 1)
}

/// Where the last whole record of `bytes` (which starts at a record's start) ends, or 0,
/// and whether a `"` comes before that end.
fn last_record_end(bytes: &[u8], separator: u8) -> (usize, bool) {
    if !bytes.contains(&b'"') {
        let end = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        return (end, false);
    }
    let mut scan = CsvScan::separated_by(separator);
    let (mut end, mut quoted, mut seen) = (0, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        seen |= b == b'"';
        if scan.record_ends_at(b) {
            (end, quoted) = (i + 1, seen);
        }
    }
    (end, quoted)
}

/// The end of the chunk that starts at `body[start..]`: at least `chunk` bytes long and cut
/// just after a line end.
fn chunk_end(body: &[u8], start: usize, chunk: usize) -> usize {
    let end = start.saturating_add(chunk);
    if end >= body.len() {
        return body.len();
    }
    match body[end..].iter().position(|&b| b == b'\n') {
        None => body.len(),
        Some(i) => end + i + 1,
    }
}

/// Scores data rows: everything one row needs, shared by the threads.
struct Rows<'a, M, S> {
    model: &'a Model<M, S>,
    mapper: &'a RowMapper,
    options: BatchOptions,
    output: BatchOutput,
}

impl<M: AsRef<[u64]> + Sync, S: AsRef<[Header]> + Sync> Rows<'_, M, S> {
    /// Scores `body` (which starts on line `first_line`) in chunks, `threads` at a time,
    /// writing their output in input order; returns the rows scored and the line after
    /// `body`. The first error (in input order) stops the run after the rows before it are
    /// written, as the one-thread path does.
    fn parallel(
        &self,
        body: &[u8],
        first_line: usize,
        blocking: Blocking,
        out: &mut impl Write,
    ) -> Result<(usize, usize), BatchError> {
        let Blocking { chunk, threads } = blocking;
        let (mut at, mut line, mut rows) = (0usize, first_line, 0usize);
        while at < body.len() {
            let mut chunks = Vec::with_capacity(threads);
            while chunks.len() < threads && at < body.len() {
                let end = chunk_end(body, at, chunk);
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
        Ok((rows, line))
    }

    /// Scores one chunk into a buffer; rows and lines are numbered from 1 within it.
    fn chunk(&self, chunk: &[u8]) -> (Vec<u8>, Result<usize, BatchError>) {
        let mut buf = Vec::with_capacity(chunk.len());
        let mut records = Records::continuing(chunk).separated_by(self.options.separator);
        let result = self.score(&mut records, 0, 0, &mut buf);
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
        let mut paths = Vec::new();
        let (mut contribs, mut work) = if contributions {
            (
                vec![0.0f32; model.contribution_len()],
                vec![0.0f32; model.contribution_work_len()],
            )
        } else {
            (Vec::new(), Vec::new())
        };
        let reconstructed = self.output == BatchOutput::Reconstructed;
        let (mut coords, mut values, mut scratch) = if reconstructed {
            (
                vec![0.0; model.preds_len()],
                vec![0.0; model.n_features()],
                vec![0.0; model.work_len()],
            )
        } else {
            (Vec::new(), Vec::new(), Vec::new())
        };
        let predict = !contributions && !leaf && !reconstructed;
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
            } else if reconstructed {
                model
                    .score_with(&row, offset, &mut coords, &mut scratch)
                    .map_err(rejected)?;
                if !model.glrm_reconstruct(&coords, &mut values) {
                    return Err(BatchError::NoReconstruction);
                }
                write_values(values.iter().copied(), options.format, out).map_err(w)?;
            } else if leaf {
                // All of a row's paths before any is written: a tree without one fails the row.
                paths.clear();
                model
                    .for_each_leaf_path(&row, |p| paths.push(p))
                    .map_err(rejected)?;
                let mut cells = Cells::new(out);
                for p in &paths {
                    cells.cell(format_args!("{p}"));
                }
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
struct Block<'a, M, S> {
    model: &'a Model<M, S>,
    rows: Vec<f64>,
    offsets: Vec<f64>,
    at: Vec<(usize, usize)>,
    preds: Vec<f64>,
    /// Scratch for models that need it (on the heap: some need more than the stack holds).
    work: Vec<f64>,
}

impl<'a, M: AsRef<[u64]>, S: AsRef<[Header]>> Block<'a, M, S> {
    fn new(model: &'a Model<M, S>) -> Self {
        Block {
            model,
            rows: Vec::with_capacity(BLOCK_ROWS * model.n_features()),
            offsets: Vec::with_capacity(BLOCK_ROWS),
            at: Vec::with_capacity(BLOCK_ROWS),
            preds: vec![0.0; BLOCK_ROWS * model.preds_len()],
            work: vec![0.0; model.work_len()],
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
        let work = &mut self.work;
        let together = model.score_rows_with(&self.rows, &self.offsets, preds, work);
        for (i, &(n, line)) in self.at.iter().enumerate() {
            let p = preds.get_mut(i * pl..(i + 1) * pl).unwrap_or_default();
            if together.is_err() {
                let row = self.rows.get(i * nf..(i + 1) * nf).unwrap_or_default();
                let offset = self.offsets.get(i).copied().unwrap_or(0.0);
                model
                    .score_with(row, offset, p, work)
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
fn rejected<M: AsRef<[u64]>, S: AsRef<[Header]>>(
    model: &Model<M, S>,
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
    write_values(values.iter().map(|&v| f64::from(v)), format, out)
}

/// Writes one row of numbers.
fn write_values(
    values: impl Iterator<Item = f64>,
    format: NumberFormat,
    out: &mut impl Write,
) -> io::Result<()> {
    for (i, v) in values.enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        write_number(out, v, format)?;
    }
    out.write_all(b"\n")
}

/// Writes one output row.
pub fn write_row<M: AsRef<[u64]>, S: AsRef<[Header]>>(
    model: &Model<M, S>,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::format::NumberFormat;

    fn model() -> crate::load::LoadedModel {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/demo/pipeline.mojo"
        );
        crate::load::from_path(std::path::Path::new(path)).expect("the demo model loads")
    }

    fn prostate() -> String {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/inputs/prostate.csv"
        );
        std::fs::read_to_string(path).expect("prostate.csv")
    }

    const OPTIONS: BatchOptions = BatchOptions {
        format: NumberFormat::Hex,
        calibrated: false,
        rules: InputRules {
            unknown_level_as_na: true,
            invalid_number_as_na: false,
        },
        separator: b',',
        header: true,
        find_opencsv_difference: false,
    };

    /// The output, and the error as text, of scoring `input` cut as `blocking` says.
    fn scored(input: &[u8], output: BatchOutput, blocking: Blocking) -> (String, String) {
        let mut out = Vec::new();
        let result = run_blocks(&model(), input, &mut out, OPTIONS, output, blocking);
        let error = match result {
            Ok(report) => format!("ok {} rows", report.rows),
            Err(e) => e.to_string(),
        };
        (String::from_utf8(out).expect("UTF-8 output"), error)
    }

    /// Inputs whose records the blocks must not split: a byte-order mark, CRLF, a quoted
    /// field holding commas, quotes and newlines, a blank line, no final newline, and a
    /// bad cell late in the file.
    fn inputs() -> Vec<(&'static str, Vec<u8>)> {
        let plain = prostate();
        let crlf = plain.replace('\n', "\r\n");
        let mut quoted = String::new();
        for (i, line) in plain.lines().enumerate() {
            let note = match i {
                0 => "note".to_owned(),
                _ if i % 5 == 0 => format!("\"a, \"\"quoted\"\"\nnote {i}\r\nover lines\""),
                _ => format!("n{i}"),
            };
            quoted.push_str(&format!("{line},{note}\n"));
            if i == 40 {
                quoted.push('\n');
            }
        }
        let unterminated = plain.trim_end().to_owned();
        let bad: String = plain
            .lines()
            .enumerate()
            .map(|(i, l)| if i == 250 { l.replace(",4", ",4x") } else { l.to_owned() } + "\n")
            .collect();
        let open_quote = format!("{plain}6,\"4.9");
        vec![
            ("plain", plain.clone().into_bytes()),
            ("bom", [BOM, plain.as_bytes()].concat()),
            ("crlf", crlf.into_bytes()),
            ("quoted", quoted.into_bytes()),
            ("unterminated", unterminated.into_bytes()),
            ("bad cell", bad.into_bytes()),
            ("open quote", open_quote.into_bytes()),
        ]
    }

    #[test]
    fn output_and_errors_do_not_depend_on_the_blocks() {
        let whole = Blocking {
            chunk: 1 << 30,
            threads: 1,
        };
        for (name, input) in inputs() {
            for output in [BatchOutput::Predictions, BatchOutput::LeafPaths] {
                let want = scored(&input, output, whole);
                assert!(want.0.lines().count() > 200, "{name}: {want:?}");
                for chunk in [1, 2, 3, 7, 64, 1000, 5000] {
                    for threads in [1, 2, 3] {
                        let got = scored(&input, output, Blocking { chunk, threads });
                        assert!(
                            got == want,
                            "{name} {output:?}, chunk {chunk}, threads {threads}: {} / {}",
                            got.1,
                            want.1
                        );
                    }
                }
            }
        }
    }

    /// `input` (comma separated) written again with `separator`, quoting the fields that
    /// need it.
    fn separated(input: &[u8], separator: u8) -> Vec<u8> {
        let mut records = Records::new(input);
        let mut out = Vec::new();
        while records.next_record().expect("valid CSV") {
            for i in 0..records.len() {
                if i > 0 {
                    out.push(separator);
                }
                let field = records.field(i).unwrap_or_default();
                if field
                    .iter()
                    .any(|&b| matches!(b, b'"' | b'\n' | b'\r') || b == separator)
                {
                    out.push(b'"');
                    for &b in field {
                        if b == b'"' {
                            out.push(b'"');
                        }
                        out.push(b);
                    }
                    out.push(b'"');
                } else {
                    out.extend_from_slice(field);
                }
            }
            out.push(b'\n');
        }
        out
    }

    #[test]
    fn another_separator_scores_the_same_rows() {
        for (name, input) in inputs()
            .into_iter()
            .filter(|(n, _)| ["plain", "quoted"].contains(n))
        {
            let want = scored(
                &input,
                BatchOutput::Predictions,
                Blocking {
                    chunk: 1 << 30,
                    threads: 1,
                },
            );
            for separator in [b'\t', b';', b'|'] {
                let input = separated(&input, separator);
                assert_ne!(input.iter().filter(|&&b| b == separator).count(), 0);
                for (chunk, threads) in [(1 << 30, 1), (500, 2), (3, 3)] {
                    let mut out = Vec::new();
                    let options = BatchOptions {
                        separator,
                        ..OPTIONS
                    };
                    let blocking = Blocking { chunk, threads };
                    let report = run_blocks(
                        &model(),
                        &input[..],
                        &mut out,
                        options,
                        BatchOutput::Predictions,
                        blocking,
                    );
                    assert!(report.is_ok(), "{name} {:?}: {report:?}", separator as char);
                    assert_eq!(
                        String::from_utf8(out).unwrap(),
                        want.0,
                        "{name} separated by {:?}, chunk {chunk}",
                        separator as char
                    );
                }
            }
        }
    }

    #[test]
    fn without_a_header_row_the_rows_are_the_same() {
        let input = prostate();
        let whole = Blocking {
            chunk: 1 << 30,
            threads: 1,
        };
        for output in [BatchOutput::Predictions, BatchOutput::LeafPaths] {
            let with = scored(input.as_bytes(), output, whole).0;
            let mut without = Vec::new();
            let options = BatchOptions {
                header: false,
                ..OPTIONS
            };
            run_blocks(
                &model(),
                input.as_bytes(),
                &mut without,
                options,
                output,
                whole,
            )
            .unwrap();
            let (header, rows) = with.split_once('\n').unwrap();
            assert!(
                header.starts_with("predict") || header.starts_with("T1.C1"),
                "{header}"
            );
            assert_eq!(String::from_utf8(without).unwrap(), rows, "{output:?}");
        }
    }

    #[test]
    fn errors_name_rows_and_lines_of_the_whole_input() {
        let inputs = inputs();
        let error = |name: &str| {
            let input = &inputs.iter().find(|(n, _)| *n == name).expect("an input").1;
            let blocking = Blocking {
                chunk: 100,
                threads: 2,
            };
            scored(input, BatchOutput::Predictions, blocking).1
        };
        let bad = error("bad cell");
        assert!(bad.starts_with("row 250 (line 251)"), "{bad}");
        let open = error("open quote");
        assert!(
            open.contains("line 305") && open.contains("not closed"),
            "{open}"
        );
    }

    #[test]
    fn a_failing_read_is_an_error() {
        struct Failing(usize);
        impl Read for Failing {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let text = b"GLEASON,PSA\n6,4.9\n";
                if self.0 >= text.len() {
                    return Err(io::Error::other("the disk went away"));
                }
                let n = (text.len() - self.0).min(buf.len());
                buf[..n].copy_from_slice(&text[self.0..self.0 + n]);
                self.0 += n;
                Ok(n)
            }
        }
        let mut out = Vec::new();
        let e = run_blocks(
            &model(),
            Failing(0),
            &mut out,
            OPTIONS,
            BatchOutput::Predictions,
            Blocking {
                chunk: 4,
                threads: 1,
            },
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "cannot read the input: the disk went away");
    }
}
