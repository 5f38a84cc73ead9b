//! RuleFit (`RuleFitMojoModel`): rules from trees, as categorical columns of a linear model.
//!
//! The rules of tree `j` at depth `i` become one value of the linear model's row: the level,
//! in the linear model's column `M<i>T<j>`, of the last rule whose conditions all hold (NaN
//! when none does). A multinomial model's tree gives one value per class `k`, in column
//! `M<i>T<j>C<k>`, from the tree's rules whose names end with the class's name (genmodel's
//! `endsWith`: a rule can belong to several classes). With `rules_and_linear` the row's own
//! values follow the rules; the linear model (a GLM, a sub-model in `models/`) scores the
//! result, its columns put in its own order by name (`linear_names`). Rules, their classes
//! and the name maps are resolved at load, so a row costs its conditions and the GLM.
#![warn(clippy::indexing_slicing)]

use core::fmt::Write as _;

use super::layout::{Sink, StrRef, Writer, NONE};
use super::predict::Java;
use super::{Header, Mojo, Part, Span, SubModels};
use crate::error::{Error, ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::limits;

/// Which rows the linear model sees (`model_type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RuleFitType {
    Linear,
    RulesAndLinear,
    Rules,
}

/// The rules and how their values reach the linear model.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RuleFit {
    /// The linear model's index in the subs.
    linear: u32,
    kind: RuleFitType,
    /// `depth * ntrees` groups of rules (times the classes of a multinomial model), one
    /// value of the row each.
    groups: u32,
    /// Per group: its first rule and how many (two doubles).
    group_rules: Span,
    /// Per rule: first condition, conditions, the level it gives (filled at load; -1 when
    /// its name is not a level, [`NOT_OF_CLASS`] when it is not its group's class's), its
    /// name's text (offset, length), and its group's class (-1: not multinomial).
    rules: Span,
    /// Per condition: feature, kind (0 categorical, 1 numeric), operator (0 `<`, 1 `>=`,
    /// 2 in), NAs included, then the threshold or the first and count of its levels.
    conditions: Span,
    levels: Span,
    /// Per linear feature: its name's text (offset, length), then (filled at load) the
    /// linear model's column it goes to.
    names: Span,
    map: Span,
}

const RULE: usize = 6;

/// The level of a rule copied into a class's group whose name does not end with the class.
const NOT_OF_CLASS: f64 = -2.0;
const CONDITION: usize = 6;

fn key(parts: core::fmt::Arguments<'_>) -> Result<heapless::String<80>, ModelError> {
    let mut k = heapless::String::new();
    k.write_fmt(parts)
        .map_err(|_| ModelError::TooLarge("RuleFit keys"))?;
    Ok(k)
}

/// Looks a `model.ini` key up ([`Ini::get`], or its index).
type Get<'g, 't> = dyn Fn(&str) -> Option<&'t str> + 'g;

fn int(get: &Get<'_, '_>, k: &str) -> Result<i32, ModelError> {
    get(k)
        .and_then(ini::int)
        .ok_or(ModelError::BadValue("RuleFit rules"))
}

fn count(get: &Get<'_, '_>, k: &str) -> Result<u32, ModelError> {
    u32::try_from(int(get, k)?).map_err(|_| ModelError::BadValue("RuleFit rules"))
}

fn text_ref(s: StrRef) -> [f64; 2] {
    [f64::from(s.off), f64::from(s.len)]
}

/// Calls `f` with each rule's id (`<depth>_<tree>_<k>`) and condition count, in order.
fn for_each_rule(
    get: &Get<'_, '_>,
    trees: u32,
    ntrees: u32,
    f: &mut dyn FnMut(&str, u32) -> Result<(), Error>,
) -> Result<(), Error> {
    for t in 0..trees {
        let (i, j) = (t / ntrees, t % ntrees);
        let n = count(get, &key(format_args!("num_rules_M{i}T{j}"))?)?;
        for k in 0..n {
            let id = key(format_args!("{i}_{j}_{k}"))?;
            f(
                &id,
                count(get, &key(format_args!("num_conditions_rule_id_{id}"))?)?,
            )?;
        }
    }
    Ok(())
}

/// Calls `f` with each condition's id (`<c>_<rule id>`), in order.
fn for_each_condition(
    get: &Get<'_, '_>,
    trees: u32,
    ntrees: u32,
    f: &mut dyn FnMut(&str) -> Result<(), Error>,
) -> Result<(), Error> {
    for_each_rule(get, trees, ntrees, &mut |id, n_cond| {
        (0..n_cond).try_for_each(|c| f(&key(format_args!("{c}_{id}"))?))
    })
}

impl RuleFit {
    pub(super) fn build(
        mojo: &Mojo<'_>,
        ini: &Ini<'_>,
        n_classes: usize,
        buf: &mut [u8],
        sink: &mut dyn Sink,
        subs: &mut dyn SubModels,
    ) -> Result<RuleFit, Error> {
        let dir = super::ensemble::sub_model_dir(ini, ini.require("linear_model")?)?;
        let linear = super::ensemble::build_sub(mojo, dir, buf, sink, subs)?;
        if subs.as_ref().get(linear as usize).map(|h| h.algorithm)
            != Some(crate::error::Algorithm::Glm)
        {
            return Err(ModelError::Unsupported("a RuleFit linear model other than a GLM").into());
        }
        // Thousands of keys are read below: look them up in an index of the keys, kept in
        // the scratch buffer (free again once the linear model is read).
        let index = ini::IniIndex::new(ini, buf);
        let lookup = |k: &str| match &index {
            Some(index) => index.get(k),
            None => ini.get(k),
        };
        let get: &Get<'_, '_> = &lookup;

        let kind = match int(get, "model_type")? {
            0 => RuleFitType::Linear,
            1 => RuleFitType::RulesAndLinear,
            _ => RuleFitType::Rules,
        };
        let (depth, ntrees) = (count(get, "depth")?, count(get, "ntrees")?);
        // `transformRow` takes a model with more than two classes as multinomial.
        let classes = if n_classes > 2 { n_classes as u32 } else { 1 };
        let trees = match kind {
            RuleFitType::Linear => 0,
            _ => depth
                .checked_mul(ntrees)
                .filter(|&t| t.saturating_mul(classes) as usize <= limits::MAX_TREES)
                .ok_or(ModelError::TooLarge("RuleFit rules"))?,
        };
        let groups = trees * classes;
        // Four passes over the rules, one run of doubles each: the groups (with the rule
        // and condition counts), the rules (a tree's once per class), the conditions, the
        // conditions' levels. Each record names where its children start in the next run.
        let mut first_group = None;
        let mut n_rules_total = 0u32;
        let mut n_conditions_total = 0u32;
        // First the counts, so that every record can name where its children are.
        for t in 0..trees {
            let (i, j) = (t / ntrees, t % ntrees);
            let n = count(get, &key(format_args!("num_rules_M{i}T{j}"))?)?;
            for _ in 0..classes {
                let at = sink.f64s(&mut [f64::from(n_rules_total), f64::from(n)].into_iter())?;
                first_group.get_or_insert(at);
                n_rules_total = n_rules_total
                    .checked_add(n)
                    .ok_or(ModelError::TooLarge("RuleFit rules"))?;
            }
            for k in 0..n {
                let id = key(format_args!("{i}_{j}_{k}"))?;
                n_conditions_total = n_conditions_total
                    .checked_add(count(
                        get,
                        &key(format_args!("num_conditions_rule_id_{id}"))?,
                    )?)
                    .ok_or(ModelError::TooLarge("RuleFit rules"))?;
            }
        }
        let mut first_rule = None;
        let mut tree_conditions = 0u32;
        for t in 0..trees {
            let (i, j) = (t / ntrees, t % ntrees);
            let n = count(get, &key(format_args!("num_rules_M{i}T{j}"))?)?;
            let name = |k: u32| -> Result<&str, Error> {
                let id = key(format_args!("{i}_{j}_{k}"))?;
                Ok(get(&key(format_args!("var_name_rule_id_{id}"))?)
                    .ok_or(ModelError::MissingKey("var_name_rule_id_"))?)
            };
            // The tree's rule names once, back to back in the text region; every class's
            // copy of a rule points at its name there.
            let mut names_at = None;
            for k in 0..n {
                names_at.get_or_insert(sink.text(name(k)?.as_bytes())?.off);
            }
            let mut condition_at = tree_conditions;
            for class in 0..classes {
                condition_at = tree_conditions;
                let mut text_at = names_at.unwrap_or(0);
                for k in 0..n {
                    let id = key(format_args!("{i}_{j}_{k}"))?;
                    let n_cond = count(get, &key(format_args!("num_conditions_rule_id_{id}"))?)?;
                    let len = name(k)?.len() as u32;
                    let class = if classes > 1 { f64::from(class) } else { -1.0 };
                    let record = [
                        f64::from(condition_at),
                        f64::from(n_cond),
                        -1.0,
                        f64::from(text_at),
                        f64::from(len),
                        class,
                    ];
                    first_rule.get_or_insert(sink.f64s(&mut record.into_iter())?);
                    condition_at += n_cond;
                    text_at += len;
                }
            }
            tree_conditions = condition_at;
        }
        let mut first_condition = None;
        let mut n_levels = 0u32;
        for_each_condition(get, trees, ntrees, &mut |cid| {
            let categorical = int(get, &key(format_args!("type_{cid}"))?)? == 0;
            let operator = match int(get, &key(format_args!("operator_{cid}"))?)? {
                0 => 0.0,
                1 => 1.0,
                _ => 2.0,
            };
            let nas = match get(&key(format_args!("nas_included_{cid}"))?) {
                Some("true") => 1.0,
                Some("false") => 0.0,
                _ => return Err(ModelError::BadValue("nas_included_").into()),
            };
            let (a, b) = if categorical {
                let n = count(get, &key(format_args!("cat_treshold_length_{cid}"))?)?;
                let first = n_levels;
                n_levels = n_levels
                    .checked_add(n)
                    .ok_or(ModelError::TooLarge("RuleFit rules"))?;
                (f64::from(first), f64::from(n))
            } else {
                let t = get(&key(format_args!("num_treshold{cid}"))?)
                    .and_then(ini::double)
                    .ok_or(ModelError::BadValue("num_treshold"))?;
                (t, 0.0)
            };
            let feature = count(get, &key(format_args!("feature_index_{cid}"))?)?;
            let kind = if categorical { 0.0 } else { 1.0 };
            let record = [f64::from(feature), kind, operator, nas, a, b];
            first_condition.get_or_insert(sink.f64s(&mut record.into_iter())?);
            Ok(())
        })?;
        // The levels of the categorical conditions, in the order the conditions named them.
        let mut first_level = None;
        for_each_condition(get, trees, ntrees, &mut |cid| {
            if int(get, &key(format_args!("type_{cid}"))?)? != 0 {
                return Ok(());
            }
            let n = count(get, &key(format_args!("cat_treshold_length_{cid}"))?)?;
            for t in 0..n {
                let v = int(get, &key(format_args!("cat_treshold_length_{t}_{cid}"))?)?;
                first_level.get_or_insert(sink.f64s(&mut [f64::from(v)].into_iter())?);
            }
            Ok(())
        })?;
        // The linear model's features, by name, in the order of the rule values and the
        // row (filled into `map` at load).
        let n_linear = subs
            .as_ref()
            .get(linear as usize)
            .map_or(0, |h| h.n_features as usize);
        let n_names = count(get, "linear_names_len")? as usize;
        if n_names < n_linear {
            return Err(ModelError::Corrupt("RuleFit linear_names").into());
        }
        let mut first_name = None;
        for i in 0..n_linear {
            let name = get(&key(format_args!("linear_names_{i}"))?)
                .ok_or(ModelError::MissingKey("linear_names_"))?;
            let name = sink.text(name.as_bytes())?;
            let at = sink.f64s(&mut text_ref(name).into_iter())?;
            first_name.get_or_insert(at);
        }
        let map = sink.f64s(&mut core::iter::repeat_n(f64::NAN, n_linear))?;
        let span = |first: Option<u32>, len: u32| Span {
            first: first.unwrap_or(0),
            len,
        };
        Ok(RuleFit {
            linear,
            kind,
            groups,
            group_rules: span(first_group, 2 * groups),
            rules: span(first_rule, RULE as u32 * n_rules_total),
            conditions: span(first_condition, CONDITION as u32 * n_conditions_total),
            levels: span(first_level, n_levels),
            names: span(first_name, 2 * n_linear as u32),
            map: Span {
                first: map,
                len: n_linear as u32,
            },
        })
    }

    /// The values of the RuleFit row that the linear model reads: the rule values, then
    /// (with `rules_and_linear`) the row's features.
    fn test_len(&self, n_features: usize) -> usize {
        match self.kind {
            RuleFitType::Linear => n_features,
            RuleFitType::RulesAndLinear => self.groups as usize + n_features,
            RuleFitType::Rules => self.groups as usize,
        }
    }

    /// Resolves, by name, each rule's level in the linear model's column of its tree, and
    /// each linear feature's column, once everything is written.
    pub(super) fn fill(
        &self,
        w: &mut Writer<'_>,
        header: &Header,
        subs: &[Header],
    ) -> Result<(), ModelError> {
        let corrupt = ModelError::Corrupt("RuleFit names");
        let linear = subs.get(self.linear as usize).ok_or(corrupt)?;
        let columns =
            linear.first_column as usize..(linear.first_column + linear.n_features) as usize;
        let text = |w: &Writer<'_>, at: usize| -> Result<StrRef, ModelError> {
            let off = w.f64_at(at).ok_or(corrupt)?;
            let len = w.f64_at(at + 1).ok_or(corrupt)?;
            Ok(StrRef {
                off: off as u32,
                len: len as u32,
            })
        };
        let column_named =
            |w: &Writer<'_>, name: &[u8]| columns.clone().find(|&c| w.column_name(c) == Some(name));
        // A multinomial model's class names: the levels of its response (the last column).
        let response = (header.first_column + header.n_columns)
            .checked_sub(1)
            .and_then(|c| w.column_at(c as usize))
            .filter(|c| c.first_level != NONE);
        for r in 0..(self.rules.len as usize / RULE) {
            let at = self.rules.first as usize + r * RULE;
            let name = w.str(text(w, at + 3)?).ok_or(corrupt)?;
            let class = w.f64_at(at + 5).ok_or(corrupt)?;
            let mut var: heapless::Vec<u8, { 2 * limits::MAX_NAME_LEN }> = heapless::Vec::new();
            // genmodel: the column named by the text before the first `N` (and, for class
            // `k`'s rules, `C<k>`), then the level.
            let prefix = name
                .iter()
                .position(|&b| b == b'N')
                .and_then(|n| name.get(..n));
            if class >= 0.0 {
                let k = class as usize;
                let class_name = response
                    .filter(|c| k < c.n_levels as usize)
                    .and_then(|c| w.level_text(c.first_level as usize + k))
                    .ok_or(corrupt)?;
                if !name.ends_with(class_name) {
                    w.set_f64(at + 2, NOT_OF_CLASS)?;
                    continue;
                }
            }
            let column = prefix
                .and_then(|p| {
                    var.extend_from_slice(p).ok()?;
                    if class >= 0.0 {
                        let mut k = heapless::String::<12>::new();
                        write!(k, "C{}", class as u32).ok()?;
                        var.extend_from_slice(k.as_bytes()).ok()?;
                    }
                    column_named(w, &var)
                })
                .ok_or(ModelError::Corrupt(
                    "a RuleFit rule names no column of the linear model",
                ))?;
            let rec = w.column_at(column).ok_or(corrupt)?;
            let mut level = -1.0;
            if rec.first_level != NONE {
                for k in 0..rec.n_levels as usize {
                    if w.level_text(rec.first_level as usize + k) == Some(name) {
                        level = k as f64;
                        break;
                    }
                }
            }
            w.set_f64(at + 2, level)?;
        }
        // genmodel's list of a class's rules is null when none ends with the class's name,
        // and every row then fails.
        for g in 0..self.groups as usize {
            let field = |k: usize| w.f64_at(self.group_rules.first as usize + 2 * g + k);
            let (first, n) = (field(0).ok_or(corrupt)?, field(1).ok_or(corrupt)?);
            let rule = |r: usize, k: usize| w.f64_at(self.rules.first as usize + r * RULE + k);
            let multinomial = n >= 1.0 && rule(first as usize, 5).is_some_and(|c| c >= 0.0);
            let of_class = (first as usize..(first + n) as usize)
                .any(|r| rule(r, 2).is_some_and(|l| l != NOT_OF_CLASS));
            if multinomial && !of_class {
                return Err(ModelError::Unsupported(
                    "a multinomial RuleFit with a tree that has no rule for some class \
                     (genmodel fails on every row)",
                ));
            }
        }
        let test_len = self.test_len(header.n_features as usize);
        for i in 0..self.map.len as usize {
            let name = w
                .str(text(w, self.names.first as usize + 2 * i)?)
                .ok_or(corrupt)?;
            let column = column_named(w, name).ok_or(ModelError::Corrupt(
                "a RuleFit linear name is not a column of the linear model",
            ))?;
            if i >= test_len {
                return Err(ModelError::Corrupt(
                    "RuleFit's linear model reads past its row",
                ));
            }
            w.set_f64(self.map.first as usize + i, (column - columns.start) as f64)?;
        }
        Ok(())
    }

    /// Scratch: the RuleFit row, the linear model's row, and what the linear model needs.
    pub(super) fn work_len(&self, part: &Part<'_>) -> usize {
        let linear = part.sub(self.linear as usize);
        self.test_len(part.n_features()) + linear.n_features() + linear.work_len()
    }

    /// `RuleFitMojoModel.score0`.
    pub(super) fn score(
        &self,
        part: &Part<'_>,
        row: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
        work: &mut [f64],
    ) -> Result<(), ScoreError> {
        let need = self.work_len(part);
        if work.len() < need {
            return Err(ScoreError::WorkLength {
                expected: need as u32,
                found: work.len() as u32,
            });
        }
        let f64s = part.regions().f64s;
        let get = |s: Span, i: usize| s.at(f64s, i).unwrap_or(f64::NAN);
        let (test, rest) = work.split_at_mut(self.test_len(row.len()));
        let linear = part.sub(self.linear as usize);
        let (linear_row, inner) = rest.split_at_mut(linear.n_features());
        let rules_len = match self.kind {
            RuleFitType::Linear => 0,
            _ => self.groups as usize,
        };
        let (rule_values, own) = test.split_at_mut(rules_len);
        for (g, out) in rule_values.iter_mut().enumerate() {
            let first = get(self.group_rules, 2 * g) as usize;
            let n = get(self.group_rules, 2 * g + 1) as usize;
            let mut value = -1.0;
            for r in first..first + n {
                let at = r * RULE;
                if get(self.rules, at + 2) == NOT_OF_CLASS {
                    continue;
                }
                let (c0, nc) = (
                    get(self.rules, at) as usize,
                    get(self.rules, at + 1) as usize,
                );
                if (c0..c0 + nc).all(|c| self.holds(&get, row, c)) {
                    value = get(self.rules, at + 2);
                }
            }
            *out = if value >= 0.0 { value } else { f64::NAN };
        }
        own.copy_from_slice(row.get(..own.len()).unwrap_or_default());
        linear_row.fill(0.0);
        for (i, &v) in test.iter().enumerate().take(self.map.len as usize) {
            if let Some(slot) = linear_row.get_mut(get(self.map, i) as usize) {
                *slot = v;
            }
        }
        linear.score_inner(linear_row, 0.0, preds, java, inner)
    }

    /// `MojoCondition.map` for one condition of a rule whose earlier conditions held.
    fn holds(&self, get: &impl Fn(Span, usize) -> f64, row: &[f64], c: usize) -> bool {
        let at = c * CONDITION;
        let field = |k: usize| get(self.conditions, at + k);
        let x = row.get(field(0) as usize).copied().unwrap_or(f64::NAN);
        if x.is_nan() {
            return field(3) == 1.0;
        }
        if field(1) == 1.0 {
            match field(2) as u32 {
                0 => x < field(4),
                1 => x >= field(4),
                _ => false,
            }
        } else {
            let (first, n) = (field(4) as usize, field(5) as usize);
            (first..first + n).any(|l| get(self.levels, l) == x)
        }
    }
}

impl RuleFit {
    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let spans = [
            self.group_rules,
            self.rules,
            self.conditions,
            self.levels,
            self.names,
            self.map,
        ];
        if Span::all_within(&spans, f64s) {
            Ok(())
        } else {
            Err(ModelError::Corrupt("RuleFit arrays"))
        }
    }
}
