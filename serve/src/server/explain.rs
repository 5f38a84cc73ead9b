//! Explanations: Shapley contributions (TreeSHAP, as genmodel computes them) over HTTP.
//!
//! - A ScoreRequest with `requestShapleyValueType` `ORIGINAL` or `TRANSFORMED` gets a
//!   `featureShapleyContributions` member in its (JSON) ScoreResponse.
//! - `POST /model/contribution` takes H2O's ContributionRequest (`requestShapleyValueType`,
//!   `fields`, `rows`) and answers a ContributionResponse.
//!
//! Both carry H2O's ContributionResponse: `{"features": [..], "contributionGroups":
//! [{"contributions": [[..], ..]}]}`, one group (no `outputGroup`: only binomial and
//! regression models have contributions), one row of strings per input row, `BiasTerm` last.
//!
//! # ORIGINAL and TRANSFORMED
//! - TRANSFORMED is what genmodel computes (`PredictCsv --predictContributions`): one value per
//!   feature for GBM, and for XGBoost one per one-hot input, `<col>.<level>` for every level
//!   and `<col>.missing(NA)` per categorical column, then the numeric columns.
//! - ORIGINAL has one value per input column: for XGBoost each categorical column's one-hot
//!   values (its NA slot included) are summed, in f32, in genmodel's order, starting from the
//!   first one (so a column of one value keeps its bits, `-0.0` included). Where the two spaces
//!   are the same (GBM, and XGBoost without categorical columns) ORIGINAL equals TRANSFORMED
//!   bit for bit.
//!
//! Values are genmodel's f32 widened to f64, written as the shortest decimal that reads back
//! to that f64. A model without contributions (multinomial, DRF with binomial_double_trees or
//! without variable importances, GLM, XGBoost gblinear, ...) is a 400 naming the core's reason.

use serde_json::{Map, Value};

use super::error::ApiError;
use super::input::{fields_and_rows, rules, score_request_cells, Scored};
use super::Loaded;
use crate::format::{write_number, NumberFormat};
use crate::load::LoadedModel;
use crate::rows::{Cell, RowMapper};

/// The request member naming the kind of contributions.
pub const FIELD: &str = "requestShapleyValueType";

/// H2O's ShapleyType, less `NONE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShapleyType {
    Original,
    Transformed,
}

/// `requestShapleyValueType` of a request: `None` when absent, null or `NONE`.
pub fn requested(map: &Map<String, Value>) -> Result<Option<ShapleyType>, ApiError> {
    match map.get(FIELD) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("NONE") => Ok(None),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("ORIGINAL") => {
            Ok(Some(ShapleyType::Original))
        }
        Some(Value::String(s)) if s.eq_ignore_ascii_case("TRANSFORMED") => {
            Ok(Some(ShapleyType::Transformed))
        }
        Some(other) => Err(ApiError::bad_request(format!(
            "{FIELD} {other} is not one of ORIGINAL, TRANSFORMED, NONE"
        ))
        .with("field", FIELD)),
    }
}

/// What a loaded model can explain, worked out once at load.
pub struct Explain {
    /// `Err` holds the core's reason the model has no contributions.
    support: Result<(), String>,
    /// genmodel's contribution names, `BiasTerm` last.
    transformed: Vec<String>,
    /// One name per input column, then `BiasTerm`.
    original: Vec<String>,
    /// For each transformed value, the original column it belongs to; `None` when the two
    /// spaces are the same.
    to_original: Option<Vec<usize>>,
    /// Whether ORIGINAL is refused while TRANSFORMED is not: a model trained on an encoded
    /// frame (its features are the encoded columns, and genmodel does not map contributions
    /// back). A flag, not the message: `Loaded` sits just under an allocator size class.
    original_refused: bool,
}

impl Explain {
    /// Heap bytes this holds (the contribution names).
    pub fn heap_bytes(&self) -> usize {
        crate::rows::strings_heap_bytes(&self.transformed, self.transformed.capacity())
            + crate::rows::strings_heap_bytes(&self.original, self.original.capacity())
            + self
                .to_original
                .as_ref()
                .map_or(0, |m| m.capacity() * std::mem::size_of::<usize>())
            + self.support.as_ref().err().map_or(0, String::capacity)
    }

    pub fn new(model: &LoadedModel) -> Self {
        if let Err(e) = model.contributions_support() {
            return Explain {
                support: Err(e.to_string()),
                transformed: Vec::new(),
                original: Vec::new(),
                to_original: None,
                original_refused: false,
            };
        }
        let mut transformed = Vec::with_capacity(model.contribution_len());
        model.for_each_contribution_name(|n| transformed.push(n.to_string()));
        if model.encoding().is_some() {
            return Explain {
                support: Ok(()),
                original: Vec::new(),
                transformed,
                to_original: None,
                original_refused: true,
            };
        }
        let n = model.n_features();
        if transformed.len() == n + 1 {
            return Explain {
                support: Ok(()),
                original: transformed.clone(),
                transformed,
                to_original: None,
                original_refused: false,
            };
        }
        // XGBoost's one-hot space: per feature, its levels and NA slot, or one number.
        let mut original = Vec::with_capacity(n + 1);
        let mut to_original = Vec::with_capacity(transformed.len());
        for i in 0..n {
            let Some(col) = model.column(i) else { continue };
            let width = col.levels.map_or(1, |l| l.len() + 1);
            to_original.extend(std::iter::repeat_n(original.len(), width));
            original.push(col.name.to_owned());
        }
        to_original.push(original.len());
        original.push("BiasTerm".to_owned());
        let support = if to_original.len() == transformed.len() {
            Ok(())
        } else {
            Err(format!(
                "the model's {} contribution columns do not match its {} input columns one-hot \
                 encoded ({}); this is a bug, please report it",
                transformed.len(),
                n,
                to_original.len()
            ))
        };
        Explain {
            support,
            transformed,
            original,
            to_original: Some(to_original),
            original_refused: false,
        }
    }

    /// `Ok` when the model has contributions, else a 400 naming why.
    pub fn supported(&self) -> Result<(), ApiError> {
        self.support.as_ref().map_err(|why| {
            ApiError::bad_request(format!(
                "this model has no Shapley contributions: {why} (genmodel's \
                 --predictContributions covers GBM binomial and regression, and XGBoost \
                 gbtree and dart binomial and regression)"
            ))
            .with("field", FIELD)
        })?;
        Ok(())
    }

    /// `GET /model/capabilities`: H2O's CapabilityType names only (a client generated from
    /// H2O's swagger rejects other values), so leaf assignment is not listed: it is the
    /// CLI's (`serve score --leaf-assignment`).
    pub fn capabilities(&self) -> Vec<&'static str> {
        let mut v = vec!["SCORE"];
        if self.support.is_ok() {
            if !self.original_refused {
                v.push("CONTRIBUTION_ORIGINAL");
            }
            v.push("CONTRIBUTION_TRANSFORMED");
        }
        v
    }

    pub fn names(&self, kind: ShapleyType) -> &[String] {
        match kind {
            ShapleyType::Original => &self.original,
            ShapleyType::Transformed => &self.transformed,
        }
    }
}

/// One request's contributions: the buffers TreeSHAP needs and the JSON rows so far.
pub struct Contributions<'m> {
    loaded: &'m Loaded,
    kind: ShapleyType,
    out: Vec<f32>,
    work: Vec<f32>,
    summed: Vec<f32>,
    rows: Vec<u8>,
    n: usize,
}

impl<'m> Contributions<'m> {
    /// Refuses a model without contributions (400, the core's reason).
    pub fn new(loaded: &'m Loaded, kind: ShapleyType) -> Result<Self, ApiError> {
        loaded.explain.supported()?;
        if let (ShapleyType::Original, true, Some(encoding)) = (
            kind,
            loaded.explain.original_refused,
            loaded.model.encoding(),
        ) {
            return Err(ApiError::bad_request(format!(
                "the model was trained with categorical_encoding {encoding}: its contributions \
                 are per encoded column, so only {FIELD} TRANSFORMED is available"
            ))
            .with("field", FIELD));
        }
        let model = &loaded.model;
        Ok(Contributions {
            loaded,
            kind,
            out: vec![0.0; model.contribution_len()],
            work: vec![0.0; model.contribution_work_len()],
            summed: vec![0.0; loaded.explain.original.len()],
            rows: Vec::with_capacity(1024),
            n: 0,
        })
    }

    /// Computes the contributions of `row` (request row `n`, 1-based) and appends them.
    pub fn push(&mut self, n: usize, row: &[f64]) -> Result<(), ApiError> {
        let model = &self.loaded.model;
        model
            .contributions(row, &mut self.out, &mut self.work)
            .map_err(|e| match e {
                scorer::Error::Score(scorer::ScoreError::Rejected { column, reason }) => {
                    let name = model.column(column as usize).map_or("?", |c| c.name);
                    ApiError::bad_request(format!("row {n}: column `{name}`: {reason}"))
                        .with("row", n)
                        .with("field", name)
                }
                other => ApiError::internal(format!("contributions failed: {other}")),
            })?;
        let values: &[f32] = match (self.kind, &self.loaded.explain.to_original) {
            (ShapleyType::Original, Some(map)) => {
                let mut last = usize::MAX;
                for (&v, &k) in self.out.iter().zip(map) {
                    if k == last {
                        self.summed[k] += v;
                    } else {
                        self.summed[k] = v;
                        last = k;
                    }
                }
                &self.summed
            }
            _ => &self.out,
        };
        if self.n > 0 {
            self.rows.push(b',');
        }
        self.rows.push(b'[');
        for (i, &v) in values.iter().enumerate() {
            if i > 0 {
                self.rows.push(b',');
            }
            self.rows.push(b'"');
            // Writing to a Vec cannot fail.
            let _ = write_number(&mut self.rows, f64::from(v), NumberFormat::Decimal);
            self.rows.push(b'"');
        }
        self.rows.push(b']');
        self.n += 1;
        Ok(())
    }

    /// The ContributionResponse object (no line break).
    pub fn finish(self) -> Vec<u8> {
        let names = self.loaded.explain.names(self.kind);
        let mut buf = Vec::with_capacity(self.rows.len() + 32 * names.len() + 64);
        buf.extend_from_slice(b"{\"features\":");
        let _ = serde_json::to_writer(&mut buf, names);
        buf.extend_from_slice(b",\"contributionGroups\":[{\"contributions\":[");
        buf.extend_from_slice(&self.rows);
        buf.extend_from_slice(b"]}]}");
        buf
    }
}

/// `POST /model/contribution`: H2O's ContributionRequest → ContributionResponse.
pub fn contribution(loaded: &Loaded, body: &[u8]) -> Result<Scored, ApiError> {
    let body = body.strip_prefix(crate::csv::BOM).unwrap_or(body);
    let map = match super::input::parse::<Value>(body, None)? {
        Value::Object(map) => map,
        _ => {
            return Err(ApiError::bad_request(
                "the body must be a ContributionRequest: {\"requestShapleyValueType\": \
                 \"ORIGINAL\" | \"TRANSFORMED\", \"fields\": [..], \"rows\": [[..], ..]}",
            ))
        }
    };
    let kind = requested(&map)?.ok_or_else(|| {
        ApiError::bad_request(format!(
            "{FIELD} must be ORIGINAL or TRANSFORMED on /model/contribution"
        ))
        .with("field", FIELD)
    })?;
    let mut contributions = Contributions::new(loaded, kind)?;
    let (fields, rows) = fields_and_rows(&map)?;
    let model = &loaded.model;
    let mapper = RowMapper::new(&loaded.columns, &fields, rules());
    let mut row = vec![f64::NAN; model.n_features()];
    let mut cells: Vec<Cell<'_>> = Vec::with_capacity(fields.len());
    for (n, values) in rows.iter().enumerate() {
        let n = n + 1;
        score_request_cells(n, values, &fields, &mut cells)?;
        mapper
            .cell_row(model, cells.iter().copied(), &mut row)
            .map_err(|e| ApiError::row(n, None, &e))?;
        contributions.push(n, &row)?;
    }
    let rows = contributions.n;
    let mut body = contributions.finish();
    body.push(b'\n');
    Ok(Scored {
        body,
        rows,
        no_input_named: mapper.names_if_no_input(&fields),
    })
}
