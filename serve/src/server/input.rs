//! Request bodies → scored rows, written straight into the response.
//!
//! # Bodies
//! - JSON, one of:
//!   - H2O's ScoreRequest, an object with `rows` (an array of arrays) and `fields`;
//!     `includeFieldsInOutput` echoes input fields (in `fields` order) before the outputs,
//!     `idField` adds a fresh UUID per row when it is listed in `includeFieldsInOutput` but
//!     is not one of `fields`, `noFieldNamesInOutput` drops the names from the response, and
//!     `requestShapleyValueType` `ORIGINAL` or `TRANSFORMED` adds
//!     `featureShapleyContributions` ([`super::explain`]; JSON responses only);
//!   - one row as an object, `{"AGE": 65, "RACE": "1", ...}`;
//!   - an array of such objects, or of arrays of values in the model's column order.
//! - CSV: with or without a header row. **The first record is a header when at least one of
//!   its fields is exactly the name of a model input column** (or of another column the
//!   model was trained with: offset, weights, fold, response; or what precedes a `.` or `:`
//!   in an input's name, [`crate::rows::Columns::names_header`]).
//!   Otherwise every record is data and holds the model's input columns in order (then the
//!   offset, if the model has one), exactly that many fields per record. With a header,
//!   columns are matched by name as PredictCsv does. Blank lines are skipped. A CSV response
//!   has a header line exactly when the CSV request had one, so that a header-less request
//!   gets one output line per input line (what batch transform needs).
//! - JSON Lines: one JSON object (by name) or array (model column order) per line; blank
//!   lines are skipped.
//!
//! Cells may be strings, numbers, booleans or null; [`crate::rows`] says how each becomes a
//! model value (NA tokens, unknown levels as NA, numbers in categorical columns).
//! Unknown fields are ignored and missing model columns are NA, as in PredictCsv; a request
//! none of whose fields names an input is still scored so, and reported in
//! [`Scored::no_input_named`].

use scorer::model::InputRules;
use serde_json::{Map, Value};

use super::error::ApiError;
use super::explain;
use super::json::{Body, Members, Row};
use super::media::Format;
use super::output::{for_each_value, Writer};
use super::Loaded;
use crate::csv::{Records, BOM};
use crate::rows::{number_text, Cell, RowError, RowMapper};

/// A scored response body.
#[derive(Debug)]
pub struct Scored {
    pub body: Vec<u8>,
    pub rows: usize,
    /// The request's field names (comma-separated) when none of them named a model input: every input was NA in every row, as genmodel scores such
    /// rows, and the likeliest cause is a client's wrong names (`age` for `AGE`). The server
    /// counts these for a warning ([`super::traffic`]); the answer stays genmodel's.
    pub no_input_named: Option<String>,
}

/// The rules input cells are read with: PredictCsv's (unknown levels NA, bad numbers errors).
pub(super) fn rules() -> InputRules {
    InputRules::default()
}

/// Scores `body` (in `input` format) into a response in `output` format.
pub fn score(
    loaded: &Loaded,
    body: &[u8],
    input: Format,
    output: Format,
) -> Result<Scored, ApiError> {
    let body = body.strip_prefix(BOM).unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            "the request body is empty: send rows to score",
        ));
    }
    match input {
        Format::Csv => csv(loaded, body, output),
        Format::Json => json(loaded, body, output),
        Format::JsonLines => json_lines(loaded, body, output),
    }
}

/// One row and one prediction buffer, reused for every row of a request.
pub(super) struct Buffers<'m> {
    loaded: &'m Loaded,
    row: Vec<f64>,
    preds: Vec<f64>,
    /// Scratch for a model that needs more than the core keeps on the stack, allocated when
    /// the first row says so (empty, and never allocated, for every other model).
    work: Vec<f64>,
}

impl<'m> Buffers<'m> {
    pub(super) fn new(loaded: &'m Loaded) -> Self {
        Buffers {
            loaded,
            row: vec![f64::NAN; loaded.model.n_features()],
            preds: vec![0.0; loaded.model.preds_len()],
            work: Vec::new(),
        }
    }

    /// Converts and scores one row; the predictions stay in `self.preds`.
    pub(super) fn score<'c>(
        &mut self,
        mapper: &RowMapper,
        cells: impl Iterator<Item = Cell<'c>>,
    ) -> Result<Result<(), RowError>, ApiError> {
        let model = &self.loaded.model;
        let offset = match mapper.cell_row(model, cells, &mut self.row) {
            Ok(offset) => offset,
            Err(e) => return Ok(Err(e)),
        };
        let scored = match self.work.is_empty() {
            true => model.score(&self.row, offset, &mut self.preds),
            false => model.score_with(&self.row, offset, &mut self.preds, &mut self.work),
        };
        match scored {
            Ok(()) => Ok(Ok(())),
            Err(e) => self.not_scored(e, offset),
        }
    }

    /// What a row the core did not score becomes: scored after all with the model's
    /// scratch on the heap (a very wide network needs more than the stack holds), a row
    /// error when the model refuses the row (genmodel throws too), else an internal error.
    #[cold]
    #[inline(never)]
    fn not_scored(
        &mut self,
        e: scorer::ScoreError,
        offset: f64,
    ) -> Result<Result<(), RowError>, ApiError> {
        let model = &self.loaded.model;
        let e = match e {
            scorer::ScoreError::WorkLength { .. } if self.work.is_empty() => {
                self.work = vec![0.0; model.work_len()];
                match model.score_with(&self.row, offset, &mut self.preds, &mut self.work) {
                    Ok(()) => return Ok(Ok(())),
                    Err(e) => e,
                }
            }
            e => e,
        };
        match e {
            scorer::ScoreError::Rejected { column, reason } => {
                let name = model.column(column as usize).map_or("?", |c| c.name);
                Ok(Err(RowError::Rejected {
                    column: name.to_owned(),
                    reason,
                }))
            }
            e => Err(ApiError::internal(format!("scoring failed: {e}"))),
        }
    }

    /// The row converted by the last [`Buffers::score`].
    pub(super) fn row(&self) -> &[f64] {
        &self.row
    }

    pub(super) fn write_outputs(&self, w: &mut Writer) {
        for_each_value(&self.loaded.model, &self.preds, |v| w.number(v));
    }
}

fn csv(loaded: &Loaded, body: &[u8], output: Format) -> Result<Scored, ApiError> {
    let model = &loaded.model;
    let mut records = Records::new(body);
    let csv_err =
        |e: crate::csv::CsvError| ApiError::bad_request(e.to_string()).with("line", e.line);
    let mut line = records.line();
    while records.next_record().map_err(csv_err)? && records.is_blank() {
        line = records.line();
    }
    let header = (0..records.len()).any(|i| {
        loaded
            .columns
            .names_header(records.field(i).unwrap_or_default())
    });
    let by_header;
    let (mapper, names) = if header {
        let names: Vec<String> = (0..records.len())
            .map(|i| String::from_utf8_lossy(records.field(i).unwrap_or_default()).into_owned())
            .collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        by_header = (RowMapper::new(&loaded.columns, &refs, rules()), names);
        (&by_header.0, &by_header.1)
    } else {
        (&loaded.positional, &loaded.columns.positional)
    };
    let hint = |e: ApiError| header_hint(e, header, names);
    // CSV answers a header-less CSV without a header: one output line per input line, as
    // batch transform assembles them.
    let names_out = header || output != Format::Csv;
    let mut w = Writer::new(output, model.uuid(), loaded.output_names.clone(), names_out);
    let mut buffers = Buffers::new(loaded);
    let mut n = 0usize;
    let mut pending = !header;
    loop {
        if !pending {
            line = records.line();
            if !records.next_record().map_err(csv_err)? {
                break;
            }
        }
        pending = false;
        if records.is_blank() {
            continue;
        }
        n += 1;
        if !header && records.len() != names.len() {
            return Err(hint(
                ApiError::bad_request(format!(
                    "row {n} (line {line}) has {} fields, the model takes {}",
                    records.len(),
                    names.len()
                ))
                .with("row", n)
                .with("line", line),
            ));
        }
        let cells = (0..records.len()).filter_map(|i| records.field(i).map(Cell::Text));
        if let Err(e) = buffers.score(mapper, cells)? {
            return Err(hint(ApiError::row(n, Some(line), &e)));
        }
        w.row_start();
        buffers.write_outputs(&mut w);
        w.row_end();
    }
    let rows = w.rows();
    Ok(Scored {
        body: w.finish(),
        rows,
        no_input_named: mapper.names_if_no_input(names),
    })
}

/// For a header-less CSV, says why the first row was read as data and what order rows take.
pub(super) fn header_hint(e: ApiError, header: bool, names: &[String]) -> ApiError {
    if header {
        return e;
    }
    let message = format!(
        "{} (the first row names no model column, so it is data and every row holds the \
         model's columns in order: {})",
        e.message,
        names.join(",")
    );
    ApiError { message, ..e }
}

/// `bytes` as JSON of type `T` (a 400 naming the line, if given, when it is not).
pub(super) fn parse<'a, T: serde::Deserialize<'a>>(
    bytes: &'a [u8],
    line: Option<usize>,
) -> Result<T, ApiError> {
    serde_json::from_slice(bytes).map_err(|e| match line {
        Some(l) => {
            ApiError::bad_request(format!("line {l} is not valid JSON: {e}")).with("line", l)
        }
        None => ApiError::bad_request(format!("the body is not valid JSON: {e}")),
    })
}

fn json(loaded: &Loaded, body: &[u8], output: Format) -> Result<Scored, ApiError> {
    match parse(body, None)? {
        Body::Object(m)
            if m.get("fields").is_some() && m.get("rows").is_some()
                || m.get("rows").is_some_and(Value::is_array) =>
        {
            score_request(loaded, &m.into_map(), output)
        }
        Body::Object(m) => rows(loaded, &[(None, Row::Object(m))], output),
        Body::Array(items) => {
            let items: Vec<(Option<usize>, Row<'_>)> =
                items.into_iter().map(|r| (None, r)).collect();
            rows(loaded, &items, output)
        }
        Body::Other => Err(ApiError::bad_request(
            "a JSON body must be a ScoreRequest ({\"fields\": [..], \"rows\": [[..]]}), one row \
             object ({\"column\": value, ..}) or an array of row objects",
        )),
    }
}

fn json_lines(loaded: &Loaded, body: &[u8], output: Format) -> Result<Scored, ApiError> {
    let mut items = Vec::new();
    for (i, line) in body.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        items.push((Some(i + 1), parse(line, Some(i + 1))?));
    }
    rows(loaded, &items, output)
}

/// A JSON value as a cell; arrays and objects are not cells.
pub(super) fn cell<'a>(v: &'a Value) -> Option<Cell<'a>> {
    Some(match v {
        Value::String(s) => Cell::Text(s.as_bytes()),
        Value::Number(n) => Cell::Number(n.as_f64()?),
        Value::Bool(b) => Cell::Bool(*b),
        Value::Null => Cell::Null,
        Value::Array(_) | Value::Object(_) => return None,
    })
}

/// The cells of ScoreRequest row `n` (1-based), which must be an array of one value per
/// field; returns the values.
pub(super) fn score_request_cells<'v>(
    n: usize,
    row: &'v Value,
    fields: &[&str],
    cells: &mut Vec<Cell<'v>>,
) -> Result<&'v [Value], ApiError> {
    let Value::Array(values) = row else {
        return Err(ApiError::bad_request(format!(
            "row {n} must be an array of values, one per field"
        ))
        .with("row", n));
    };
    if values.len() != fields.len() {
        return Err(ApiError::bad_request(format!(
            "row {n} has {} values but `fields` names {}",
            values.len(),
            fields.len()
        ))
        .with("row", n));
    }
    cells.clear();
    for (v, name) in values.iter().zip(fields) {
        cells.push(cell(v).ok_or_else(|| not_a_cell(n, None, name))?);
    }
    Ok(values)
}

pub(super) fn not_a_cell(row: usize, line: Option<usize>, field: &str) -> ApiError {
    let at = match line {
        Some(l) => format!("row {row} (line {l})"),
        None => format!("row {row}"),
    };
    let mut e = ApiError::bad_request(format!(
        "{at}: field `{field}` holds an array or object; a cell must be a string, number, \
         boolean or null"
    ))
    .with("row", row)
    .with("field", field);
    if let Some(l) = line {
        e = e.with("line", l);
    }
    e
}

/// Rows given as objects (by name) or arrays (model column order).
fn rows(
    loaded: &Loaded,
    items: &[(Option<usize>, Row<'_>)],
    output: Format,
) -> Result<Scored, ApiError> {
    let model = &loaded.model;
    // Objects' cells go to their columns' places in a header-less row (features, then the
    // offset), which the mapper built at load reads: no per-request mapper, no name table.
    let columns = &loaded.columns;
    let positional = &loaded.positional;
    let positional_names = &columns.positional;

    let mut w = Writer::new(output, model.uuid(), loaded.output_names.clone(), true);
    let mut buffers = Buffers::new(loaded);
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(positional_names.len());
    let mut named = Named::default();
    for (n, (line, item)) in items.iter().enumerate() {
        let n = n + 1;
        let Some(names_input) = row_cells(columns, item, n, *line, &mut cells)? else {
            let at = line.map_or(String::new(), |l| format!(" (line {l})"));
            return Err(ApiError::bad_request(format!(
                "row {n}{at} must be an object ({{\"column\": value, ..}}) or an array of \
                 values in the model's column order"
            ))
            .with("row", n));
        };
        named.row(item, names_input);
        let result = buffers.score(positional, cells.iter().copied())?;
        result.map_err(|e| ApiError::row(n, *line, &e))?;
        w.row_start();
        buffers.write_outputs(&mut w);
        w.row_end();
    }
    let rows = w.rows();
    Ok(Scored {
        body: w.finish(),
        rows,
        no_input_named: named.none(),
    })
}

/// Whether rows given as objects named a model input: none did when every row is an object
/// and not one of their members is an input (an array row is positional, so it counts as
/// naming them all).
#[derive(Debug, Default)]
pub(super) struct Named {
    any: bool,
    /// The member names of the first object row that named no input (kept only then: the
    /// common request names its inputs and allocates nothing here).
    first: Option<String>,
}

impl Named {
    /// Counts one row that [`row_cells`] read; `names_input` as it returned.
    pub(super) fn row(&mut self, row: &Row<'_>, names_input: bool) {
        self.any |= names_input;
        if self.any {
            return;
        }
        if let (None, Row::Object(members)) = (&self.first, row) {
            let names: Vec<&str> = members.0.iter().map(|(k, _)| k.as_ref()).collect();
            self.first = Some(names.join(","));
        }
    }

    /// The first object row's names if no row named an input.
    pub(super) fn none(self) -> Option<String> {
        self.first.filter(|_| !self.any)
    }
}

/// The cells of row `n` (an object or an array) in header-less order, for the mapper built
/// at load, and whether the row names a model input (an array always does: it holds them
/// all); `None` for a row that is neither.
pub(super) fn row_cells<'v>(
    columns: &crate::rows::Columns,
    row: &'v Row<'_>,
    n: usize,
    line: Option<usize>,
    cells: &mut Vec<Cell<'v>>,
) -> Result<Option<bool>, ApiError> {
    Ok(Some(match row {
        Row::Object(members) => object_cells(columns, members, n, line, cells)?,
        Row::Array(values) => {
            array_cells(columns, values, n, line, cells)?;
            true
        }
        Row::Other => return Ok(None),
    }))
}

/// The cells of object row `n` in header-less order (features, then the offset), for the
/// mapper built at load: members the model does not take are left out, columns no member
/// names are null (NA), and a name given twice keeps its last value. Returns whether a
/// member named an input (or the offset).
fn object_cells<'v>(
    columns: &crate::rows::Columns,
    members: &'v Members<'_>,
    n: usize,
    line: Option<usize>,
    cells: &mut Vec<Cell<'v>>,
) -> Result<bool, ApiError> {
    cells.clear();
    cells.resize(columns.positional.len(), Cell::Null);
    let mut named = false;
    for (k, v) in &members.0 {
        let c = cell(v).ok_or_else(|| not_a_cell(n, line, k))?;
        if let Some(slot) = columns.slot(k).and_then(|i| cells.get_mut(i)) {
            *slot = c;
            named = true;
        }
    }
    Ok(named)
}

/// The cells of array row `n`, which must hold one value per input column in header-less
/// order.
fn array_cells<'v>(
    columns: &crate::rows::Columns,
    values: &'v [Value],
    n: usize,
    line: Option<usize>,
    cells: &mut Vec<Cell<'v>>,
) -> Result<(), ApiError> {
    let names = &columns.positional;
    if values.len() != names.len() {
        return Err(row_len_error(n, line, values.len(), names));
    }
    cells.clear();
    for (v, name) in values.iter().zip(names) {
        cells.push(cell(v).ok_or_else(|| not_a_cell(n, line, name))?);
    }
    Ok(())
}

pub(super) fn row_len_error(
    n: usize,
    line: Option<usize>,
    found: usize,
    names: &[String],
) -> ApiError {
    let at = line.map_or(String::new(), |l| format!(" (line {l})"));
    let mut e = ApiError::bad_request(format!(
        "row {n}{at} has {found} values, the model takes {} in this order: {}",
        names.len(),
        names.join(",")
    ))
    .with("row", n);
    if let Some(l) = line {
        e = e.with("line", l);
    }
    e
}

/// A request's `fields` (column names) and `rows` (arrays of cells), checked: `rows` must
/// be an array, and rows need `fields` to name their columns.
pub(super) fn fields_and_rows(map: &Map<String, Value>) -> Result<(Vec<&str>, &[Value]), ApiError> {
    let fields = strings(map, "fields")?;
    let Some(Value::Array(rows)) = map.get("rows") else {
        return Err(
            ApiError::bad_request("`rows` must be an array of rows (arrays of strings)")
                .with("field", "rows"),
        );
    };
    if fields.is_empty() && !rows.is_empty() {
        return Err(
            ApiError::bad_request("`fields` must name the columns of `rows`")
                .with("field", "fields"),
        );
    }
    Ok((fields, rows))
}

/// A member of the ScoreRequest that must be an array of strings (or null / absent).
pub(super) fn strings<'a>(
    map: &'a Map<String, Value>,
    key: &str,
) -> Result<Vec<&'a str>, ApiError> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str().ok_or_else(|| {
                    ApiError::bad_request(format!("`{key}` must be an array of strings"))
                        .with("field", key)
                })
            })
            .collect(),
        Some(_) => Err(
            ApiError::bad_request(format!("`{key}` must be an array of strings"))
                .with("field", key),
        ),
    }
}

/// The text of an echoed cell.
fn echo_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Number(n) => n.as_f64().map_or_else(|| n.to_string(), number_text),
        other => other.to_string(),
    }
}

/// H2O's ScoreRequest (`MojoFrameToScoreResponseConverter` semantics for the echo and ids).
fn score_request(
    loaded: &Loaded,
    map: &Map<String, Value>,
    output: Format,
) -> Result<Scored, ApiError> {
    let model = &loaded.model;
    let shapley = explain::requested(map)?;
    if shapley.is_some() && output != Format::Json {
        return Err(ApiError::bad_request(format!(
            "{} asks for featureShapleyContributions, a member of the JSON ScoreResponse: \
             accept application/json, or use POST /model/contribution",
            explain::FIELD
        ))
        .with("field", explain::FIELD));
    }
    let mut contributions = shapley
        .map(|kind| explain::Contributions::new(loaded, kind))
        .transpose()?;
    if map.get("requestPredictionIntervals") == Some(&Value::Bool(true)) {
        return Err(ApiError::bad_request(
            "requestPredictionIntervals: H2O-3 models have no prediction intervals",
        )
        .with("field", "requestPredictionIntervals"));
    }
    let (fields, rows) = fields_and_rows(map)?;
    let include = strings(map, "includeFieldsInOutput")?;
    let no_names = match map.get("noFieldNamesInOutput") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(
                ApiError::bad_request("`noFieldNamesInOutput` must be true or false")
                    .with("field", "noFieldNamesInOutput"),
            )
        }
    };
    let id_field = match map.get("idField") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if s.is_empty() => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => {
            return Err(ApiError::bad_request("`idField` must be a string").with("field", "idField"))
        }
    };

    let (echo, mut columns): (Vec<usize>, Vec<String>) = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| include.contains(f))
        .map(|(i, f)| (i, (*f).to_owned()))
        .unzip();
    let gen_id = id_field.filter(|id| include.contains(id) && !fields.contains(id));
    columns.extend(gen_id.map(str::to_owned));
    columns.extend(loaded.output_names.iter().cloned());

    let mapper = RowMapper::new(&loaded.columns, &fields, rules());
    let mut w = Writer::new(output, model.uuid(), columns.into(), !no_names);
    let mut buffers = Buffers::new(loaded);
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(fields.len());
    for (n, row) in rows.iter().enumerate() {
        let n = n + 1;
        let values = score_request_cells(n, row, &fields, &mut cells)?;
        buffers
            .score(&mapper, cells.iter().copied())?
            .map_err(|e| ApiError::row(n, None, &e))?;
        if let Some(c) = contributions.as_mut() {
            c.push(n, buffers.row())?;
        }
        w.row_start();
        for &i in &echo {
            w.text(&values.get(i).map(echo_text).unwrap_or_default());
        }
        if gen_id.is_some() {
            w.text(&uuid::Uuid::new_v4().to_string());
        }
        buffers.write_outputs(&mut w);
        w.row_end();
    }
    let rows = w.rows();
    let body = match contributions {
        Some(c) => w.finish_with("featureShapleyContributions", &c.finish()),
        None => w.finish(),
    };
    Ok(Scored {
        body,
        rows,
        no_input_named: mapper.names_if_no_input(&fields),
    })
}
