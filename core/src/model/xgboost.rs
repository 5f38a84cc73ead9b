//! XGBoost MOJOs (`XGBoostJavaMojoModel` over xgboost-predictor): the legacy binary booster,
//! scored in f32 as the Java predictor does.
//!
//! `boosterBytes` is xgboost's legacy binary model: a learner header (base score, feature and
//! class counts, version), the objective and booster names, then a `gbtree`/`dart` forest or
//! `gblinear` weights. Everything scoring needs goes into the model's doubles:
//!
//! * `cat_offsets`: the `cats + 1` one-hot block starts from `model.ini`;
//! * `nodes`: 4 doubles per node, trees back to back in file order:
//!   `[value, feature, left, right]`. `value` is the split condition, or the leaf value when
//!   `left < 0`; `feature` is the split index, stored as `-(index + 1)` when missing values go
//!   left; children are absolute node indices;
//! * `trees`: 4 doubles per tree in file order: `[first node, node count, group, weight]`,
//!   where `weight` is dart's `weight_drop` for the tree's index within its group;
//! * `weights`: gblinear's `(num_feature + 1) × groups` weights, bias last;
//! * `prior`: `prior_class_distrib`, for `getPrediction`'s tie-break.
//!
//! Arithmetic follows the Java predictor exactly: inputs are cast to f32 and compared with `<`
//! in f32, each group sums its trees in file order in f32, and the objective transforms mix
//! f32 and f64 as its bytecode does. Summing trees in file order into per-group accumulators
//! gives each group the same sequence of additions as the predictor's grouped tree arrays.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::math::java_max;
use super::predict::Java;
use super::shap::{add_tree, ShapFailed, ShapTree};
use super::Span;
use crate::error::{ModelError, ScoreError};
use crate::ini::{self, Ini};
use crate::limits::{MAX_CLASSES, MAX_TREES};
use crate::read::Reader;

/// gblinear weights (`(num_feature + 1) × groups`). 16M is far above any H2O model and bounds
/// both the zero fill of an empty weight vector and the per-row loop over features.
const MAX_LINEAR_WEIGHTS: usize = 1 << 24;

/// The learner header after the optional `binf` magic: `num_class`, `saved_with_pbuffer`,
/// `contain_eval_metrics`, `major_version`, `minor_version`, 27 reserved ints.
const LEARNER_TAIL_LEN: usize = 5 * 4 + 27 * 4;
/// `GBTree.ModelParam`: 4 ints, a long, 2 ints, 31 reserved ints and a padding int.
const GBTREE_PARAM_LEN: usize = 4 * 4 + 8 + 2 * 4 + 31 * 4 + 4;
/// `RegTreeImpl.Param`: 6 ints and 31 reserved ints.
const TREE_PARAM_LEN: usize = 6 * 4 + 31 * 4;
/// `GBLinear.ModelParam`: 2 ints and 32 reserved ints.
const GBLINEAR_PARAM_LEN: usize = 2 * 4 + 32 * 4;
/// A node: parent, left, right, split index (i32 each) and a f32.
const NODE_LEN: usize = 20;
/// A node's statistics (loss change, hessian sum, base weight, leaf count): unused here.
const STAT_LEN: usize = 16;
/// Doubles stored per node ([`XNode`]) and per tree ([`XTree`]).
const NODE_F64S: usize = 2;
const TREE_F64S: usize = 2;

/// Encoded features [`XgBoost::sum_trees`] computes once per row on the stack, rather than
/// one `fvalue` per node visited; models with more get `fvalue` per node. Up to
/// `FEW_FVALUES` the buffer is that small.
const ROW_FVALUES: usize = 256;
const FEW_FVALUES: usize = 32;

/// Groups (classes) whose sums [`XgBoost::score`] keeps in a small buffer on the stack.
const FEW_GROUPS: usize = 16;

const TRUNCATED: ModelError = ModelError::Corrupt("XGBoost booster is truncated");

/// The booster named in `boosterBytes` (xgboost-predictor's `GradBooster.Factory`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    GbTree,
    /// gbtree whose leaves are scaled by `weight_drop`.
    Dart,
    GbLinear,
}

/// The objective's prediction transform (xgboost-predictor's registered `ObjFunction`s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Objective {
    /// `reg:squarederror`, `reg:linear`, `binary:logitraw`, `rank:pairwise`, `rank:ndcg`.
    Identity,
    /// `binary:logistic`, `reg:logistic`.
    Logistic,
    /// `multi:softprob`.
    SoftProb,
    /// `multi:softmax`: the argmax index.
    SoftMax,
    /// `reg:gamma`, `reg:tweedie`, `count:poisson`.
    Exp,
}

impl Objective {
    fn from_name(name: &[u8]) -> Option<Objective> {
        Some(match name {
            b"reg:squarederror" | b"reg:linear" | b"binary:logitraw" | b"rank:pairwise"
            | b"rank:ndcg" => Objective::Identity,
            b"binary:logistic" | b"reg:logistic" => Objective::Logistic,
            b"multi:softprob" => Objective::SoftProb,
            b"multi:softmax" => Objective::SoftMax,
            b"reg:gamma" | b"reg:tweedie" | b"count:poisson" => Objective::Exp,
            _ => return None,
        })
    }

    /// `ObjFunction.probToMargin`.
    fn prob_to_margin(self, p: f32) -> f32 {
        match self {
            // The inner arithmetic is f32, the log f64.
            Objective::Logistic => (-super::math::log(f64::from(1.0f32 / p - 1.0f32))) as f32,
            Objective::Exp => super::math::log(f64::from(p)) as f32,
            _ => p,
        }
    }
}

/// Everything an XGBoost model needs at scoring time (spans into the model's doubles).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XgBoost {
    kind: Kind,
    objective: Objective,
    /// The base margin (`base_score` through `probToMargin`), as f32 bits so that the struct
    /// compares equal to itself even when it is NaN.
    base_margin: u32,
    /// Learner version ≤ 1.2: trees start from 0 and the margin is added last.
    margin_last: bool,
    /// Output groups (`num_class`, or 1).
    groups: u32,
    /// gblinear's feature count (`num_feature` of the learner header).
    num_feature: u32,
    cats: u32,
    nums: u32,
    /// One-hot columns: `cat_offsets[cats]`; numerics follow.
    cat_end: u32,
    cat_offsets: Span,
    use_all_factor_levels: bool,
    sparse: bool,
    /// MOJO 1.00 with a non-gbtree booster: a one-hot column is hot if any categorical's hot
    /// index equals it, and short rows are zero-padded.
    compat10: bool,
    has_offset: bool,
    nodes: Span,
    trees: Span,
    weights: Span,
    /// TreeSHAP covers: every node's `sum_hess`, in the order of `nodes`.
    covers: Span,
    /// `auxNodeWeights` as stored, `[ntrees, n0, w…, n1, w…]`; they replace the covers of
    /// the first group's trees (`AuxNodeWeightsHelper`).
    aux_covers: Option<Span>,
    prior: Option<Span>,
    threshold: f64,
    n_classes: u32,
    /// The offset column's index, for the error on an offset the model cannot take.
    offset_column: u32,
}

fn span(f64s: &[f64], s: Span) -> &[f64] {
    s.values(f64s)
}

/// A span of `len` doubles starting at `first`, or an error if the count overflows.
fn span_of(first: u32, len: usize) -> Result<Span, ModelError> {
    let len = u32::try_from(len).map_err(|_| ModelError::TooLarge("XGBoost booster"))?;
    Ok(Span { first, len })
}

/// Java's `readUnsignedInt`: a little-endian int that must not be negative.
fn unsigned(r: &mut Reader<'_>) -> Result<u32, ModelError> {
    let v = r.le_i32().ok_or(TRUNCATED)?;
    u32::try_from(v).map_err(|_| ModelError::Corrupt("XGBoost booster has a negative count"))
}

/// `ModelReader.readString`: a u64 length and that many bytes.
fn string<'a>(r: &mut Reader<'a>) -> Result<&'a [u8], ModelError> {
    let len = r.le_u64().ok_or(TRUNCATED)?;
    let len = usize::try_from(len).map_err(|_| TRUNCATED)?;
    r.take(len).ok_or(TRUNCATED)
}

/// One node as stored in the booster.
#[derive(Clone, Copy, Debug)]
struct RawNode {
    left: i32,
    right: i32,
    sindex: u32,
    info: f32,
}

impl RawNode {
    fn read(nodes: &[u8], k: usize) -> Option<RawNode> {
        let bytes = nodes.get(k.checked_mul(NODE_LEN)?..)?;
        let mut r = Reader::new(bytes);
        let _parent = r.le_i32()?;
        Some(RawNode {
            left: r.le_i32()?,
            right: r.le_i32()?,
            sindex: r.le_u32()?,
            info: r.le_f32()?,
        })
    }

    /// `cleft == -1` marks a leaf; nothing else does.
    fn is_leaf(&self) -> bool {
        self.left == -1
    }

    fn split_index(&self) -> u32 {
        self.sindex & 0x7fff_ffff
    }

    /// The stored form ([`XNode`]), children made absolute by adding the tree's first node
    /// `base` (checked below `u32::MAX` by the caller).
    fn encode(&self, base: usize) -> [f64; NODE_F64S] {
        let (left, right) = if self.is_leaf() {
            (XNode::LEAF, XNode::LEAF)
        } else {
            let child = |c: i32| (base as u32).wrapping_add(c as u32);
            (child(self.left), child(self.right))
        };
        XNode {
            value: self.info,
            sindex: self.sindex,
            left,
            right,
        }
        .encode()
    }
}

/// A tree's row in the tree table, stored like [`XNode`] as two doubles of bit patterns:
/// its first node (absolute) and node count, its group and its dart weight (1 otherwise).
#[derive(Clone, Copy, Debug, PartialEq)]
struct XTree {
    first: u32,
    count: u32,
    group: u32,
    weight: f32,
}

impl XTree {
    fn encode(self) -> [f64; TREE_F64S] {
        [
            f64::from_bits(u64::from(self.first) | u64::from(self.count) << 32),
            f64::from_bits(u64::from(self.group) | u64::from(self.weight.to_bits()) << 32),
        ]
    }

    fn decode(words: &[f64]) -> Option<XTree> {
        let &[a, b] = words else {
            return None;
        };
        let (a, b) = (a.to_bits(), b.to_bits());
        Some(XTree {
            first: a as u32,
            count: (a >> 32) as u32,
            group: b as u32,
            weight: f32::from_bits((b >> 32) as u32),
        })
    }

    /// Tree `t` of `trees` (the tree table).
    fn at(trees: &[f64], t: usize) -> Option<XTree> {
        let at = t.checked_mul(TREE_F64S)?;
        Self::decode(trees.get(at..at.checked_add(TREE_F64S)?)?)
    }

    /// Every tree of `trees`, in file order.
    fn all(trees: &[f64]) -> impl Iterator<Item = XTree> + '_ {
        trees.chunks_exact(TREE_F64S).filter_map(Self::decode)
    }
}

/// Walks one tree from its root (`RegTreeImpl.getLeafValue`), `fvalue` giving the row's
/// encoded features.
#[inline(always)]
fn leaf(
    nodes: &[f64],
    fvalue: impl Fn(usize) -> f32,
    first: usize,
    count: usize,
) -> Result<f32, ScoreError> {
    let mut at = first;
    // A path longer than the tree means a cycle, on which the predictor would loop forever.
    for _ in 0..count {
        let Some(node) = XNode::at(nodes, at) else {
            break;
        };
        if node.is_leaf() {
            return Ok(node.value);
        }
        at = node.next(fvalue(node.feature())) as usize;
    }
    Err(ScoreError::Rejected {
        column: 0,
        reason: "XGBoost tree has a cycle",
    })
}

/// A node as stored: two doubles that are bit patterns, not numbers: `value` (the split
/// threshold or leaf value, f32 bits) and `sindex` (as in the booster: the split feature,
/// bit 31 set when missing values go left), then the absolute `left` and `right` children.
/// Two `u64` loads a node and no conversions: the four doubles this replaced (decision
/// 44's "four `f64`s converted at every step") cost XGBoost half its row time.
#[derive(Clone, Copy, Debug, PartialEq)]
struct XNode {
    value: f32,
    sindex: u32,
    left: u32,
    right: u32,
}

impl XNode {
    /// `left` and `right` of a leaf.
    const LEAF: u32 = u32::MAX;

    fn encode(self) -> [f64; NODE_F64S] {
        [
            f64::from_bits(u64::from(self.value.to_bits()) | u64::from(self.sindex) << 32),
            f64::from_bits(u64::from(self.left) | u64::from(self.right) << 32),
        ]
    }

    /// Node `n` of `nodes` (all trees' nodes, absolute indices).
    fn at(nodes: &[f64], n: usize) -> Option<XNode> {
        let at = n.checked_mul(NODE_F64S)?;
        let (a, b) = match nodes.get(at..at.checked_add(NODE_F64S)?)? {
            &[a, b] => (a.to_bits(), b.to_bits()),
            _ => return None,
        };
        Some(XNode {
            value: f32::from_bits(a as u32),
            sindex: (a >> 32) as u32,
            left: b as u32,
            right: (b >> 32) as u32,
        })
    }

    fn is_leaf(&self) -> bool {
        self.left == Self::LEAF
    }

    fn feature(&self) -> usize {
        (self.sindex & 0x7fff_ffff) as usize
    }

    fn default_left(&self) -> bool {
        self.sindex >> 31 != 0
    }

    /// Whether feature value `v` goes left (`RegTreeImpl.getLeafValue`'s step): missing
    /// values take the default direction, others go left when below the split (a NaN split
    /// sends every value right).
    fn goes_left(&self, v: f32) -> bool {
        if v.is_nan() {
            self.default_left()
        } else {
            v < self.value
        }
    }

    /// The child for feature value `v`.
    fn next(&self, v: f32) -> u32 {
        if self.goes_left(v) {
            self.left
        } else {
            self.right
        }
    }
}

/// Splits the next tree off `r`: its node count, node bytes and statistics bytes.
type RawTree<'a> = (usize, &'a [u8], &'a [u8]);

fn next_tree<'a>(r: &mut Reader<'a>) -> Result<RawTree<'a>, ModelError> {
    let mut param = r.sub(TREE_PARAM_LEN).ok_or(TRUNCATED)?;
    let _num_roots = param.le_i32();
    let n = param.le_i32().ok_or(TRUNCATED)?;
    let n = usize::try_from(n).map_err(|_| ModelError::Corrupt("XGBoost tree node count"))?;
    let nodes = r
        .take(n.checked_mul(NODE_LEN).ok_or(TRUNCATED)?)
        .ok_or(TRUNCATED)?;
    let stats = r
        .take(n.checked_mul(STAT_LEN).ok_or(TRUNCATED)?)
        .ok_or(TRUNCATED)?;
    Ok((n, nodes, stats))
}

/// The parts of `boosterBytes` scoring needs, borrowed from it.
#[derive(Clone, Copy, Debug)]
struct Booster<'a> {
    base_score: f32,
    num_feature: u32,
    groups: usize,
    major: u32,
    minor: u32,
    objective: Objective,
    kind: Kind,
    num_trees: usize,
    /// The tree records, back to back.
    trees: &'a [u8],
    /// `num_trees` i32 group numbers.
    tree_info: &'a [u8],
    /// dart's `weight_drop` or gblinear's weights, f32 each.
    weights: &'a [u8],
    /// gblinear: no weights were saved, so they are all zero.
    zero_weights: bool,
}

impl<'a> Booster<'a> {
    /// Reads the structure (`Predictor.readParam` and the booster's `loadModel`); trailing
    /// bytes (attributes) are ignored, as the predictor ignores them.
    fn parse(bytes: &'a [u8]) -> Result<Booster<'a>, ModelError> {
        let mut r = Reader::new(bytes);
        let first: [u8; 4] = r.take_array().ok_or(TRUNCATED)?;
        let second: [u8; 4] = r.take_array().ok_or(TRUNCATED)?;
        let (base_score, num_feature) = if &first == b"binf" {
            (f32::from_le_bytes(second), unsigned(&mut r)?)
        } else if matches!(
            (first, second),
            ([0, 5, b'_', b'c'], [b'l', b's', b'_', _])
                | ([0, 5, b'_', b'r'], [b'e', b'g', b'_', _])
        ) {
            return Err(ModelError::Unsupported("xgboost4j-spark boosters"));
        } else {
            // Old files start with the two fields directly.
            let n = i32::from_le_bytes(second);
            let n = u32::try_from(n).map_err(|_| ModelError::Corrupt("XGBoost num_feature"))?;
            (f32::from_le_bytes(first), n)
        };
        let mut tail = r.sub(LEARNER_TAIL_LEN).ok_or(TRUNCATED)?;
        let num_class = tail.le_i32().ok_or(TRUNCATED)?;
        let saved_with_pbuffer = tail.le_i32().ok_or(TRUNCATED)?;
        let _contain_eval_metrics = tail.le_i32();
        let major = unsigned(&mut tail)?;
        let minor = unsigned(&mut tail)?;
        let objective = Objective::from_name(string(&mut r)?)
            .ok_or(ModelError::Unsupported("this XGBoost objective"))?;
        let kind = match string(&mut r)? {
            b"gbtree" => Kind::GbTree,
            b"dart" => Kind::Dart,
            b"gblinear" => Kind::GbLinear,
            _ => return Err(ModelError::Unsupported("this XGBoost booster")),
        };
        let groups = match num_class {
            0 => 1,
            n => usize::try_from(n).map_err(|_| ModelError::Corrupt("XGBoost num_class"))?,
        };
        if groups > MAX_CLASSES {
            return Err(ModelError::TooLarge("XGBoost classes"));
        }
        let mut booster = Booster {
            base_score,
            num_feature,
            groups,
            major,
            minor,
            objective,
            kind,
            num_trees: 0,
            trees: &[],
            tree_info: &[],
            weights: &[],
            zero_weights: false,
        };
        if kind == Kind::GbLinear {
            let mut param = r.sub(GBLINEAR_PARAM_LEN).ok_or(TRUNCATED)?;
            unsigned(&mut param)?;
            let n = r.le_u64().ok_or(TRUNCATED)?;
            // Java truncates the long to an int.
            let n = n as u32 as i32;
            let n = usize::try_from(n).map_err(|_| ModelError::Corrupt("XGBoost weights"))?;
            booster.zero_weights = n == 0;
            booster.weights = r
                .take(n.checked_mul(4).ok_or(TRUNCATED)?)
                .ok_or(TRUNCATED)?;
            return Ok(booster);
        }
        let mut param = r.sub(GBTREE_PARAM_LEN).ok_or(TRUNCATED)?;
        let num_trees = param.le_i32().ok_or(TRUNCATED)?;
        let _num_roots = param.le_i32();
        param.skip(8).ok_or(TRUNCATED)?;
        let num_pbuffer = param.le_u64().ok_or(TRUNCATED)? as i64;
        param.skip(4).ok_or(TRUNCATED)?;
        let size_leaf_vector = param.le_i32().ok_or(TRUNCATED)?;
        let num_trees =
            usize::try_from(num_trees).map_err(|_| ModelError::Corrupt("XGBoost num_trees"))?;
        if num_trees > MAX_TREES {
            return Err(ModelError::TooLarge("XGBoost trees"));
        }
        let start = r.position();
        let mut walk = r;
        for _ in 0..num_trees {
            next_tree(&mut walk)?;
        }
        booster.trees = r.take(walk.position() - start).ok_or(TRUNCATED)?;
        booster.num_trees = num_trees;
        booster.tree_info = r.take(num_trees * 4).ok_or(TRUNCATED)?;
        if num_pbuffer != 0 && saved_with_pbuffer != 0 {
            // Two prediction buffers of 4-byte values; Java's long arithmetic wraps, and
            // `skip` of a negative count skips nothing.
            let size = (groups as i64)
                .wrapping_mul(num_pbuffer)
                .wrapping_mul(i64::from(size_leaf_vector.wrapping_add(1)));
            let skip = usize::try_from(size.wrapping_mul(4)).unwrap_or(0);
            r.skip(skip).ok_or(TRUNCATED)?;
            r.skip(skip).ok_or(TRUNCATED)?;
        }
        if kind == Kind::Dart && num_trees != 0 {
            let n = r.le_u64().ok_or(TRUNCATED)? as u32 as i32;
            let n = usize::try_from(n).map_err(|_| ModelError::Corrupt("XGBoost weight_drop"))?;
            booster.weights = r
                .take(n.checked_mul(4).ok_or(TRUNCATED)?)
                .ok_or(TRUNCATED)?;
        }
        Ok(booster)
    }

    /// The trees in file order: `(group, node count, node bytes)`, with `group` as stored.
    fn trees(&self) -> impl Iterator<Item = (i32, usize, &'a [u8])> + 'a {
        self.trees_with_stats()
            .map(|(g, n, nodes, _)| (g, n, nodes))
    }

    /// [`Booster::trees`] with each tree's node statistics.
    fn trees_with_stats(&self) -> impl Iterator<Item = (i32, usize, &'a [u8], &'a [u8])> + 'a {
        let mut r = Reader::new(self.trees);
        let mut info = Reader::new(self.tree_info);
        (0..self.num_trees).map_while(move |_| {
            let (n, nodes, stats) = next_tree(&mut r).ok()?;
            Some((info.le_i32()?, n, nodes, stats))
        })
    }

    /// dart's `weight_drop[k]`.
    fn weight(&self, k: usize) -> Option<f32> {
        let at = k.checked_mul(4)?;
        let bytes = self.weights.get(at..at.checked_add(4)?)?;
        Some(f32::from_le_bytes(bytes.try_into().ok()?))
    }
}

/// `cat_offsets` as ints, checked: `cats + 1` starts from 0, non-decreasing. Extra values are
/// ignored, as genmodel only reads the first `cats + 1`.
fn cat_offsets<'a>(
    ini: &Ini<'a>,
    cats: usize,
) -> Result<(u32, impl Iterator<Item = i32> + 'a), ModelError> {
    let bad = ModelError::BadValue("cat_offsets");
    let text = match ini.get("cat_offsets") {
        Some(text) => text,
        // genmodel builds an empty one-hot map without the key; categoricals would throw.
        None if cats == 0 => "[0]",
        None => return Err(ModelError::MissingKey("cat_offsets")),
    };
    let values = move || {
        ini::array(text)
            .into_iter()
            .flatten()
            .take(cats + 1)
            .map(|s| ini::int(s).unwrap_or(-1))
    };
    let mut previous = 0;
    let mut n = 0;
    for (i, v) in values().enumerate() {
        if v < previous || (i == 0 && v != 0) {
            return Err(bad);
        }
        previous = v;
        n += 1;
    }
    if n != cats + 1 {
        return Err(bad);
    }
    Ok((previous as u32, values()))
}

impl XgBoost {
    /// Reads `model.ini` keys and parses the booster bytes into `sink`.
    pub(super) fn build(
        ini: &Ini<'_>,
        booster: &[u8],
        n_features: usize,
        n_classes: usize,
        sink: &mut dyn Sink,
    ) -> Result<XgBoost, ModelError> {
        let count = |key: &'static str| -> Result<u32, ModelError> {
            ini::int(ini.require(key)?)
                .and_then(|n| u32::try_from(n).ok())
                .ok_or(ModelError::BadValue(key))
        };
        let cats = count("cats")?;
        let nums = count("nums")?;
        let compat10 = ini.require_double("mojo_version")? == 1.0
            && ini.get("booster").is_none_or(|b| b != "gbtree");
        let inputs = cats as usize + nums as usize;
        // genmodel reads `cats + nums` row values; the 1.00 mode pads short rows with zeros
        // and throws on long ones.
        if (!compat10 && inputs > n_features) || (compat10 && inputs < n_features) {
            return Err(ModelError::BadValue("nums"));
        }
        let (cat_end, offsets) = cat_offsets(ini, cats as usize)?;
        let first = sink.f64s(&mut offsets.map(f64::from))?;
        let cat_offsets = span_of(first, cats as usize + 1)?;
        let encoded = cat_end as usize + nums as usize;
        let has_offset = ini.flag("has_offset")?;
        let offset_column = ini
            .get("offset_column")
            .and_then(|name| ini.columns().position(|c| c == name))
            .unwrap_or(0) as u32;
        let prior = super::doubles(ini, "prior_class_distrib", sink)?;
        let threshold = ini.require_double("default_threshold")?;

        let b = Booster::parse(booster)?;
        // `toPreds` copies every output of a multinomial model into the class slots.
        let outputs = if b.objective == Objective::SoftMax {
            1
        } else {
            b.groups
        };
        if n_classes > 2 && outputs > n_classes {
            return Err(ModelError::Corrupt(
                "XGBoost booster has more outputs than the model has classes",
            ));
        }
        if b.objective == Objective::Exp && b.groups != 1 {
            return Err(ModelError::Corrupt(
                "XGBoost regression objective with several output groups",
            ));
        }
        let (nodes, trees, weights, covers) = match b.kind {
            Kind::GbTree | Kind::Dart => {
                let (nodes, trees) = push_trees(&b, encoded, sink)?;
                let covers = push_covers(&b, sink)?;
                (nodes, trees, Span::default(), covers)
            }
            Kind::GbLinear => (
                Span::default(),
                Span::default(),
                push_linear(&b, encoded, sink)?,
                Span::default(),
            ),
        };
        let base_score = if b.major >= 1 {
            b.objective.prob_to_margin(b.base_score)
        } else {
            b.base_score
        };
        Ok(XgBoost {
            kind: b.kind,
            objective: b.objective,
            base_margin: base_score.to_bits(),
            margin_last: b.major < 1 || (b.major == 1 && b.minor <= 2),
            groups: b.groups as u32,
            num_feature: b.num_feature,
            cats,
            nums,
            cat_end,
            cat_offsets,
            use_all_factor_levels: ini.flag("use_all_factor_levels")?,
            sparse: ini.flag("sparse")?,
            compat10,
            has_offset,
            nodes,
            trees,
            weights,
            covers,
            aux_covers: None,
            prior,
            threshold,
            n_classes: n_classes as u32,
            offset_column,
        })
    }

    /// Checks the loaded values, so that scoring cannot index outside them.
    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        let corrupt = ModelError::Corrupt("XGBoost arrays");
        let fits = |s: Span| s.first as usize + s.len as usize <= f64s.len();
        let spans = [
            self.cat_offsets,
            self.nodes,
            self.trees,
            self.weights,
            self.covers,
        ];
        if !spans.iter().all(|&s| fits(s))
            || !self.prior.is_none_or(fits)
            || !self.aux_covers.is_none_or(fits)
        {
            return Err(corrupt);
        }
        let offsets = span(f64s, self.cat_offsets);
        if offsets.len() != self.cats as usize + 1
            || offsets.last().copied() != Some(f64::from(self.cat_end))
            || offsets.first().copied() != Some(0.0)
            || !offsets.windows(2).all(|w| matches!(w, [a, b] if a <= b))
        {
            return Err(corrupt);
        }
        let encoded = self.cat_end as usize + self.nums as usize;
        let nodes = span(f64s, self.nodes);
        let n_nodes = (nodes.len() / NODE_F64S) as f64;
        if nodes.len() % NODE_F64S != 0 || n_nodes >= f64::from(XNode::LEAF) {
            return Err(corrupt);
        }
        let trees = span(f64s, self.trees);
        if trees.len() % TREE_F64S != 0 {
            return Err(corrupt);
        }
        for t in 0..trees.len() / TREE_F64S {
            let tree = XTree::at(trees, t).ok_or(corrupt)?;
            let (first, end) = (
                tree.first as usize,
                tree.first as usize + tree.count as usize,
            );
            if !(tree.count >= 1 && end as f64 <= n_nodes && tree.group < self.groups) {
                return Err(corrupt);
            }
            for n in first..end {
                let node = XNode::at(nodes, n).ok_or(corrupt)?;
                if node.is_leaf() {
                    continue;
                }
                let inside = |c: u32| (first..end).contains(&(c as usize));
                if !(inside(node.left) && inside(node.right) && node.feature() < encoded) {
                    return Err(corrupt);
                }
            }
        }
        let linear = (f64::from(self.num_feature) + 1.0) * f64::from(self.groups);
        if self.kind == Kind::GbLinear
            && (f64::from(self.weights.len) != linear || self.num_feature as usize > encoded)
        {
            return Err(corrupt);
        }
        Ok(())
    }

    /// Scores `row` into `preds`; returns whether genmodel's classifier finish (class
    /// distribution correction and `getPrediction`) still has to run.
    ///
    /// Always `false`: `XGBoostMojoModel.toPreds` calls `getPrediction` itself and never
    /// `correctProbabilities`, so the label is written here.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        offset: f64,
        preds: &mut [f64],
        java: Java<'_>,
    ) -> Result<bool, ScoreError> {
        // `score0` throws on any offset (NaN included) the model was not trained with.
        let margin = if self.has_offset {
            offset as f32
        } else if offset == 0.0 {
            f32::from_bits(self.base_margin)
        } else {
            return Err(ScoreError::Rejected {
                column: self.offset_column,
                reason: "this XGBoost model was trained without an offset",
            });
        };
        // Most models have one group (or a few classes): a small buffer spares zeroing
        // `MAX_CLASSES` floats for every row, a tenth of a binomial row's time.
        if self.groups as usize <= FEW_GROUPS {
            self.score_in(&mut [0.0f32; FEW_GROUPS], f64s, row, margin, preds, java)
        } else {
            self.score_in(&mut [0.0f32; MAX_CLASSES], f64s, row, margin, preds, java)
        }
    }

    /// [`XgBoost::score`] with `buf` (at least `groups` long) for the groups' sums.
    fn score_in(
        &self,
        buf: &mut [f32],
        f64s: &[f64],
        row: &[f64],
        margin: f32,
        preds: &mut [f64],
        java: Java<'_>,
    ) -> Result<bool, ScoreError> {
        let out = buf.get_mut(..self.groups as usize).unwrap_or(&mut []);
        let start = if self.margin_last { 0.0 } else { margin };
        match self.kind {
            Kind::GbTree | Kind::Dart => {
                out.fill(start);
                self.sum_trees(f64s, row, out)?;
                // `GBTree.predict` adds each group's sum to a fresh 0f.
                for o in out.iter_mut() {
                    *o += 0.0;
                }
            }
            Kind::GbLinear => self.linear(f64s, row, start, out),
        }
        if self.margin_last {
            for o in out.iter_mut() {
                *o += margin;
            }
        }
        let out: &[f32] = match self.objective {
            Objective::Identity => out,
            Objective::Logistic => {
                for o in out.iter_mut() {
                    *o = 1.0f32 / (1.0f32 + java.exp(f64::from(-*o)) as f32);
                }
                out
            }
            Objective::Exp => {
                for o in out.iter_mut() {
                    *o = java.exp(f64::from(*o)) as f32;
                }
                out
            }
            Objective::SoftProb => {
                softprob(out, java);
                out
            }
            Objective::SoftMax => {
                let best = softmax_index(out);
                let first = out.first_mut().ok_or(ScoreError::Rejected {
                    column: 0,
                    reason: "XGBoost model has no output",
                })?;
                *first = best as f32;
                out.get(..1).unwrap_or(&[])
            }
        };
        self.write_preds(f64s, row, out, preds);
        Ok(false)
    }

    /// `XGBoostMojoModel.toPreds`, including `getPrediction` for classifiers.
    fn write_preds(&self, f64s: &[f64], row: &[f64], out: &[f32], preds: &mut [f64]) {
        preds.fill(0.0);
        let first = out.first().copied().unwrap_or(f32::NAN);
        match self.n_classes {
            0 | 1 => {
                if let Some(p) = preds.first_mut() {
                    *p = f64::from(first);
                }
                return;
            }
            2 => {
                if let [_, p0, p1, ..] = preds {
                    // The complement is taken in f32.
                    *p0 = f64::from(1.0f32 - first);
                    *p1 = f64::from(first);
                }
            }
            _ => {
                for (p, &o) in preds.iter_mut().skip(1).zip(out) {
                    *p = f64::from(o);
                }
            }
        }
        let prior = self.prior.map(|s| span(f64s, s));
        let label = super::predict::prediction(preds, prior, row, self.threshold);
        if let Some(p) = preds.first_mut() {
            *p = label as f64;
        }
    }

    /// Adds every tree's leaf to its group, trees in file order. The row's encoded features
    /// are computed once when there are at most [`ROW_FVALUES`] of them.
    fn sum_trees(&self, f64s: &[f64], row: &[f64], out: &mut [f32]) -> Result<(), ScoreError> {
        // A buffer of the size needed, as zeroing a large one for every row costs (decision 44).
        match self.encoded_len() {
            n if n <= FEW_FVALUES => self.sum_trees_buffered::<FEW_FVALUES>(f64s, row, out),
            n if n <= ROW_FVALUES => self.sum_trees_buffered::<ROW_FVALUES>(f64s, row, out),
            _ => {
                let offsets = span(f64s, self.cat_offsets);
                self.sum_trees_with(f64s, |j| self.fvalue(offsets, row, j), out)
            }
        }
    }

    /// [`XgBoost::sum_trees`] with the row's encoded features computed first, into a
    /// buffer of `N` (at least [`XgBoost::encoded_len`]).
    fn sum_trees_buffered<const N: usize>(
        &self,
        f64s: &[f64],
        row: &[f64],
        out: &mut [f32],
    ) -> Result<(), ScoreError> {
        let mut buf = [0.0f32; N];
        let values = buf.get_mut(..self.encoded_len()).unwrap_or(&mut []);
        self.fvalues(span(f64s, self.cat_offsets), row, values);
        let values: &[f32] = values;
        let fvalue = |j: usize| values.get(j).copied().unwrap_or(f32::NAN);
        self.sum_trees_with(f64s, fvalue, out)
    }

    /// [`XgBoost::sum_trees`] with `fvalue` giving encoded feature `j` of the row.
    #[inline(always)]
    fn sum_trees_with(
        &self,
        f64s: &[f64],
        fvalue: impl Fn(usize) -> f32 + Copy,
        out: &mut [f32],
    ) -> Result<(), ScoreError> {
        let nodes = span(f64s, self.nodes);
        if let ([sum], Kind::GbTree) = (&mut *out, self.kind) {
            // One group: the running sum stays in a register instead of going through
            // memory between trees (the same additions in the same order).
            let mut acc = *sum;
            for tree in XTree::all(span(f64s, self.trees)) {
                acc += leaf(nodes, fvalue, tree.first as usize, tree.count as usize)?;
            }
            *sum = acc;
            return Ok(());
        }
        for tree in XTree::all(span(f64s, self.trees)) {
            let leaf = leaf(nodes, fvalue, tree.first as usize, tree.count as usize)?;
            if let Some(o) = out.get_mut(tree.group as usize) {
                *o = match self.kind {
                    Kind::Dart => *o + tree.weight * leaf,
                    _ => *o + leaf,
                };
            }
        }
        Ok(())
    }

    /// `GBLinear.pred` for every group: bias plus margin, then each present feature in order.
    fn linear(&self, f64s: &[f64], row: &[f64], start: f32, out: &mut [f32]) {
        let weights = span(f64s, self.weights);
        let offsets = span(f64s, self.cat_offsets);
        let groups = self.groups as usize;
        let num_feature = self.num_feature as usize;
        let w = |i: usize| weights.get(i).copied().unwrap_or(0.0) as f32;
        for (g, o) in out.iter_mut().enumerate() {
            let mut psum = w(num_feature * groups + g) + start;
            for fid in 0..num_feature {
                let v = self.fvalue(offsets, row, fid);
                if !v.is_nan() {
                    psum += v * w(fid * groups + g);
                }
            }
            *o = psum;
        }
    }

    /// Every encoded feature of `row` into `out` (`encoded_len` long): `out[j]` is
    /// [`XgBoost::fvalue`]`(j)`, computed by column rather than by feature. A categorical
    /// column's block is blank (0, or NaN when sparse) but for its hot index when that lies
    /// in the block, which is where `fvalue` looks for it (in the 1.00 mode, anywhere among
    /// the one-hot features, where `fvalue` looks for any column's).
    fn fvalues(&self, offsets: &[f64], row: &[f64], out: &mut [f32]) {
        let cat_end = self.cat_end as usize;
        let blank = if self.sparse { f32::NAN } else { 0.0 };
        let (hot, numeric) = out.split_at_mut(cat_end.min(out.len()));
        hot.fill(blank);
        for i in 0..self.cats as usize {
            let h = self.hot(offsets, row, i);
            let block = if self.compat10 {
                0..cat_end as i64
            } else {
                let bound = |k: usize| offsets.get(k).copied().unwrap_or(0.0) as i64;
                bound(i)..bound(i + 1)
            };
            if block.contains(&h) {
                if let Some(o) = hot.get_mut(h as usize) {
                    *o = 1.0;
                }
            }
        }
        for (k, o) in numeric.iter_mut().enumerate() {
            let x = row.get(self.cats as usize + k).copied().unwrap_or(0.0);
            let v = x as f32;
            *o = if self.sparse && v == 0.0 { f32::NAN } else { v };
        }
    }

    /// The encoded feature `j` (`OneHotEncoderFactory`'s `FVec.fvalue`).
    fn fvalue(&self, offsets: &[f64], row: &[f64], j: usize) -> f32 {
        let cat_end = self.cat_end as usize;
        if j >= cat_end {
            // Rows shorter than `cats + nums` only reach here in the 1.00 mode, which pads.
            let x = row
                .get(self.cats as usize + (j - cat_end))
                .copied()
                .unwrap_or(0.0);
            let v = x as f32;
            // Sparse models treat zeros (either sign, after the cast) as missing.
            return if self.sparse && v == 0.0 { f32::NAN } else { v };
        }
        let hot = if self.compat10 {
            (0..self.cats as usize).any(|i| self.hot(offsets, row, i) == j as i64)
        } else {
            // The column whose block holds `j` (genmodel's `catMap`).
            let column = offsets
                .partition_point(|&o| o <= j as f64)
                .saturating_sub(1);
            self.hot(offsets, row, column) == j as i64
        };
        if hot {
            1.0
        } else if self.sparse {
            f32::NAN
        } else {
            0.0
        }
    }

    /// The hot one-hot index of categorical column `i` (`GenModel.setCats`), in Java's int
    /// arithmetic: NA and levels past the block take the block's last (NA) slot; level 0
    /// without all factor levels has none (-1).
    fn hot(&self, offsets: &[f64], row: &[f64], i: usize) -> i64 {
        let lo = offsets.get(i).copied().unwrap_or(0.0) as i32;
        let hi = offsets.get(i + 1).copied().unwrap_or(0.0) as i32;
        let x = row.get(i).copied().unwrap_or(0.0);
        if x.is_nan() {
            return i64::from(hi.wrapping_sub(1));
        }
        // `as i32` saturates like Java's d2i.
        let c = x as i32;
        let hot = if self.use_all_factor_levels {
            c.wrapping_add(lo)
        } else if c != 0 {
            c.wrapping_sub(1).wrapping_add(lo)
        } else {
            -1
        };
        i64::from(if hot >= hi { hi.wrapping_sub(1) } else { hot })
    }
}

/// Contributions (TreeSHAP over `sum_hess` covers).
impl XgBoost {
    /// Stores `auxNodeWeights` (native order: i32 tree count, then per tree an i32 count and
    /// that many f64s) as `[ntrees, n0, w…, n1, w…]`; checked against the trees when
    /// contributions are asked for.
    pub(super) fn set_aux_covers(
        &mut self,
        bytes: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<(), ModelError> {
        let bad = ModelError::Corrupt("auxNodeWeights");
        let mut r = Reader::new(bytes);
        let n_trees = r.le_i32().ok_or(bad)?;
        let mut values_ok = n_trees >= 0;
        let mut left = if values_ok { n_trees } else { 0 };
        let mut in_tree = 0i64;
        let mut total = 1usize;
        let mut values = core::iter::once(f64::from(n_trees)).chain(core::iter::from_fn(|| {
            if in_tree > 0 {
                in_tree -= 1;
                total += 1;
                return r.le_u64().map(f64::from_bits).or_else(|| {
                    values_ok = false;
                    None
                });
            }
            if left == 0 {
                return None;
            }
            left -= 1;
            let n = r.le_i32().or_else(|| {
                values_ok = false;
                None
            })?;
            in_tree = i64::from(n.max(0));
            total += 1;
            Some(f64::from(n))
        }));
        let first = sink.f64s(&mut values)?;
        if !values_ok || !r.is_empty() {
            return Err(bad);
        }
        self.aux_covers = Some(span_of(first, total)?);
        Ok(())
    }

    /// One-hot columns plus numerics: the contributions before the bias.
    pub(super) fn encoded_len(&self) -> usize {
        self.cat_end as usize + self.nums as usize
    }

    /// The first group's trees: `(ordinal, first node, node count)`, in file order.
    fn shap_trees<'f>(&self, f64s: &'f [f64]) -> impl Iterator<Item = (usize, usize, usize)> + 'f {
        XTree::all(span(f64s, self.trees))
            .filter(|t| t.group == 0)
            .enumerate()
            .map(|(i, t)| (i, t.first as usize, t.count as usize))
    }

    /// The deepest tree as genmodel's `nodeDepth` counts it (a leaf is 1).
    pub(super) fn shap_depth(&self, f64s: &[f64]) -> Option<u32> {
        if self.kind == Kind::GbLinear {
            return Some(0);
        }
        let nodes = span(f64s, self.nodes);
        let mut max = 0u32;
        for (_, first, count) in self.shap_trees(f64s) {
            // Explicit stack of (node, depth); a validated tree has no cycles, and a path is
            // at most `count` long.
            let mut stack = [(0usize, 0u32); MAX_SHAP_DEPTH + 1];
            let mut top = 1usize;
            *stack.first_mut()? = (first, 1);
            while top > 0 {
                top -= 1;
                let (n, depth) = *stack.get(top)?;
                max = max.max(depth);
                let node = XNode::at(nodes, n)?;
                if node.is_leaf() {
                    continue;
                }
                if depth as usize > count || depth as usize >= MAX_SHAP_DEPTH {
                    return None;
                }
                for c in [node.left, node.right] {
                    *stack.get_mut(top)? = (c as usize, depth + 1);
                    top += 1;
                }
            }
        }
        Some(max)
    }

    /// Why genmodel has no contributions for this model, if it has none. `names` is how
    /// many names `makeFeatureContributionNames` writes.
    pub(super) fn contributions_support(
        &self,
        f64s: &[f64],
        names: usize,
    ) -> Result<(), ModelError> {
        if self.kind == Kind::GbLinear {
            return Err(ModelError::Unsupported(
                "contributions of XGBoost gblinear models (genmodel has none)",
            ));
        }
        if self.groups > 1 {
            return Err(ModelError::Unsupported(
                "contributions of multinomial models (genmodel computes them for binomial and \
                 regression models only)",
            ));
        }
        if names != self.encoded_len() {
            return Err(ModelError::Unsupported(
                "XGBoost contributions without all factor levels (genmodel fails to name them)",
            ));
        }
        if let Some(aux) = self.aux_covers {
            let aux = span(f64s, aux);
            let mut at = 1usize;
            let mut trees = 0usize;
            for (_, _, count) in self.shap_trees(f64s) {
                if aux.get(at).copied() != Some(count as f64) {
                    break;
                }
                at += 1 + count;
                trees += 1;
            }
            if aux.first().copied() != Some(trees as f64) || at != aux.len() {
                return Err(ModelError::Unsupported(
                    "XGBoost contributions with auxNodeWeights that do not match the trees",
                ));
            }
        }
        Ok(())
    }

    /// Adds the base margin and every first-group tree's TreeSHAP values to `out`.
    pub(super) fn contributions(
        &self,
        f64s: &[f64],
        row: &[f64],
        out: &mut [f32],
        work: &mut [f32],
    ) -> Result<(), ShapFailed> {
        if let Some(bias) = out.last_mut() {
            *bias += f32::from_bits(self.base_margin);
        }
        let nodes = span(f64s, self.nodes);
        let offsets = span(f64s, self.cat_offsets);
        let covers = span(f64s, self.covers);
        let aux = self.aux_covers.map(|s| span(f64s, s));
        for (ordinal, first, _) in self.shap_trees(f64s) {
            let tree = XgbTree {
                xgb: self,
                nodes,
                offsets,
                covers,
                // Tree `t`'s weights follow the count and the `t` earlier counts.
                aux: aux.and_then(|a| a.get(2 + ordinal..)),
                first,
                row,
            };
            add_tree(&tree, out, work)?;
        }
        Ok(())
    }
}

/// The deepest XGBoost tree TreeSHAP takes.
const MAX_SHAP_DEPTH: usize = crate::limits::MAX_TREE_DEPTH;

/// One XGBoost tree over one row, for TreeSHAP. Nodes are absolute indices.
struct XgbTree<'a> {
    xgb: &'a XgBoost,
    nodes: &'a [f64],
    offsets: &'a [f64],
    covers: &'a [f64],
    /// `auxNodeWeights` offset so that node `n` (counted over all trees) is at `n`: tree `t`
    /// starts after the total count and `t + 1` tree counts.
    aux: Option<&'a [f64]>,
    first: usize,
    row: &'a [f64],
}

impl XgbTree<'_> {
    fn node(&self, n: usize) -> XNode {
        XNode::at(self.nodes, n).unwrap_or(XNode {
            value: f32::NAN,
            sindex: 0,
            left: XNode::LEAF,
            right: XNode::LEAF,
        })
    }
}

impl ShapTree for XgbTree<'_> {
    type Node = usize;

    fn root(&self) -> usize {
        self.first
    }

    fn weight(&self, n: usize) -> f32 {
        let v = match self.aux {
            // `(float)` of the aux double, as the reflection sets it.
            Some(aux) => aux.get(n).copied(),
            None => self.covers.get(n).copied(),
        };
        v.unwrap_or(0.0) as f32
    }

    fn split(&self, n: usize) -> Option<(i32, usize, usize)> {
        let node = self.node(n);
        if node.is_leaf() {
            return None;
        }
        Some((
            node.feature() as i32,
            node.left as usize,
            node.right as usize,
        ))
    }

    fn leaf_value(&self, n: usize) -> f32 {
        self.node(n).value
    }

    fn goes_right(&self, n: usize) -> bool {
        let node = self.node(n);
        !node.goes_left(self.xgb.fvalue(self.offsets, self.row, node.feature()))
    }
}

/// `SoftmaxMultiClassObjProb.predTransform`: f32 max and differences, an f64 sum, and an f32
/// division by the sum rounded to f32.
fn softprob(out: &mut [f32], java: Java<'_>) {
    let Some((&first, rest)) = out.split_first() else {
        return;
    };
    let max = rest.iter().fold(first, |max, &v| {
        java_max(f64::from(v), f64::from(max)) as f32
    });
    let mut sum = 0.0f64;
    for o in out.iter_mut() {
        *o = java.exp(f64::from(*o - max)) as f32;
        sum += f64::from(*o);
    }
    let sum = sum as f32;
    for o in out.iter_mut() {
        *o /= sum;
    }
}

/// `SoftmaxMultiClassObjClassify`: the first strict maximum (NaN never wins over index 0).
fn softmax_index(out: &[f32]) -> usize {
    let mut best = 0;
    let mut max = out.first().copied().unwrap_or(f32::NAN);
    for (i, &v) in out.iter().enumerate().skip(1) {
        if max < v {
            best = i;
            max = v;
        }
    }
    best
}

/// Pushes the nodes of every tree with a valid group, then the tree table; returns both
/// spans. Checks each tree as genmodel would fail on it at scoring: an empty tree, children
/// outside the tree, split features outside the encoded row, missing dart weights.
fn push_trees(
    b: &Booster<'_>,
    encoded: usize,
    sink: &mut dyn Sink,
) -> Result<(Span, Span), ModelError> {
    let groups = b.groups;
    let in_group = |g: i32| usize::try_from(g).is_ok_and(|g| g < groups);
    let corrupt = ModelError::Corrupt("XGBoost tree");
    let mut total_nodes = 0usize;
    for (_, n, nodes) in b.trees().filter(|t| in_group(t.0)) {
        if n == 0 {
            return Err(corrupt);
        }
        for k in 0..n {
            let node = RawNode::read(nodes, k).ok_or(TRUNCATED)?;
            if node.is_leaf() {
                continue;
            }
            let inside = |c: i32| usize::try_from(c).is_ok_and(|c| c < n);
            if !(inside(node.left) && inside(node.right)) || node.split_index() as usize >= encoded
            {
                return Err(corrupt);
            }
        }
        total_nodes = total_nodes.checked_add(n).ok_or(TRUNCATED)?;
    }
    // Nodes, tree by tree, in file order.
    let mut base = 0usize;
    let mut node_values = b
        .trees()
        .filter(|t| in_group(t.0))
        .flat_map(|(_, n, nodes)| {
            let first = base;
            base += n;
            (0..n).flat_map(move |k| {
                RawNode::read(nodes, k)
                    .map(|node| node.encode(first))
                    .into_iter()
                    .flatten()
            })
        });
    let nodes_first = sink.f64s(&mut node_values)?;
    let nodes = span_of(nodes_first, total_nodes * NODE_F64S)?;

    // The tree table; dart weights are indexed by position within the group.
    let mut in_group_count = [0u32; MAX_CLASSES];
    let mut missing_weight = false;
    let mut base = 0usize;
    let mut n_trees = 0usize;
    let mut tree_values = b.trees().filter(|t| in_group(t.0)).flat_map(|(g, n, _)| {
        let g = g as usize;
        let k = in_group_count.get(g).copied().unwrap_or(0);
        if let Some(c) = in_group_count.get_mut(g) {
            *c += 1;
        }
        let weight = match b.kind {
            Kind::Dart => b.weight(k as usize).unwrap_or_else(|| {
                missing_weight = true;
                f32::NAN
            }),
            _ => 1.0,
        };
        let first = base;
        base += n;
        n_trees += 1;
        // Counts are below `total_nodes`, which `span_of` keeps below 2^31 doubles.
        XTree {
            first: first as u32,
            count: n as u32,
            group: g as u32,
            weight,
        }
        .encode()
    });
    let trees_first = sink.f64s(&mut tree_values)?;
    if missing_weight {
        return Err(ModelError::Corrupt(
            "XGBoost dart has fewer weights than trees",
        ));
    }
    Ok((nodes, span_of(trees_first, n_trees * TREE_F64S)?))
}

/// Pushes every in-group node's `sum_hess`, in the order of [`push_trees`]'s nodes.
fn push_covers(b: &Booster<'_>, sink: &mut dyn Sink) -> Result<Span, ModelError> {
    let groups = b.groups;
    let in_group = |g: i32| usize::try_from(g).is_ok_and(|g| g < groups);
    let mut n_nodes = 0usize;
    let mut values = b
        .trees_with_stats()
        .filter(|t| in_group(t.0))
        .flat_map(|(_, n, _, stats)| {
            n_nodes += n;
            (0..n).map(move |k| {
                let at = k * STAT_LEN + 4;
                stats
                    .get(at..at + 4)
                    .and_then(|b| b.try_into().ok())
                    .map_or(f64::NAN, |b| f64::from(f32::from_le_bytes(b)))
            })
        });
    let first = sink.f64s(&mut values)?;
    span_of(first, n_nodes)
}

/// Pushes gblinear's weights (zeros when none were saved); checks that the booster's features
/// exist in the encoded row, as genmodel would fail on every row otherwise.
fn push_linear(b: &Booster<'_>, encoded: usize, sink: &mut dyn Sink) -> Result<Span, ModelError> {
    let need = (b.num_feature as usize + 1)
        .checked_mul(b.groups)
        .filter(|&n| n <= MAX_LINEAR_WEIGHTS)
        .ok_or(ModelError::TooLarge("XGBoost gblinear weights"))?;
    if b.num_feature as usize > encoded {
        return Err(ModelError::Corrupt(
            "XGBoost gblinear has more features than the encoded row",
        ));
    }
    if !b.zero_weights && b.weights.len() / 4 < need {
        return Err(ModelError::Corrupt("XGBoost gblinear weights are short"));
    }
    let mut values = (0..need).map(|i| {
        if b.zero_weights {
            0.0
        } else {
            b.weight(i).map_or(f64::NAN, f64::from)
        }
    });
    let first = sink.f64s(&mut values)?;
    span_of(first, need)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing, clippy::float_cmp)]
mod tests {
    use super::*;
    use crate::model::layout::{ColumnRec, Counter, Counts, Node, StrRef, TreeRec};
    use crate::model::predict::CorrectlyRounded;
    use std::vec::Vec;

    /// Stores doubles; the other regions are not used by XGBoost.
    #[derive(Default)]
    struct VecSink {
        f64s: Vec<f64>,
    }

    impl Sink for VecSink {
        fn text(&mut self, _: &[u8]) -> Result<StrRef, ModelError> {
            Ok(StrRef::default())
        }
        fn text_unescaped(&mut self, _: &[u8], _: bool) -> Result<StrRef, ModelError> {
            Ok(StrRef::default())
        }
        fn column(&mut self, _: ColumnRec) -> Result<(), ModelError> {
            Ok(())
        }
        fn level(&mut self, _: StrRef) -> Result<u32, ModelError> {
            Ok(0)
        }
        fn f64s(&mut self, values: &mut dyn Iterator<Item = f64>) -> Result<u32, ModelError> {
            let first = self.f64s.len() as u32;
            self.f64s.extend(values);
            Ok(first)
        }
        fn tree(&mut self, _: TreeRec) -> Result<(), ModelError> {
            Ok(())
        }
        fn reserve_node(&mut self) -> Result<u32, ModelError> {
            Ok(0)
        }
        fn set_node(&mut self, _: u32, _: Node) -> Result<(), ModelError> {
            Ok(())
        }
        fn bitset(&mut self, _: u32, _: u32, _: &[u8]) -> Result<u32, ModelError> {
            Ok(0)
        }
        fn position(&self) -> Counts {
            Counts {
                f64s: self.f64s.len(),
                ..Counts::default()
            }
        }
    }

    /// The learner header and names of a booster.
    struct Header<'a> {
        base_score: f32,
        num_feature: u32,
        num_class: i32,
        major: u32,
        minor: u32,
        objective: &'a str,
        booster: &'a str,
    }

    const HEADER: Header<'static> = Header {
        base_score: 0.5,
        num_feature: 2,
        num_class: 0,
        major: 1,
        minor: 6,
        objective: "reg:squarederror",
        booster: "gbtree",
    };

    fn i32s(out: &mut Vec<u8>, values: &[i32]) {
        for v in values {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }

    fn header(h: &Header<'_>) -> Vec<u8> {
        let mut out = b"binf".to_vec();
        out.extend_from_slice(&h.base_score.to_le_bytes());
        out.extend_from_slice(&h.num_feature.to_le_bytes());
        i32s(
            &mut out,
            &[h.num_class, 0, 0, h.major as i32, h.minor as i32],
        );
        i32s(&mut out, &[0; 27]);
        for name in [h.objective, h.booster] {
            out.extend_from_slice(&(name.len() as u64).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
        }
        out
    }

    /// A split node: `(left, right, feature, default_left, condition)`.
    fn split(left: i32, right: i32, feature: u32, default_left: bool, cond: f32) -> [u8; 20] {
        node(left, right, feature | (u32::from(default_left) << 31), cond)
    }

    fn leaf(value: f32) -> [u8; 20] {
        node(-1, -1, 0, value)
    }

    fn node(left: i32, right: i32, sindex: u32, info: f32) -> [u8; 20] {
        let mut out = Vec::new();
        i32s(&mut out, &[0, left, right, sindex as i32]);
        out.extend_from_slice(&info.to_le_bytes());
        out.try_into().unwrap()
    }

    fn tree(nodes: &[[u8; 20]]) -> Vec<u8> {
        let mut out = Vec::new();
        i32s(&mut out, &[1, nodes.len() as i32, 0, 3, 2, 0]);
        i32s(&mut out, &[0; 31]);
        for n in nodes {
            out.extend_from_slice(n);
        }
        out.extend(std::iter::repeat_n(0u8, STAT_LEN * nodes.len()));
        out
    }

    fn gbtree(h: &Header<'_>, trees: &[Vec<u8>], groups: &[i32], dart: Option<&[f32]>) -> Vec<u8> {
        let mut out = header(h);
        i32s(&mut out, &[trees.len() as i32, 1, 0, 0]);
        out.extend_from_slice(&0i64.to_le_bytes());
        i32s(&mut out, &[0, 0]);
        i32s(&mut out, &[0; 32]);
        for t in trees {
            out.extend_from_slice(t);
        }
        i32s(&mut out, groups);
        if let Some(weights) = dart {
            out.extend_from_slice(&(weights.len() as u64).to_le_bytes());
            for w in weights {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        // Attributes the predictor ignores.
        out.extend_from_slice(b"trailing");
        out
    }

    fn gblinear(h: &Header<'_>, weights: &[f32]) -> Vec<u8> {
        let mut out = header(h);
        i32s(&mut out, &[0; 34]);
        out.extend_from_slice(&(weights.len() as u64).to_le_bytes());
        for w in weights {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    /// One categorical `c` (2 levels and the NA slot) and one numeric `x`.
    fn ini_text(extra: &str) -> std::string::String {
        std::format!(
            "[info]\nn_columns = 3\nmojo_version = 1.10\ncats = 1\nnums = 1\n\
             cat_offsets = [0, 3]\nuse_all_factor_levels = true\nsparse = false\n\
             default_threshold = 0.5\nbooster = gbtree\n{extra}\n[columns]\nc\nx\ny\n"
        )
    }

    fn load(
        extra: &str,
        booster: &[u8],
        n_classes: usize,
    ) -> Result<(XgBoost, Vec<f64>), ModelError> {
        let text = ini_text(extra);
        let ini = Ini::new(&text)?;
        let mut counter = Counter::default();
        let counted = XgBoost::build(&ini, booster, 2, n_classes, &mut counter)?;
        let mut sink = VecSink::default();
        let model = XgBoost::build(&ini, booster, 2, n_classes, &mut sink)?;
        assert_eq!(counted, model);
        assert_eq!(counter.counts.f64s, sink.f64s.len());
        model.validate(&sink.f64s)?;
        Ok((model, sink.f64s))
    }

    fn score(m: &(XgBoost, Vec<f64>), row: [f64; 2], offset: f64) -> Result<Vec<f64>, ScoreError> {
        let n = if m.0.n_classes > 1 {
            m.0.n_classes as usize + 1
        } else {
            2
        };
        let mut preds = std::vec![f64::NAN; n];
        let finish =
            m.0.score(&m.1, &row, offset, &mut preds, &mut CorrectlyRounded)?;
        assert!(!finish);
        Ok(preds)
    }

    /// Root splits numeric `x` (feature 3) at 0.1, missing going left; leaves 1 and 2.
    fn stump(default_left: bool) -> Vec<u8> {
        tree(&[split(1, 2, 3, default_left, 0.1), leaf(1.0), leaf(2.0)])
    }

    #[test]
    fn deconstruct() {
        let bytes = gbtree(&HEADER, &[stump(true)], &[0], None);
        let b = Booster::parse(&bytes).unwrap();
        assert_eq!((b.base_score, b.num_feature, b.groups), (0.5, 2, 1));
        assert_eq!((b.major, b.minor), (1, 6));
        assert_eq!(
            (b.objective, b.kind, b.num_trees),
            (Objective::Identity, Kind::GbTree, 1)
        );
        let (model, f64s) = load("", &bytes, 1).unwrap();
        // cat_offsets, then 3 nodes, then one tree row.
        assert_eq!(&f64s[..2], &[0.0, 3.0]);
        let node = |k: usize| XNode::at(&f64s[2..8], k).unwrap();
        let split = XNode {
            value: 0.1,
            sindex: 3 | 1 << 31,
            left: 1,
            right: 2,
        };
        assert_eq!(node(0), split);
        assert_eq!((node(0).feature(), node(0).default_left()), (3, true));
        assert!(node(1).is_leaf() && node(1).value == 1.0);
        let tree = XTree {
            first: 0,
            count: 3,
            group: 0,
            weight: 1.0,
        };
        assert_eq!(XTree::at(&f64s[8..10], 0), Some(tree));
        // Then every node's cover (`sum_hess`, zero here).
        assert_eq!(&f64s[10..], &[0.0; 3]);
        assert_eq!(model.cat_end, 3);
    }

    #[test]
    fn treeshap_of_a_stump() {
        // Covers 4 at the root, 1 left, 3 right: the expected value is (1·1 + 3·2) / 4.
        let mut t = stump(true);
        let stats = t.len() - 3 * STAT_LEN;
        for (k, cover) in [4.0f32, 1.0, 3.0].iter().enumerate() {
            let at = stats + k * STAT_LEN + 4;
            t[at..at + 4].copy_from_slice(&cover.to_le_bytes());
        }
        let (m, f64s) = load("", &gbtree(&HEADER, &[t], &[0], None), 1).unwrap();
        assert_eq!(m.shap_depth(&f64s), Some(2));
        assert!(m.contributions_support(&f64s, m.encoded_len()).is_ok());
        let mut work = std::vec![0.0f32; super::super::shap::work_len(2)];
        let mut out = std::vec![0.0f32; m.encoded_len() + 1];
        m.contributions(&f64s, &[0.5, 1.0], &mut out, &mut work)
            .unwrap();
        // Base margin 0.5 plus 1.75; the split feature (encoded 3) gets 2 - 1.75.
        assert_eq!(out[4], 2.25);
        assert_eq!(out[3], 0.25);
        assert_eq!(out[..3], [0.0; 3]);
        // `contributions` adds to `out`; the model clears it first.
        out.fill(0.0);
        m.contributions(&f64s, &[0.5, 0.0], &mut out, &mut work)
            .unwrap();
        assert_eq!(out[3], -0.75);
    }

    #[test]
    fn traversal_in_f32() {
        let m = load("", &gbtree(&HEADER, &[stump(true)], &[0], None), 1).unwrap();
        // base 0.5 plus the leaf (squared error: no transform).
        assert_eq!(score(&m, [0.0, 0.05], 0.0).unwrap()[0], 1.5);
        assert_eq!(score(&m, [0.0, 0.7], 0.0).unwrap()[0], 2.5);
        // 0.1 rounds to 0.1f, which is not < 0.1f; in f64 it would go left.
        assert_eq!(score(&m, [0.0, 0.1], 0.0).unwrap()[0], 2.5);
        // Missing takes the default direction.
        assert_eq!(score(&m, [0.0, f64::NAN], 0.0).unwrap()[0], 1.5);
        let m = load("", &gbtree(&HEADER, &[stump(false)], &[0], None), 1).unwrap();
        assert_eq!(score(&m, [0.0, f64::NAN], 0.0).unwrap()[0], 2.5);
    }

    #[test]
    fn sparse_zeros_are_missing() {
        let bytes = gbtree(&HEADER, &[stump(false)], &[0], None);
        let dense = load("", &bytes, 1).unwrap();
        assert_eq!(score(&dense, [0.0, 0.0], 0.0).unwrap()[0], 1.5);
        let sparse = load("sparse = true", &bytes, 1).unwrap();
        assert_eq!(score(&sparse, [0.0, 0.0], 0.0).unwrap()[0], 2.5);
        assert_eq!(score(&sparse, [0.0, -0.0], 0.0).unwrap()[0], 2.5);
        assert_eq!(score(&sparse, [0.0, 0.05], 0.0).unwrap()[0], 1.5);
    }

    #[test]
    fn one_hot() {
        // Split on the one-hot column of level 1 (index 1), or on the NA slot (index 2).
        let on = |j: u32| tree(&[split(1, 2, j, false, 0.5), leaf(-1.0), leaf(1.0)]);
        let level1 = load("", &gbtree(&HEADER, &[on(1)], &[0], None), 1).unwrap();
        assert_eq!(score(&level1, [1.0, 0.0], 0.0).unwrap()[0], 1.5);
        assert_eq!(score(&level1, [0.0, 0.0], 0.0).unwrap()[0], -0.5);
        let na = load("", &gbtree(&HEADER, &[on(2)], &[0], None), 1).unwrap();
        assert_eq!(score(&na, [f64::NAN, 0.0], 0.0).unwrap()[0], 1.5);
        // A level past the block takes the NA slot.
        assert_eq!(score(&na, [7.0, 0.0], 0.0).unwrap()[0], 1.5);
        // Without all factor levels, level 1 is the block's first column and level 0 none.
        let first = load(
            "use_all_factor_levels = false",
            &gbtree(&HEADER, &[on(0)], &[0], None),
            1,
        )
        .unwrap();
        assert_eq!(score(&first, [1.0, 0.0], 0.0).unwrap()[0], 1.5);
        assert_eq!(score(&first, [0.0, 0.0], 0.0).unwrap()[0], -0.5);
        // Sparse: a cold column is missing, so it takes the default (right) child.
        let sparse = load("sparse = true", &gbtree(&HEADER, &[on(1)], &[0], None), 1).unwrap();
        assert_eq!(score(&sparse, [0.0, 0.0], 0.0).unwrap()[0], 1.5);
    }

    #[test]
    fn dart_weights() {
        let h = Header {
            booster: "dart",
            ..HEADER
        };
        let trees = [stump(true), stump(true)];
        let m = load("", &gbtree(&h, &trees, &[0, 0], Some(&[0.5, 3.0])), 1).unwrap();
        assert_eq!(
            score(&m, [0.0, 0.7], 0.0).unwrap()[0],
            0.5 + 0.5 * 2.0 + 3.0 * 2.0
        );
        let short = gbtree(&h, &trees, &[0, 0], Some(&[0.5]));
        assert!(matches!(load("", &short, 1), Err(ModelError::Corrupt(_))));
    }

    #[test]
    fn gblinear_weights() {
        let h = Header {
            booster: "gblinear",
            num_feature: 4,
            ..HEADER
        };
        // Weights per encoded feature (3 one-hot, 1 numeric), then the bias.
        let m = load("", &gblinear(&h, &[1.0, 10.0, 100.0, 2.0, 0.25]), 1).unwrap();
        assert_eq!(
            score(&m, [1.0, 3.0], 0.0).unwrap()[0],
            0.25 + 0.5 + 10.0 + 6.0
        );
        // A missing numeric is skipped; the NA level is hot.
        assert_eq!(
            score(&m, [f64::NAN, f64::NAN], 0.0).unwrap()[0],
            0.25 + 0.5 + 100.0
        );
        let zeros = load("", &gblinear(&h, &[]), 1).unwrap();
        assert_eq!(score(&zeros, [1.0, 3.0], 0.0).unwrap()[0], 0.5);
        let short = gblinear(&h, &[1.0, 2.0]);
        assert!(matches!(load("", &short, 1), Err(ModelError::Corrupt(_))));
    }

    #[test]
    fn logistic_binomial() {
        let h = Header {
            objective: "binary:logistic",
            ..HEADER
        };
        let m = load("", &gbtree(&h, &[stump(true)], &[0], None), 2).unwrap();
        // probToMargin(0.5) is -0.0, so the margin is the leaf.
        assert_eq!(
            f32::from_bits(m.0.base_margin).to_bits(),
            (-0.0f32).to_bits()
        );
        let preds = score(&m, [0.0, 0.7], 0.0).unwrap();
        let p1 = 1.0f32 / (1.0f32 + crate::model::math::exp(-2.0) as f32);
        assert_eq!(preds, [1.0, f64::from(1.0f32 - p1), f64::from(p1)]);
    }

    #[test]
    fn softprob_and_softmax() {
        let h = Header {
            objective: "multi:softprob",
            num_class: 3,
            ..HEADER
        };
        let trees = [stump(true), stump(false), tree(&[leaf(0.25)])];
        let m = load("", &gbtree(&h, &trees, &[0, 1, 2], None), 3).unwrap();
        let preds = score(&m, [0.0, f64::NAN], 0.0).unwrap();
        let margins = [0.5f32 + 1.0, 0.5 + 2.0, 0.5 + 0.25];
        let e = margins.map(|x| crate::model::math::exp(f64::from(x - 2.5)) as f32);
        let sum = e.iter().map(|&v| f64::from(v)).sum::<f64>() as f32;
        let expected: Vec<f64> = e.iter().map(|&v| f64::from(v / sum)).collect();
        assert_eq!(preds[0], 1.0);
        assert_eq!(&preds[1..], &expected[..]);
        let h = Header {
            objective: "multi:softmax",
            ..h
        };
        let m = load("", &gbtree(&h, &trees, &[0, 1, 2], None), 3).unwrap();
        assert_eq!(
            score(&m, [0.0, f64::NAN], 0.0).unwrap(),
            [0.0, 1.0, 0.0, 0.0]
        );
    }

    #[test]
    fn exp_objectives_and_old_learners() {
        let h = Header {
            objective: "count:poisson",
            base_score: 2.0,
            ..HEADER
        };
        let m = load("", &gbtree(&h, &[stump(true)], &[0], None), 1).unwrap();
        let margin = crate::model::math::log(2.0) as f32;
        let expected = crate::model::math::exp(f64::from(margin + 2.0)) as f32;
        assert_eq!(score(&m, [0.0, 0.7], 0.0).unwrap()[0], f64::from(expected));
        // Before 1.0 the base score is already a margin; up to 1.2 it is added last.
        let old = Header {
            major: 0,
            minor: 90,
            objective: "reg:squarederror",
            base_score: 0.5,
            ..HEADER
        };
        let m = load("", &gbtree(&old, &[stump(true)], &[0], None), 1).unwrap();
        assert!(m.0.margin_last);
        assert_eq!(score(&m, [0.0, 0.7], 0.0).unwrap()[0], 2.5);
    }

    #[test]
    fn offsets() {
        let bytes = gbtree(&HEADER, &[stump(true)], &[0], None);
        let without = load("", &bytes, 1).unwrap();
        assert!(matches!(
            score(&without, [0.0, 0.7], 1.0),
            Err(ScoreError::Rejected { .. })
        ));
        let with = load("has_offset = true", &bytes, 1).unwrap();
        // The offset replaces the base margin.
        assert_eq!(score(&with, [0.0, 0.7], 4.0).unwrap()[0], 6.0);
        assert_eq!(score(&with, [0.0, 0.7], 0.0).unwrap()[0], 2.0);
    }

    #[test]
    fn compat10() {
        // MOJO 1.00 with dart: a column is hot if any categorical's hot index equals it.
        let h = Header {
            booster: "dart",
            ..HEADER
        };
        let on = tree(&[split(1, 2, 1, false, 0.5), leaf(-1.0), leaf(1.0)]);
        let bytes = gbtree(&h, &[on], &[0], Some(&[1.0]));
        let m = load("mojo_version = 1.00\nbooster = dart", &bytes, 1).unwrap();
        assert!(m.0.compat10);
        assert_eq!(score(&m, [1.0, 0.0], 0.0).unwrap()[0], 1.5);
    }

    #[test]
    fn impossible() {
        let bytes = gbtree(&HEADER, &[stump(true)], &[0], None);
        for n in [0, 4, 8, 100, bytes.len() - 9] {
            assert!(load("", &bytes[..n], 1).is_err(), "{n}");
        }
        let bad = |h: &Header<'_>| load("", &gbtree(h, &[stump(true)], &[0], None), 1);
        let objective = Header {
            objective: "reg:pseudohubererror",
            ..HEADER
        };
        assert!(matches!(bad(&objective), Err(ModelError::Unsupported(_))));
        let booster = Header {
            booster: "gbforest",
            ..HEADER
        };
        assert!(matches!(bad(&booster), Err(ModelError::Unsupported(_))));
        let mut spark = bytes.clone();
        spark[..8].copy_from_slice(b"\0\x05_cls_\0");
        assert!(matches!(
            load("", &spark, 1),
            Err(ModelError::Unsupported(_))
        ));
        // A child outside the tree, and a feature outside the encoded row.
        let outside = tree(&[split(1, 5, 3, true, 0.1), leaf(1.0), leaf(2.0)]);
        let wide = tree(&[split(1, 2, 4, true, 0.1), leaf(1.0), leaf(2.0)]);
        for t in [outside, wide, tree(&[])] {
            let b = gbtree(&HEADER, &[t], &[0], None);
            assert!(matches!(load("", &b, 1), Err(ModelError::Corrupt(_))));
        }
        // A tree of a group the booster does not have is ignored, as the predictor does.
        let m = load(
            "",
            &gbtree(&HEADER, &[stump(true), stump(true)], &[0, 5], None),
            1,
        );
        assert_eq!(score(&m.unwrap(), [0.0, 0.7], 0.0).unwrap()[0], 2.5);
    }

    #[test]
    fn cycle_is_an_error() {
        let cyclic = tree(&[
            split(1, 2, 3, true, 0.1),
            split(0, 0, 3, true, 0.1),
            leaf(1.0),
        ]);
        let m = load("", &gbtree(&HEADER, &[cyclic], &[0], None), 1).unwrap();
        assert!(matches!(
            score(&m, [0.0, 0.0], 0.0),
            Err(ScoreError::Rejected { .. })
        ));
    }

    mod fvalues {
        use super::*;
        use proptest::prelude::*;
        use std::vec;

        fn encoder(blocks: &[u32], nums: u32, sparse: bool, compat10: bool, all: bool) -> XgBoost {
            XgBoost {
                kind: Kind::GbTree,
                objective: Objective::Identity,
                base_margin: 0,
                margin_last: false,
                groups: 1,
                num_feature: 0,
                cats: blocks.len() as u32,
                nums,
                cat_end: blocks.iter().sum(),
                cat_offsets: Span::default(),
                use_all_factor_levels: all,
                sparse,
                compat10,
                has_offset: false,
                nodes: Span::default(),
                trees: Span::default(),
                weights: Span::default(),
                covers: Span::default(),
                aux_covers: None,
                prior: None,
                threshold: 0.5,
                n_classes: 2,
                offset_column: 0,
            }
        }

        fn cell() -> impl Strategy<Value = f64> {
            prop_oneof![
                Just(f64::NAN),
                Just(0.0),
                Just(-0.0),
                (-3i32..12).prop_map(f64::from),
                Just(2.5),
                Just(1e10),
                Just(-1e300),
                any::<f64>(),
            ]
        }

        proptest! {
            /// The row's features computed by column are `fvalue`'s, bit for bit, for every
            /// encoding mode: empty blocks, levels past their block, NA, negative levels,
            /// sparse zeros and rows shorter than the encoder (the 1.00 mode pads).
            #[test]
            fn by_column_equals_by_feature(
                blocks in proptest::collection::vec(0u32..5, 0..5),
                nums in 0u32..5,
                cells in proptest::collection::vec(cell(), 0..12),
                sparse: bool,
                compat10: bool,
                all: bool,
            ) {
                let xgb = encoder(&blocks, nums, sparse, compat10, all);
                let mut offsets = vec![0.0];
                for b in &blocks {
                    offsets.push(offsets.last().unwrap() + f64::from(*b));
                }
                let mut out = vec![f32::INFINITY; xgb.encoded_len()];
                xgb.fvalues(&offsets, &cells, &mut out);
                for (j, got) in out.iter().enumerate() {
                    let want = xgb.fvalue(&offsets, &cells, j);
                    prop_assert_eq!(got.to_bits(), want.to_bits(), "feature {}", j);
                }
            }
        }
    }
}
