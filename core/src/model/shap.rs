//! Shapley contributions: path-dependent TreeSHAP as genmodel's `TreeSHAP` computes it (a
//! port of XGBoost's C++ `TreeShap`), entirely in f32.
//!
//! Every operation happens in the order of genmodel's bytecode, each intermediate rounded to
//! f32, and integer depths converted to float where Java converts them, so the values are
//! bit-identical to `PredictCsv --predictContributions`.
//!
//! The path workspace is caller-provided: [`ELEMENT_F32S`] floats per path element
//! (`feature` as `i32` bits, `zero_fraction`, `one_fraction`, `pweight`), and
//! [`work_len`] elements for the deepest tree, as genmodel's `getWorkspaceSize`.
//!
//! H2O trees (GBM/DRF) take their covers from `_aux.bin`: for every internal node, in the
//! same pre-order as the decoded nodes, the weights of its left and right children (stored
//! as two f64s per node). The root's weight is the f32 sum of its two; a stump has weight 0.
//! Hot children follow `SharedTreeNode.next`, which differs from the scoring walk for
//! NA-versus-rest nodes (no range check against an earlier bitset).
#![warn(clippy::indexing_slicing)]

use super::layout::{ColumnRec, Node, Regions, TreeRec, NONE};
use super::tree::flag;

/// f32s per path element in the workspace.
pub const ELEMENT_F32S: usize = 4;

/// Workspace f32s for trees of at most `depth` levels (a leaf counts 1), as genmodel's
/// `TreeSHAP.getWorkspaceSize`: `(depth + 2)(depth + 3) / 2` path elements.
pub fn work_len(depth: usize) -> usize {
    let d = depth + 2;
    d * (d + 1) / 2 * ELEMENT_F32S
}

/// What TreeSHAP needs of one tree, for one row.
pub(crate) trait ShapTree {
    type Node: Copy;
    fn root(&self) -> Self::Node;
    /// The node's cover (`INodeStat.getWeight`).
    fn weight(&self, n: Self::Node) -> f32;
    /// `None` for a leaf; else `(split feature, left, right)`.
    fn split(&self, n: Self::Node) -> Option<(i32, Self::Node, Self::Node)>;
    fn leaf_value(&self, n: Self::Node) -> f32;
    /// Whether the row follows the right child of the internal node `n` (`INode.next`).
    fn goes_right(&self, n: Self::Node) -> bool;
}

/// The path algorithm failed: the workspace is too small, or genmodel would throw
/// ("Unique path must have zero getWeight").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ShapFailed;

/// One path element.
#[derive(Clone, Copy, Debug)]
struct El {
    feature: i32,
    zero: f32,
    one: f32,
    pweight: f32,
}

struct Ws<'w> {
    buf: &'w mut [f32],
    overflow: bool,
}

impl Ws<'_> {
    fn get(&self, e: usize) -> El {
        let at = e * ELEMENT_F32S;
        match self.buf.get(at..at + ELEMENT_F32S) {
            Some(&[f, zero, one, pweight]) => El {
                feature: f.to_bits() as i32,
                zero,
                one,
                pweight,
            },
            _ => El {
                feature: -1,
                zero: 0.0,
                one: 0.0,
                pweight: 0.0,
            },
        }
    }

    fn set(&mut self, e: usize, el: El) {
        let at = e * ELEMENT_F32S;
        match self.buf.get_mut(at..at + ELEMENT_F32S) {
            Some(s) => s.copy_from_slice(&[
                f32::from_bits(el.feature as u32),
                el.zero,
                el.one,
                el.pweight,
            ]),
            None => self.overflow = true,
        }
    }

    fn pweight(&self, e: usize) -> f32 {
        self.get(e).pweight
    }

    fn set_pweight(&mut self, e: usize, w: f32) {
        let mut el = self.get(e);
        el.pweight = w;
        self.set(e, el);
    }

    /// `extendPath` on the path at `pos` of unique depth `d`.
    fn extend(&mut self, pos: usize, d: usize, zero: f32, one: f32, feature: i32) {
        self.set(
            pos + d,
            El {
                feature,
                zero,
                one,
                pweight: if d == 0 { 1.0 } else { 0.0 },
            },
        );
        let dp1 = (d + 1) as f32;
        for i in (0..d).rev() {
            let wi = self.pweight(pos + i);
            let next = self.pweight(pos + i + 1) + one * wi * ((i + 1) as f32) / dp1;
            self.set_pweight(pos + i + 1, next);
            self.set_pweight(pos + i, zero * wi * ((d - i) as f32) / dp1);
        }
    }

    /// `unwindPath`: removes element `pi` from the path at `pos` of unique depth `d`.
    fn unwind(&mut self, pos: usize, d: usize, pi: usize) {
        let El { one, zero, .. } = self.get(pos + pi);
        let mut next = self.pweight(pos + d);
        let dp1 = (d + 1) as f32;
        for i in (0..d).rev() {
            if one != 0.0 {
                let tmp = self.pweight(pos + i);
                let w = next * dp1 / (((i + 1) as f32) * one);
                self.set_pweight(pos + i, w);
                next = tmp - w * zero * ((d - i) as f32) / dp1;
            } else if zero != 0.0 {
                let w = self.pweight(pos + i) * dp1 / (zero * ((d - i) as f32));
                self.set_pweight(pos + i, w);
            } else {
                self.set_pweight(pos + i, 0.0);
            }
        }
        for i in pi..d {
            let src = self.get(pos + i + 1);
            let mut el = self.get(pos + i);
            el.feature = src.feature;
            el.zero = src.zero;
            el.one = src.one;
            self.set(pos + i, el);
        }
    }

    /// `unwoundPathSum`.
    fn unwound_sum(&self, pos: usize, d: usize, pi: usize) -> Result<f32, ShapFailed> {
        let El { one, zero, .. } = self.get(pos + pi);
        let mut next = self.pweight(pos + d);
        let mut total = 0.0f32;
        let dp1 = (d + 1) as f32;
        for i in (0..d).rev() {
            if one != 0.0 {
                let tmp = next * dp1 / (((i + 1) as f32) * one);
                total += tmp;
                next = self.pweight(pos + i) - tmp * zero * (((d - i) as f32) / dp1);
            } else if zero != 0.0 {
                total += self.pweight(pos + i) / zero / (((d - i) as f32) / dp1);
            } else if self.pweight(pos + i) != 0.0 {
                return Err(ShapFailed);
            }
        }
        Ok(total)
    }
}

/// Path depths whose unwound sums [`Ws::unwound_sums`] computes together, on the stack;
/// deeper paths (trees over 31 levels) take [`Ws::unwound_sum`] one element at a time.
const SUMS_AT_ONCE: usize = 32;

impl Ws<'_> {
    /// [`Ws::unwound_sum`] of every element `pi` in `1..=d` at once, into `sums[pi - 1]`.
    /// Each sum takes exactly the operations, in the order, that `unwound_sum` takes for
    /// it, so the values are the same bits; but the `d` sums are independent, so they are
    /// computed side by side without branches (both of `unwound_sum`'s formulas, then the
    /// one it would take selected), in registers and SIMD. `None` when `d` is over
    /// [`SUMS_AT_ONCE`].
    fn unwound_sums(
        &self,
        pos: usize,
        d: usize,
        sums: &mut [f32; SUMS_AT_ONCE],
    ) -> Option<Result<(), ShapFailed>> {
        // Widths in steps, so that a tree of the usual depths keeps its lanes in registers.
        Some(match d {
            0..=4 => self.unwound_sums_in::<4>(pos, d, sums.first_chunk_mut()?),
            5..=8 => self.unwound_sums_in::<8>(pos, d, sums.first_chunk_mut()?),
            9..=16 => self.unwound_sums_in::<16>(pos, d, sums.first_chunk_mut()?),
            17..=SUMS_AT_ONCE => self.unwound_sums_in::<SUMS_AT_ONCE>(pos, d, sums),
            _ => return None,
        })
    }

    /// [`Ws::unwound_sums`] in `N` lanes (`d <= N`); lanes past `d` compute nothing used.
    #[inline(always)]
    fn unwound_sums_in<const N: usize>(
        &self,
        pos: usize,
        d: usize,
        sums: &mut [f32; N],
    ) -> Result<(), ShapFailed> {
        let mut one = [0.0f32; N];
        // `zero = 1` keeps the padding lanes out of the failure test.
        let mut zero = [1.0f32; N];
        let mut next = [self.pweight(pos + d); N];
        for (k, (o, z)) in one.iter_mut().zip(&mut zero).take(d).enumerate() {
            let el = self.get(pos + k + 1);
            (*o, *z) = (el.one, el.zero);
        }
        *sums = [0.0; N];
        let dp1 = (d + 1) as f32;
        let mut failed = 0u32;
        for i in (0..d).rev() {
            let pweight = self.pweight(pos + i);
            let above = (i + 1) as f32;
            let below = ((d - i) as f32) / dp1;
            for k in 0..N {
                let (Some(sum), Some(next), Some(&one), Some(&zero)) =
                    (sums.get_mut(k), next.get_mut(k), one.get(k), zero.get(k))
                else {
                    continue;
                };
                let tmp = *next * dp1 / (above * one);
                let hot_next = pweight - tmp * zero * below;
                let cold = pweight / zero / below;
                let hot = one != 0.0;
                let warm = zero != 0.0;
                *sum = pick(hot, *sum + tmp, pick(warm, *sum + cold, *sum));
                *next = pick(hot, hot_next, *next);
                failed |= u32::from(!hot & !warm & (pweight != 0.0));
            }
        }
        if failed != 0 {
            Err(ShapFailed)
        } else {
            Ok(())
        }
    }
}

/// `a` if `c`, else `b`, as bit masks rather than a branch, so that lanes vectorize.
#[inline(always)]
fn pick(c: bool, a: f32, b: f32) -> f32 {
    let m = u32::from(c).wrapping_neg();
    f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

/// The recursion's fixed arguments.
struct Run<'a, 'w, T: ShapTree> {
    tree: &'a T,
    ws: Ws<'w>,
    phi: &'a mut [f32],
}

impl<T: ShapTree> Run<'_, '_, T> {
    /// `TreeSHAP.treeShap` with `condition == 0` (so `condition_fraction` stays 1).
    #[allow(clippy::too_many_arguments)]
    fn recurse(
        &mut self,
        node: T::Node,
        mut d: usize,
        parent_pos: usize,
        parent_zero: f32,
        parent_one: f32,
        parent_feature: i32,
    ) -> Result<(), ShapFailed> {
        let condition_fraction = 1.0f32;
        // `PathPointer.move`: copy the parent's first `d` elements past them.
        for i in 0..d {
            let el = self.ws.get(parent_pos + i);
            self.ws.set(parent_pos + d + i, el);
        }
        let pos = parent_pos + d;
        self.ws
            .extend(pos, d, parent_zero, parent_one, parent_feature);
        let Some((split, left, right)) = self.tree.split(node) else {
            let leaf = self.tree.leaf_value(node);
            let mut sums = [0.0f32; SUMS_AT_ONCE];
            let batched = self
                .ws
                .unwound_sums(pos, d, &mut sums)
                .transpose()?
                .is_some();
            for i in 1..=d {
                let w = match sums.get(i - 1) {
                    Some(&w) if batched => w,
                    _ => self.ws.unwound_sum(pos, d, i)?,
                };
                let el = self.ws.get(pos + i);
                if let Some(p) = usize::try_from(el.feature)
                    .ok()
                    .and_then(|f| self.phi.get_mut(f))
                {
                    *p += w * (el.one - el.zero) * leaf * condition_fraction;
                }
            }
            return Ok(());
        };
        let (hot, cold) = if self.tree.goes_right(node) {
            (right, left)
        } else {
            (left, right)
        };
        let w = self.tree.weight(node);
        let hot_zero = if w != 0.0 {
            self.tree.weight(hot) / w
        } else {
            0.5
        };
        let cold_zero = if w != 0.0 {
            self.tree.weight(cold) / w
        } else {
            0.5
        };
        let mut incoming_zero = 1.0f32;
        let mut incoming_one = 1.0f32;
        let path_index = (0..=d)
            .find(|&i| self.ws.get(pos + i).feature == split)
            .unwrap_or(d + 1);
        if path_index != d + 1 {
            let el = self.ws.get(pos + path_index);
            incoming_zero = el.zero;
            incoming_one = el.one;
            self.ws.unwind(pos, d, path_index);
            d = d.checked_sub(1).ok_or(ShapFailed)?;
        }
        self.recurse(
            hot,
            d + 1,
            pos,
            hot_zero * incoming_zero,
            incoming_one,
            split,
        )?;
        self.recurse(cold, d + 1, pos, cold_zero * incoming_zero, 0.0, split)
    }
}

/// `nodeMeanValue`: the cover-weighted mean of the leaves under `n`.
fn mean_value<T: ShapTree>(tree: &T, n: T::Node) -> f32 {
    let w = tree.weight(n);
    if w == 0.0 {
        return 0.0;
    }
    match tree.split(n) {
        None => tree.leaf_value(n),
        Some((_, l, r)) => {
            (tree.weight(l) * mean_value(tree, l) + tree.weight(r) * mean_value(tree, r)) / w
        }
    }
}

/// Adds one tree's contributions (`TreeSHAP.calculateContributions` with condition 0): its
/// expected value to the bias (the last element of `phi`), then the path algorithm.
pub(crate) fn add_tree<T: ShapTree>(
    tree: &T,
    phi: &mut [f32],
    work: &mut [f32],
) -> Result<(), ShapFailed> {
    let expected = mean_value(tree, tree.root());
    if let Some(bias) = phi.last_mut() {
        *bias += expected;
    }
    let mut run = Run {
        tree,
        ws: Ws {
            buf: work,
            overflow: false,
        },
        phi,
    };
    run.recurse(tree.root(), 0, 0, 1.0, 1.0, -1)?;
    if run.ws.overflow {
        return Err(ShapFailed);
    }
    Ok(())
}

/// A node of an H2O tree as TreeSHAP sees it: an internal node (index into the nodes
/// region) or a leaf value, each with its cover.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum H2oNode {
    Internal { index: u32, weight: f32 },
    Leaf { value: f32, weight: f32 },
}

/// One H2O tree over one row.
pub(crate) struct H2oTree<'a> {
    pub regions: &'a Regions<'a>,
    pub columns: &'a [ColumnRec],
    pub row: &'a [f64],
    pub root: TreeRec,
    /// `(weightL, weightR)` of node `first_node + k` at `weights[2k..2k+2]`.
    pub weights: &'a [f64],
    pub first_node: u32,
}

impl H2oTree<'_> {
    fn pair(&self, index: u32) -> (f32, f32) {
        let k = index.wrapping_sub(self.first_node) as usize * 2;
        match self.weights.get(k..k + 2) {
            Some(&[l, r]) => (l as f32, r as f32),
            _ => (0.0, 0.0),
        }
    }

    fn node(&self, index: u32) -> Option<&Node> {
        self.regions.nodes.get(index as usize)
    }

    fn bitset_range(&self, at: u32, level: i32) -> Option<usize> {
        let at = at as usize;
        let bitoff = *self.regions.bitsets.get(at)? as i32;
        let nbits = *self.regions.bitsets.get(at + 1)? as i32;
        // Java int arithmetic (`GenmodelBitSet.isInRange`).
        let idx = level.wrapping_sub(bitoff);
        (idx >= 0 && idx < nbits).then_some(idx as usize)
    }

    fn bitset_contains(&self, at: u32, idx: usize) -> bool {
        let word = self
            .regions
            .bitsets
            .get(at as usize + 2 + (idx >> 5))
            .copied()
            .unwrap_or(0);
        word >> (idx & 31) & 1 == 1
    }

    /// `SharedTreeNode.next`: whether the row goes right.
    fn next_right(&self, node: &Node) -> bool {
        let col = usize::from(node.col);
        let d = self.row.get(col).copied().unwrap_or(f64::NAN);
        let level = d as i32;
        let na_vs_rest = node.flags & flag::NA_VS_REST != 0;
        let bitset = node.flags & flag::BITSET != 0;
        let mut in_range = None;
        let na = d.is_nan() || {
            let bs_out = bitset && {
                in_range = self.bitset_range(node.split, level);
                in_range.is_none()
            };
            // Nodes other than NA-versus-rest carry the column's domain, if it has one.
            let domain = self
                .columns
                .get(col)
                .filter(|c| c.first_level != NONE && !na_vs_rest);
            bs_out || domain.is_some_and(|c| i64::from(c.n_levels) <= i64::from(level))
        };
        if na {
            node.flags & flag::NA_LEFT == 0
        } else if na_vs_rest {
            false
        } else if bitset {
            in_range.is_some_and(|idx| self.bitset_contains(node.split, idx))
        } else {
            d >= f64::from(f32::from_bits(node.split))
        }
    }
}

impl ShapTree for H2oTree<'_> {
    type Node = H2oNode;

    fn root(&self) -> H2oNode {
        match self.root.kind {
            TreeRec::NODE => {
                let (l, r) = self.pair(self.root.value);
                H2oNode::Internal {
                    index: self.root.value,
                    weight: l + r,
                }
            }
            // A stump has no aux record: weight 0.
            _ => H2oNode::Leaf {
                value: f32::from_bits(self.root.value),
                weight: 0.0,
            },
        }
    }

    fn weight(&self, n: H2oNode) -> f32 {
        match n {
            H2oNode::Internal { weight, .. } | H2oNode::Leaf { weight, .. } => weight,
        }
    }

    fn split(&self, n: H2oNode) -> Option<(i32, H2oNode, H2oNode)> {
        let H2oNode::Internal { index, .. } = n else {
            return None;
        };
        let node = self.node(index)?;
        let (wl, wr) = self.pair(index);
        let child = |leaf: bool, v: u32, weight: f32| {
            if leaf {
                H2oNode::Leaf {
                    value: f32::from_bits(v),
                    weight,
                }
            } else {
                H2oNode::Internal { index: v, weight }
            }
        };
        Some((
            i32::from(node.col),
            child(node.flags & flag::LEFT_LEAF != 0, node.left, wl),
            child(node.flags & flag::RIGHT_LEAF != 0, node.right, wr),
        ))
    }

    fn leaf_value(&self, n: H2oNode) -> f32 {
        match n {
            H2oNode::Leaf { value, .. } => value,
            H2oNode::Internal { .. } => 0.0,
        }
    }

    fn goes_right(&self, n: H2oNode) -> bool {
        match n {
            H2oNode::Internal { index, .. } => {
                self.node(index).is_some_and(|node| self.next_right(node))
            }
            H2oNode::Leaf { .. } => false,
        }
    }
}

/// The depth of the tree under `root` as genmodel's `nodeDepth` counts it (a leaf is 1),
/// walking `nodes` with an explicit stack; `None` if deeper than the stack allows.
pub(crate) fn h2o_depth(nodes: &[Node], root: TreeRec) -> Option<usize> {
    if root.kind != TreeRec::NODE {
        return Some(1);
    }
    let mut stack = [(0u32, 0u16); crate::limits::MAX_TREE_DEPTH + 1];
    let mut top = 1usize;
    *stack.first_mut()? = (root.value, 1);
    let mut max = 1usize;
    while top > 0 {
        top -= 1;
        let (i, depth) = *stack.get(top)?;
        let node = nodes.get(i as usize)?;
        // Children one level down; leaves count one more level.
        max = max.max(usize::from(depth) + 1);
        for (leaf, next) in [
            (node.flags & flag::LEFT_LEAF != 0, node.left),
            (node.flags & flag::RIGHT_LEAF != 0, node.right),
        ] {
            if !leaf {
                *stack.get_mut(top)? = (next, depth.checked_add(1)?);
                top += 1;
            }
        }
    }
    Some(max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::vec;
    use std::vec::Vec;

    /// A path element's fraction: often exactly 0 or 1, as TreeSHAP's are (cold paths
    /// carry `one == 0`, a split on no cover `zero == 0`), else anything in (0, 1].
    fn fraction() -> impl Strategy<Value = f32> {
        prop_oneof![Just(0.0f32), Just(1.0f32), 1e-6f32..=1.0f32]
    }

    proptest! {
        /// The batched sums are `unwound_sum`'s bits for every element, and fail exactly
        /// when one of them fails.
        #[test]
        fn unwound_sums_are_unwound_sum_at_once(
            elements in prop::collection::vec(
                (fraction(), fraction(), prop_oneof![Just(0.0f32), 0.0f32..4.0f32]),
                2..=SUMS_AT_ONCE + 1,
            ),
            pos in 0usize..3,
        ) {
            let d = elements.len() - 1;
            let mut buf = vec![0.0f32; (pos + d + 1) * ELEMENT_F32S];
            let mut ws = Ws { buf: &mut buf, overflow: false };
            for (k, &(zero, one, pweight)) in elements.iter().enumerate() {
                ws.set(pos + k, El { feature: k as i32, zero, one, pweight });
            }
            let one_at_a_time: Vec<Result<f32, ShapFailed>> =
                (1..=d).map(|pi| ws.unwound_sum(pos, d, pi)).collect();
            let mut sums = [0.0f32; SUMS_AT_ONCE];
            match ws.unwound_sums(pos, d, &mut sums) {
                Some(Ok(())) => {
                    for (pi, want) in one_at_a_time.iter().enumerate() {
                        let got = sums.get(pi).map(|s| s.to_bits()).ok_or(ShapFailed);
                        prop_assert_eq!(want.map(f32::to_bits), got);
                    }
                }
                Some(Err(ShapFailed)) => prop_assert!(one_at_a_time.iter().any(Result::is_err)),
                None => prop_assert!(d > SUMS_AT_ONCE),
            }
        }
    }
}
