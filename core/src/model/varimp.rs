//! The number of variables a DRF model uses, from `experimental/modelDetails.json`.
//!
//! genmodel's DRF contributions scale by `VariableImportances.numberOfUsedVariables`: the rows
//! of the `output.variable_importances` table whose "Relative Importance" is not `0.0` (NaN
//! counts). genmodel has that table only when the MOJO is loaded with metadata, parsed by gson
//! (`ModelJsonReader.readTableJson`, then `VariableImportances.extractFromJson`).
//!
//! This is a strict, bounded reader for that one table, not a JSON library: it accepts every
//! document H2O writes, and refuses anything where gson's lenient parser or genmodel's table
//! reader could read differently or throw, so a count it returns is genmodel's. It borrows the
//! bytes, allocates nothing, recurses at most [`MAX_DEPTH`] levels and never panics.
#![warn(clippy::indexing_slicing)]

use crate::java;

/// Nesting depth of the document. H2O's model details nest less than 10 deep; the bound keeps
/// the recursion (one small frame per level) far from any stack limit.
const MAX_DEPTH: usize = 64;

/// Why a document yields no count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum VarimpError {
    /// Not strict JSON, or nested deeper than [`MAX_DEPTH`].
    Syntax,
    /// No variable-importance table (genmodel has no importances and fails).
    Missing,
    /// The table is not shaped as H2O writes it: genmodel would throw, or might read it
    /// differently.
    Shape,
    /// A key the reader needs appears twice in one object (gson keeps the last one).
    Duplicate,
}

impl VarimpError {
    /// The reason DRF contributions are refused, for [`crate::ModelError::Unsupported`].
    pub(crate) fn reason(self) -> &'static str {
        match self {
            Self::Syntax => {
                "DRF contributions with an experimental/modelDetails.json that is not strict JSON"
            }
            Self::Missing => {
                "DRF contributions without variable importances in \
                 experimental/modelDetails.json (genmodel scales them by the count of used \
                 variables)"
            }
            Self::Shape => {
                "DRF contributions with a variable-importance table not shaped as H2O writes it"
            }
            Self::Duplicate => {
                "DRF contributions with duplicate keys in experimental/modelDetails.json"
            }
        }
    }
}

/// What a value is; its text is in [`Val::text`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Object,
    Array,
    /// A string; `escaped` if its raw text holds a backslash.
    Str {
        escaped: bool,
    },
    Number,
    True,
    False,
    Null,
}

/// One value: its kind and its raw text (a string's without the quotes; an object's or
/// array's with its brackets).
#[derive(Clone, Copy, Debug)]
struct Val<'a> {
    kind: Kind,
    text: &'a [u8],
}

impl Val<'_> {
    /// Whether gson makes a `JsonPrimitive` of it (a table cell that is not null).
    fn is_primitive(&self) -> bool {
        matches!(
            self.kind,
            Kind::Str { .. } | Kind::Number | Kind::True | Kind::False
        )
    }
}

/// A position in the document.
#[derive(Clone, Copy)]
struct Cursor<'a> {
    s: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.at).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        let hit = self.peek() == Some(b);
        if hit {
            self.at += 1;
        }
        hit
    }

    fn expect(&mut self, b: u8) -> Result<(), VarimpError> {
        self.ws();
        if self.eat(b) {
            Ok(())
        } else {
            Err(VarimpError::Syntax)
        }
    }

    fn since(&self, start: usize) -> &'a [u8] {
        self.s.get(start..self.at).unwrap_or(&[])
    }

    /// One value after optional whitespace, validated to the end.
    fn value(&mut self, depth: usize) -> Result<Val<'a>, VarimpError> {
        if depth > MAX_DEPTH {
            return Err(VarimpError::Syntax);
        }
        self.ws();
        let start = self.at;
        let kind = match self.peek().ok_or(VarimpError::Syntax)? {
            b'{' => {
                self.at += 1;
                self.ws();
                if !self.eat(b'}') {
                    loop {
                        self.ws();
                        self.string()?;
                        self.expect(b':')?;
                        self.value(depth + 1)?;
                        self.ws();
                        if self.eat(b'}') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Kind::Object
            }
            b'[' => {
                self.at += 1;
                self.ws();
                if !self.eat(b']') {
                    loop {
                        self.value(depth + 1)?;
                        self.ws();
                        if self.eat(b']') {
                            break;
                        }
                        self.expect(b',')?;
                    }
                }
                Kind::Array
            }
            b'"' => {
                let (text, escaped) = self.string()?;
                return Ok(Val {
                    kind: Kind::Str { escaped },
                    text,
                });
            }
            b't' => self.literal(b"true", Kind::True)?,
            b'f' => self.literal(b"false", Kind::False)?,
            b'n' => self.literal(b"null", Kind::Null)?,
            _ => {
                self.number()?;
                Kind::Number
            }
        };
        Ok(Val {
            kind,
            text: self.since(start),
        })
    }

    fn literal(&mut self, word: &[u8], kind: Kind) -> Result<Kind, VarimpError> {
        if self.s.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            Ok(kind)
        } else {
            Err(VarimpError::Syntax)
        }
    }

    /// A string at the cursor: its raw text between the quotes, and whether it has escapes.
    fn string(&mut self) -> Result<(&'a [u8], bool), VarimpError> {
        if !self.eat(b'"') {
            return Err(VarimpError::Syntax);
        }
        let start = self.at;
        let mut escaped = false;
        loop {
            match self.peek().ok_or(VarimpError::Syntax)? {
                b'"' => break,
                b'\\' => {
                    escaped = true;
                    self.at += 1;
                    match self.peek().ok_or(VarimpError::Syntax)? {
                        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                        b'u' => {
                            let hex = self.s.get(self.at + 1..self.at + 5);
                            if !hex.is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit)) {
                                return Err(VarimpError::Syntax);
                            }
                            self.at += 5;
                        }
                        _ => return Err(VarimpError::Syntax),
                    }
                }
                // Raw control characters are not strict JSON.
                c if c < 0x20 => return Err(VarimpError::Syntax),
                _ => self.at += 1,
            }
        }
        let text = self.since(start);
        self.at += 1;
        Ok((text, escaped))
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`
    fn number(&mut self) -> Result<(), VarimpError> {
        self.eat(b'-');
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(VarimpError::Syntax),
        }
        if self.eat(b'.') {
            self.digits1()?;
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.at += 1;
            if !self.eat(b'+') {
                self.eat(b'-');
            }
            self.digits1()?;
        }
        Ok(())
    }

    fn digits(&mut self) {
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.at += 1;
        }
    }

    fn digits1(&mut self) -> Result<(), VarimpError> {
        let start = self.at;
        self.digits();
        if self.at == start {
            return Err(VarimpError::Syntax);
        }
        Ok(())
    }
}

/// The members of an already validated object.
struct Members<'a> {
    c: Cursor<'a>,
    done: bool,
}

impl<'a> Members<'a> {
    fn new(obj: Val<'a>) -> Result<Self, VarimpError> {
        if obj.kind != Kind::Object {
            return Err(VarimpError::Shape);
        }
        let mut c = Cursor { s: obj.text, at: 0 };
        c.expect(b'{')?;
        c.ws();
        let done = c.eat(b'}');
        Ok(Members { c, done })
    }

    fn next_member(&mut self) -> Result<Option<(Val<'a>, Val<'a>)>, VarimpError> {
        if self.done {
            return Ok(None);
        }
        self.c.ws();
        let (text, escaped) = self.c.string()?;
        let key = Val {
            kind: Kind::Str { escaped },
            text,
        };
        self.c.expect(b':')?;
        let value = self.c.value(0)?;
        self.c.ws();
        if self.c.eat(b'}') {
            self.done = true;
        } else {
            self.c.expect(b',')?;
        }
        Ok(Some((key, value)))
    }
}

/// The items of an already validated array.
struct Items<'a> {
    c: Cursor<'a>,
    done: bool,
}

impl<'a> Items<'a> {
    fn new(arr: Val<'a>) -> Result<Self, VarimpError> {
        if arr.kind != Kind::Array {
            return Err(VarimpError::Shape);
        }
        let mut c = Cursor { s: arr.text, at: 0 };
        c.expect(b'[')?;
        c.ws();
        let done = c.eat(b']');
        Ok(Items { c, done })
    }

    fn next_item(&mut self) -> Result<Option<Val<'a>>, VarimpError> {
        if self.done {
            return Ok(None);
        }
        let value = self.c.value(0)?;
        self.c.ws();
        if self.c.eat(b']') {
            self.done = true;
        } else {
            self.c.expect(b',')?;
        }
        Ok(Some(value))
    }
}

/// The UTF-16 code units Java sees for a string's raw text (bytes above ASCII stand for
/// themselves: they never equal the ASCII names compared against).
fn units(raw: &[u8]) -> impl Iterator<Item = u16> + '_ {
    let mut i = 0;
    core::iter::from_fn(move || {
        let b = *raw.get(i)?;
        i += 1;
        if b != b'\\' {
            return Some(u16::from(b));
        }
        let e = *raw.get(i)?;
        i += 1;
        Some(match e {
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => 0x0a,
            b'r' => 0x0d,
            b't' => 0x09,
            b'u' => {
                let hex = raw.get(i..i + 4)?;
                i += 4;
                let hex = core::str::from_utf8(hex).ok()?;
                u16::from_str_radix(hex, 16).ok()?
            }
            other => u16::from(other),
        })
    })
}

/// Java's `String.equals` of the decoded string against ASCII `want`.
fn str_is(v: Val<'_>, want: &str) -> bool {
    match v.kind {
        Kind::Str { escaped: false } => v.text == want.as_bytes(),
        Kind::Str { escaped: true } => units(v.text).eq(want.bytes().map(u16::from)),
        _ => false,
    }
}

/// The one member `key` of `obj` (`JsonObject.get`), refusing a key that appears twice.
fn member<'a>(obj: Val<'a>, key: &str) -> Result<Option<Val<'a>>, VarimpError> {
    let mut members = Members::new(obj)?;
    let mut found = None;
    while let Some((k, v)) = members.next_member()? {
        if str_is(k, key) {
            if found.is_some() {
                return Err(VarimpError::Duplicate);
            }
            found = Some(v);
        }
    }
    Ok(found)
}

/// A member `JsonElement.getAsString` is called on: H2O writes strings.
fn string_member<'a>(obj: Val<'a>, key: &str) -> Result<Val<'a>, VarimpError> {
    match member(obj, key)? {
        Some(
            v @ Val {
                kind: Kind::Str { .. },
                ..
            },
        ) => Ok(v),
        _ => Err(VarimpError::Shape),
    }
}

/// A table column's `Table.ColumnType`, as far as the reader needs it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ColType {
    Double,
    /// `STRING`, which is also what unknown type names become.
    Text,
}

/// `ColumnType.extractType(type.trim().toUpperCase())`. LONG, FLOAT and INT columns are
/// refused: H2O's importance tables have none, and genmodel's conversions of their cells fall
/// through to other types.
fn col_type(v: Val<'_>) -> Result<ColType, VarimpError> {
    // `String.trim` drops chars <= U+0020 at both ends only.
    let first = units(v.text).position(|u| u > 0x20);
    let last = units(v.text)
        .enumerate()
        .filter(|&(_, u)| u > 0x20)
        .map(|(i, _)| i)
        .last();
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(ColType::Text);
    };
    let mut buf = [0u16; 6];
    let n = last + 1 - first;
    if n > buf.len() {
        // Longer than any of the numeric type names.
        return Ok(ColType::Text);
    }
    for (slot, u) in buf.iter_mut().zip(units(v.text).skip(first)) {
        *slot = u;
    }
    let name = buf.get(..n).unwrap_or(&[]);
    // `toUpperCase` can map non-ASCII letters onto ASCII ones: refuse rather than guess.
    if name.iter().any(|&u| u >= 0x80) {
        return Err(VarimpError::Shape);
    }
    let upper = |want: &str| {
        name.len() == want.len()
            && name
                .iter()
                .zip(want.bytes())
                .all(|(&u, w)| (u as u8).to_ascii_uppercase() == w)
    };
    if upper("DOUBLE") {
        Ok(ColType::Double)
    } else if upper("LONG") || upper("FLOAT") || upper("INT") {
        Err(VarimpError::Shape)
    } else {
        Ok(ColType::Text)
    }
}

/// `Double.parseDouble` of a cell of a DOUBLE column (`JsonPrimitive.getAsDouble`), or an error
/// where genmodel throws (or where an escaped string would need decoding first).
fn cell_double(v: Val<'_>) -> Result<f64, VarimpError> {
    match v.kind {
        Kind::Number | Kind::Str { escaped: false } => {
            java::parse_double(v.text).ok_or(VarimpError::Shape)
        }
        _ => Err(VarimpError::Shape),
    }
}

/// `numberOfUsedVariables` of the variable importances in a `modelDetails.json` document.
pub(crate) fn used_variables(json: &[u8]) -> Result<u32, VarimpError> {
    let mut c = Cursor { s: json, at: 0 };
    let root = c.value(0)?;
    c.ws();
    if c.at != json.len() {
        return Err(VarimpError::Syntax);
    }
    // `findInJson(root, "output.variable_importances")`; a missing or null step is no table.
    let mut table = root;
    for key in ["output", "variable_importances"] {
        if table.kind != Kind::Object {
            return Err(VarimpError::Shape);
        }
        table = match member(table, key)? {
            None
            | Some(Val {
                kind: Kind::Null, ..
            }) => return Err(VarimpError::Missing),
            Some(v) => v,
        };
    }
    if table.kind != Kind::Object {
        return Err(VarimpError::Shape);
    }
    // `readTableJson`: rowcount, the columns' description/type/format, the table's name and
    // description, then data[column][row] for every column and row.
    let rows = match member(table, "rowcount")? {
        Some(Val {
            kind: Kind::Number,
            text,
        }) if text.iter().all(u8::is_ascii_digit) => core::str::from_utf8(text)
            .ok()
            .and_then(|t| t.parse::<i32>().ok())
            .ok_or(VarimpError::Shape)? as u32,
        _ => return Err(VarimpError::Shape),
    };
    string_member(table, "name")?;
    string_member(table, "description")?;
    let columns = member(table, "columns")?.ok_or(VarimpError::Shape)?;
    let data = member(table, "data")?.ok_or(VarimpError::Shape)?;
    let (mut columns, mut data) = (Items::new(columns)?, Items::new(data)?);
    let (mut importance, mut variable) = (false, false);
    let mut used = 0u32;
    while let Some(column) = columns.next_item()? {
        let description = string_member(column, "description")?;
        let ty = col_type(string_member(column, "type")?)?;
        string_member(column, "format")?;
        // `findColumnIndex` takes the first column of that description.
        let is_importance = !importance && str_is(description, "Relative Importance");
        let is_variable = !variable && str_is(description, "Variable");
        importance |= is_importance;
        variable |= is_variable;
        if is_importance && ty != ColType::Double {
            // Its cells are cast to Double.
            return Err(VarimpError::Shape);
        }
        if is_variable && ty == ColType::Double {
            // Its cells are cast to String.
            return Err(VarimpError::Shape);
        }
        let mut cells = Items::new(data.next_item()?.ok_or(VarimpError::Shape)?)?;
        for _ in 0..rows {
            let cell = cells.next_item()?.ok_or(VarimpError::Shape)?;
            if !cell.is_primitive() {
                // A null cell; `doubleValue` on it throws.
                if is_importance {
                    return Err(VarimpError::Shape);
                }
                continue;
            }
            if ty == ColType::Double {
                let v = cell_double(cell)?;
                if is_importance && v != 0.0 {
                    used += 1;
                }
            }
        }
    }
    if !(importance && variable) {
        // `extractFromJson` returns null without either column.
        return Err(VarimpError::Missing);
    }
    Ok(used)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::format;
    use std::string::String;

    const COLS: &str = r#"[{"name":"variable","type":"string","format":"%s","description":"Variable"},
        {"name":"relative_importance","type":"double","format":"%5f","description":"Relative Importance"},
        {"name":"scaled_importance","type":"double","format":"%5f","description":"Scaled Importance"}]"#;

    fn doc(rowcount: &str, cols: &str, data: &str) -> String {
        format!(
            r#"{{"__meta":{{"schema_name":"x"}},"output":{{"model_category":"Binomial",
            "variable_importances":{{"name":"Variable Importances","description":"",
            "columns":{cols},"rowcount":{rowcount},"data":{data}}}}}}}"#
        )
    }

    fn count(rowcount: &str, cols: &str, data: &str) -> Result<u32, VarimpError> {
        used_variables(doc(rowcount, cols, data).as_bytes())
    }

    #[test]
    fn counts_nonzero_relative_importances() {
        let data = r#"[["a","b","c","d"],[3.5,0.0,-0.0,1e-400],[1.0,0,0,0]]"#;
        // 0.0, -0.0 and a value that parses to 0 are unused.
        assert_eq!(count("4", COLS, data), Ok(1));
        let data = r#"[["a","b","c"],[2,"NaN","1e3"],[1,1,1]]"#;
        // NaN counts (NaN != 0), strings parse as Double.parseDouble does.
        assert_eq!(count("3", COLS, data), Ok(3));
        // Only `rowcount` rows are read.
        let data = r#"[["a","b","c"],[2,0,5],[1,1,1]]"#;
        assert_eq!(count("2", COLS, data), Ok(1));
        assert_eq!(count("0", COLS, "[[],[],[]]"), Ok(0));
    }

    #[test]
    fn reads_the_h2o_documents_shape() {
        let json = r#" {"output": {"variable_importances": {"__meta": {"schema_version": 3},
            "name": "Variable Importances", "description": "", "columns": [
            {"__meta": {}, "name": "variable", "type": "string", "format": "%s",
             "description": "Variable"},
            {"name": "relative_importance", "type": "double", "format": "%5f",
             "description": "Relative Importance"}], "rowcount": 2,
            "data": [["s5", "bmi"], [8016310.0, 6152011.5]]}}, "other": [1, {"a": null}]}
            "#;
        assert_eq!(used_variables(json.as_bytes()), Ok(2));
    }

    #[test]
    fn escapes_and_type_spellings_are_decoded() {
        let cols = r#"[{"type":"string","format":"","description":"Vari\u0061ble"},
            {"type":" Double\t","format":"","description":"Relative\u0020Importance"}]"#;
        assert_eq!(count("1", cols, r#"[["a"],[1]]"#), Ok(1));
        // The first "Relative Importance" column is the one read.
        let cols = r#"[{"type":"string","format":"","description":"Variable"},
            {"type":"double","format":"","description":"Relative Importance"},
            {"type":"double","format":"","description":"Relative Importance"}]"#;
        assert_eq!(count("2", cols, r#"[["a","b"],[0,1],[1,1]]"#), Ok(1));
        // An unknown type is STRING: its cells are not parsed.
        let cols = r#"[{"type":"text","format":"","description":"Variable"},
            {"type":"double","format":"","description":"Relative Importance"},
            {"type":"whatever","format":"","description":"x"}]"#;
        assert_eq!(count("1", cols, r#"[[1],[1],[true]]"#), Ok(1));
    }

    #[test]
    fn refuses_what_genmodel_cannot_read() {
        let data = r#"[["a"],[1],[1]]"#;
        // No table, or a null one.
        assert_eq!(used_variables(b"{}"), Err(VarimpError::Missing));
        assert_eq!(
            used_variables(br#"{"output":{"variable_importances":null}}"#),
            Err(VarimpError::Missing)
        );
        assert_eq!(
            used_variables(br#"{"output":null}"#),
            Err(VarimpError::Missing)
        );
        assert_eq!(
            used_variables(br#"{"output":[1]}"#),
            Err(VarimpError::Shape)
        );
        // A column genmodel looks for is missing.
        let cols = r#"[{"type":"double","format":"","description":"Relative Importance"}]"#;
        assert_eq!(count("1", cols, r#"[[1]]"#), Err(VarimpError::Missing));
        // Rows beyond the data, a short data array, a negative or fractional rowcount.
        assert_eq!(count("2", COLS, data), Err(VarimpError::Shape));
        assert_eq!(count("1", COLS, r#"[["a"],[1]]"#), Err(VarimpError::Shape));
        assert_eq!(count("-1", COLS, data), Err(VarimpError::Shape));
        assert_eq!(count("1.0", COLS, data), Err(VarimpError::Shape));
        assert_eq!(count("99999999999", COLS, data), Err(VarimpError::Shape));
        // Null or unparseable importances; a bad cell in another DOUBLE column.
        assert_eq!(
            count("1", COLS, r#"[["a"],[null],[1]]"#),
            Err(VarimpError::Shape)
        );
        assert_eq!(
            count("1", COLS, r#"[["a"],["x"],[1]]"#),
            Err(VarimpError::Shape)
        );
        assert_eq!(
            count("1", COLS, r#"[["a"],[true],[1]]"#),
            Err(VarimpError::Shape)
        );
        assert_eq!(
            count("1", COLS, r#"[["a"],[1],["1,5"]]"#),
            Err(VarimpError::Shape)
        );
        // Types genmodel converts differently.
        let cols = COLS.replacen(r#""type":"double""#, r#""type":"float""#, 1);
        assert_eq!(count("1", &cols, data), Err(VarimpError::Shape));
        let cols = COLS.replacen(r#""type":"string""#, r#""type":"DOUBLE""#, 1);
        assert_eq!(count("1", &cols, data), Err(VarimpError::Shape));
        // A missing format, a duplicate key.
        let cols = COLS.replacen(r#""format":"%s","#, "", 1);
        assert_eq!(count("1", &cols, data), Err(VarimpError::Shape));
        assert_eq!(
            used_variables(br#"{"output":{},"output":{}}"#),
            Err(VarimpError::Duplicate)
        );
    }

    #[test]
    fn refuses_what_is_not_strict_json() {
        for bad in [
            &b""[..],
            b"{",
            b"{}x",
            b"{} {}",
            b"[1,]",
            b"{\"a\":1,}",
            b"{'a':1}",
            b"{\"a\":NaN}",
            b"{\"a\":01}",
            b"{\"a\":1.}",
            b"{\"a\":.5}",
            b"{\"a\":+1}",
            b"{\"a\":1e}",
            b"{\"a\":tru}",
            b"{\"a\":\"\\x\"}",
            b"{\"a\":\"\\u12\"}",
            b"{\"a\":\"\n\"}",
            b"{\"a\" 1}",
            b"\xef\xbb\xbf{}",
        ] {
            assert_eq!(used_variables(bad), Err(VarimpError::Syntax), "{bad:?}");
        }
        // Deep nesting is refused, not recursed into without bound.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert_eq!(used_variables(deep.as_bytes()), Err(VarimpError::Syntax));
        let ok = format!("{{\"a\":{}{}}}", "[".repeat(60), "]".repeat(60));
        assert_eq!(used_variables(ok.as_bytes()), Err(VarimpError::Missing));
    }

    #[test]
    fn no_input_panics() {
        let base = doc("2", COLS, r#"[["a","b"],[1,0],[1,1]]"#).into_bytes();
        assert_eq!(used_variables(&base), Ok(1));
        // Every truncation and every single-byte change gives an answer, never a panic.
        for n in 0..base.len() {
            let _ = used_variables(&base[..n]);
        }
        for i in 0..base.len() {
            for b in [
                b'"', b'\\', b'{', b'}', b'[', b']', b',', b':', b'0', b'-', 0, 0xff,
            ] {
                let mut m = base.clone();
                m[i] = b;
                let _ = used_variables(&m);
            }
        }
        // Several random bytes at once (a fixed LCG, so failures reproduce).
        let mut state = 0x2545_f491_4f6c_dd1du64;
        let mut next = |n: usize| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as usize % n
        };
        for _ in 0..5000 {
            let mut m = base.clone();
            for _ in 0..1 + next(4) {
                let at = next(m.len());
                m[at] = next(256) as u8;
            }
            let _ = used_variables(&m);
        }
    }
}
