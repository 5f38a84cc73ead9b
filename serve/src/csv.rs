//! A small CSV record reader: comma-separated fields (or another one-byte separator, as
//! PredictCsv's `--separator`), `"`-quoted fields with `""` for a quote inside them (quoted
//! fields may span lines), records ending in `\n` or `\r\n`.
//!
//! It follows RFC 4180 rather than the opencsv 2.3 reader inside PredictCsv, which also
//! treats `\` as an escape character and turns a leading `""` into `"`; inputs without
//! backslashes or empty quoted fields read the same in both (docs/decisions.md).
//! Fields are bytes; a field's text is valid UTF-8 only if the input is.

use crate::swar;

/// The UTF-8 byte-order mark, which a body or file may start with.
pub const BOM: &[u8] = b"\xEF\xBB\xBF";

/// Whether `b` can separate fields: an ASCII byte other than the quote and the line ends.
pub fn is_separator(b: u8) -> bool {
    b.is_ascii() && !matches!(b, b'"' | b'\n' | b'\r')
}

/// Reads records from a byte buffer. An unquoted field is read where it lies in the input;
/// only quoted fields are unescaped, into one buffer reused from record to record. A record
/// without quotes (the common one) is split eight bytes at a time, any other a byte at a time.
pub struct Records<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
    /// The field separator, `,` unless [`Records::separated_by`] says otherwise.
    separator: u8,
    /// Unescaped bytes of the current record's quoted fields, back to back.
    unquoted: Vec<u8>,
    /// Where the current record's fields are.
    fields: Vec<Span>,
}

/// One field: `start..end` of the input, or of [`Records::unquoted`] for a quoted field.
#[derive(Debug, Clone, Copy)]
struct Span {
    start: usize,
    end: usize,
    quoted: bool,
}

/// A CSV syntax error: a quoted field that never closes, or text after a closing quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CsvError {
    /// 1-based line where the record starts.
    pub line: usize,
    pub what: &'static str,
}

impl std::fmt::Display for CsvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CSV line {}: {}", self.line, self.what)
    }
}

impl std::error::Error for CsvError {}

impl<'a> Records<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Self::continuing(input.strip_prefix(BOM).unwrap_or(input))
    }

    /// Records of `input`, a later piece of a body whose start (and byte-order mark) has
    /// been read already: nothing is stripped.
    pub fn continuing(input: &'a [u8]) -> Self {
        Records {
            input,
            pos: 0,
            line: 1,
            separator: b',',
            unquoted: Vec::new(),
            // Room for a typical record's fields at once, rather than growing 4, 8, 16, ...
            // on the first record of every request.
            fields: Vec::with_capacity(64),
        }
    }

    /// The same records, their fields separated by `separator` ([`is_separator`]) instead
    /// of `,`.
    pub fn separated_by(mut self, separator: u8) -> Self {
        debug_assert!(is_separator(separator));
        self.separator = separator;
        self
    }

    /// The 1-based line the next record starts on.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Reads the next record; `Ok(false)` at the end of the input.
    pub fn next_record(&mut self) -> Result<bool, CsvError> {
        self.unquoted.clear();
        self.fields.clear();
        if self.pos >= self.input.len() {
            return Ok(false);
        }
        if self.plain_record() {
            return Ok(true);
        }
        self.any_record()
    }

    /// Reads the next record (or the rest of one, after fields already read on its first
    /// line), which may have quoted fields, a byte at a time.
    fn any_record(&mut self) -> Result<bool, CsvError> {
        let start_line = self.line;
        let err = |what| CsvError {
            line: start_line,
            what,
        };
        let separator = self.separator;
        loop {
            // One field.
            let span = if self.input.get(self.pos) == Some(&b'"') {
                self.pos += 1;
                let start = self.unquoted.len();
                loop {
                    let rest = self.input.get(self.pos..).unwrap_or_default();
                    let Some(q) = rest.iter().position(|&b| b == b'"') else {
                        return Err(err("a quoted field is not closed"));
                    };
                    let chunk = &rest[..q];
                    self.line += chunk.iter().filter(|&&b| b == b'\n').count();
                    self.unquoted.extend_from_slice(chunk);
                    self.pos += q + 1;
                    if self.input.get(self.pos) == Some(&b'"') {
                        self.unquoted.push(b'"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                match self.input.get(self.pos) {
                    None | Some(b'\n') => {}
                    Some(&b) if b == separator => {}
                    Some(b'\r') if self.input.get(self.pos + 1) == Some(&b'\n') => {}
                    Some(_) => return Err(err("text after a closing quote")),
                }
                Span {
                    start,
                    end: self.unquoted.len(),
                    quoted: true,
                }
            } else {
                let rest = self.input.get(self.pos..).unwrap_or_default();
                let n = rest
                    .iter()
                    .position(|&b| b == separator || b == b'\n')
                    .unwrap_or(rest.len());
                let start = self.pos;
                let mut end = start + n;
                if rest.get(n) == Some(&b'\n') && n > 0 && rest[n - 1] == b'\r' {
                    end -= 1;
                }
                self.pos += n;
                Span {
                    start,
                    end,
                    quoted: false,
                }
            };
            self.fields.push(span);
            match self.input.get(self.pos) {
                Some(&b) if b == separator => self.pos += 1,
                Some(b'\r') => {
                    self.pos += 2;
                    self.line += 1;
                    return Ok(true);
                }
                Some(b'\n') => {
                    self.pos += 1;
                    self.line += 1;
                    return Ok(true);
                }
                _ => return Ok(true),
            }
        }
    }

    /// Reads the next record, as [`Records::next_record`] would, if it has no `"`: its
    /// delimiters found eight bytes at a time (fields are a few bytes each, and a byte loop
    /// per field mispredicts its exit once a field). At a `"` it returns false, having read
    /// the fields before the one the `"` is in, for [`Records::any_record`] to go on from.
    fn plain_record(&mut self) -> bool {
        let rest = self.input.get(self.pos..).unwrap_or_default();
        let mut start = 0;
        let mut chunks = rest.chunks_exact(8);
        let mut at = 0;
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            let mut hits = delimiters(u64::from_le_bytes(word), self.separator);
            while hits != 0 {
                let end = at + (hits.trailing_zeros() / 8) as usize;
                match self.end_field(rest, start, end) {
                    Some(true) => return true,
                    Some(false) => start = end + 1,
                    None => return false,
                }
                hits &= hits - 1;
            }
            at += 8;
        }
        for (i, &b) in chunks.remainder().iter().enumerate() {
            if b == self.separator || matches!(b, b'\n' | b'"') {
                match self.end_field(rest, start, at + i) {
                    Some(true) => return true,
                    Some(false) => start = at + i + 1,
                    None => return false,
                }
            }
        }
        self.fields.push(Span {
            start: self.pos + start,
            end: self.pos + rest.len(),
            quoted: false,
        });
        self.pos += rest.len();
        true
    }

    /// Ends [`Records::plain_record`]'s field `start..end` of `rest` at the delimiter at
    /// `end`: `Some(true)` if the record ends there (`\n`), `Some(false)` if not (the
    /// separator), and
    /// `None` at a `"`, with the position moved to the field's start.
    fn end_field(&mut self, rest: &[u8], start: usize, end: usize) -> Option<bool> {
        let delimiter = rest.get(end).copied();
        if delimiter == Some(b'"') {
            self.pos += start;
            return None;
        }
        let newline = delimiter == Some(b'\n');
        let cr = newline && end > start && rest.get(end - 1) == Some(&b'\r');
        self.fields.push(Span {
            start: self.pos + start,
            end: self.pos + end - usize::from(cr),
            quoted: false,
        });
        if newline {
            self.pos += end + 1;
            self.line += 1;
        }
        Some(newline)
    }

    /// Fields of the current record.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Field `i` of the current record.
    pub fn field(&self, i: usize) -> Option<&[u8]> {
        let span = self.fields.get(i)?;
        let from = if span.quoted {
            &self.unquoted[..]
        } else {
            self.input
        };
        from.get(span.start..span.end)
    }

    /// Whether the current record is one empty field (a blank line).
    pub fn is_blank(&self) -> bool {
        matches!(&self.fields[..], [only] if only.start == only.end)
    }
}

/// The high bit of each byte of `w` that is the separator, `\n` or `"`, and of no other.
fn delimiters(w: u64, separator: u8) -> u64 {
    swar::bytes_equal(w, separator) | swar::bytes_equal(w, b'\n') | swar::bytes_equal(w, b'"')
}

/// Where CSV records end, by [`Records`]'s grammar: a `"` opens a quoted field only at the
/// start of a field (elsewhere it is text), and inside one `""` is a quote and a lone `"`
/// closes it. A newline outside quoted fields ends a record.
#[derive(Debug, Clone, Copy)]
pub struct CsvScan {
    separator: u8,
    field_start: bool,
    in_quotes: bool,
    /// Inside a quoted field, the last byte was a `"`: it closes the field unless this
    /// byte is another `"`.
    quote_pending: bool,
}

impl Default for CsvScan {
    fn default() -> Self {
        CsvScan::separated_by(b',')
    }
}

impl CsvScan {
    /// A scan of records whose fields are separated by `separator` ([`is_separator`]).
    pub fn separated_by(separator: u8) -> Self {
        debug_assert!(is_separator(separator));
        CsvScan {
            separator,
            field_start: true,
            in_quotes: false,
            quote_pending: false,
        }
    }

    /// Takes the next byte; whether a record ends with it.
    pub fn record_ends_at(&mut self, b: u8) -> bool {
        if self.quote_pending {
            self.quote_pending = false;
            if b == b'"' {
                return false; // `""`: a quote inside the field
            }
            self.in_quotes = false;
        } else if self.in_quotes {
            self.quote_pending = b == b'"';
            return false;
        }
        let start = self.field_start;
        self.field_start = b == self.separator || b == b'\n';
        match b {
            b'"' if start => {
                self.in_quotes = true;
                false
            }
            b'\n' => true,
            _ => false,
        }
    }
}

/// What PredictCsv's CSV reader (opencsv 2.3, decision 6) reads otherwise than [`Records`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenCsvDifference {
    /// A backslash: opencsv's escape character, dropped (and a quote or backslash after it
    /// taken as text).
    Backslash,
    /// A quote inside an unquoted field, which opencsv may take as opening a quoted one.
    QuoteInField,
    /// `""` as a whole field, which opencsv reads as a quote at the start of a line.
    QuotedEmptyField,
    /// A carriage return not before a newline (opencsv ends a line there) or inside a quoted
    /// field (opencsv keeps only the newline of a `\r\n`).
    CarriageReturn,
}

impl std::fmt::Display for OpenCsvDifference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            OpenCsvDifference::Backslash => "a backslash",
            OpenCsvDifference::QuoteInField => "a quote inside an unquoted field",
            OpenCsvDifference::QuotedEmptyField => "a quoted empty field",
            OpenCsvDifference::CarriageReturn => "a carriage return outside a line end",
        })
    }
}

/// The first place in `bytes` (whole records, fields split by `separator`) that opencsv 2.3
/// may read otherwise than [`Records`]: its offset and what it is. Where this finds nothing,
/// the two read the same records, or [`Records`] refuses the input.
pub fn opencsv_difference(bytes: &[u8], separator: u8) -> Option<(usize, OpenCsvDifference)> {
    if !bytes.iter().any(|&b| matches!(b, b'\\' | b'"' | b'\r')) {
        return None;
    }
    let mut scan = CsvScan::separated_by(separator);
    for (i, &b) in bytes.iter().enumerate() {
        let quoted = scan.in_quotes && !scan.quote_pending;
        let next = bytes.get(i + 1).copied();
        let found = match b {
            b'\\' => Some(OpenCsvDifference::Backslash),
            b'\r' if quoted || next != Some(b'\n') => Some(OpenCsvDifference::CarriageReturn),
            b'"' if !scan.in_quotes && !scan.field_start => Some(OpenCsvDifference::QuoteInField),
            b'"' if scan.field_start && next == Some(b'"') && {
                let after = bytes.get(i + 2).copied();
                after.is_none_or(|c| matches!(c, b'\n' | b'\r') || c == separator)
            } =>
            {
                Some(OpenCsvDifference::QuotedEmptyField)
            }
            _ => None,
        };
        if let Some(what) = found {
            return Some((i, what));
        }
        scan.record_ends_at(b);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input of testdata/csv/opencsv_cases.jsonl (records read by opencsv 2.3 itself,
    /// generate_opencsv_cases.py) that opencsv splits otherwise than [`Records`] is flagged
    /// by [`opencsv_difference`] or refused by [`Records`].
    #[test]
    fn opencsv_reads_otherwise_only_where_flagged() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../testdata/csv/opencsv_cases.jsonl"
        );
        let (mut differ, mut same) = (0, 0);
        for line in std::fs::read_to_string(path).unwrap().lines() {
            let case: serde_json::Value = serde_json::from_str(line).unwrap();
            let input = case["input"].as_str().unwrap();
            let opencsv: Vec<Vec<String>> =
                serde_json::from_value(case["opencsv"].clone()).unwrap();
            let ours = all(input);
            if ours.as_ref().is_ok_and(|ours| *ours == opencsv) {
                same += 1;
                continue;
            }
            differ += 1;
            assert!(
                ours.is_err() || opencsv_difference(input.as_bytes(), b',').is_some(),
                "{input:?}: opencsv {opencsv:?}, ours {ours:?}"
            );
        }
        // Both kinds are there for the property to mean something.
        assert!(same > 100 && differ > 100, "{same} {differ}");
    }

    #[test]
    fn what_opencsv_reads_otherwise_is_found() {
        let find = |s: &str| opencsv_difference(s.as_bytes(), b',');
        use OpenCsvDifference::*;
        assert_eq!(find("a,b\n1,\"x,y\",\"q\"\"t\"\r\n"), None);
        assert_eq!(find("a,b\nc:\\tmp,2\n"), Some((6, Backslash)));
        assert_eq!(find("a,b\n1,\"x\\\"\n"), Some((8, Backslash)));
        assert_eq!(find("a,b\n1,ab\"c\n"), Some((8, QuoteInField)));
        assert_eq!(find("a,b\n1, \"x\"\n"), Some((7, QuoteInField)));
        assert_eq!(find("a,b\n\"\",1\n"), Some((4, QuotedEmptyField)));
        assert_eq!(find("a,b\n1,\"\"\n"), Some((6, QuotedEmptyField)));
        assert_eq!(find("a,b\n1,\"\"\"x\"\n"), None, "a quote, then x");
        assert_eq!(find("a,b\r1,2\n"), Some((3, CarriageReturn)));
        assert_eq!(find("a,b\n1,\"x\r\ny\"\n"), Some((8, CarriageReturn)));
        // Another separator: the comma is text, and a quote after it too.
        assert_eq!(
            opencsv_difference(b"a;b\n1;x,\"y\n", b';'),
            Some((8, QuoteInField))
        );
    }

    fn all(input: &str) -> Result<Vec<Vec<String>>, CsvError> {
        let mut r = Records::new(input.as_bytes());
        let mut out = Vec::new();
        while r.next_record()? {
            out.push(
                (0..r.len())
                    .map(|i| String::from_utf8(r.field(i).unwrap().to_vec()).unwrap())
                    .collect(),
            );
        }
        Ok(out)
    }

    /// A record's first line and its fields.
    type Record = (usize, Vec<Vec<u8>>);

    /// Every record of `input`, by `next_record` (or by the byte-at-a-time reader alone),
    /// or the first error.
    fn records(input: &[u8], separator: u8, plain_first: bool) -> Result<Vec<Record>, CsvError> {
        let mut r = Records::new(input).separated_by(separator);
        let mut out = Vec::new();
        loop {
            let line = r.line();
            let more = if plain_first {
                r.next_record()?
            } else {
                r.unquoted.clear();
                r.fields.clear();
                r.pos < r.input.len() && r.any_record()?
            };
            if !more {
                return Ok(out);
            }
            out.push((
                line,
                (0..r.len()).map(|i| r.field(i).unwrap().to_vec()).collect(),
            ));
        }
    }

    #[test]
    fn word_at_a_time_reads_as_byte_at_a_time() {
        // Pseudo-random inputs over the bytes that matter, long enough to span words;
        // quotes rarer, so that most records are read word by word. Each separator with
        // the others in the text.
        let alphabet = *b"aa1,,;\t\n\r";
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for i in 0..60_000 {
            let separator = [b',', b';', b'\t'][i % 3];
            let len = (next() % 40) as usize;
            let input: Vec<u8> = (0..len)
                .map(|_| match next() % 64 {
                    0..=2 => b'"',
                    r => alphabet[r as usize % alphabet.len()],
                })
                .collect();
            assert_eq!(
                records(&input, separator, true),
                records(&input, separator, false),
                "{:?} separated by {:?}",
                String::from_utf8_lossy(&input),
                separator as char
            );
        }
    }

    #[test]
    fn fields_and_quotes() {
        assert_eq!(
            all("a,b\r\n1,\"x,y\"\n\"q\"\"q\",\n").unwrap(),
            [vec!["a", "b"], vec!["1", "x,y"], vec!["q\"q", ""]]
        );
        assert_eq!(
            all("a\n\"multi\nline\",2").unwrap()[1],
            ["multi\nline", "2"]
        );
        assert_eq!(
            all(" a , b ").unwrap()[0],
            [" a ", " b "],
            "spaces are kept"
        );
        assert_eq!(all("x\\y").unwrap()[0], ["x\\y"], "backslash is literal");
    }

    #[test]
    fn another_separator_makes_commas_text() {
        let mut r = Records::new(b"a;\"x;y\";1,5\n").separated_by(b';');
        assert!(r.next_record().unwrap());
        let fields: Vec<&[u8]> = (0..r.len()).map(|i| r.field(i).unwrap()).collect();
        assert_eq!(fields, [&b"a"[..], b"x;y", b"1,5"]);
        assert!(!r.next_record().unwrap());
    }

    #[test]
    fn the_scan_ends_records_where_the_reader_does() {
        for (separator, input) in [
            (b',', &b"a,\"x\ny\",b\"c\nd\n"[..]),
            (b'\t', b"a\t\"x\ny\"\tb\"c\nd\n"),
            // A quote after a comma is text when the separator is a tab.
            (b'\t', b"a,\"x\nb\n"),
        ] {
            let mut scan = CsvScan::separated_by(separator);
            let ends = input
                .iter()
                .enumerate()
                .filter(|&(_, &b)| scan.record_ends_at(b))
                .count();
            let mut r = Records::new(input).separated_by(separator);
            let mut n = 0;
            while r.next_record().unwrap() {
                n += 1;
            }
            assert_eq!(ends, n, "{:?}", String::from_utf8_lossy(input));
        }
    }

    #[test]
    fn errors_name_the_line() {
        assert_eq!(
            all("a\n\"open").unwrap_err(),
            CsvError {
                line: 2,
                what: "a quoted field is not closed"
            }
        );
        assert_eq!(
            all("\"a\"b").unwrap_err().what,
            "text after a closing quote"
        );
    }

    #[test]
    fn line_numbers_follow_multiline_fields() {
        let mut r = Records::new(b"a\n\"x\ny\"\nz\n");
        r.next_record().unwrap();
        r.next_record().unwrap();
        assert_eq!(r.line(), 4);
    }
}
