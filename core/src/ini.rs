//! `model.ini` and the domain files, read the way genmodel's `ModelMojoReader` reads them.
//!
//! `model.ini` has three sections: `[info]` (`key = value` lines), `[columns]` (one name per
//! line, `n_columns` of them) and `[domains]` (`<column>: <levels> <file>`). Lines end with
//! `\n`, `\r` or `\r\n`, are trimmed of bytes up to `0x20` (Java's `String.trim`), and empty
//! lines and `#` comments are skipped. A key given twice keeps its last value, as genmodel's
//! `HashMap` does.
//!
//! Values stay raw text until a reader asks for a type ([`int`], [`boolean`], [`double`],
//! [`array`](fn@array)). This module does not know which keys an algorithm needs.
#![warn(clippy::indexing_slicing)]

use crate::error::ModelError;
use crate::java;

/// Which section a line belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Section {
    Preamble,
    Info,
    Columns,
    Domains,
}

/// A validated `model.ini`.
#[derive(Clone, Copy, Debug)]
pub struct Ini<'a> {
    text: &'a str,
    n_columns: usize,
}

/// One `[domains]` line: column `column` has `levels` levels in `domains/<file>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DomainRef<'a> {
    pub column: usize,
    pub levels: usize,
    pub file: &'a str,
}

impl<'a> Ini<'a> {
    /// Checks the grammar of every line, so that the accessors cannot fail afterwards.
    pub fn new(text: &'a str) -> Result<Self, ModelError> {
        let mut n_columns = None;
        let mut columns_seen = 0usize;
        for (number, section, line) in lines(text) {
            let bad = ModelError::BadIniLine(number);
            match section {
                Section::Preamble => {}
                Section::Info => {
                    let (key, value) = split_key_value(line).ok_or(bad)?;
                    if key == "n_columns" {
                        n_columns = Some(int(value).filter(|&n| n >= 0).ok_or(bad)? as usize);
                    }
                }
                Section::Columns => {
                    // genmodel sizes the column array when `[columns]` starts.
                    let n = n_columns.ok_or(ModelError::MissingKey("n_columns"))?;
                    columns_seen += 1;
                    if columns_seen > n {
                        return Err(bad);
                    }
                }
                Section::Domains => {
                    parse_domain(line).ok_or(bad)?;
                }
            }
        }
        let n_columns = n_columns.ok_or(ModelError::MissingKey("n_columns"))?;
        if n_columns > crate::limits::MAX_COLUMNS {
            return Err(ModelError::TooLarge("columns"));
        }
        if columns_seen != n_columns {
            return Err(ModelError::Corrupt(
                "[columns] has fewer names than n_columns",
            ));
        }
        Ok(Ini { text, n_columns })
    }

    /// The raw value of an `[info]` key; `None` when absent or `null` (genmodel's default).
    pub fn get(&self, key: &str) -> Option<&'a str> {
        let mut found = None;
        for (_, section, line) in lines(self.text) {
            if section == Section::Info {
                if let Some((k, v)) = split_key_value(line) {
                    if k == key {
                        found = Some(v);
                    }
                }
            }
        }
        found.filter(|v| *v != "null")
    }

    /// A required key.
    pub fn require(&self, key: &'static str) -> Result<&'a str, ModelError> {
        self.get(key).ok_or(ModelError::MissingKey(key))
    }

    /// A required integer key.
    pub fn require_int(&self, key: &'static str) -> Result<i32, ModelError> {
        int(self.require(key)?).ok_or(ModelError::BadValue(key))
    }

    /// An optional boolean key (absent is `false`, as genmodel's unboxing of a default is).
    pub fn flag(&self, key: &'static str) -> Result<bool, ModelError> {
        match self.get(key) {
            None => Ok(false),
            Some(v) => boolean(v).ok_or(ModelError::BadValue(key)),
        }
    }

    /// A required double key.
    pub fn require_double(&self, key: &'static str) -> Result<f64, ModelError> {
        double(self.require(key)?).ok_or(ModelError::BadValue(key))
    }

    /// `n_columns`.
    pub fn n_columns(&self) -> usize {
        self.n_columns
    }

    /// The `[columns]` names in order.
    pub fn columns(&self) -> impl Iterator<Item = &'a str> + 'a {
        lines(self.text)
            .filter(|(_, s, _)| *s == Section::Columns)
            .map(|(_, _, l)| l)
    }

    /// The `[domains]` entries in file order.
    pub fn domains(&self) -> impl Iterator<Item = DomainRef<'a>> + 'a {
        lines(self.text)
            .filter(|(_, s, _)| *s == Section::Domains)
            .filter_map(|(_, _, l)| parse_domain(l))
    }
}

/// [`Ini::get`] in `O(log n)`: the `[info]` lines' offsets sorted by key, in a caller's
/// scratch buffer. For models with thousands of keys read one by one (RuleFit's rules),
/// where scanning every line per key would make loading quadratic.
pub struct IniIndex<'t, 'b> {
    text: &'t str,
    /// Offsets of the `[info]` key lines in `text`, by key, then by position.
    offsets: &'b [u32],
}

impl<'t, 'b> IniIndex<'t, 'b> {
    /// The index of `ini`'s keys, or `None` if `scratch` cannot hold it (4 bytes a line).
    pub fn new(ini: &Ini<'t>, scratch: &'b mut [u8]) -> Option<Self> {
        let text = ini.text;
        let base = text.as_ptr() as usize;
        let skip = scratch.as_ptr().align_offset(4).min(scratch.len());
        let room = scratch.get_mut(skip..)?;
        let n_room = room.len() / 4;
        let words: &mut [u32] = bytemuck::try_cast_slice_mut(room.get_mut(..n_room * 4)?).ok()?;
        let mut n = 0usize;
        for (_, section, line) in lines(text) {
            if section == Section::Info && split_key_value(line).is_some() {
                *words.get_mut(n)? = u32::try_from(line.as_ptr() as usize - base).ok()?;
                n += 1;
            }
        }
        let offsets = words.get_mut(..n)?;
        offsets.sort_unstable_by(|&a, &b| key_at(text, a).cmp(key_at(text, b)).then(a.cmp(&b)));
        Some(IniIndex { text, offsets })
    }

    /// [`Ini::get`]: the value of the last line with `key`.
    pub fn get(&self, key: &str) -> Option<&'t str> {
        let past = self
            .offsets
            .partition_point(|&o| key_at(self.text, o) <= key);
        let last = *self.offsets.get(past.checked_sub(1)?)?;
        (key_at(self.text, last) == key)
            .then(|| value_at(self.text, last))
            .flatten()
            .filter(|v| *v != "null")
    }
}

/// The key and value of the (trimmed) line starting at `offset`.
fn line_at(text: &str, offset: u32) -> Option<(&str, &str)> {
    let rest = text.get(offset as usize..)?;
    let line = rest.split(['\n', '\r']).next()?;
    split_key_value(java_trim(line))
}

fn key_at(text: &str, offset: u32) -> &str {
    line_at(text, offset).map_or("", |(k, _)| k)
}

fn value_at(text: &str, offset: u32) -> Option<&str> {
    line_at(text, offset).map(|(_, v)| v)
}

/// Lines with their 1-based number and section, trimmed, without blanks and comments.
fn lines(text: &str) -> impl Iterator<Item = (u32, Section, &str)> {
    let mut section = Section::Preamble;
    java_lines(text).enumerate().filter_map(move |(i, raw)| {
        let line = java_trim(raw);
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        let next = match line {
            "[info]" => Some(Section::Info),
            "[columns]" => Some(Section::Columns),
            "[domains]" => Some(Section::Domains),
            _ => None,
        };
        if let Some(s) = next {
            section = s;
            return None;
        }
        let number = u32::try_from(i + 1).unwrap_or(u32::MAX);
        Some((number, section, line))
    })
}

/// Lines as `BufferedReader.readLine` splits them: at `\n`, `\r` or `\r\n`; a final
/// terminator does not start another line.
pub fn java_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    core::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
            Some(end) => {
                let line = rest.get(..end)?;
                let after = if rest.get(end..end + 2) == Some("\r\n") {
                    end + 2
                } else {
                    end + 1
                };
                rest = rest.get(after..).unwrap_or("");
                Some(line)
            }
        }
    })
}

/// Java's `String.trim`: strips characters up to U+0020 at both ends.
pub fn java_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c <= ' ')
}

/// `line.split("\\s*=\\s*", 2)`: the key before the first `=`, the value after it, each
/// without the whitespace next to the `=`.
fn split_key_value(line: &str) -> Option<(&str, &str)> {
    let (key, value) = line.split_once('=')?;
    let key = key.trim_end_matches(is_java_regex_space);
    let value = value.trim_start_matches(is_java_regex_space);
    Some((key, value))
}

/// Java regex `\s`: `[ \t\n\x0B\f\r]`.
fn is_java_regex_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0B' | '\x0C' | '\r')
}

/// `<column>: <levels> <file>`.
fn parse_domain(line: &str) -> Option<DomainRef<'_>> {
    let (column, rest) = line.split_once(':')?;
    let rest = rest.trim_start_matches(is_java_regex_space);
    let (levels, file) = rest.split_once(' ')?;
    let column = usize::try_from(int(column)?).ok()?;
    let levels = usize::try_from(int(levels)?).ok()?;
    Some(DomainRef {
        column,
        levels,
        file,
    })
}

/// Java's `Integer.parseInt`: an optional sign and decimal digits, within `i32`.
pub fn int(s: &str) -> Option<i32> {
    let digits = s.strip_prefix(['+', '-']).unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `true` or `false`, as genmodel's `tryParse` recognises them.
pub fn boolean(s: &str) -> Option<bool> {
    match s {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

/// Java's `Double.parseDouble`.
pub fn double(s: &str) -> Option<f64> {
    java::parse_double(s.as_bytes())
}

/// The items of an `Arrays.toString` array (`[a, b, c]`), trimmed; `None` when the text is
/// not bracketed. `[]` has no items.
pub fn array(s: &str) -> Option<impl Iterator<Item = &str>> {
    let inner = s.strip_prefix('[')?.strip_suffix(']')?;
    let empty = java_trim(inner).is_empty();
    Some(inner.split(',').map(java_trim).filter(move |_| !empty))
}

/// Unescapes one domain level as `StringEscapeUtils.unescapeNewlines` does (`\n`, `\r`,
/// `\\`; a backslash before anything else is dropped, as is a final lone backslash), calling
/// `emit` for each output byte. Backslash never occurs inside a UTF-8 sequence, so bytes are
/// safe to walk.
pub fn unescape(level: &[u8], mut emit: impl FnMut(u8)) {
    let mut escaped = false;
    for &b in level {
        if escaped {
            emit(match b {
                b'n' => b'\n',
                b'r' => b'\r',
                other => other,
            });
            escaped = false;
        } else if b == b'\\' {
            escaped = true;
        } else {
            emit(b);
        }
    }
}

/// [`unescape`], then Java's `String.trim` of the result: genmodel reads the files of
/// string arrays (`_orig_names`, `_orig_domain_values_*`) so.
pub fn unescape_trimmed(level: &[u8], mut emit: impl FnMut(u8)) {
    let (mut n, mut first, mut last) = (0usize, None, 0usize);
    unescape(level, |b| {
        if b > b' ' {
            first.get_or_insert(n);
            last = n;
        }
        n += 1;
    });
    let Some(first) = first else { return };
    let mut k = 0usize;
    unescape(level, |b| {
        if (first..=last).contains(&k) {
            emit(b);
        }
        k += 1;
    });
}

/// Whether [`unescape_trimmed`] of `level` is `text`.
pub fn unescape_trimmed_eq(level: &[u8], text: &[u8]) -> bool {
    let (mut i, mut equal) = (0usize, true);
    unescape_trimmed(level, |b| {
        equal &= text.get(i) == Some(&b);
        i += 1;
    });
    equal && i == text.len()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::vec::Vec;

    static INI: &str = "[info]\nh2o_version = 3.46.0.9\r\nmojo_version = 1.40\n# comment\n\
        n_columns = 3\nuuid = -123\nprior = [0.5, 0.5]\nempty = []\nnone = null\n\
        \n[columns]\n  a  \nb\ny\n[domains]\n1: 2 d000.txt\n2: 3 d001.txt\n";

    #[test]
    fn deconstruct() {
        let ini = Ini::new(INI).unwrap();
        assert_eq!(ini.get("h2o_version"), Some("3.46.0.9"));
        assert_eq!(ini.require_double("mojo_version"), Ok(1.40));
        assert_eq!(ini.require_int("uuid"), Ok(-123));
        assert_eq!(ini.get("none"), None, "null reads as absent");
        assert_eq!(ini.columns().collect::<Vec<_>>(), ["a", "b", "y"]);
        let doms: Vec<_> = ini.domains().collect();
        assert_eq!(
            doms[1],
            DomainRef {
                column: 2,
                levels: 3,
                file: "d001.txt"
            }
        );
        let prior: Vec<_> = array(ini.get("prior").unwrap()).unwrap().collect();
        assert_eq!(prior, ["0.5", "0.5"]);
        assert_eq!(array(ini.get("empty").unwrap()).unwrap().count(), 0);
    }

    #[test]
    fn last_key_wins() {
        let ini = Ini::new("[info]\nn_columns=0\nk = 1\nk= 2\n[columns]\n").unwrap();
        assert_eq!(ini.get("k"), Some("2"));
    }

    #[test]
    fn grammar_errors() {
        assert_eq!(
            Ini::new("[info]\nn_columns = 1\nnoequals\n").unwrap_err(),
            ModelError::BadIniLine(3)
        );
        assert_eq!(
            Ini::new("[columns]\na\n").unwrap_err(),
            ModelError::MissingKey("n_columns")
        );
        assert_eq!(
            Ini::new("[info]\nn_columns = 1\n[columns]\na\nb\n").unwrap_err(),
            ModelError::BadIniLine(5)
        );
        assert!(Ini::new("[info]\nn_columns = 2\n[columns]\na\n").is_err());
        assert_eq!(
            Ini::new("[info]\nn_columns = 0\n[columns]\n[domains]\nx: 2 d\n").unwrap_err(),
            ModelError::BadIniLine(5)
        );
    }

    #[test]
    fn lines_like_readline() {
        let v: Vec<_> = java_lines("a\r\nb\rc\n\nd").collect();
        assert_eq!(v, ["a", "b", "c", "", "d"]);
        assert_eq!(java_lines("a\n").count(), 1);
    }

    #[test]
    fn unescaping() {
        let mut out = Vec::new();
        unescape(br"a\nb\\c\rd\qe\", |b| out.push(b));
        assert_eq!(out, b"a\nb\\c\rdqe");
    }

    #[test]
    fn the_index_answers_as_get_does() {
        let text = "[info]\nn_columns = 1\nb = 1\na = 2\n  c=3  \nb = 4\nn = null\nx = [1, 2]\n\
                    [columns]\nb\n[domains]\n";
        let ini = Ini::new(text).unwrap();
        for skip in 0..4 {
            let mut scratch = [0u8; 64];
            let index = IniIndex::new(&ini, &mut scratch[skip..]).unwrap();
            for key in ["a", "b", "c", "n", "x", "z", "", "b "] {
                assert_eq!(index.get(key), ini.get(key), "{key}");
            }
        }
        assert!(IniIndex::new(&ini, &mut [0u8; 8]).is_none(), "too small");
    }

    #[test]
    fn unescape_trimmed_trims_after_unescaping() {
        let run = |s: &[u8]| {
            let mut out = Vec::new();
            unescape_trimmed(s, |b| out.push(b));
            out
        };
        assert_eq!(run(br"  a b \n"), b"a b");
        assert_eq!(run(br"\r\nx\\"), b"x\\");
        assert_eq!(run(b" \t "), b"");
        assert_eq!(run("\u{e9}t\u{e9} ".as_bytes()), "\u{e9}t\u{e9}".as_bytes());
        assert!(unescape_trimmed_eq(br" RACE\n", b"RACE"));
        assert!(!unescape_trimmed_eq(br"RACE", b"RAC"));
        assert!(!unescape_trimmed_eq(br"RAC", b"RACE"));
    }

    #[test]
    fn java_ints() {
        assert_eq!(int("+5"), Some(5));
        assert_eq!(int("-0"), Some(0));
        assert_eq!(int("2147483648"), None);
        assert_eq!(int(" 1"), None);
        assert_eq!(int(""), None);
    }
}
