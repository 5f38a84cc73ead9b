//! Batch transform: CSV and JSON Lines bodies scored frame by frame as they arrive.
//!
//! ```text
//! hyper body ─▶ pump (async task: frames, the size limit) ─▶ channel of 2 frames
//!   ─▶ scorer (blocking pool): complete records of [carry + frame] ─▶ score ─▶ Writer
//!   ─▶ output: in memory up to 256 KiB, then appended to an unlinked file in $TMPDIR
//!   ─▶ 200 with Content-Length once the whole body scored, or 400 naming the bad line
//! ```
//! Only the current frame, the unfinished record carried over from the frame before and
//! the output buffer are in memory, so a 100 MB body costs a few MB, never the body once,
//! let alone twice. The response waits for the end of the body, so that a bad line on line
//! 4,000,000 is still a 400 that names it (batch transform then marks that input file
//! failed, as SageMaker documents) rather than a truncated 200, and so that clients which
//! send the whole body before reading (most HTTP clients) cannot deadlock against a
//! response that fills the socket. The spill file is unlinked as soon as it is created; the
//! disk space goes when the response has been sent. If no file can be created (a read-only
//! `/tmp`), the output stays in memory and a warning is logged.
//!
//! Records end at a newline outside quotes (CSV) or at any newline (JSON Lines); the rules
//! for each record are those of [`super::input`]: the header rule, the field count, NA
//! tokens, one output line per input line, the same error messages with the body's line
//! numbers.

use std::fs::{File, OpenOptions};
use std::io::{Seek, SeekFrom, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use http_body_util::BodyExt;
use hyper::body::{Bytes, Incoming};
use tokio::sync::mpsc;

use super::error::ApiError;
use super::input::{header_hint, parse, row_cells, rules, Buffers, Named};
use super::json::Row;
use super::log;
use super::media::Format;
use super::output::Writer;
use super::Loaded;
use crate::csv::{CsvScan, Records, BOM};
use crate::rows::{Cell, RowMapper};

/// Frames in flight between the pump and the scorer (hyper's frames are up to ~400 KB).
pub const CHANNEL_FRAMES: usize = 2;

/// Output kept in memory before it goes to a spill file.
pub const IN_MEMORY_OUTPUT: usize = 256 << 10;

/// Once spilling, output is written out in pieces of this size.
const SPILL_WRITE: usize = 64 << 10;

/// Leading whitespace kept back before it is scored as records (see [`score`]).
const WHITESPACE_HELD: usize = 1 << 20;

/// The longest record: one line may not hold more than this.
pub const MAX_RECORD: usize = 16 << 20;

/// What the pump hands the scorer: a frame of the body, or why the body ended badly.
pub type Chunk = Result<Bytes, ApiError>;

/// A scored batch.
pub struct Streamed {
    pub output: Output,
    pub rows: usize,
    /// As [`super::input::Scored::no_input_named`].
    pub no_input_named: Option<String>,
}

/// Where the response is.
pub enum Output {
    Memory(Vec<u8>),
    /// Positioned at its start, `len` bytes long.
    File(File, u64),
}

/// Reads `body` into `tx` frame by frame, at most `limit` bytes in all. If the scorer stops
/// early (a bad line), the rest of the body is read and dropped, so that the client gets
/// its 400 on a connection that stays usable.
pub async fn pump(mut body: Incoming, limit: usize, tx: mpsc::Sender<Chunk>) {
    let mut total = 0usize;
    let mut forwarding = true;
    while let Some(frame) = body.frame().await {
        let data = match frame {
            Ok(frame) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue, // trailers
            },
            Err(e) => {
                if forwarding {
                    let message = format!("could not read the request body: {e}");
                    let _ = tx.send(Err(ApiError::bad_request(message))).await;
                }
                return;
            }
        };
        total = total.saturating_add(data.len());
        if total > limit {
            if forwarding {
                let _ = tx.send(Err(ApiError::too_large(limit))).await;
            }
            return;
        }
        if forwarding && tx.send(Ok(data)).await.is_err() {
            forwarding = false;
        }
    }
}

/// Scores the frames from `rx` (blocking: run it on the blocking pool).
pub fn score(
    loaded: &Loaded,
    input: Format,
    output: Format,
    rx: &mut mpsc::Receiver<Chunk>,
) -> Result<Streamed, ApiError> {
    let mut rows = match input {
        Format::Csv => Rows::Csv(CsvRows::new(loaded, output)),
        _ => Rows::JsonLines(JsonLinesRows::new(loaded, output)),
    };
    let quotes = input == Format::Csv;
    let mut sink = Sink::default();
    let mut carry: Vec<u8> = Vec::new();
    // Bytes of `carry` looked at, where the CSV scan stands there, and where the last
    // complete record ends.
    let (mut scanned, mut scan, mut boundary) = (0usize, CsvScan::default(), 0usize);
    let mut line = 1usize;
    let mut any_text = false;
    // The byte-order mark is dropped once, at the start of the body, wherever frames end.
    let mut at_start = true;
    while let Some(chunk) = rx.blocking_recv() {
        let chunk = chunk?;
        carry.extend_from_slice(&chunk);
        if at_start {
            if carry.len() < BOM.len() && BOM.starts_with(&carry) {
                continue;
            }
            if carry.starts_with(BOM) {
                carry.drain(..BOM.len());
            }
            at_start = false;
        }
        let fresh = carry.get(scanned..).unwrap_or_default();
        if quotes {
            for (i, &b) in fresh.iter().enumerate() {
                if scan.record_ends_at(b) {
                    boundary = scanned + i + 1;
                }
            }
        } else if let Some(i) = fresh.iter().rposition(|&b| b == b'\n') {
            boundary = scanned + i + 1;
        }
        scanned = carry.len();
        let records = carry.get(..boundary).unwrap_or_default();
        any_text |= !records.iter().all(u8::is_ascii_whitespace);
        // A body that starts with whitespace is held (up to WHITESPACE_HELD) until text
        // comes: an all-whitespace body is "empty" below, and otherwise its first lines are
        // records like any other, whichever frames they came in.
        if boundary > 0 && (any_text || boundary >= WHITESPACE_HELD) {
            line = rows.feed(records, line, &mut sink)?;
            carry.drain(..boundary);
            scanned -= boundary;
            boundary = 0;
        }
        if carry.len() > MAX_RECORD {
            return Err(ApiError::bad_request(format!(
                "line {line} is longer than {} MiB: is this {}?",
                MAX_RECORD >> 20,
                if quotes {
                    "CSV with an unclosed quote"
                } else {
                    "one JSON document rather than JSON Lines"
                }
            ))
            .with("line", line));
        }
    }
    any_text |= !carry.iter().all(u8::is_ascii_whitespace);
    if any_text && !carry.is_empty() {
        rows.feed(&carry, line, &mut sink)?;
    }
    if !any_text {
        return Err(ApiError::bad_request(
            "the request body is empty: send rows to score",
        ));
    }
    let (w, no_input_named) = rows.into_writer(loaded, output);
    let n = w.rows();
    Ok(Streamed {
        output: sink.finish(w)?,
        rows: n,
        no_input_named,
    })
}

enum Rows<'m> {
    Csv(CsvRows<'m>),
    JsonLines(JsonLinesRows<'m>),
}

impl<'m> Rows<'m> {
    /// Scores complete records starting on line `line`; returns the line after them.
    fn feed(&mut self, records: &[u8], line: usize, sink: &mut Sink) -> Result<usize, ApiError> {
        match self {
            Rows::Csv(r) => r.feed(records, line, sink),
            Rows::JsonLines(r) => r.feed(records, line, sink),
        }
    }

    /// The writer holding the answer, and the field names if none named an input.
    fn into_writer(self, loaded: &Loaded, output: Format) -> (Writer, Option<String>) {
        let (w, no_input_named) = match self {
            Rows::Csv(r) => match r.layout {
                Some(l) => (Some(l.writer), l.mapper.names_if_no_input(&l.names)),
                None => (None, None),
            },
            Rows::JsonLines(r) => (Some(r.writer), r.named.none()),
        };
        // A CSV body of blank lines: an empty answer (with a JSON frame if JSON).
        let w = w.unwrap_or_else(|| {
            Writer::new(
                output,
                loaded.model.uuid(),
                loaded.output_names.clone(),
                output != Format::Csv,
            )
        });
        (w, no_input_named)
    }
}

/// What the first CSV record decided.
struct CsvLayout {
    header: bool,
    names: Vec<String>,
    mapper: RowMapper,
    writer: Writer,
}

struct CsvRows<'m> {
    loaded: &'m Loaded,
    output: Format,
    layout: Option<CsvLayout>,
    buffers: Buffers<'m>,
    n: usize,
}

impl<'m> CsvRows<'m> {
    fn new(loaded: &'m Loaded, output: Format) -> Self {
        CsvRows {
            loaded,
            output,
            layout: None,
            buffers: Buffers::new(loaded),
            n: 0,
        }
    }

    fn feed(&mut self, input: &[u8], base: usize, sink: &mut Sink) -> Result<usize, ApiError> {
        let mut records = Records::continuing(input);
        let at = |records: &Records| base + records.line() - 1;
        loop {
            let line = at(&records);
            let more = records.next_record().map_err(|e| {
                let line = base + e.line - 1;
                ApiError::bad_request(format!("CSV line {line}: {}", e.what)).with("line", line)
            })?;
            if !more {
                break;
            }
            if records.is_blank() {
                continue;
            }
            if self.layout.is_none() {
                let first: Vec<String> = (0..records.len())
                    .map(|i| String::from_utf8_lossy(records.field(i).unwrap_or_default()))
                    .map(|s| s.into_owned())
                    .collect();
                let header = first
                    .iter()
                    .any(|n| self.loaded.columns.names_header(n.as_bytes()));
                let names = if header {
                    first
                } else {
                    self.loaded.columns.positional.clone()
                };
                let refs: Vec<&str> = names.iter().map(String::as_str).collect();
                let mapper = RowMapper::new(&self.loaded.columns, &refs, rules());
                let writer = Writer::new(
                    self.output,
                    self.loaded.model.uuid(),
                    self.loaded.output_names.clone(),
                    header || self.output != Format::Csv,
                );
                self.layout = Some(CsvLayout {
                    header,
                    names,
                    mapper,
                    writer,
                });
                if header {
                    continue;
                }
            }
            let Some(layout) = self.layout.as_mut() else {
                continue;
            };
            self.n += 1;
            let n = self.n;
            if !layout.header && records.len() != layout.names.len() {
                let e = ApiError::bad_request(format!(
                    "row {n} (line {line}) has {} fields, the model takes {}",
                    records.len(),
                    layout.names.len()
                ))
                .with("row", n)
                .with("line", line);
                return Err(header_hint(e, layout.header, &layout.names));
            }
            let cells = (0..records.len()).filter_map(|i| records.field(i).map(Cell::Text));
            if let Err(e) = self.buffers.score(&layout.mapper, cells)? {
                let e = ApiError::row(n, Some(line), &e);
                return Err(header_hint(e, layout.header, &layout.names));
            }
            layout.writer.row_start();
            self.buffers.write_outputs(&mut layout.writer);
            layout.writer.row_end();
            sink.drain(&mut layout.writer)?;
        }
        Ok(at(&records))
    }
}

struct JsonLinesRows<'m> {
    loaded: &'m Loaded,
    writer: Writer,
    buffers: Buffers<'m>,
    n: usize,
    named: Named,
}

impl<'m> JsonLinesRows<'m> {
    fn new(loaded: &'m Loaded, output: Format) -> Self {
        JsonLinesRows {
            loaded,
            writer: Writer::new(
                output,
                loaded.model.uuid(),
                loaded.output_names.clone(),
                true,
            ),
            buffers: Buffers::new(loaded),
            n: 0,
            named: Named::default(),
        }
    }

    fn feed(&mut self, input: &[u8], base: usize, sink: &mut Sink) -> Result<usize, ApiError> {
        let mut next = base;
        for (i, text) in input.split(|&b| b == b'\n').enumerate() {
            let line = base + i;
            next = line;
            if text.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            self.n += 1;
            let n = self.n;
            let item: Row<'_> = parse(text, Some(line))?;
            let mut cells: Vec<Cell<'_>> = Vec::new();
            let (columns, positional) = (&self.loaded.columns, &self.loaded.positional);
            let Some(names_input) = row_cells(columns, &item, n, Some(line), &mut cells)? else {
                return Err(ApiError::bad_request(format!(
                    "row {n} (line {line}) must be an object ({{\"column\": value, ..}}) \
                     or an array of values in the model's column order"
                ))
                .with("row", n)
                .with("line", line));
            };
            self.named.row(&item, names_input);
            let result = self.buffers.score(positional, cells.iter().copied())?;
            result.map_err(|e| ApiError::row(n, Some(line), &e))?;
            self.writer.row_start();
            self.buffers.write_outputs(&mut self.writer);
            self.writer.row_end();
            sink.drain(&mut self.writer)?;
        }
        Ok(next)
    }
}

/// Where scored output goes: the writer's buffer, then a spill file.
#[derive(Default)]
struct Sink {
    file: Option<File>,
    len: u64,
    /// No spill file could be made: keep everything in memory.
    memory_only: bool,
}

static SPILL_SEQ: AtomicU64 = AtomicU64::new(0);
static WARNED: AtomicBool = AtomicBool::new(false);

/// A new, already unlinked file in the temporary directory.
fn spill_file() -> std::io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = std::env::temp_dir();
    loop {
        let path = dir.join(format!(
            "serve-batch-{}-{}.out",
            std::process::id(),
            SPILL_SEQ.fetch_add(1, Ordering::Relaxed)
        ));
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(f) => {
                let _ = std::fs::remove_file(&path);
                return Ok(f);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
}

fn spill_error(e: std::io::Error) -> ApiError {
    ApiError::internal(format!(
        "could not write the batch response to {}: {e}",
        std::env::temp_dir().display()
    ))
}

impl Sink {
    /// Moves the writer's output to the spill file when there is enough of it.
    fn drain(&mut self, w: &mut Writer) -> Result<(), ApiError> {
        let n = w.buffered().len();
        let threshold = if self.file.is_some() {
            SPILL_WRITE
        } else {
            IN_MEMORY_OUTPUT
        };
        if n < threshold || self.memory_only {
            return Ok(());
        }
        if self.file.is_none() {
            match spill_file() {
                Ok(f) => self.file = Some(f),
                Err(e) => {
                    if !WARNED.swap(true, Ordering::Relaxed) {
                        log::warn(
                            "cannot create a spill file: batch responses stay in memory",
                            &[
                                ("dir", std::env::temp_dir().display().to_string().into()),
                                ("error", e.to_string().into()),
                            ],
                        );
                    }
                    self.memory_only = true;
                    return Ok(());
                }
            }
        }
        if let Some(f) = &mut self.file {
            f.write_all(w.buffered()).map_err(spill_error)?;
            self.len += n as u64;
            w.clear_buffer();
        }
        Ok(())
    }

    fn finish(self, w: Writer) -> Result<Output, ApiError> {
        let tail = w.finish();
        match self.file {
            None => Ok(Output::Memory(tail)),
            Some(mut f) => {
                f.write_all(&tail).map_err(spill_error)?;
                f.seek(SeekFrom::Start(0)).map_err(spill_error)?;
                Ok(Output::File(f, self.len + tail.len() as u64))
            }
        }
    }
}
