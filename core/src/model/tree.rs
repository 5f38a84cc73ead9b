//! H2O's compressed trees (`trees/tCC_GGG.bin`): decoding into flat [`Node`]s at load, and
//! walking them per row exactly as genmodel's `SharedTreeMojoModel.scoreTree` (MOJO ≥ 1.20),
//! or its `scoreTree0` and `scoreTree1` for MOJOs 1.00 and 1.10 ([`Walker`]).
//!
//! The format is a pre-order byte stream: per internal node a type byte, a `u16` column,
//! an NA-direction byte, the split (f32 threshold, a 4-byte inline bitset, or a larger bitset
//! with `u16` bit offset and `i32` bit count; `u16` byte count before 1.20), the byte size of
//! the left subtree unless the left child is a leaf, then the left child and the right child.
//! Leaves are bare f32s; a tree that is a single leaf is `00 FF FF <f32>`.
//!
//! Decoding validates everything the walk relies on (columns, child extents, depth), so the
//! walk itself cannot fail.
#![warn(clippy::indexing_slicing)]

use super::layout::{ColumnRec, Node, Regions, Sink, TreeRec, NONE};
use crate::error::ModelError;
use crate::limits::MAX_TREE_DEPTH;
use crate::read::Reader;

/// [`Node::flags`] bits.
pub mod flag {
    /// NAs go left (`NaSplitDir` NALeft or Left).
    pub const NA_LEFT: u8 = 1;
    /// An "NA versus the rest" split: NAs right, everything else left.
    pub const NA_VS_REST: u8 = 2;
    /// A bitset split; [`super::Node::split`] indexes the bitset region.
    pub const BITSET: u8 = 4;
    /// The node type's categorical bits were set. genmodel then range-checks the value
    /// against the last bitset read on the path, even on an NA-versus-rest node.
    pub const CATEGORICAL_TYPE: u8 = 8;
    pub const LEFT_LEAF: u8 = 16;
    pub const RIGHT_LEAF: u8 = 32;
    /// Set at load by [`super::mark_plain`]: a plain numeric split on a numeric column, which
    /// the walk may take without genmodel's categorical checks. A node without it takes the
    /// general path, which is always correct, so the flag only ever selects a shortcut.
    pub const PLAIN: u8 = 64;
}

/// [`Node::legacy`] bits: where the walkers of MOJOs 1.00 and 1.10 differ from 1.20's.
pub mod legacy {
    /// No test of the level against the column's domain size (`scoreTree0`, `scoreTree1`).
    pub const NO_DOMAIN_CHECK: u8 = 1;
    /// A level outside the bitset's range is just not in it, so it goes left, not the NA
    /// way (`scoreTree0`'s `GenmodelBitSet.contains0`).
    pub const OUTSIDE_IS_NOT_IN: u8 = 2;
}

/// The walker genmodel's `SharedTreeMojoModel.postInit` picks by the exact `mojo_version`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Walker {
    /// 1.00, `scoreTree0`: large bitsets hold a `u16` byte count, not an `i32` bit count; a
    /// level outside a bitset goes left; an NA-versus-rest node tests NAs only; no domain
    /// check.
    V100,
    /// 1.10, `scoreTree1`: 1.00's bitsets, a level outside one goes the NA way, and the
    /// NA-versus-rest test of 1.20; no domain check.
    V110,
    /// 1.20 and later, `scoreTree`.
    Current,
}

impl Walker {
    /// The [`legacy`] bits of this walker's nodes.
    fn legacy(self) -> u8 {
        match self {
            Walker::V100 => legacy::NO_DOMAIN_CHECK | legacy::OUTSIDE_IS_NOT_IN,
            Walker::V110 => legacy::NO_DOMAIN_CHECK,
            Walker::Current => 0,
        }
    }
}

const LEAF_ONLY_COLUMN: u16 = 0xFFFF;
const CORRUPT_TREE: ModelError = ModelError::Corrupt("a tree's bytes are malformed");

/// What decoding learnt about a tree's shape, for the dense copy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Shape {
    /// Internal nodes on the longest root-to-leaf path (0 for a single leaf).
    pub depth: u32,
    /// Whether any node has bitset, categorical-type or NA-versus-rest flags.
    pub special: bool,
}

/// Decodes one tree into `sink`; returns its root.
#[cfg(test)]
pub fn decode(bytes: &[u8], n_features: usize, sink: &mut dyn Sink) -> Result<TreeRec, ModelError> {
    decode_shaped(bytes, n_features, Walker::Current, sink).map(|(t, _)| t)
}

/// [`decode`] for `walker`'s MOJO version, also returning the tree's [`Shape`].
pub fn decode_shaped(
    bytes: &[u8],
    n_features: usize,
    walker: Walker,
    sink: &mut dyn Sink,
) -> Result<(TreeRec, Shape), ModelError> {
    let mut shape = Shape::default();
    let mut r = Reader::new(bytes);
    let mut peek = r;
    let _type = peek.u8().ok_or(CORRUPT_TREE)?;
    if peek.le_u16().ok_or(CORRUPT_TREE)? == LEAF_ONLY_COLUMN {
        let leaf = peek.le_f32().ok_or(CORRUPT_TREE)?;
        let leaf = TreeRec {
            kind: TreeRec::LEAF,
            value: leaf.to_bits(),
        };
        return Ok((leaf, shape));
    }
    let root = subtree(&mut r, n_features, 0, walker, sink, &mut shape)?;
    if !r.is_empty() {
        return Err(CORRUPT_TREE);
    }
    let root = TreeRec {
        kind: TreeRec::NODE,
        value: root,
    };
    Ok((root, shape))
}

/// Decodes the internal node at `r` and its subtrees, consuming exactly their bytes from `r`.
fn subtree(
    r: &mut Reader<'_>,
    n_features: usize,
    depth: usize,
    walker: Walker,
    sink: &mut dyn Sink,
    shape: &mut Shape,
) -> Result<u32, ModelError> {
    if depth >= MAX_TREE_DEPTH {
        return Err(ModelError::TooLarge("tree depth"));
    }
    shape.depth = shape.depth.max(depth as u32 + 1);
    let index = sink.reserve_node()?;
    let node_type = r.u8().ok_or(CORRUPT_TREE)?;
    let col = r.le_u16().ok_or(CORRUPT_TREE)?;
    if usize::from(col) >= n_features {
        return Err(ModelError::Corrupt(
            "a tree splits on a column that is not a feature",
        ));
    }
    let na_dir = r.u8().ok_or(CORRUPT_TREE)?;
    let na_vs_rest = match na_dir {
        1 => true,
        0 | 2..=5 => false,
        _ => return Err(CORRUPT_TREE),
    };
    let mut flags = 0u8;
    if matches!(na_dir, 2 | 4) {
        flags |= flag::NA_LEFT;
    }
    if na_vs_rest {
        flags |= flag::NA_VS_REST;
    }
    let equal = node_type & 0x0C;
    // `scoreTree0` range-checks only the bitset it has just read.
    if equal != 0 && !(na_vs_rest && walker == Walker::V100) {
        flags |= flag::CATEGORICAL_TYPE;
    }
    let mut split = 0u32;
    if !na_vs_rest {
        match equal {
            0 => split = r.le_f32().ok_or(CORRUPT_TREE)?.to_bits(),
            8 => split = sink.bitset(0, 32, r.take(4).ok_or(CORRUPT_TREE)?)?,
            12 => {
                let bitoff = r.le_u16().ok_or(CORRUPT_TREE)?;
                // Before 1.20 (`GenmodelBitSet.fill3_1`): a byte count, all of whose bits count.
                let nbits = match walker {
                    Walker::Current => r.le_i32().and_then(|n| u32::try_from(n).ok()),
                    Walker::V100 | Walker::V110 => r.le_u16().map(|n| u32::from(n) << 3),
                };
                let nbits = nbits.filter(|&n| n > 0).ok_or(CORRUPT_TREE)?;
                let nbytes = ((nbits - 1) >> 3) as usize + 1;
                split = sink.bitset(
                    u32::from(bitoff),
                    nbits,
                    r.take(nbytes).ok_or(CORRUPT_TREE)?,
                )?;
            }
            _ => return Err(ModelError::Unsupported("equality splits of pre-1.0 trees")),
        }
        if equal != 0 {
            flags |= flag::BITSET;
        }
    }

    // Left child: an inline leaf, or a subtree whose byte size precedes it.
    let left = match node_type & 0x33 {
        0x30 => {
            flags |= flag::LEFT_LEAF;
            r.le_f32().ok_or(CORRUPT_TREE)?.to_bits()
        }
        width @ 0..=3 => {
            let size = match width {
                0 => r.u8().map(usize::from),
                1 => r.le_u16().map(usize::from),
                2 => r
                    .take_array::<3>()
                    .map(|[a, b, c]| usize::from(a) | usize::from(b) << 8 | usize::from(c) << 16),
                _ => r.le_i32().and_then(|n| usize::try_from(n).ok()),
            }
            .ok_or(CORRUPT_TREE)?;
            let mut left = r.sub(size).ok_or(CORRUPT_TREE)?;
            let child = subtree(&mut left, n_features, depth + 1, walker, sink, shape)?;
            if !left.is_empty() {
                return Err(CORRUPT_TREE);
            }
            child
        }
        _ => return Err(CORRUPT_TREE),
    };
    // Right child: genmodel tests only bit 0x40 of the type (after its shift) for a leaf.
    let right = if node_type & 0x40 != 0 {
        flags |= flag::RIGHT_LEAF;
        r.le_f32().ok_or(CORRUPT_TREE)?.to_bits()
    } else {
        subtree(r, n_features, depth + 1, walker, sink, shape)?
    };
    let legacy = walker.legacy();
    shape.special |= flags & SPECIAL != 0;
    sink.set_node(
        index,
        Node {
            col,
            flags,
            legacy,
            split,
            left,
            right,
        },
    )?;
    Ok(index)
}

/// Whether the bitset at `at` holds `level`, and whether `level` is in its range.
#[inline]
fn bitset_test(bitsets: &[u32], at: u32, level: i32) -> (bool, bool) {
    let at = at as usize;
    let (bitoff, nbits) = match (bitsets.get(at), bitsets.get(at + 1)) {
        (Some(&o), Some(&n)) => (i64::from(o), i64::from(n)),
        _ => return (false, false),
    };
    let idx = i64::from(level) - bitoff;
    if idx < 0 || idx >= nbits {
        return (false, false);
    }
    let idx = idx as usize;
    let word = bitsets.get(at + 2 + (idx >> 5)).copied().unwrap_or(0);
    (true, word >> (idx & 31) & 1 == 1)
}

/// The categorical domain size of a column, if it is categorical.
#[inline]
fn domain_size(columns: &[ColumnRec], col: usize) -> Option<u32> {
    columns
        .get(col)
        .filter(|c| c.first_level != NONE)
        .map(|c| c.n_levels)
}

/// Whether `row` goes right at `node`. `last_bitset` carries genmodel's "last bitset read
/// on the path", which NA-versus-rest nodes with categorical type bits range-check against.
#[inline(always)]
fn goes_right(
    node: &Node,
    regions: &Regions<'_>,
    row: &[f64],
    last_bitset: &mut Option<u32>,
) -> bool {
    let col = usize::from(node.col);
    let d = row.get(col).copied().unwrap_or(f64::NAN);
    let level = d as i32; // Java's (int) cast: truncating, saturating, NaN → 0
    let mut na = d.is_nan();
    let mut in_bitset = false;
    if node.flags & flag::BITSET != 0 {
        *last_bitset = Some(node.split);
        let (in_range, contains) = bitset_test(regions.bitsets, node.split, level);
        na |= !in_range & (node.legacy & legacy::OUTSIDE_IS_NOT_IN == 0);
        in_bitset = contains;
    } else if node.flags & flag::CATEGORICAL_TYPE != 0 {
        if let Some(at) = *last_bitset {
            na |= !bitset_test(regions.bitsets, at, level).0;
        }
    }
    if node.legacy & legacy::NO_DOMAIN_CHECK == 0 {
        if let Some(size) = domain_size(regions.columns, col) {
            na |= i64::from(size) <= i64::from(level);
        }
    }
    if na {
        node.flags & flag::NA_LEFT == 0
    } else if node.flags & flag::NA_VS_REST != 0 {
        false
    } else if node.flags & flag::BITSET != 0 {
        in_bitset
    } else {
        d >= f64::from(f32::from_bits(node.split))
    }
}

/// The child a row goes to: the next node, or a leaf value.
#[inline(always)]
fn child(node: &Node, right: bool) -> Result<usize, f32> {
    let (next, leaf) = if right {
        (node.right, node.flags & flag::RIGHT_LEAF != 0)
    } else {
        (node.left, node.flags & flag::LEFT_LEAF != 0)
    };
    if leaf {
        Err(f32::from_bits(next))
    } else {
        Ok(next as usize)
    }
}

/// Flags that send a node down [`goes_right`]'s general path.
const SPECIAL: u8 = flag::BITSET | flag::CATEGORICAL_TYPE | flag::NA_VS_REST;

/// Sets [`flag::PLAIN`] on every node that [`goes_right`] would treat as a plain numeric
/// split: no bitset, categorical-type or NA-versus-rest flags, and a column without a domain
/// (looked up in `columns` exactly as the walk looks it up). Run once at load, after the
/// columns are written, so that the walk needs no column lookup per node.
pub fn mark_plain(nodes: &mut [Node], columns: &[ColumnRec]) {
    for node in nodes {
        node.flags &= !flag::PLAIN;
        if node.flags & SPECIAL == 0 && domain_size(columns, usize::from(node.col)).is_none() {
            node.flags |= flag::PLAIN;
        }
    }
}

/// One step from `node`: whether the row goes right, then the next node index or leaf bits
/// (whichever the direction selects), and whether it is a leaf.
#[inline(always)]
fn step(
    node: &Node,
    regions: &Regions<'_>,
    row: &[f64],
    last_bitset: &mut Option<u32>,
) -> (u32, bool) {
    let right = if node.flags & flag::PLAIN != 0 {
        goes_right_numeric(
            node,
            row.get(usize::from(node.col)).copied().unwrap_or(f64::NAN),
        )
    } else {
        goes_right(node, regions, row, last_bitset)
    };
    // Selected with a mask rather than indexed, so the step waits on no extra load.
    let mask = u32::from(right).wrapping_neg();
    let next = node.left ^ ((node.left ^ node.right) & mask);
    (next, node.flags >> (4 + u8::from(right)) & 1 != 0)
}

/// [`goes_right`] for a plain numeric split on a numeric column, without branches on the
/// row's value: NaN compares false, so "right" is `d >= split`, or NA going right.
#[inline(always)]
fn goes_right_numeric(node: &Node, d: f64) -> bool {
    let ge = d >= f64::from(f32::from_bits(node.split));
    let na_right = node.flags & flag::NA_LEFT == 0;
    ge | (d.is_nan() & na_right)
}

/// The tree's value for `row` (genmodel's `scoreTree`).
///
/// Most nodes are numeric splits on numeric columns; they take a branch-free step (the
/// direction and the next index are selected, not branched on, so a row's data costs no
/// mispredictions). Everything else goes through [`goes_right`], with genmodel's checks.
#[inline]
pub fn score(tree: TreeRec, regions: &Regions<'_>, row: &[f64]) -> f64 {
    let mut i = match tree.kind {
        TreeRec::NODE => tree.value as usize,
        TreeRec::LEAF => return f64::from(f32::from_bits(tree.value)),
        _ => return 0.0,
    };
    let mut last_bitset = None;
    loop {
        let Some(node) = regions.nodes.get(i) else {
            return f64::NAN;
        };
        let (next, leaf) = step(node, regions, row, &mut last_bitset);
        if leaf {
            return f64::from(f32::from_bits(next));
        }
        i = next as usize;
    }
}

/// Trees walked together by [`score_lanes`].
pub const LANES: usize = 8;

/// Rows walked together through one tree by [`score_dense_rows`].
pub const ROW_LANES: usize = 16;

/// [`goes_right`] out of line, so that [`score_lanes`]' loop stays small enough to unroll.
#[inline(never)]
fn goes_right_general(
    node: &Node,
    regions: &Regions<'_>,
    row: &[f64],
    last_bitset: &mut Option<u32>,
) -> bool {
    goes_right(node, regions, row, last_bitset)
}

/// Stands in for a node index out of range (impossible for decoded trees, which decode
/// checks): a leaf both ways whose value is NaN, as [`score`] returns there.
const OUT_OF_RANGE: Node = Node {
    col: 0,
    flags: flag::PLAIN | flag::LEFT_LEAF | flag::RIGHT_LEAF,
    legacy: 0,
    split: 0,
    left: 0x7FC0_0000,
    right: 0x7FC0_0000,
};

/// One tree's walk inside [`score_lanes`].
#[derive(Clone, Copy)]
struct Lane {
    at: u32,
    out: f64,
    done: bool,
    last_bitset: Option<u32>,
}

impl Lane {
    fn new(tree: TreeRec) -> Self {
        let (at, out, done) = match tree.kind {
            TreeRec::NODE => (tree.value, 0.0, false),
            TreeRec::LEAF => (0, f64::from(f32::from_bits(tree.value)), true),
            TreeRec::ABSENT => (0, -0.0, true),
            _ => (0, 0.0, true),
        };
        Lane {
            at,
            out,
            done,
            last_bitset: None,
        }
    }

    /// One step down the tree. Once done, the lane re-reads its last node and keeps its
    /// value, so that the caller need not branch around it.
    #[inline(always)]
    fn step(&mut self, regions: &Regions<'_>, row: &[f64]) {
        let node = regions.nodes.get(self.at as usize).unwrap_or(&OUT_OF_RANGE);
        let right = if node.flags & flag::PLAIN != 0 {
            let d = row.get(usize::from(node.col)).copied().unwrap_or(f64::NAN);
            goes_right_numeric(node, d)
        } else {
            goes_right_general(node, regions, row, &mut self.last_bitset)
        };
        let mask = u32::from(right).wrapping_neg();
        let next = node.left ^ ((node.left ^ node.right) & mask);
        let side = flag::LEFT_LEAF ^ ((flag::LEFT_LEAF ^ flag::RIGHT_LEAF) & mask as u8);
        let leaf = node.flags & side != 0;
        // Selected, not branched on: a lane that is done re-reads its last node.
        let take = leaf & !self.done;
        let bits = self.out.to_bits();
        let value = f64::from(f32::from_bits(next)).to_bits();
        self.out = f64::from_bits(bits ^ ((bits ^ value) & u64::from(take).wrapping_neg()));
        self.done |= leaf;
        self.at = next ^ ((next ^ self.at) & u32::from(leaf).wrapping_neg());
    }
}

/// [`score`] of `LANES` trees for one row, walked in lock-step so that their independent
/// node → row → compare → node chains overlap. A tree that is absent gives `-0.0`, which
/// leaves any sum it is added to unchanged (bit for bit, signed zeros and NaNs included), so
/// the caller can add every lane in tree order and get exactly the sum of the present trees.
#[inline]
pub fn score_lanes(trees: &[TreeRec; LANES], regions: &Regions<'_>, row: &[f64]) -> [f64; LANES] {
    let mut l = trees.map(Lane::new);
    while !l.iter().all(|lane| lane.done) {
        for lane in &mut l {
            lane.step(regions, row);
        }
    }
    l.map(|lane| lane.out)
}

/// The deepest trees that get a dense copy (2^8 leaves, 3 KiB a tree).
pub const MAX_DENSE_DEPTH: u32 = 8;

/// `u32`s of one tree's dense copy at `depth`: `2^depth - 1` internal nodes of two words
/// (threshold bits; column | NA-right << 16), then `2^depth` leaves (f32 bits).
pub fn dense_len(depth: u32) -> usize {
    let leaves = 1usize << depth.min(MAX_DENSE_DEPTH);
    (leaves - 1) * 2 + leaves
}

/// Writes `tree` as a complete tree of `depth` levels in breadth-first order (children of
/// `i` at `2i + 1` and `2i + 2`) into `out` ([`dense_len`] long). A leaf above the last level
/// becomes filler nodes whose every leaf is that leaf, so whichever way a row goes it gets
/// the same value. An absent tree's leaves are all `-0.0`, which adds nothing (see
/// [`score_lanes`]). Returns `false`, leaving the copy unusable, when a node is not
/// [`flag::PLAIN`] or the tree is deeper than `depth`.
pub fn fill_dense(tree: TreeRec, nodes: &[Node], depth: u32, out: &mut [u32]) -> bool {
    let root = match tree.kind {
        TreeRec::NODE => Child::Node(tree.value),
        TreeRec::LEAF => Child::Leaf(tree.value),
        TreeRec::ABSENT => Child::Leaf((-0.0f32).to_bits()),
        _ => return false,
    };
    depth <= MAX_DENSE_DEPTH && out.len() == dense_len(depth) && fill(root, nodes, depth, 0, 0, out)
}

#[derive(Clone, Copy)]
enum Child {
    Node(u32),
    Leaf(u32),
}

fn fill(child: Child, nodes: &[Node], depth: u32, level: u32, i: usize, out: &mut [u32]) -> bool {
    let internal = (1usize << depth) - 1;
    if level == depth {
        let Child::Leaf(bits) = child else {
            return false;
        };
        return match out.get_mut(internal * 2 + (i - internal)) {
            Some(slot) => {
                *slot = bits;
                true
            }
            None => false,
        };
    }
    let (words, left, right) = match child {
        Child::Leaf(bits) => ([0, 0], child, Child::Leaf(bits)),
        Child::Node(n) => {
            let Some(node) = nodes.get(n as usize) else {
                return false;
            };
            if node.flags & flag::PLAIN == 0 {
                return false;
            }
            let side = |leaf: u8, v: u32| {
                if node.flags & leaf != 0 {
                    Child::Leaf(v)
                } else {
                    Child::Node(v)
                }
            };
            let na_right = u32::from(node.flags & flag::NA_LEFT == 0);
            (
                [node.split, u32::from(node.col) | na_right << 16],
                side(flag::LEFT_LEAF, node.left),
                side(flag::RIGHT_LEAF, node.right),
            )
        }
    };
    match out.get_mut(2 * i..2 * i + 2) {
        Some(slot) => slot.copy_from_slice(&words),
        None => return false,
    }
    fill(left, nodes, depth, level + 1, 2 * i + 1, out)
        && fill(right, nodes, depth, level + 1, 2 * i + 2, out)
}

/// [`score_lanes`] over dense copies ([`fill_dense`]): `LANES` trees of `depth` levels, their
/// copies one after another from `first` in `dense` (as a model's trees are). Every lane
/// takes exactly `depth` steps, each `i = 2i + 1 + right` with [`goes_right_numeric`]'s
/// test, so there is nothing to branch on. `has_na` says whether `row` holds a NaN:
/// without, no step needs a node's NA direction.
#[inline]
pub fn score_dense_lanes(
    dense: &[u32],
    depth: u32,
    first: usize,
    row: &[f64],
    has_na: bool,
) -> [f64; LANES] {
    if has_na {
        lanes_by_depth::<true>(dense, depth, first, row)
    } else {
        lanes_by_depth::<false>(dense, depth, first, row)
    }
}

/// The shallowest dense copies whose last trees [`score_dense_tail`] walks as a block: a
/// walk of fewer levels is short enough for the CPU to overlap walks one after another,
/// and the block's extra lanes cost more than they save (AutoML's 71 stumps: −4 %).
pub const MIN_TAIL_DEPTH: u32 = 3;

/// [`score_dense_lanes`] for a model's last `LANES` trees, overlapping the block before
/// when `LANES` does not divide the tree count (docs/decisions.md 48). Out of line: a
/// second inlined copy of the depth dispatch slowed the blocks before it.
#[inline(never)]
pub fn score_dense_tail(
    dense: &[u32],
    depth: u32,
    first: usize,
    row: &[f64],
    has_na: bool,
) -> [f64; LANES] {
    score_dense_lanes(dense, depth, first, row, has_na)
}

#[inline(always)]
fn lanes_by_depth<const NA: bool>(
    dense: &[u32],
    depth: u32,
    first: usize,
    row: &[f64],
) -> [f64; LANES] {
    match depth {
        1 => lanes_at_depth::<1, 4, NA>(dense, first, row),
        2 => lanes_at_depth::<2, 10, NA>(dense, first, row),
        3 => lanes_at_depth::<3, 22, NA>(dense, first, row),
        4 => lanes_at_depth::<4, 46, NA>(dense, first, row),
        5 => lanes_at_depth::<5, 94, NA>(dense, first, row),
        6 => lanes_at_depth::<6, 190, NA>(dense, first, row),
        7 => lanes_at_depth::<7, 382, NA>(dense, first, row),
        8 => lanes_at_depth::<8, 766, NA>(dense, first, row),
        _ => lanes_any_depth(dense, depth, first, row),
    }
}

/// [`score_dense_lanes`] for a depth known at compile time (see [`rows_at_depth`]). The
/// lanes' trees are read through one slice of known length at constant offsets, so a
/// single base register serves all of them and no index needs a bounds check.
#[inline(always)]
fn lanes_at_depth<const D: u32, const LEN: usize, const NA: bool>(
    dense: &[u32],
    first: usize,
    row: &[f64],
) -> [f64; LANES] {
    let Some(group) = dense.get(first..first + LANES * LEN) else {
        return [f64::NAN; LANES];
    };
    let internal = (1usize << D) - 1;
    let mut at = [0usize; LANES];
    for _ in 0..D {
        for (k, i) in at.iter_mut().enumerate() {
            let n = k * LEN + 2 * (*i & internal);
            let split = group.get(n).copied().unwrap_or(0);
            let cn = group.get(n + 1).copied().unwrap_or(0);
            let d = row.get((cn & 0xFFFF) as usize).copied().unwrap_or(f64::NAN);
            let ge = d >= f64::from(f32::from_bits(split));
            let right = if NA {
                ge | (d.is_nan() & (cn >> 16 != 0))
            } else {
                ge
            };
            *i = 2 * *i + 1 + usize::from(right);
        }
    }
    let mut out = [0.0; LANES];
    for (k, (o, &i)) in out.iter_mut().zip(&at).enumerate() {
        let leaf = k * LEN + internal * 2 + ((i - internal) & internal);
        *o = f64::from(f32::from_bits(
            group.get(leaf).copied().unwrap_or(0x7FC0_0000),
        ));
    }
    out
}

fn lanes_any_depth(dense: &[u32], depth: u32, first: usize, row: &[f64]) -> [f64; LANES] {
    let internal = (1usize << depth) - 1;
    let len = dense_len(depth);
    let mut at = [0usize; LANES];
    for _ in 0..depth {
        for (k, i) in at.iter_mut().enumerate() {
            let n = first + k * len + 2 * *i;
            let split = dense.get(n).copied().unwrap_or(0);
            let cn = dense.get(n + 1).copied().unwrap_or(0);
            let d = row.get((cn & 0xFFFF) as usize).copied().unwrap_or(f64::NAN);
            let ge = d >= f64::from(f32::from_bits(split));
            let right = ge | (d.is_nan() & (cn >> 16 != 0));
            *i = 2 * *i + 1 + usize::from(right);
        }
    }
    let mut out = [0.0; LANES];
    for (k, (o, &i)) in out.iter_mut().zip(&at).enumerate() {
        let leaf = dense
            .get(first + k * len + internal * 2 + (i - internal))
            .copied();
        *o = f64::from(f32::from_bits(leaf.unwrap_or(0x7FC0_0000)));
    }
    out
}

/// One dense tree (the copy at `base`) walked by `ROW_LANES` rows at once, the rows one
/// after another in `block` (`n_features` values each): the tree's words stay in cache for
/// every row, and the rows' walks are independent of each other. `has_na` says whether
/// any value in `block` is NaN: without, no step needs a node's NA direction.
#[inline]
pub fn score_dense_rows(
    dense: &[u32],
    depth: u32,
    base: usize,
    block: &[f64],
    n_features: usize,
    has_na: bool,
) -> [f64; ROW_LANES] {
    if has_na {
        rows_by_depth::<true>(dense, depth, base, block, n_features)
    } else {
        rows_by_depth::<false>(dense, depth, base, block, n_features)
    }
}

#[inline(always)]
fn rows_by_depth<const NA: bool>(
    dense: &[u32],
    depth: u32,
    base: usize,
    block: &[f64],
    n_features: usize,
) -> [f64; ROW_LANES] {
    match depth {
        1 => rows_at_depth::<1, 4, NA>(dense, base, block, n_features),
        2 => rows_at_depth::<2, 10, NA>(dense, base, block, n_features),
        3 => rows_at_depth::<3, 22, NA>(dense, base, block, n_features),
        4 => rows_at_depth::<4, 46, NA>(dense, base, block, n_features),
        5 => rows_at_depth::<5, 94, NA>(dense, base, block, n_features),
        6 => rows_at_depth::<6, 190, NA>(dense, base, block, n_features),
        7 => rows_at_depth::<7, 382, NA>(dense, base, block, n_features),
        8 => rows_at_depth::<8, 766, NA>(dense, base, block, n_features),
        _ => rows_any_depth(dense, depth, base, block, n_features),
    }
}

/// [`score_dense_rows`] for a depth known at compile time: the tree is one fixed-size array
/// (`LEN` = [`dense_len`]`(D)`), so the walk's indexing needs no bounds checks and the level
/// loop unrolls.
#[inline(always)]
fn rows_at_depth<const D: u32, const LEN: usize, const NA: bool>(
    dense: &[u32],
    base: usize,
    block: &[f64],
    n_features: usize,
) -> [f64; ROW_LANES] {
    let Some(tree) = dense
        .get(base..base + LEN)
        .and_then(|t| <&[u32; LEN]>::try_from(t).ok())
    else {
        return [f64::NAN; ROW_LANES];
    };
    let internal = (1usize << D) - 1;
    let mut at = [0usize; ROW_LANES];
    for _ in 0..D {
        for (k, i) in at.iter_mut().enumerate() {
            // `i` < internal here, so `2i + 1` < LEN; the mask lets the compiler see it.
            let n = 2 * (*i & internal);
            let split = tree.get(n).copied().unwrap_or(0);
            let cn = tree.get(n + 1).copied().unwrap_or(0);
            // Columns are below `n_features` (checked when the tree was decoded).
            let col = (cn & 0xFFFF) as usize;
            let d = block.get(k * n_features + col).copied().unwrap_or(f64::NAN);
            let ge = d >= f64::from(f32::from_bits(split));
            let right = if NA {
                ge | (d.is_nan() & (cn >> 16 != 0))
            } else {
                ge
            };
            *i = 2 * *i + 1 + usize::from(right);
        }
    }
    let mut out = [0.0; ROW_LANES];
    for (o, &i) in out.iter_mut().zip(&at) {
        let leaf = internal * 2 + ((i - internal) & internal);
        *o = f64::from(f32::from_bits(
            tree.get(leaf).copied().unwrap_or(0x7FC0_0000),
        ));
    }
    out
}

fn rows_any_depth(
    dense: &[u32],
    depth: u32,
    base: usize,
    block: &[f64],
    n_features: usize,
) -> [f64; ROW_LANES] {
    let internal = (1usize << depth) - 1;
    let tree = dense.get(base..base + dense_len(depth)).unwrap_or_default();
    let mut at = [0usize; ROW_LANES];
    for _ in 0..depth {
        for (k, i) in at.iter_mut().enumerate() {
            let n = 2 * *i;
            let split = tree.get(n).copied().unwrap_or(0);
            let cn = tree.get(n + 1).copied().unwrap_or(0);
            let col = (cn & 0xFFFF) as usize;
            let d = block.get(k * n_features + col).copied().unwrap_or(f64::NAN);
            let right = (d >= f64::from(f32::from_bits(split))) | (d.is_nan() & (cn >> 16 != 0));
            *i = 2 * *i + 1 + usize::from(right);
        }
    }
    let mut out = [0.0; ROW_LANES];
    for (o, &i) in out.iter_mut().zip(&at) {
        let leaf = tree.get(internal * 2 + (i - internal)).copied();
        *o = f64::from(f32::from_bits(leaf.unwrap_or(0x7FC0_0000)));
    }
    out
}

/// One tree of [`score_dense_lanes`].
#[inline]
pub fn score_dense(dense: &[u32], depth: u32, base: usize, row: &[f64]) -> f64 {
    let internal = (1usize << depth) - 1;
    let mut at = 0usize;
    for _ in 0..depth {
        let n = base + 2 * at;
        let split = dense.get(n).copied().unwrap_or(0);
        let cn = dense.get(n + 1).copied().unwrap_or(0);
        let d = row.get((cn & 0xFFFF) as usize).copied().unwrap_or(f64::NAN);
        let right = (d >= f64::from(f32::from_bits(split))) | (d.is_nan() & (cn >> 16 != 0));
        at = 2 * at + 1 + usize::from(right);
    }
    let leaf = dense.get(base + internal * 2 + (at - internal)).copied();
    f64::from(f32::from_bits(leaf.unwrap_or(0x7FC0_0000)))
}

/// The decision path of `row` as genmodel (3.46's `SharedTreeMojoModel.scoreTree`) encodes
/// it for leaf assignment: bit `d` set when the row went right at depth `d`, then a
/// terminating bit at the leaf's depth, with `long` shifts. `None` where genmodel has no path
/// (its `getDecisionPath` gives null): a level of 64 or more, which it returns as NaN, or
/// bits that read as a NaN double (`getDecisionPath` takes the bits as a `double`), and an
/// absent tree (the MOJO has no file for it), which genmodel fails on.
pub fn path(tree: TreeRec, regions: &Regions<'_>, row: &[f64]) -> Option<u64> {
    let bit = |level: u32| (level < 64).then(|| 1u64 << level);
    let ended = |bits: u64| (!f64::from_bits(bits).is_nan()).then_some(bits);
    let mut i = match tree.kind {
        TreeRec::NODE => tree.value as usize,
        TreeRec::ABSENT => return None, // genmodel reads a null tree and fails
        _ => return bit(0),
    };
    let mut bits = 0u64;
    let mut level = 0u32;
    let mut last_bitset = None;
    loop {
        let Some(node) = regions.nodes.get(i) else {
            return ended(bits);
        };
        let right = goes_right(node, regions, row, &mut last_bitset);
        if right {
            bits |= bit(level)?;
        }
        level += 1;
        match child(node, right) {
            Ok(next) => i = next,
            Err(_) => return ended(bits | bit(level)?),
        }
    }
}

/// Writes genmodel's `getDecisionPath` string for path bits: `L`/`R` per level up to the
/// highest set bit.
pub fn write_path<W: core::fmt::Write>(out: &mut W, bits: u64) -> core::fmt::Result {
    let end = 63 - bits.leading_zeros().min(63);
    for i in 0..end {
        out.write_char(if bits >> i & 1 == 1 { 'R' } else { 'L' })?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::model::layout::{Counter, Layout, Writer};
    use std::vec;
    use std::vec::Vec;

    fn load(bytes: &[u8], n_features: usize) -> Result<(Layout, Vec<u64>, TreeRec), ModelError> {
        load_as(bytes, n_features, Walker::Current, &[])
    }

    /// [`load`] for `walker`, the model's `columns` written first.
    fn load_as(
        bytes: &[u8],
        n_features: usize,
        walker: Walker,
        columns: &[ColumnRec],
    ) -> Result<(Layout, Vec<u64>, TreeRec), ModelError> {
        let mut c = Counter::default();
        for &column in columns {
            c.column(column)?;
        }
        decode_shaped(bytes, n_features, walker, &mut c)?;
        let layout = Layout::new(c.counts).unwrap();
        let mut mem = vec![0u64; layout.words()];
        let mut w = Writer::new(&layout, &mut mem).unwrap();
        for &column in columns {
            w.column(column)?;
        }
        let (root, _) = decode_shaped(bytes, n_features, walker, &mut w)?;
        w.finish(&layout).unwrap();
        Ok((layout, mem, root))
    }

    fn f(v: f32) -> [u8; 4] {
        v.to_le_bytes()
    }

    /// col0 >= 1.5 ? (col1 in {2} ? 30 : 20) : 10, NAs left at the root, right below.
    fn tree() -> Vec<u8> {
        // Root: left child a leaf, right child a subtree, numeric split, NALeft.
        let mut t = vec![0x30, 0, 0, 2];
        t.extend(f(1.5));
        t.extend(f(10.0));
        // Right: inline bitset {2} on column 1, both children leaves, NARight.
        t.extend([0x08 | 0x30 | 0xC0, 1, 0, 3, 0b100, 0, 0, 0]);
        t.extend(f(20.0));
        t.extend(f(30.0));
        t
    }

    /// A chain of `depth` splits on column 0 (`>= i` goes right), each left child the leaf
    /// `i`, the last right child the leaf `-1`.
    fn chain(depth: usize) -> Vec<u8> {
        let mut t = Vec::new();
        for i in 0..depth {
            let last = i + 1 == depth;
            t.extend([if last { 0xF0 } else { 0x30 }, 0, 0, 2]);
            t.extend(f(i as f32));
            t.extend(f(i as f32));
            if last {
                t.extend(f(-1.0));
            }
        }
        t
    }

    #[test]
    fn trees_as_deep_as_the_limit_load_on_a_2_mib_stack() {
        // The release build (under 256 bytes a level) on a stack as small as tokio's
        // blocking threads' (where a multi-model endpoint loads); the unoptimised build's
        // frames are far larger (2 MiB holds 400 to 800 of its levels).
        let stack = if cfg!(debug_assertions) {
            16 << 20
        } else {
            2 << 20
        };
        let (deepest, deeper) = std::thread::Builder::new()
            .stack_size(stack)
            .spawn(|| {
                let deeper = load(&chain(MAX_TREE_DEPTH + 1), 1).err();
                (load(&chain(MAX_TREE_DEPTH), 1), deeper)
            })
            .unwrap()
            .join()
            .unwrap();
        let (layout, mem, root) = deepest.unwrap();
        let r = Regions::new(&layout, &mem);
        assert_eq!(score(root, &r, &[1e9]), -1.0);
        assert_eq!(score(root, &r, &[500.5]), 501.0);
        assert_eq!(deeper, Some(ModelError::TooLarge("tree depth")));
    }

    #[test]
    fn walk() {
        let (layout, mem, root) = load(&tree(), 2).unwrap();
        let r = Regions::new(&layout, &mem);
        assert_eq!(score(root, &r, &[0.0, 0.0]), 10.0);
        assert_eq!(
            score(root, &r, &[f64::NAN, 2.0]),
            10.0,
            "NA goes left at the root"
        );
        assert_eq!(score(root, &r, &[1.5, 2.0]), 30.0, ">= goes right");
        assert_eq!(score(root, &r, &[2.0, 1.0]), 20.0);
        assert_eq!(
            score(root, &r, &[2.0, f64::NAN]),
            30.0,
            "NA goes right below"
        );
        assert_eq!(
            score(root, &r, &[2.0, 40.0]),
            30.0,
            "outside the bitset is NA"
        );
    }

    /// col0 in the large bitset {3, 9} (bits from level 2), NAs right ? (NA-versus-rest on
    /// col1, categorical type bits set: NA ? 40 : 30) : 20; the large bitset in `walker`'s
    /// layout.
    fn large_bitset_tree(walker: Walker) -> Vec<u8> {
        let mut t = vec![0x0C | 0x30, 0, 0, 3, 2, 0];
        match walker {
            Walker::Current => t.extend(10i32.to_le_bytes()),
            Walker::V100 | Walker::V110 => t.extend(2u16.to_le_bytes()),
        }
        t.extend([0b10, 0b1]);
        t.extend(f(20.0));
        t.extend([0x0C | 0x30 | 0xC0, 1, 0, 1]);
        t.extend(f(30.0));
        t.extend(f(40.0));
        t
    }

    #[test]
    fn walkers_of_mojo_1_00_and_1_10() {
        use Walker::{Current, V100, V110};
        // col0 is a categorical of 6 levels, col1 a number.
        let columns = [
            ColumnRec {
                first_level: 0,
                n_levels: 6,
                ..ColumnRec::default()
            },
            ColumnRec {
                first_level: NONE,
                ..ColumnRec::default()
            },
        ];
        let walk = |walker: Walker, row: [f64; 2]| {
            let tree = large_bitset_tree(walker);
            let (layout, mem, root) = load_as(&tree, 2, walker, &columns).unwrap();
            score(root, &Regions::new(&layout, &mem), &row)
        };
        for w in [V100, V110, Current] {
            assert_eq!(walk(w, [3.0, 5.0]), 30.0, "{w:?}: in the bitset");
            assert_eq!(
                walk(w, [4.0, 5.0]),
                20.0,
                "{w:?}: in range, not in the bitset"
            );
            assert_eq!(walk(w, [f64::NAN, f64::NAN]), 40.0, "{w:?}: NAs right");
        }
        // Before 1.20 a bitset of n bytes holds 8n levels (2 to 17 here), 1.20's 10 bits
        // end at level 11: outside them is NA, which goes right (to 30: col1 is no NA).
        assert_eq!(walk(V100, [17.0, 5.0]), 20.0);
        assert_eq!(walk(V110, [17.0, 5.0]), 20.0);
        assert_eq!(walk(Current, [17.0, 5.0]), 30.0);
        // Outside the range: not in the bitset for 1.00, NA from 1.10 on.
        for level in [1.0, 18.0] {
            assert_eq!(walk(V100, [level, 5.0]), 20.0, "1.00, level {level}");
            assert_eq!(walk(V110, [level, 5.0]), 30.0, "1.10, level {level}");
            assert_eq!(walk(Current, [level, 5.0]), 30.0, "1.20, level {level}");
        }
        // From 1.10 on, an NA-versus-rest node with categorical bits range-checks its value
        // against the last bitset read (col0's); 1.00 tests NAs only.
        assert_eq!(walk(V100, [3.0, 50.0]), 30.0);
        assert_eq!(walk(V110, [3.0, 50.0]), 40.0);
        assert_eq!(walk(Current, [3.0, 50.0]), 40.0);
        // Level 8 is in the bitset's range but not in col0's 6-level domain: NA for 1.20,
        // which goes right; before 1.20 it is just not in the bitset.
        assert_eq!(walk(V100, [8.0, 5.0]), 20.0);
        assert_eq!(walk(V110, [8.0, 5.0]), 20.0);
        assert_eq!(walk(Current, [8.0, 5.0]), 30.0);
    }

    #[test]
    fn paths() {
        let (layout, mem, root) = load(&tree(), 2).unwrap();
        let r = Regions::new(&layout, &mem);
        let text = |row: &[f64]| {
            let mut s = std::string::String::new();
            write_path(&mut s, path(root, &r, row).unwrap()).unwrap();
            s
        };
        assert_eq!(text(&[0.0, 0.0]), "L");
        assert_eq!(text(&[2.0, 1.0]), "RL");
        assert_eq!(text(&[2.0, 2.0]), "RR");
        assert_eq!(
            path(
                TreeRec {
                    kind: TreeRec::LEAF,
                    value: 0
                },
                &r,
                &[0.0]
            ),
            Some(1),
            "a stump's path is empty"
        );
        assert_eq!(
            path(TreeRec::default(), &r, &[0.0]),
            None,
            "an absent tree has none"
        );
    }

    #[test]
    fn paths_past_31_levels_and_where_genmodel_has_none() {
        // chain(n): the row goes right at each level below its value, left at the first
        // level above it, to a leaf one level down (the last node's children are both leaves).
        let text = |depth: usize, x: f64| {
            let (layout, mem, root) = load(&chain(depth), 1).unwrap();
            let r = Regions::new(&layout, &mem);
            path(root, &r, &[x]).map(|bits| {
                let mut s = std::string::String::new();
                write_path(&mut s, bits).unwrap();
                s
            })
        };
        let rights_then_left = |n: usize| Some("R".repeat(n) + "L");
        assert_eq!(text(100, 3.5), rights_then_left(4));
        // genmodel shifts a `long`: no wrap at 32, no sign extension at 31.
        assert_eq!(text(100, 40.5), rights_then_left(41));
        assert_eq!(text(100, 61.5), rights_then_left(62), "a leaf at level 63");
        assert_eq!(text(100, 62.5), None, "a leaf at level 64");
        assert_eq!(text(100, 70.5), None, "a right turn at level 64");
        assert_eq!(text(62, 60.5), rights_then_left(61));
        // 62 right turns, then the leaf's bit at 62: the bits read as a NaN double.
        assert_eq!(text(62, 100.0), None, "bits 0 to 62 set read as NaN");
    }

    #[test]
    fn dense_copies_walk_alike() {
        // col0 >= 1.5 (NAs left) ? (col1 >= -2 (NAs right) ? 30 : 20) : 10
        let mut t = vec![0x30, 0, 0, 2];
        t.extend(f(1.5));
        t.extend(f(10.0));
        t.extend([0x30 | 0xC0, 1, 0, 3]);
        t.extend(f(-2.0));
        t.extend(f(20.0));
        t.extend(f(30.0));
        let (layout, mut mem, root) = load(&t, 2).unwrap();
        let mut w = Writer::new(&layout, &mut mem).unwrap();
        decode(&t, 2, &mut w).unwrap();
        let (nodes, columns) = w.nodes_and_columns();
        mark_plain(nodes, columns);
        let nodes = nodes.to_vec();
        let rows = [
            [0.0, 0.0],
            [f64::NAN, 5.0],
            [1.5, -2.0],
            [2.0, -3.0],
            [2.0, f64::NAN],
            [f64::INFINITY, f64::NEG_INFINITY],
        ];
        let r = Regions::new(&layout, &mem);
        for depth in 2..=4 {
            let mut dense = vec![0u32; dense_len(depth)];
            assert!(fill_dense(root, &nodes, depth, &mut dense));
            for row in &rows {
                let want = score(root, &r, row);
                assert_eq!(score_dense(&dense, depth, 0, row).to_bits(), want.to_bits());
                let mut many = dense.clone();
                for _ in 1..LANES {
                    many.extend_from_slice(&dense);
                }
                let has_na = row.iter().any(|v| v.is_nan());
                for v in score_dense_lanes(&many, depth, 0, row, has_na) {
                    assert_eq!(v.to_bits(), want.to_bits());
                }
                // The rows walk: this row in every lane.
                let block: std::vec::Vec<f64> = (0..ROW_LANES).flat_map(|_| *row).collect();
                for v in score_dense_rows(&dense, depth, 0, &block, 2, has_na) {
                    assert_eq!(v.to_bits(), want.to_bits());
                }
            }
        }
        assert!(
            !fill_dense(root, &nodes, 1, &mut vec![0; dense_len(1)]),
            "too shallow"
        );
        let absent = TreeRec::default();
        let mut dense = vec![0u32; dense_len(2)];
        assert!(fill_dense(absent, &nodes, 2, &mut dense));
        assert_eq!(
            score_dense(&dense, 2, 0, &rows[0]).to_bits(),
            (-0.0f64).to_bits()
        );
    }

    #[test]
    fn stump() {
        let mut t = vec![0, 0xFF, 0xFF];
        t.extend(f(0.25));
        let (layout, mem, root) = load(&t, 1).unwrap();
        assert_eq!(score(root, &Regions::new(&layout, &mem), &[1.0]), 0.25);
    }

    #[test]
    fn truncated_everywhere() {
        let t = tree();
        for n in 0..t.len() {
            assert!(load(&t[..n], 2).is_err(), "prefix {n}");
        }
        assert!(load(&t, 1).is_err(), "column 1 is not a feature");
        let mut extra = t.clone();
        extra.push(0);
        assert!(load(&extra, 2).is_err());
    }
}
