//! Turning named input cells into model rows, with PredictCsv's rules.
//!
//! Cells are matched to model columns by exact name. Unknown names are ignored, model
//! features without a cell are NA, and so are the cells `""`, `NA`, `N/A` and `-` (compared
//! exactly, as PredictCsv does). Categorical text is looked up in the column's levels
//! (unknown levels are NA); numeric text is read with Java's `Double.parseDouble`.
//!
//! Typed cells (from JSON) follow the same rules, plus: `null` is NA; a number in a numeric
//! column is that number, and in a categorical column it is looked up as the text of its
//! value, integers without a fraction (`1` and `1.0` are `"1"`, `1.5` is `"1.5"`); a boolean
//! in a numeric column is 1 or 0, and in a categorical column the text `true` or `false`.

use std::collections::HashMap;

use scorer::model::{Header, InputRules, Model};
use scorer::InputError as CoreInputError;

/// The cell texts PredictCsv treats as missing.
pub fn is_na_token(cell: &[u8]) -> bool {
    matches!(cell, b"" | b"NA" | b"N/A" | b"-")
}

/// One input cell: text (CSV, JSON strings) or a typed JSON value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    Text(&'a [u8]),
    Number(f64),
    Bool(bool),
    Null,
}

/// The text a number stands for when it is given for a categorical column: integral values
/// below 2^53 without a fraction (`1`), others as the shortest round-trip decimal (`1.5`).
pub fn number_text(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 9_007_199_254_740_992.0 {
        format!("{}", v as i64)
    } else if v.is_finite() {
        ryu::Buffer::new().format_finite(v).to_owned()
    } else {
        String::new()
    }
}

/// Exact powers of ten up to 10^22, the largest that a double holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// `Double.parseDouble` of the common short decimals (`-1.25`, `3`, `.5`, `7.`), or `None`
/// for anything else (which `java::parse_double` then reads). With at most 15 digits the
/// digits are an exact integer `m` < 2^53 and, with `k` ≤ 15 digits after the point,
/// `m / 10^k` is one correctly rounded IEEE division of two exact values: the correctly
/// rounded value of the decimal, which is what Java returns (Clinger's fast path).
#[inline]
pub fn fast_decimal(t: &[u8]) -> Option<f64> {
    let (negative, body) = match t {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, t),
    };
    let (m, k) = match body.len() {
        4..=8 => word_decimal(body)?,
        _ => byte_decimal(body)?,
    };
    // `m` < 2^53: converted exactly, and as a signed integer (one instruction).
    let v = m as i64 as f64 / *POW10.get(k)?;
    Some(if negative { -v } else { v })
}

/// A decimal's digits (at most 15, at least one, with at most one point among them) as an
/// integer, and how many of them follow the point.
fn byte_decimal(body: &[u8]) -> Option<(u64, usize)> {
    if body.len() > 16 {
        return None;
    }
    let digit = |i: usize| {
        body.get(i)
            .map(|b| b.wrapping_sub(b'0'))
            .filter(|&d| d < 10)
    };
    let mut m = 0u64;
    let mut i = 0;
    while let Some(d) = digit(i) {
        m = m * 10 + u64::from(d);
        i += 1;
    }
    let mut k = 0;
    let point = body.get(i) == Some(&b'.');
    if point {
        i += 1;
        while let Some(d) = digit(i) {
            m = m * 10 + u64::from(d);
            i += 1;
            k += 1;
        }
    }
    let digits = i - usize::from(point);
    (i == body.len() && (1..=15).contains(&digits)).then_some((m, k))
}

/// [`byte_decimal`] of 4 to 8 bytes, read as one 64-bit word: no loop whose length varies
/// from cell to cell, and so no mispredicted exit per cell.
fn word_decimal(body: &[u8]) -> Option<(u64, usize)> {
    use crate::swar::{bytes_equal, ONES};
    let n = body.len();
    if !(4..=8).contains(&n) {
        return None;
    }
    // The bytes right-aligned in a little-endian word (the first at byte 8 - n, read from
    // two 4-byte loads that overlap when n < 8), the bytes before them `0`: leading zeros.
    let head = u32::from_le_bytes(body.get(..4)?.try_into().ok()?);
    let tail = u32::from_le_bytes(body.get(n - 4..)?.try_into().ok()?);
    let pad = (ONES * u64::from(b'0'))
        .checked_shr(8 * n as u32)
        .unwrap_or(0);
    let mut w = u64::from(tail) << 32 | u64::from(head) << (8 * (8 - n)) | pad;
    let point = bytes_equal(w, b'.');
    let mut k = 0;
    if point != 0 {
        if point & (point - 1) != 0 {
            return None;
        }
        // Drop the point: the bytes before it move up one, a `0` comes in at the bottom.
        let at = point.trailing_zeros() / 8;
        let upto = u64::MAX >> (8 * (7 - at));
        w = (w & !upto) | ((w << 8) & upto) | u64::from(b'0');
        k = (7 - at) as usize;
    }
    let high = ONES * 0xF0;
    if w & high != ONES * 0x30 || w.wrapping_add(ONES * 6) & high != ONES * 0x30 {
        return None;
    }
    // Eight digits, the first in the lowest byte, to an integer: pairs, then fours, then
    // all eight, each step one multiply (Lemire's method).
    let v = w - ONES * u64::from(b'0');
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let lo = (v & 0x0000_00FF_0000_00FF).wrapping_mul(100 + (1_000_000 << 32));
    let hi = ((v >> 16) & 0x0000_00FF_0000_00FF).wrapping_mul(1 + (10_000 << 32));
    Some((lo.wrapping_add(hi) >> 32, k))
}

/// A bad cell, named by column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowError {
    /// Text in a numeric column that is not a number.
    NotANumber { column: String, value: String },
    /// A level the column has never seen (only when unknown levels are errors).
    UnknownLevel { column: String, value: String },
    /// A number given for a categorical column.
    NumberForCategorical { column: String },
    /// The offset column is missing or not a number.
    BadOffset { column: String },
    /// The model refuses the row's value in `column`, as genmodel does (e.g. an NA
    /// categorical for a GLM trained without imputation).
    Rejected {
        column: String,
        reason: &'static str,
    },
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowError::NotANumber { column, value } => {
                write!(f, "column `{column}`: `{value}` is not a number")?;
                if looks_like_date_or_time(value) {
                    // H2O parses such text into a number when it trains; genmodel does not.
                    f.write_str(
                        " (a date or time? H2O trained on it as a number, milliseconds since \
                         1970-01-01 00:00 UTC as parsed in the H2O cluster's time zone: send \
                         that number)",
                    )?;
                }
                Ok(())
            }
            RowError::UnknownLevel { column, value } => {
                write!(f, "column `{column}`: unknown categorical level `{value}`")
            }
            RowError::NumberForCategorical { column } => {
                write!(
                    f,
                    "column `{column}` is categorical: give its level as text"
                )
            }
            RowError::BadOffset { column } => {
                write!(
                    f,
                    "offset column `{column}` must hold a number in every row"
                )
            }
            RowError::Rejected { column, reason } => {
                write!(
                    f,
                    "column `{column}`: the model cannot score this row: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for RowError {}

/// Whether `text` has the shape of a date or a time of day (`2004-10-30`, `3/2/10`,
/// `12-Jan-2020`, `2020-01`, `10:30:00`), for a hint only: a time's `:` between digits, two
/// `-` or two `/`, or a four-digit year and a month joined by one. A range (`25-34`,
/// `1990-1995`) is not one.
fn looks_like_date_or_time(text: &str) -> bool {
    let text = text.trim_matches([' ', '"']);
    let bytes = text.as_bytes();
    let plain = bytes.first().is_some_and(u8::is_ascii_alphanumeric)
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'/' | b':' | b'.' | b' '))
        && bytes.iter().filter(|b| b.is_ascii_digit()).count() >= 2;
    if !plain {
        return false;
    }
    let time = bytes
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b':' && w[2].is_ascii_digit());
    let count = |sep: u8| bytes.iter().filter(|&&b| b == sep).count();
    let day = count(b'-') >= 2 || count(b'/') >= 2;
    let year_and_month = |sep: char| {
        let mut parts = text.split(sep);
        let (Some(a), Some(b), None) = (parts.next(), parts.next(), parts.next()) else {
            return false;
        };
        let year = |p: &str| p.len() == 4 && p.bytes().all(|b| b.is_ascii_digit());
        let month = |p: &str| {
            (1..=2).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
                || p.len() == 3 && p.bytes().all(|b| b.is_ascii_alphabetic())
        };
        year(a) && month(b) || month(a) && year(b)
    };
    time || day || year_and_month('-') || year_and_month('/')
}

/// How an input's cell becomes row values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// A number in the input's slot (read here, on the fast path).
    Numeric,
    /// A level, through the model's lookup (and encoder).
    Categorical,
    /// A number that also fills a GAM spline block: only the model writes it.
    Expands,
}

/// Where each input field goes: a model input (a feature, or an encoded model's original
/// column), the offset, or nowhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Input(usize),
    Offset,
    Ignored,
}

/// A model's input columns, read once at load: names by hash, kinds and row slots by
/// position. Request paths map field names through this instead of scanning the model's
/// column table (which decodes every column's name on each lookup).
///
/// The inputs are the model's features, or, for a model trained on an encoded frame
/// (`Model::encoding`), the frame's original columns, each writing its own slots of the row.
#[derive(Debug, Clone)]
pub struct Columns {
    n_inputs: usize,
    /// The offset column's name, if the model has one.
    offset: Option<Box<str>>,
    /// Input name → first input with that name (genmodel's frames never repeat a name).
    index: HashMap<String, usize>,
    /// Per input: its kind, and the row slot a numeric one writes.
    kinds: Box<[Kind]>,
    slots: Box<[usize]>,
    /// The inputs in order, then the offset column: the layout of a header-less row.
    pub positional: Vec<String>,
    /// Names besides the inputs' and the offset's that mark a CSV's first record as a header
    /// (see [`Columns::names_header`]).
    header_only: std::collections::HashSet<Box<str>>,
    /// Rules out most cells that cannot be one of those names (an input's, the offset's or
    /// one of `header_only`) without hashing them.
    header_names: NameFilter,
}

/// The lengths (bit `min(len, 63)`) and first bytes of a set of names: a cell whose length
/// or first byte no name has is not one of them. Deciding whether a header-less CSV's first
/// line is a header asks this of every cell, and numbers rarely pass.
#[derive(Debug, Clone, Copy, Default)]
struct NameFilter {
    lengths: u64,
    first_bytes: [u64; 4],
}

/// Heap bytes of a vector of strings: the vector's buffer and each string's (what a
/// multi-model endpoint counts of a model's names, [`crate::server::Loaded::heap_bytes`]).
pub fn strings_heap_bytes(strings: &[String], capacity: usize) -> usize {
    capacity * std::mem::size_of::<String>() + strings.iter().map(String::capacity).sum::<usize>()
}

impl Columns {
    /// Heap bytes this holds (the name index, the positional names, kinds and slots).
    pub fn heap_bytes(&self) -> usize {
        let entry = std::mem::size_of::<(String, usize)>() + 1;
        self.index.capacity() * entry
            + self.index.keys().map(String::capacity).sum::<usize>()
            + strings_heap_bytes(&self.positional, self.positional.capacity())
            + self.kinds.len() * std::mem::size_of::<Kind>()
            + self.slots.len() * std::mem::size_of::<usize>()
            + self.offset.as_ref().map_or(0, |o| o.len())
            + self.header_only.capacity() * (std::mem::size_of::<Box<str>>() + 1)
            + self.header_only.iter().map(|n| n.len()).sum::<usize>()
    }
}

impl NameFilter {
    fn add(&mut self, name: &[u8]) {
        self.lengths |= 1 << name.len().min(63);
        if let Some(&b) = name.first() {
            self.first_bytes[usize::from(b >> 6)] |= 1 << (b & 63);
        }
    }

    fn may_hold(&self, name: &[u8]) -> bool {
        let first = name
            .first()
            .is_none_or(|&b| self.first_bytes[usize::from(b >> 6)] & (1 << (b & 63)) != 0);
        self.lengths & (1 << name.len().min(63)) != 0 && first
    }
}

impl Columns {
    pub fn new<M: AsRef<[u64]>, S: AsRef<[Header]>>(model: &Model<M, S>) -> Self {
        let n_inputs = model.n_inputs();
        let inputs: Vec<_> = (0..n_inputs).filter_map(|k| model.input(k)).collect();
        let mut index = HashMap::with_capacity(n_inputs);
        for (k, input) in inputs.iter().enumerate() {
            index.entry(input.name.to_owned()).or_insert(k);
        }
        let offset = offset_name(model);
        let positional: Vec<String> = inputs
            .iter()
            .map(|i| i.name.to_owned())
            .chain(offset.clone())
            .collect();
        let offset = offset.map(String::into_boxed_str);
        // The training frame's other columns (weights, fold, response), and what comes
        // before a `.` or `:` in an input's name (`MBSA7` of `MBSA7.Agree`, `class` of
        // `class:0`); none that reads as a number (`2010` of `2010.5`), which a data row's
        // cell would be.
        let others = (model.n_features()..model.n_columns())
            .filter_map(|i| model.column(i))
            .map(|c| c.name);
        let stems = inputs.iter().flat_map(|i| {
            let name = i.name;
            name.match_indices(['.', ':'])
                .map(move |(at, _)| &name[..at])
        });
        let header_only: std::collections::HashSet<Box<str>> = others
            .chain(stems)
            .filter(|n| !n.is_empty() && scorer::java::parse_double(n.as_bytes()).is_none())
            .map(Box::from)
            .collect();
        let mut header_names = NameFilter::default();
        for name in positional
            .iter()
            .map(String::as_str)
            .chain(header_only.iter().map(|n| &**n))
        {
            header_names.add(name.as_bytes());
        }
        Columns {
            n_inputs,
            offset,
            index,
            kinds: inputs
                .iter()
                .map(|i| match (&i.levels, i.expands) {
                    (_, true) => Kind::Expands,
                    (Some(_), false) => Kind::Categorical,
                    (None, false) => Kind::Numeric,
                })
                .collect(),
            slots: inputs.iter().map(|i| i.slot).collect(),
            positional,
            header_only,
            header_names,
        }
    }

    /// The input named `name` (exact match).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }

    fn is_offset(&self, name: &str) -> bool {
        self.offset.as_deref() == Some(name)
    }

    /// Where the field `name` goes in a header-less row ([`Columns::positional`]): an
    /// input's index, or `n_inputs` for the offset column; `None` for anything else.
    pub fn slot(&self, name: &str) -> Option<usize> {
        match self.index(name) {
            Some(k) => Some(k),
            None if self.is_offset(name) => Some(self.n_inputs),
            None => None,
        }
    }

    /// Whether `name` is an input or the offset column: a field a row can carry.
    pub fn is_input(&self, name: &str) -> bool {
        self.index(name).is_some() || self.is_offset(name)
    }

    /// Whether a cell of a CSV's first record marks the record as a header: it is exactly
    /// the name of an input, of the offset column, of another column the model was trained
    /// with (weights, fold, response), or what precedes a `.` or `:` in an input's name.
    /// The last two matter where no input keeps its name: an XGBoost MOJO trained on one-hot
    /// or binary encoded categoricals names only the encoded columns (`MBSA7.Agree`,
    /// `class:0`, ...), and a header of the original names (`MBSA7`, `class`) is still a
    /// header to PredictCsv.
    pub fn names_header(&self, cell: &[u8]) -> bool {
        self.header_names.may_hold(cell)
            && std::str::from_utf8(cell)
                .is_ok_and(|n| self.is_input(n) || self.header_only.contains(n))
    }
}

/// Maps one input layout (a list of field names) onto a model.
#[derive(Debug, Clone)]
pub struct RowMapper {
    targets: Vec<Target>,
    /// Model inputs no input field maps to.
    pub missing: Vec<String>,
    /// Input fields that map to nothing the model uses.
    pub unused: Vec<String>,
    has_offset_field: bool,
    /// Per model input: its kind, and the row slot a numeric one writes.
    /// Numeric cells are then read here with `java::parse_double`, exactly as
    /// `Model::encode_input_text` reads them, without looking the input up in the model for
    /// every cell.
    kinds: Vec<Kind>,
    /// `None` when input `k` writes slot `k` (every model without an encoding): the
    /// common cell then needs no lookup.
    slots: Option<Vec<usize>>,
    pub rules: InputRules,
}

impl RowMapper {
    /// Heap bytes this holds.
    pub fn heap_bytes(&self) -> usize {
        self.targets.capacity() * std::mem::size_of::<Target>()
            + strings_heap_bytes(&self.missing, self.missing.capacity())
            + strings_heap_bytes(&self.unused, self.unused.capacity())
            + self.kinds.capacity() * std::mem::size_of::<Kind>()
            + self
                .slots
                .as_ref()
                .map_or(0, |s| s.capacity() * std::mem::size_of::<usize>())
    }

    /// Maps field names (e.g. a CSV header) onto the model's inputs.
    pub fn new(columns: &Columns, names: &[&str], rules: InputRules) -> Self {
        let mut seen = vec![false; columns.n_inputs];
        let mut unused = Vec::new();
        let mut has_offset_field = false;
        let targets = names
            .iter()
            .map(|name| match columns.index(name) {
                Some(k) => {
                    seen[k] = true;
                    Target::Input(k)
                }
                None if columns.is_offset(name) => {
                    has_offset_field = true;
                    Target::Offset
                }
                None => {
                    unused.push((*name).to_owned());
                    Target::Ignored
                }
            })
            .collect();
        let missing = (0..columns.n_inputs)
            .filter(|&k| !seen[k])
            .filter_map(|k| columns.positional.get(k).cloned())
            .collect();
        RowMapper {
            targets,
            missing,
            unused,
            has_offset_field,
            kinds: columns.kinds.to_vec(),
            slots: (!columns.slots.iter().enumerate().all(|(k, &s)| k == s))
                .then(|| columns.slots.to_vec()),
            rules,
        }
    }

    /// `names` (the fields this maps, comma-separated) if none of them is an input or the
    /// offset, so that every row is all NA: what a request reports as naming no input. A
    /// header-less layout maps every input, so it never reports.
    pub fn names_if_no_input<S: std::borrow::Borrow<str>>(&self, names: &[S]) -> Option<String> {
        let none = self.targets.iter().all(|t| *t == Target::Ignored);
        none.then(|| names.join(","))
    }

    /// Whether rows must carry an offset (the model has one and the scoring API passes it).
    fn wants_offset<M: AsRef<[u64]>, S: AsRef<[Header]>>(model: &Model<M, S>) -> bool {
        use scorer::model::Category::*;
        model.offset_column().is_some()
            && matches!(model.category(), Binomial | Regression | Ordinal | CoxPH)
    }

    /// Fills `row` (one value per model feature) from text fields; returns the offset.
    /// Fields past the mapped names are ignored; mapped names without a field are NA.
    pub fn text_row<'f, M: AsRef<[u64]>, S: AsRef<[Header]>>(
        &self,
        model: &Model<M, S>,
        fields: impl Iterator<Item = &'f [u8]>,
        row: &mut [f64],
    ) -> Result<f64, RowError> {
        self.cell_row(model, fields.map(Cell::Text), row)
    }

    /// [`RowMapper::text_row`] for typed cells (the module docs give the rules).
    pub fn cell_row<'f, M: AsRef<[u64]>, S: AsRef<[Header]>>(
        &self,
        model: &Model<M, S>,
        cells: impl Iterator<Item = Cell<'f>>,
        row: &mut [f64],
    ) -> Result<f64, RowError> {
        row.fill(f64::NAN);
        let mut offset = None;
        for (target, cell) in self.targets.iter().zip(cells) {
            // The common cell, a short decimal for a numeric input, read here in line
            // (`encode` is a call, and this as a match arm ran 2 % slower); `encode` reads
            // the numeric text `fast_decimal` does not take.
            if let (Target::Input(k), Cell::Text(t)) = (*target, cell) {
                if self.kinds.get(k) == Some(&Kind::Numeric) {
                    if let Some(v) = fast_decimal(t) {
                        if let Some(slot) = row.get_mut(self.slot(k)) {
                            *slot = v;
                        }
                        continue;
                    }
                }
            }
            match (*target, cell) {
                (Target::Ignored, _) | (_, Cell::Null) => {}
                (_, Cell::Text(t)) if is_na_token(t) => {}
                (Target::Offset, Cell::Text(t)) => offset = scorer::java::parse_double(t),
                (Target::Offset, Cell::Number(v)) => offset = Some(v),
                (Target::Offset, Cell::Bool(b)) => offset = Some(f64::from(u8::from(b))),
                (Target::Input(k), cell) => self.encode(model, k, cell, row)?,
            }
        }
        self.offset(model, offset)
    }

    /// The row slot numeric input `k` writes.
    #[inline]
    fn slot(&self, k: usize) -> usize {
        match &self.slots {
            None => k,
            Some(slots) => slots.get(k).copied().unwrap_or(usize::MAX),
        }
    }

    /// Writes input `k`'s slots of `row` from one cell.
    fn encode<M: AsRef<[u64]>, S: AsRef<[Header]>>(
        &self,
        model: &Model<M, S>,
        k: usize,
        cell: Cell<'_>,
        row: &mut [f64],
    ) -> Result<(), RowError> {
        let kind = self.kinds.get(k).copied();
        let categorical = kind == Some(Kind::Categorical);
        let numeric_slot = (kind == Some(Kind::Numeric)).then(|| self.slot(k));
        let text = |t: &[u8], row: &mut [f64]| {
            model
                .encode_input_text(k, t, self.rules, row)
                .map_err(|e| self.cell_error(model, e, t))
        };
        let mut put = |slot: usize, v: f64| {
            if let Some(out) = row.get_mut(slot) {
                *out = v;
            }
        };
        match (cell, numeric_slot) {
            (Cell::Null, _) => {}
            // `Model::encode_input_text`'s numeric branch, inlined: the same parser and
            // rules (`cell_row` has tried `fast_decimal`, which agrees with it, already).
            (Cell::Text(t), Some(slot)) => match scorer::java::parse_double(t) {
                Some(v) => put(slot, v),
                None if self.rules.invalid_number_as_na => put(slot, f64::NAN),
                None => {
                    return Err(self.cell_error(
                        model,
                        CoreInputError::NotANumber { column: k as u32 },
                        t,
                    ))
                }
            },
            (Cell::Text(t), None) => text(t, row)?,
            (Cell::Number(v), None) if kind == Some(Kind::Expands) => model
                .encode_input_number(k, v, row)
                .map_err(|e| self.cell_error(model, e, number_text(v).as_bytes()))?,
            (Cell::Number(v), None) if categorical => text(number_text(v).as_bytes(), row)?,
            // A number for a numeric input is the number itself; asking the model looks the
            // input up again (~15 ns a cell, 0.4 µs of a 28-field JSON row).
            (Cell::Number(v), Some(slot)) => put(slot, v),
            (Cell::Number(v), None) => model
                .encode_input_number(k, v, row)
                .map_err(|e| self.cell_error(model, e, number_text(v).as_bytes()))?,
            (Cell::Bool(b), None) if categorical => text(if b { b"true" } else { b"false" }, row)?,
            (Cell::Bool(b), Some(slot)) => put(slot, f64::from(u8::from(b))),
            (Cell::Bool(b), None) => model
                .encode_input_number(k, f64::from(u8::from(b)), row)
                .map_err(|e| self.cell_error(model, e, if b { b"true" } else { b"false" }))?,
        }
        Ok(())
    }

    /// The offset to score with: 0 when the model has none or the category ignores it.
    pub fn offset<M: AsRef<[u64]>, S: AsRef<[Header]>>(
        &self,
        model: &Model<M, S>,
        found: Option<f64>,
    ) -> Result<f64, RowError> {
        if !Self::wants_offset(model) {
            return Ok(0.0);
        }
        match found {
            Some(v) if self.has_offset_field => Ok(v),
            _ => Err(RowError::BadOffset {
                column: offset_name(model).unwrap_or_default(),
            }),
        }
    }

    pub fn cell_error<M: AsRef<[u64]>, S: AsRef<[Header]>>(
        &self,
        model: &Model<M, S>,
        e: CoreInputError,
        cell: &[u8],
    ) -> RowError {
        let name = |k: u32| {
            model
                .input(k as usize)
                .map(|i| i.name.to_owned())
                .unwrap_or_default()
        };
        let value = String::from_utf8_lossy(cell).into_owned();
        match e {
            CoreInputError::NotANumber { column } => RowError::NotANumber {
                column: name(column),
                value,
            },
            CoreInputError::UnknownLevel { column } => RowError::UnknownLevel {
                column: name(column),
                value,
            },
            CoreInputError::NumberForCategorical { column }
            | CoreInputError::NoSuchColumn { column } => RowError::NumberForCategorical {
                column: name(column),
            },
        }
    }
}

fn offset_name<M: AsRef<[u64]>, S: AsRef<[Header]>>(model: &Model<M, S>) -> Option<String> {
    model
        .offset_column()
        .and_then(|i| model.column(i))
        .map(|c| c.name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::{
        byte_decimal, fast_decimal, looks_like_date_or_time, word_decimal, NameFilter, RowError,
    };
    use scorer::java::parse_double;

    #[test]
    fn dates_and_times_get_a_hint_other_text_does_not() {
        for text in [
            "2004-10-30",
            "1989-06-07 13:05:00",
            "3/2/10",
            "12-Jan-2020",
            "10:30:00",
            "20200130-10:30:00.123",
            "2020-01",
            "01/2020",
            "Jan-2020",
        ] {
            assert!(looks_like_date_or_time(text), "{text}");
        }
        for text in [
            "abc",
            "1e5x",
            "-12.5.3",
            "1-2",
            "N/A",
            "12,5",
            "",
            "ä-2020-01",
            "25-34",
            "1990-1995",
            "0-5yrs",
            "2020",
        ] {
            assert!(!looks_like_date_or_time(text), "{text}");
        }
        let date = RowError::NotANumber {
            column: "d".into(),
            value: "2004-10-30".into(),
        };
        assert!(date.to_string().contains("milliseconds since 1970-01-01"));
        let word = RowError::NotANumber {
            column: "d".into(),
            value: "abc".into(),
        };
        assert_eq!(word.to_string(), "column `d`: `abc` is not a number");
    }

    #[test]
    fn name_filter_passes_every_name_it_holds() {
        let names: [&[u8]; 6] = [b"AGE", b"x", b"", b"\xff\xfe", b"1", &[b'n'; 200]];
        let mut f = NameFilter::default();
        for n in names {
            f.add(n);
        }
        for n in names {
            assert!(f.may_hold(n), "{n:?}");
        }
        // A length no name has, or a first byte no name starts with.
        for n in [&b"AGEX"[..], b"zz", b"-0.5", b"0", b"RACE", &[b'n'; 100]] {
            assert!(!f.may_hold(n) || n.len() >= 63, "{n:?}");
        }
        assert!(f.may_hold(&[b'1'; 64]), "lengths from 63 on share a bit");
        assert!(!NameFilter::default().may_hold(b"AGE"));
    }

    #[test]
    fn word_decimal_is_byte_decimal() {
        // Every string of 4 to 8 bytes over digits, the point, and the bytes either side
        // of the digits.
        let alphabet = *b"059./:";
        for n in 4..=8u32 {
            for mut code in 0..(alphabet.len() as u64).pow(n) {
                let mut t = Vec::with_capacity(8);
                for _ in 0..n {
                    t.push(alphabet[(code % alphabet.len() as u64) as usize]);
                    code /= alphabet.len() as u64;
                }
                assert_eq!(
                    word_decimal(&t),
                    byte_decimal(&t),
                    "{:?}",
                    String::from_utf8_lossy(&t)
                );
            }
        }
        assert_eq!(word_decimal(b"12345678"), Some((12_345_678, 0)));
        assert_eq!(word_decimal(b".9999999"), Some((9_999_999, 7)));
        assert_eq!(word_decimal(b"0.396"), Some((396, 3)));
        assert_eq!(word_decimal(b"123"), None);
        assert_eq!(word_decimal(b"123456789"), None);
    }

    #[test]
    fn fast_decimal_is_java() {
        let fixed = [
            "0",
            "-0",
            "+0",
            "-0.0",
            "1",
            "1.",
            ".5",
            "-.5",
            "007",
            "0.1",
            "0.3",
            "-2.60236",
            "123456789012345",
            "1234567.89012345",
            "0.000000000000001",
            "999999999999999",
            "9007199254740993",
            "1.7976931348623157",
            "4.35",
            "2.675",
        ];
        for t in fixed {
            if let Some(v) = fast_decimal(t.as_bytes()) {
                assert_eq!(
                    v.to_bits(),
                    parse_double(t.as_bytes()).unwrap().to_bits(),
                    "{t}"
                );
            }
        }
        for bad in [
            "", ".", "-", "+", "1e3", " 1", "1 ", "1..2", "0x1p1", "NaN", "1f", "--1",
        ] {
            assert_eq!(fast_decimal(bad.as_bytes()), None, "{bad}");
        }
        // Every digit pattern and point position, pseudo-randomly.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let len = 1 + (x % 15) as usize;
            let mut t = format!("{:020}", x >> 8);
            t.truncate(len);
            let p = (x >> 4) as usize % (len + 1);
            t.insert(p, '.');
            if x & 1 == 1 {
                t.insert(0, '-');
            }
            let fast = fast_decimal(t.as_bytes()).expect(&t);
            assert_eq!(
                fast.to_bits(),
                parse_double(t.as_bytes()).unwrap().to_bits(),
                "{t}"
            );
        }
    }
}
