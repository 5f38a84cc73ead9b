//! Responses: the output columns of a model, and a writer for each format.
//!
//! Columns are named as H2O's Driverless AI scorer names them:
//! - classification (binomial, multinomial, ordinal): one probability per class,
//!   `<target>.<class>` in the order of the response's levels (`CAPSULE.no`, `CAPSULE.yes`);
//! - regression: one column, `<target>`;
//! - anomaly detection (Isolation Forest): PredictCsv's columns, `predict` (the score, or the
//!   0/1 anomaly flag when the model outputs one, then `score`) and `mean_length`.
//!
//! Numbers are the shortest decimal that reads back to the same double (`NA` for NaN), as
//! strings in JSON. A response is built in one buffer:
//! - JSON: H2O's ScoreResponse, `{"id": <model uuid>, "fields": [..], "score": [[..], ..]}`
//!   (`fields` left out when the request sets `noFieldNamesInOutput`);
//! - CSV: a header line (left out with `noFieldNamesInOutput`, and for a header-less CSV
//!   request), then one line per row;
//! - JSON Lines: one object per row, `{"<field>": "<value>", ..}` (an array of values with
//!   `noFieldNamesInOutput`).

use std::sync::Arc;

use scorer::model::{Category, OutputValue};

use super::media::Format;
use crate::format::{write_number, NumberFormat};
use crate::load::LoadedModel;

fn is_classifier(model: &LoadedModel) -> bool {
    matches!(
        model.category(),
        Category::Binomial | Category::Multinomial | Category::Ordinal
    )
}

fn target_name(model: &LoadedModel) -> Option<&str> {
    if !model.is_supervised() {
        return None;
    }
    model
        .column(model.n_columns().checked_sub(1)?)
        .map(|c| c.name)
}

/// The model's output columns (the module docs give the rule).
pub fn output_names(model: &LoadedModel) -> Vec<String> {
    let target = target_name(model).unwrap_or("predict");
    if is_classifier(model) {
        let levels = model.response_levels();
        (0..model.n_classes())
            .map(|i| match levels.and_then(|l| l.get(i)) {
                Some(level) => format!("{target}.{level}"),
                None => format!("{target}.{i}"),
            })
            .collect()
    } else if model.category() == Category::Regression {
        vec![target.to_owned()]
    } else {
        let mut names = Vec::new();
        model.for_each_output_name(false, |n| names.push(n.to_string()));
        names
    }
}

/// Calls `f` with each output value of `preds`, matching [`output_names`].
pub fn for_each_value(model: &LoadedModel, preds: &[f64], mut f: impl FnMut(f64)) {
    if is_classifier(model) {
        (1..=model.n_classes()).for_each(|i| f(preds.get(i).copied().unwrap_or(f64::NAN)));
    } else if model.category() == Category::Regression {
        f(preds.first().copied().unwrap_or(f64::NAN));
    } else {
        model.for_each_output(preds, false, |v| match v {
            OutputValue::Number(x) => f(x),
            OutputValue::Label(_) => f(f64::NAN),
        });
    }
}

/// Writes one response, row by row, in one of the formats.
pub struct Writer {
    format: Format,
    /// Shared with the loaded model (`Loaded::output_names`) when the response has exactly its
    /// columns, so starting a response copies no names.
    columns: Arc<[String]>,
    names: bool,
    buf: Vec<u8>,
    rows: usize,
    col: usize,
}

impl Writer {
    /// Starts a response with `columns`; `names` is false for `noFieldNamesInOutput`.
    pub fn new(format: Format, model_id: &str, columns: Arc<[String]>, names: bool) -> Self {
        let mut w = Writer {
            format,
            columns,
            names,
            buf: Vec::with_capacity(4096),
            rows: 0,
            col: 0,
        };
        match format {
            Format::Json => {
                w.buf.extend_from_slice(b"{\"id\":");
                json_str(&mut w.buf, model_id);
                if names {
                    w.buf.extend_from_slice(b",\"fields\":[");
                    for (i, name) in w.columns.iter().enumerate() {
                        if i > 0 {
                            w.buf.push(b',');
                        }
                        json_str(&mut w.buf, name);
                    }
                    w.buf.push(b']');
                }
                w.buf.extend_from_slice(b",\"score\":[");
            }
            Format::Csv if names => {
                for (i, name) in w.columns.iter().enumerate() {
                    if i > 0 {
                        w.buf.push(b',');
                    }
                    csv_str(&mut w.buf, name);
                }
                w.buf.push(b'\n');
            }
            Format::Csv | Format::JsonLines => {}
        }
        w
    }

    pub fn rows(&self) -> usize {
        self.rows
    }

    pub fn row_start(&mut self) {
        self.col = 0;
        match self.format {
            Format::Json => {
                if self.rows > 0 {
                    self.buf.push(b',');
                }
                self.buf.push(b'[');
            }
            Format::JsonLines => self.buf.push(if self.names { b'{' } else { b'[' }),
            Format::Csv => {}
        }
    }

    fn separator(&mut self) {
        if self.col > 0 {
            self.buf.push(b',');
        }
        if self.format == Format::JsonLines && self.names {
            json_str(
                &mut self.buf,
                self.columns.get(self.col).map_or("", String::as_str),
            );
            self.buf.push(b':');
        }
        self.col += 1;
    }

    /// A text cell (an echoed input field or a generated id).
    pub fn text(&mut self, s: &str) {
        self.separator();
        match self.format {
            Format::Csv => csv_str(&mut self.buf, s),
            Format::Json | Format::JsonLines => json_str(&mut self.buf, s),
        }
    }

    /// A number cell.
    pub fn number(&mut self, v: f64) {
        self.separator();
        let quoted = self.format != Format::Csv;
        if quoted {
            self.buf.push(b'"');
        }
        // Writing to a Vec cannot fail.
        let _ = write_number(&mut self.buf, v, NumberFormat::Decimal);
        if quoted {
            self.buf.push(b'"');
        }
    }

    pub fn row_end(&mut self) {
        match self.format {
            Format::Json => self.buf.push(b']'),
            Format::JsonLines => {
                self.buf
                    .extend_from_slice(if self.names { b"}\n" } else { b"]\n" })
            }
            Format::Csv => self.buf.push(b'\n'),
        }
        self.rows += 1;
    }

    /// The bytes written since the last [`Writer::clear_buffer`] (for streamed responses).
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Forgets the buffered bytes once they have been sent or stored elsewhere.
    pub fn clear_buffer(&mut self) {
        self.buf.clear();
    }

    /// Ends a JSON response with one more member, `"key": value` (`value` is JSON), after
    /// `score`; other formats end as [`Writer::finish`] does.
    pub fn finish_with(mut self, key: &str, value: &[u8]) -> Vec<u8> {
        if self.format != Format::Json {
            return self.finish();
        }
        self.buf.extend_from_slice(b"],");
        json_str(&mut self.buf, key);
        self.buf.push(b':');
        self.buf.extend_from_slice(value);
        self.buf.extend_from_slice(b"}\n");
        self.buf
    }

    /// Ends the response and hands over its bytes.
    pub fn finish(mut self) -> Vec<u8> {
        if self.format == Format::Json {
            self.buf.extend_from_slice(b"]}\n");
        }
        self.buf
    }
}

/// Appends `s` as a JSON string (writing to a `Vec` cannot fail).
fn json_str(buf: &mut Vec<u8>, s: &str) {
    let _ = serde_json::to_writer(buf, s);
}

/// Appends `s` as a CSV field, quoted when it holds a comma, quote or line break.
fn csv_str(buf: &mut Vec<u8>, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        buf.push(b'"');
        for part in s.split('"').enumerate() {
            if part.0 > 0 {
                buf.extend_from_slice(b"\"\"");
            }
            buf.extend_from_slice(part.1.as_bytes());
        }
        buf.push(b'"');
    } else {
        buf.extend_from_slice(s.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(format: Format, names: bool) -> String {
        let mut w = Writer::new(format, "u-1", vec!["id".into(), "a,b".into()].into(), names);
        w.row_start();
        w.text("x\"y");
        w.number(0.5);
        w.row_end();
        w.row_start();
        w.text("z");
        w.number(f64::NAN);
        w.row_end();
        String::from_utf8(w.finish()).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(
            one(Format::Json, true),
            "{\"id\":\"u-1\",\"fields\":[\"id\",\"a,b\"],\"score\":[[\"x\\\"y\",\"0.5\"],[\"z\",\"NA\"]]}\n"
        );
        assert_eq!(
            one(Format::Json, false),
            "{\"id\":\"u-1\",\"score\":[[\"x\\\"y\",\"0.5\"],[\"z\",\"NA\"]]}\n"
        );
        assert_eq!(one(Format::Csv, true), "id,\"a,b\"\n\"x\"\"y\",0.5\nz,NA\n");
        assert_eq!(one(Format::Csv, false), "\"x\"\"y\",0.5\nz,NA\n");
        assert_eq!(
            one(Format::JsonLines, true),
            "{\"id\":\"x\\\"y\",\"a,b\":\"0.5\"}\n{\"id\":\"z\",\"a,b\":\"NA\"}\n"
        );
        assert_eq!(
            one(Format::JsonLines, false),
            "[\"x\\\"y\",\"0.5\"]\n[\"z\",\"NA\"]\n"
        );
    }
}
