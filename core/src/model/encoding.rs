//! Models trained on an encoded frame: the columns a user sends, and the row they make.
//!
//! With `categorical_encoding` other than AUTO, H2O encodes the training frame before a GBM,
//! DRF or Deep Learning model sees it, and the MOJO's `[columns]` are the encoded ones
//! (`RACE.0`, `hc:3`, `hc.Eigen`, …). Users still send the frame's own columns, which the MOJO
//! keeps as `_orig_names` and `_orig_domain_values_*`. genmodel's `EasyPredictModelWrapper`
//! maps one onto the other (`hex/genmodel/easy/*ColumnMapper.java`, `*Encoder.java`); this
//! module makes the same map at load, as one *input* per user column: its name, its levels
//! and the first row slot it writes. [`Part::encode_input_text`] fills the slots.
//!
//! genmodel's rules, which decide the slots (and which this follows even where they look odd,
//! since parity is the point):
//! - `OneHotExplicit`, `Binary`: the numeric inputs take the first slots, in order, then each
//!   categorical a block (its levels plus one for NA; or the bits of `index + 1`, NA being 0).
//! - `Eigen`, `EnumLimited`: input `i` writes slot `i`.
//! - `LabelEncoder`: the model's own column names, with the original levels of column `i`.
//!
//! An input whose slot is past the features (the response) is dropped, as genmodel skips it.
//! Not handled here: an encoded model with an offset column, or inside a stacked ensemble
//! (refused at load), and XGBoost, GLM and the rest, which genmodel does not encode.

use core::fmt;

use super::layout::{ColumnRec, Sink, NONE};
use super::{gam, Algo, InputRules, Levels, Mojo, Part, Span};

/// One cell for [`Part::encode_gam_input`].
#[derive(Clone, Copy)]
enum Cell<'t> {
    Text(&'t [u8]),
    Number(f64),
}
use crate::error::{Error, InputError, ModelError};
use crate::ini::{self, Ini};
use crate::zip::Cursor;
use crate::{java, limits};

/// How a model's frame was encoded (`_genmodel_encoding`), for the encodings that change
/// its columns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    OneHotExplicit,
    Binary,
    EnumLimited,
    Eigen,
    LabelEncoder,
}

impl Encoding {
    /// The encoding genmodel applies to a model, `None` for its native handling: trees read
    /// the key from MOJO 1.40 on, Deep Learning from 1.10 on and only `Binary`, `Eigen` and
    /// `LabelEncoder` of the changing ones (genmodel has no mapping for the others and fails).
    /// Where genmodel reads the key, it must be there: H2O writes `null` for an encoding
    /// genmodel has no name for (Deep Learning's `EnumLimited`), and genmodel's reader then
    /// fails to load the model.
    pub(super) fn of(
        algorithm: crate::error::Algorithm,
        mojo_version: u32,
        key: Option<&str>,
    ) -> Result<Option<Encoding>, ModelError> {
        use crate::error::Algorithm::*;
        let tree = matches!(algorithm, Gbm | Drf | IsolationForest);
        let read_from = match algorithm {
            Gbm | Drf | IsolationForest => 140,
            DeepLearning => 110,
            // genmodel ignores the key for every other algorithm; these never had one that
            // changes the columns, and scoring one as AUTO would be a guess.
            _ => {
                return match key {
                    None | Some("AUTO") | Some("Enum") | Some("OneHotInternal") => Ok(None),
                    Some(_) => Err(ModelError::Unsupported(
                        "this algorithm with a categorical encoding other than AUTO",
                    )),
                }
            }
        };
        if mojo_version < read_from {
            return Ok(None);
        }
        let Some(key) = key else {
            return Err(ModelError::Unsupported(
                "a model whose _genmodel_encoding is null or missing, as H2O writes for an \
                 encoding genmodel has no name for (genmodel fails to load it)",
            ));
        };
        Ok(Some(match key {
            "AUTO" | "SortByResponse" => return Ok(None),
            "Enum" if tree => return Ok(None),
            "OneHotInternal" if !tree => return Ok(None),
            "OneHotExplicit" if tree => Encoding::OneHotExplicit,
            "EnumLimited" if tree => Encoding::EnumLimited,
            "Binary" => Encoding::Binary,
            "Eigen" => Encoding::Eigen,
            "LabelEncoder" => Encoding::LabelEncoder,
            _ => return Err(ModelError::Unsupported(
                "this categorical encoding for this algorithm (genmodel cannot score it either)",
            )),
        }))
    }

    pub fn name(self) -> &'static str {
        match self {
            Encoding::OneHotExplicit => "OneHotExplicit",
            Encoding::Binary => "Binary",
            Encoding::EnumLimited => "EnumLimited",
            Encoding::Eigen => "Eigen",
            Encoding::LabelEncoder => "LabelEncoder",
        }
    }
}

impl fmt::Display for Encoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a model's inputs are not its features.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputKind {
    /// A frame encoded before training: the original columns.
    Encoded(Encoding),
    /// A GAM: its own columns, and the sources of its spline columns (`gam.rs`).
    Splines,
}

/// The input columns of a model whose inputs are not its features.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Inputs {
    pub kind: InputKind,
    /// The inputs' records (name, levels) in the column region, `len` of them from `first`.
    pub first: u32,
    pub len: u32,
    /// Two doubles per input: its first row slot, and (Eigen) where its levels' projections
    /// start in `projection`.
    pub slots: Span,
    pub projection: Span,
}

/// Bits `Binary` gives a column of `levels` levels: genmodel's `1 + log2(levels)`, rounded
/// down (index 0 is NA, so `levels + 1` values).
fn binary_width(levels: u32) -> u32 {
    1 + levels.max(1).ilog2()
}

/// Slots a categorical input of `levels` levels writes.
fn width(encoding: Encoding, levels: u32) -> u32 {
    match encoding {
        Encoding::OneHotExplicit => levels + 1,
        Encoding::Binary => binary_width(levels),
        _ => 1,
    }
}

/// An integer `key` of `model.ini` formatted with `i`, e.g. `_m_orig_domain_values_3`.
fn indexed_int(ini: &Ini<'_>, key: &str, i: usize) -> Result<Option<i32>, ModelError> {
    let mut name = heapless::String::<48>::new();
    fmt::Write::write_fmt(&mut name, format_args!("{key}{i}"))
        .map_err(|_| ModelError::TooLarge("columns"))?;
    match ini.get(&name) {
        None => Ok(None),
        Some(v) => ini::int(v)
            .map(Some)
            .ok_or(ModelError::BadValue("_m_orig_domain_values")),
    }
}

/// genmodel's column mapper, one original column at a time: the slot each input writes.
struct Walk {
    encoding: Encoding,
    /// Original columns before a trailing response (genmodel's `getOrigNumCols`).
    n_orig_inputs: usize,
    /// The next numeric and categorical slots (OneHotExplicit, Binary).
    numeric_at: u32,
    block_at: u32,
    /// Where the next Eigen categorical's projections start.
    projection_at: u32,
}

/// One input as [`Walk`] places it.
struct Placed {
    /// The levels of a categorical input (genmodel makes an encoder for it), else 0.
    levels: u32,
    slot: u32,
    projected_at: u32,
}

impl Walk {
    fn new(encoding: Encoding, n_orig_inputs: usize, n_numeric: u32) -> Self {
        Walk {
            encoding,
            n_orig_inputs,
            numeric_at: 0,
            block_at: n_numeric,
            projection_at: 0,
        }
    }

    /// Input `i`, whose original column has `m` levels (0: numeric).
    fn place(&mut self, i: usize, m: u32) -> Placed {
        let categorical =
            m > 0 && (self.encoding == Encoding::LabelEncoder || i < self.n_orig_inputs);
        let levels = if categorical { m } else { 0 };
        let slot = match self.encoding {
            Encoding::OneHotExplicit | Encoding::Binary if categorical => {
                let at = self.block_at;
                self.block_at = self.block_at.saturating_add(width(self.encoding, m));
                at
            }
            Encoding::OneHotExplicit | Encoding::Binary => {
                self.numeric_at += 1;
                self.numeric_at - 1
            }
            _ => u32::try_from(i).unwrap_or(u32::MAX),
        };
        let projected_at = self.projection_at;
        if self.encoding == Encoding::Eigen && categorical {
            self.projection_at = self.projection_at.saturating_add(m);
        }
        Placed {
            levels,
            slot,
            projected_at,
        }
    }
}

impl<'a> Mojo<'a> {
    /// Reads the input columns of a model encoded with `encoding`, after its own columns:
    /// their records go to the column region in the original order, then their levels.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn inputs(
        &self,
        dir: &str,
        ini: &Ini<'_>,
        encoding: Encoding,
        n_features: usize,
        response: Option<&str>,
        buf: &mut [u8],
        sink: &mut dyn Sink,
    ) -> Result<Inputs, Error> {
        let corrupt = |what| Error::from(ModelError::Corrupt(what));
        let count = |key: &'static str| -> Result<usize, Error> {
            let v = ini.get(key).ok_or(ModelError::MissingKey(key))?;
            Ok(ini::int(v)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or(ModelError::BadValue(key))?)
        };
        let n_orig = count("_n_orig_names")?;
        if n_orig > limits::MAX_COLUMNS || count("_n_orig_domain_values")? != n_orig {
            return Err(corrupt("_n_orig_names and _n_orig_domain_values differ"));
        }
        if encoding == Encoding::LabelEncoder && n_orig < n_features {
            return Err(corrupt("fewer original columns than features"));
        }
        // Levels of original column `i` (0 for a numeric one).
        let levels = |i: usize| -> Result<u32, Error> {
            if i >= n_orig {
                return Ok(0);
            }
            let m = indexed_int(ini, "_m_orig_domain_values_", i)?
                .unwrap_or(0)
                .max(0);
            match u32::try_from(m) {
                Ok(m) if (m as usize) <= limits::MAX_LEVELS => Ok(m),
                _ => Err(ModelError::TooLarge("categorical levels").into()),
            }
        };
        let names_entry = self
            .find(dir, "_orig_names")
            .ok_or(ModelError::MissingFile("_orig_names"))?;
        let names = self.read(&names_entry, buf)?;
        let names = core::str::from_utf8(names).map_err(|_| ModelError::NotUtf8("_orig_names"))?;
        let (n_lines, last) =
            ini::java_lines(names).fold((0usize, None), |(n, _), l| (n + 1, Some(l)));
        if n_lines != n_orig {
            return Err(corrupt("_orig_names does not have _n_orig_names lines"));
        }
        let trailing_response = match (last, response) {
            (Some(last), Some(r)) => ini::unescape_trimmed_eq(last.as_bytes(), r.as_bytes()),
            _ => false,
        };
        let n_orig_inputs = n_orig - usize::from(trailing_response);
        // One-hot and binary encodings number the original numeric columns first, and H2O's
        // weights, offset and fold columns are among them: every slot after one lands one
        // off, and genmodel fails on every row (an index past its row). The other encodings
        // write original column `i` to slot `i`, so these columns fall past the features.
        if matches!(encoding, Encoding::OneHotExplicit | Encoding::Binary) {
            let mut special = ini
                .columns()
                .skip(n_features)
                .filter(|c| Some(*c) != response);
            let is_original = |c: &str| {
                ini::java_lines(names)
                    .take(n_orig_inputs)
                    .any(|o| ini::unescape_trimmed_eq(o.as_bytes(), c.as_bytes()))
            };
            if special.any(is_original) {
                return Err(ModelError::Unsupported(
                    "a one-hot or binary encoded model trained with a weights, offset or fold \
                     column (genmodel fails on every row of it)",
                )
                .into());
            }
        }
        let n_numeric = match encoding {
            Encoding::OneHotExplicit | Encoding::Binary => {
                let mut n = 0u32;
                for i in 0..n_orig_inputs {
                    n += u32::from(levels(i)? == 0);
                }
                n
            }
            _ => 0,
        };
        let projection = match encoding {
            Encoding::Eigen => super::doubles(ini, "_orig_projection_array", sink)?
                .unwrap_or(Span { first: 0, len: 0 }),
            _ => Span { first: 0, len: 0 },
        };
        let n_inputs = match encoding {
            Encoding::LabelEncoder => n_features,
            Encoding::Eigen | Encoding::EnumLimited => n_orig,
            Encoding::OneHotExplicit | Encoding::Binary => n_orig_inputs,
        };
        // The model's own domains, which EnumLimited maps levels onto.
        let has_domain = |i: usize| ini.domains().any(|d| d.column == i);

        // Pass 1: records and slots, in the original order. Levels come in pass 2, after
        // every record, so each categorical's first level is known ahead.
        let first = sink.position().columns as u32;
        let mut level_at = sink.position().levels;
        let mut slots_first = None;
        let mut kept = 0u32;
        let mut walk = Walk::new(encoding, n_orig_inputs, n_numeric);
        let mut orig_lines = ini::java_lines(names);
        let mut model_names = ini.columns();
        for i in 0..n_inputs {
            let name = match encoding {
                Encoding::LabelEncoder => model_names.next(),
                _ => orig_lines.next(),
            }
            .ok_or(ModelError::Corrupt("column names"))?;
            let placed = walk.place(i, levels(i)?);
            if walk.projection_at > projection.len {
                return Err(corrupt("_orig_projection_array is shorter than the levels"));
            }
            if encoding == Encoding::EnumLimited && placed.levels > 0 && !has_domain(i) {
                return Err(corrupt("an EnumLimited column has no domain"));
            }
            if placed.slot as usize >= n_features {
                continue;
            }
            let end = placed.slot as usize + width(encoding, placed.levels) as usize;
            if placed.levels > 0 && end > n_features {
                return Err(corrupt("an encoded column block runs past the features"));
            }
            let name = match encoding {
                Encoding::LabelEncoder => sink.text(name.as_bytes())?,
                _ => sink.text_unescaped(name.as_bytes(), true)?,
            };
            sink.column(ColumnRec {
                name,
                first_level: if placed.levels > 0 {
                    u32::try_from(level_at)
                        .map_err(|_| ModelError::TooLarge("categorical levels"))?
                } else {
                    NONE
                },
                n_levels: placed.levels,
            })?;
            level_at = level_at.saturating_add(placed.levels as usize);
            let at = sink
                .f64s(&mut [f64::from(placed.slot), f64::from(placed.projected_at)].into_iter())?;
            slots_first.get_or_insert(at);
            kept += 1;
        }
        // The names borrow the scratch buffer, which pass 2 reads the domain files into.
        drop((orig_lines, model_names));

        // Pass 2: the levels of the kept categoricals, in the same order.
        let mut walk = Walk::new(encoding, n_orig_inputs, n_numeric);
        let mut cursor = Cursor::default();
        for i in 0..n_inputs {
            let placed = walk.place(i, levels(i)?);
            if placed.levels == 0 || placed.slot as usize >= n_features {
                continue;
            }
            let mut path = heapless::String::<48>::new();
            fmt::Write::write_fmt(&mut path, format_args!("_orig_domain_values_{i}"))
                .map_err(|_| ModelError::TooLarge("file name"))?;
            let entry = self
                .find_near(dir, &path, &mut cursor)
                .ok_or(ModelError::MissingFile("_orig_domain_values_ file"))?;
            let text = self.read(&entry, buf)?;
            let text = core::str::from_utf8(text)
                .map_err(|_| ModelError::NotUtf8("_orig_domain_values_ file"))?;
            let mut n = 0u32;
            for line in ini::java_lines(text).take(placed.levels as usize) {
                n += 1;
                let level = sink.text_unescaped(line.as_bytes(), true)?;
                if sink.level(level)? == NONE {
                    return Err(ModelError::TooLarge("categorical levels").into());
                }
            }
            if n != placed.levels {
                return Err(corrupt("an _orig_domain_values_ file is short"));
            }
        }
        if sink.position().levels != level_at {
            return Err(corrupt("the original levels"));
        }
        Ok(Inputs {
            kind: InputKind::Encoded(encoding),
            first,
            len: kept,
            slots: Span {
                first: slots_first.unwrap_or(0),
                len: 2 * kept,
            },
            projection,
        })
    }
}

/// One column a user sends, as [`Model::input`](super::Model::input) gives it.
#[derive(Clone, Copy, Debug)]
pub struct Input<'m> {
    pub name: &'m str,
    /// The levels users send (the original ones, for an encoded model); `None` if numeric.
    pub levels: Option<Levels<'m>>,
    /// The first slot of the model's row that this input writes (`usize::MAX` for a GAM
    /// spline source that is not a feature).
    pub slot: usize,
    /// Whether its value also fills a GAM spline column's slots (through
    /// [`Model::encode_input_text`](super::Model::encode_input_text), always).
    pub expands: bool,
}

/// Java's `Integer.parseInt` for ASCII digits: an optional sign and at least one digit,
/// within `i32`.
fn parse_int(text: &[u8]) -> Option<i32> {
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        let d = b.wrapping_sub(b'0');
        if d > 9 {
            return None;
        }
        v = v * 10 + i64::from(d);
        if v > 1 << 31 {
            return None;
        }
    }
    i32::try_from(if negative { -v } else { v }).ok()
}

fn set(row: &mut [f64], slot: usize, value: f64, column: usize) -> Result<(), InputError> {
    let out = row.get_mut(slot).ok_or(InputError::NoSuchColumn {
        column: column as u32,
    })?;
    *out = value;
    Ok(())
}

impl<'m> Part<'m> {
    /// How the model's frame was encoded before training, if it was.
    pub fn encoding(&self) -> Option<Encoding> {
        match self.inputs?.kind {
            InputKind::Encoded(e) => Some(e),
            InputKind::Splines => None,
        }
    }

    /// The columns users send: the features, or an encoded model's original columns.
    pub fn n_inputs(&self) -> usize {
        match self.inputs {
            None => self.n_features(),
            Some(inputs) => inputs.len as usize,
        }
    }

    pub fn input(&self, k: usize) -> Option<Input<'m>> {
        let Some(inputs) = self.inputs else {
            let c = self.column(k).filter(|_| k < self.n_features())?;
            return Some(Input {
                name: c.name,
                levels: c.levels,
                slot: k,
                expands: false,
            });
        };
        if k >= inputs.len as usize {
            return None;
        }
        let regions = self.regions();
        let c = regions.columns.get(inputs.first as usize + k)?;
        let slot = *regions.f64s.get(inputs.slots.first as usize + 2 * k)?;
        let spline = *regions.f64s.get(inputs.slots.first as usize + 2 * k + 1)?;
        Some(Input {
            name: core::str::from_utf8(regions.str(c.name)).ok()?,
            levels: (c.first_level != NONE).then_some(Levels {
                regions,
                first: c.first_level,
                len: c.n_levels,
            }),
            slot: if slot < 0.0 {
                usize::MAX
            } else {
                slot as usize
            },
            expands: inputs.kind == InputKind::Splines && spline >= 0.0,
        })
    }

    /// Writes the row slots of input `k` from a text cell, as genmodel's
    /// `RowToRawDataConverter` and the model's categorical encoder do. The NA tokens of a
    /// CSV are the caller's business (genmodel never sees them: PredictCsv leaves them out).
    pub fn encode_input_text(
        &self,
        k: usize,
        text: &[u8],
        rules: InputRules,
        row: &mut [f64],
    ) -> Result<(), InputError> {
        let Some(inputs) = self.inputs else {
            return set(row, k, self.encode_text(k, text, rules)?, k);
        };
        let InputKind::Encoded(encoding) = inputs.kind else {
            return self.encode_gam_input(k, Cell::Text(text), rules, row);
        };
        let input = self
            .input(k)
            .ok_or(InputError::NoSuchColumn { column: k as u32 })?;
        let Some(levels) = input.levels else {
            let v = match java::parse_double(text) {
                Some(v) => v,
                None if rules.invalid_number_as_na => f64::NAN,
                None => return Err(InputError::NotANumber { column: k as u32 }),
            };
            return set(row, input.slot, v, k);
        };
        let found = match encoding {
            Encoding::EnumLimited => self.enum_limited_index(&input, levels, text),
            _ => levels.find(&[], text),
        };
        if found.is_none() && !rules.unknown_level_as_na {
            return Err(InputError::UnknownLevel { column: k as u32 });
        }
        self.write_level(inputs, k, &input, levels, found, text, row)
    }

    /// Writes the row slots of input `k` from a number: a numeric input's value; NaN makes a
    /// categorical NA (genmodel's `encodeNA`), and any other number for one is refused.
    pub fn encode_input_number(
        &self,
        k: usize,
        value: f64,
        row: &mut [f64],
    ) -> Result<(), InputError> {
        let Some(inputs) = self.inputs else {
            return set(row, k, self.encode_number(k, value)?, k);
        };
        if inputs.kind == InputKind::Splines {
            return self.encode_gam_input(k, Cell::Number(value), InputRules::default(), row);
        }
        let input = self
            .input(k)
            .ok_or(InputError::NoSuchColumn { column: k as u32 })?;
        match input.levels {
            None => set(row, input.slot, value, k),
            Some(levels) if value.is_nan() => {
                self.write_level(inputs, k, &input, levels, None, &[], row)
            }
            Some(_) => Err(InputError::NumberForCategorical { column: k as u32 }),
        }
    }

    /// A GAM input's cell: its feature slot as any column's, then, for a spline column's
    /// source, its value staged in the column's slots (`Gam::score` computes the block).
    /// genmodel parses the source with `Double.parseDouble` and
    /// no NA conversion (`GamRowToRawDataConverter`), so a source that is not a number is
    /// refused even when invalid numbers are NA.
    fn encode_gam_input(
        &self,
        k: usize,
        cell: Cell<'_>,
        rules: InputRules,
        row: &mut [f64],
    ) -> Result<(), InputError> {
        let (Some(inputs), Algo::Gam(_)) = (self.inputs, self.header.algo) else {
            return Err(InputError::NoSuchColumn { column: k as u32 });
        };
        let input = self
            .input(k)
            .ok_or(InputError::NoSuchColumn { column: k as u32 })?;
        if input.slot != usize::MAX {
            let v = match cell {
                Cell::Text(t) => self.encode_text(input.slot, t, rules)?,
                Cell::Number(v) => self.encode_number(input.slot, v)?,
            };
            set(row, input.slot, v, k)?;
        }
        let f64s = self.regions().f64s;
        let list = f64s
            .get(inputs.slots.first as usize + 2 * k + 1)
            .copied()
            .unwrap_or(-1.0);
        if list >= 0.0 {
            let x = match cell {
                // A parsed `NaN` is a value genmodel computes with, unlike a missing one.
                Cell::Text(t) => match java::parse_double(t) {
                    Some(v) if v.is_nan() => gam::PRESENT_NAN,
                    Some(v) => v,
                    None => return Err(InputError::NotANumber { column: k as u32 }),
                },
                Cell::Number(v) => v,
            };
            let list = (inputs.slots.first + inputs.slots.len) as usize + list as usize;
            let n = f64s.get(list).copied().unwrap_or(0.0) as usize;
            for i in 0..n {
                let slot = f64s.get(list + 1 + i).copied().unwrap_or(-1.0);
                if slot < 0.0 {
                    return Err(InputError::NoSuchColumn { column: k as u32 });
                }
                set(row, slot as usize, x, k)?;
            }
        }
        Ok(())
    }

    /// genmodel's `EnumLimitedEncoder`: a level of the model's limited domain is its index
    /// there; with an `other` level, every other original level is `other`'s index (and the
    /// text `other` itself is nothing); failing both, `<column>.top_<text>_levels` is tried.
    fn enum_limited_index(
        &self,
        input: &Input<'m>,
        orig: Levels<'m>,
        text: &[u8],
    ) -> Option<usize> {
        let limited = self.column(input.slot)?.levels?;
        let other = limited.find(&[], b"other");
        let lookup = |t: &[u8]| {
            if other.is_some() && t == b"other" {
                return None;
            }
            limited
                .find(&[], t)
                .or_else(|| other.filter(|_| orig.find(&[], t).is_some()))
        };
        lookup(text).or_else(|| {
            let mut key = heapless::Vec::<u8, { 2 * limits::MAX_NAME_LEN }>::new();
            key.extend_from_slice(input.name.as_bytes()).ok()?;
            key.extend_from_slice(b".top_").ok()?;
            key.extend_from_slice(text).ok()?;
            key.extend_from_slice(b"_levels").ok()?;
            lookup(&key)
        })
    }

    /// Writes level `found` of input `k` (`None`: NA) into its slots.
    #[allow(clippy::too_many_arguments)]
    fn write_level(
        &self,
        inputs: Inputs,
        k: usize,
        input: &Input<'m>,
        levels: Levels<'m>,
        found: Option<usize>,
        text: &[u8],
        row: &mut [f64],
    ) -> Result<(), InputError> {
        let n = levels.len();
        let InputKind::Encoded(encoding) = inputs.kind else {
            return Ok(());
        };
        match encoding {
            Encoding::OneHotExplicit => {
                let hot = found.unwrap_or(n);
                for s in 0..=n {
                    set(row, input.slot + s, if s == hot { 1.0 } else { 0.0 }, k)?;
                }
                Ok(())
            }
            Encoding::Binary => {
                let code = found.map_or(0, |j| j as u64 + 1);
                for b in 0..binary_width(n as u32) {
                    set(row, input.slot + b as usize, ((code >> b) & 1) as f64, k)?;
                }
                Ok(())
            }
            Encoding::Eigen => {
                let v = match found {
                    None => f64::NAN,
                    Some(j) => {
                        let at = *self
                            .regions()
                            .f64s
                            .get(inputs.slots.first as usize + 2 * k + 1)
                            .ok_or(InputError::NoSuchColumn { column: k as u32 })?;
                        let projection = self.span(inputs.projection);
                        // genmodel rounds the projection to `float` "to be reproducible".
                        let p = projection.get(at as usize + j).copied().unwrap_or(f64::NAN);
                        f64::from(p as f32)
                    }
                };
                set(row, input.slot, v, k)
            }
            // genmodel uses the level's own value when it reads as an `int`.
            Encoding::LabelEncoder => {
                let v = found.map_or(f64::NAN, |j| parse_int(text).map_or(j as f64, f64::from));
                set(row, input.slot, v, k)
            }
            Encoding::EnumLimited => set(row, input.slot, found.map_or(f64::NAN, |j| j as f64), k),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_encodings_genmodel_applies() {
        use crate::error::Algorithm::*;
        let of = Encoding::of;
        assert_eq!(
            of(Gbm, 140, Some("OneHotExplicit")),
            Ok(Some(Encoding::OneHotExplicit))
        );
        assert_eq!(
            of(Drf, 140, Some("EnumLimited")),
            Ok(Some(Encoding::EnumLimited))
        );
        // Trees read the key from 1.40 on; SortByResponse and Enum are native handling.
        assert_eq!(of(Gbm, 130, Some("OneHotExplicit")), Ok(None));
        assert_eq!(of(Gbm, 140, Some("SortByResponse")), Ok(None));
        assert_eq!(of(Drf, 140, Some("Enum")), Ok(None));
        // Where genmodel reads the key, null or missing fails its loading.
        assert!(of(Gbm, 140, None).is_err());
        assert!(of(DeepLearning, 110, None).is_err());
        assert_eq!(of(Gbm, 130, None), Ok(None));
        assert_eq!(of(DeepLearning, 100, None), Ok(None));
        assert_eq!(of(Glm, 100, None), Ok(None));
        assert!(of(Gbm, 140, Some("OneHotInternal")).is_err());
        assert!(of(Gbm, 140, Some("Nonsense")).is_err());
        // Deep Learning from 1.10 on, and only three of the changing ones.
        assert_eq!(
            of(DeepLearning, 110, Some("Binary")),
            Ok(Some(Encoding::Binary))
        );
        assert_eq!(
            of(DeepLearning, 110, Some("LabelEncoder")),
            Ok(Some(Encoding::LabelEncoder))
        );
        assert_eq!(of(DeepLearning, 100, Some("Binary")), Ok(None));
        assert_eq!(of(DeepLearning, 110, Some("OneHotInternal")), Ok(None));
        assert_eq!(of(DeepLearning, 110, Some("SortByResponse")), Ok(None));
        assert!(of(DeepLearning, 110, Some("OneHotExplicit")).is_err());
        assert!(of(DeepLearning, 110, Some("EnumLimited")).is_err());
        // Everything else keeps refusing a changing encoding.
        assert!(of(XGBoost, 110, Some("Binary")).is_err());
        assert_eq!(of(Glm, 100, Some("AUTO")), Ok(None));
    }

    #[test]
    fn binary_width_is_genmodels() {
        // 1 + floor(log2(levels)): index + 1 for levels 1..=n and 0 for NA must fit.
        for (levels, bits) in [
            (1, 1),
            (2, 2),
            (3, 2),
            (4, 3),
            (5, 3),
            (7, 3),
            (8, 4),
            (150, 8),
            (255, 8),
            (256, 9),
        ] {
            assert_eq!(binary_width(levels), bits, "{levels}");
            assert!(u64::from(levels) < 1 << binary_width(levels));
        }
    }

    #[test]
    fn parse_int_is_javas() {
        for (t, v) in [
            ("0", Some(0)),
            ("-7", Some(-7)),
            ("+12", Some(12)),
            ("007", Some(7)),
            ("2147483647", Some(i32::MAX)),
            ("-2147483648", Some(i32::MIN)),
            ("2147483648", None),
            ("", None),
            ("-", None),
            ("1.0", None),
            (" 1", None),
            ("1e3", None),
            ("99999999999999999999", None),
        ] {
            assert_eq!(parse_int(t.as_bytes()), v, "{t}");
        }
    }
}
