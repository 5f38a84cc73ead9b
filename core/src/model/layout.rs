//! The loaded model's memory: typed regions carved from one caller-owned `[u64]`.
//!
//! Loading runs the same builder twice. The first run feeds a [`Counter`], which only counts
//! what the model holds; its counts become a [`Layout`], the exact number of words to
//! allocate. The second run feeds a [`Writer`] over that memory. Both runs see the same
//! archive, so they produce the same counts; the writer still checks every write against the
//! layout and reports a mismatch as corruption instead of panicking.
//!
//! Records are `#[repr(C)]` plain-old-data (`bytemuck::Pod`) so that the regions can be
//! viewed as typed slices without `unsafe` in this crate.
#![warn(clippy::indexing_slicing)]

use bytemuck::{Pod, Zeroable};
use core::ops::Range;

use crate::error::ModelError;
use crate::limits;

/// A string in the text region.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct StrRef {
    pub off: u32,
    pub len: u32,
}

/// `u32::MAX`: "none" in index fields.
pub const NONE: u32 = u32::MAX;

/// One model column: its name and, for categoricals, its levels.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct ColumnRec {
    pub name: StrRef,
    /// Index of the first level in the levels region, or [`NONE`] for a numeric column.
    pub first_level: u32,
    pub n_levels: u32,
}

/// A decoded tree node (16 bytes). Children are node indices, or f32 leaf values (as bits)
/// when the matching `*_LEAF` flag is set.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct Node {
    pub col: u16,
    pub flags: u8,
    /// `tree::legacy` bits: how the walkers of MOJOs before 1.20 differ.
    pub legacy: u8,
    /// f32 threshold bits for numeric splits; index into the bitset region for bitsets.
    pub split: u32,
    pub left: u32,
    pub right: u32,
}

/// A tree's root: a node, a single leaf (a stump), or no tree at all.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Pod, Zeroable)]
pub struct TreeRec {
    pub kind: u32,
    /// Node index for [`TreeRec::NODE`], f32 bits for [`TreeRec::LEAF`].
    pub value: u32,
}

impl TreeRec {
    pub const ABSENT: u32 = 0;
    pub const NODE: u32 = 1;
    pub const LEAF: u32 = 2;
}

/// Counts of every region, in elements.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub text: usize,
    pub columns: usize,
    pub levels: usize,
    pub f64s: usize,
    pub trees: usize,
    pub nodes: usize,
    pub bitset_words: usize,
    /// `u32`s of the dense (complete, implicit) copies of plain trees; see `tree::fill_dense`.
    pub dense: usize,
}

/// Where each region starts, in words, and how many elements it has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Layout {
    pub counts: Counts,
    text: usize,
    columns: usize,
    levels: usize,
    level_order: usize,
    f64s: usize,
    trees: usize,
    nodes: usize,
    bitsets: usize,
    dense: usize,
    words: usize,
}

fn words_for(elems: usize, size: usize) -> Option<usize> {
    elems.checked_mul(size)?.checked_add(7).map(|b| b / 8)
}

impl Layout {
    /// Lays the regions out back to back.
    pub fn new(counts: Counts) -> Result<Self, ModelError> {
        let too_large = ModelError::TooLarge("model memory");
        let mut at = 0usize;
        let mut next = |elems: usize, size: usize| -> Result<usize, ModelError> {
            let start = at;
            at = at
                .checked_add(words_for(elems, size).ok_or(too_large)?)
                .ok_or(too_large)?;
            Ok(start)
        };
        let text = next(counts.text, 1)?;
        let columns = next(counts.columns, 16)?;
        let levels = next(counts.levels, 8)?;
        let level_order = next(counts.levels, 4)?;
        let f64s = next(counts.f64s, 8)?;
        let trees = next(counts.trees, 8)?;
        let nodes = next(counts.nodes, 16)?;
        let bitsets = next(counts.bitset_words, 4)?;
        let dense = next(counts.dense, 4)?;
        let words = next(0, 1)?;
        if words > limits::MAX_MODEL_WORDS {
            return Err(too_large);
        }
        Ok(Layout {
            counts,
            text,
            columns,
            levels,
            level_order,
            f64s,
            trees,
            nodes,
            bitsets,
            dense,
            words,
        })
    }

    /// Words of memory the model needs.
    pub fn words(&self) -> usize {
        self.words
    }

    fn range(start: usize, elems: usize, size: usize) -> Range<usize> {
        start..start + words_for(elems, size).unwrap_or(0)
    }
}

/// Read-only typed views of a model's memory.
#[derive(Clone, Copy, Debug)]
pub struct Regions<'m> {
    pub text: &'m [u8],
    pub columns: &'m [ColumnRec],
    pub levels: &'m [StrRef],
    pub level_order: &'m [u32],
    pub f64s: &'m [f64],
    pub trees: &'m [TreeRec],
    pub nodes: &'m [Node],
    pub bitsets: &'m [u32],
    pub dense: &'m [u32],
}

fn view<T: Pod>(mem: &[u64], words: Range<usize>, elems: usize) -> &[T] {
    let all: &[T] = bytemuck::try_cast_slice(mem.get(words).unwrap_or(&[])).unwrap_or(&[]);
    all.get(..elems).unwrap_or(&[])
}

impl<'m> Regions<'m> {
    /// Views `mem`, which must be [`Layout::words`] long (checked when the model was loaded).
    /// The regions lie back to back, so each one's words end where the next one's start: no
    /// sizes are multiplied and checked here, which runs for every scored row.
    pub fn new(layout: &Layout, mem: &'m [u64]) -> Self {
        let (c, l) = (&layout.counts, layout);
        Regions {
            text: view(mem, l.text..l.columns, c.text),
            columns: view(mem, l.columns..l.levels, c.columns),
            levels: view(mem, l.levels..l.level_order, c.levels),
            level_order: view(mem, l.level_order..l.f64s, c.levels),
            f64s: view(mem, l.f64s..l.trees, c.f64s),
            trees: view(mem, l.trees..l.nodes, c.trees),
            nodes: view(mem, l.nodes..l.bitsets, c.nodes),
            bitsets: view(mem, l.bitsets..l.dense, c.bitset_words),
            dense: view(mem, l.dense..l.words, c.dense),
        }
    }

    /// The bytes of a string.
    pub fn str(&self, s: StrRef) -> &'m [u8] {
        let start = s.off as usize;
        self.text.get(start..start + s.len as usize).unwrap_or(&[])
    }
}

/// Where the builder puts what it reads. [`Counter`] counts; [`Writer`] stores.
pub trait Sink {
    /// Appends bytes to the text region.
    fn text(&mut self, bytes: &[u8]) -> Result<StrRef, ModelError>;
    /// Appends the domain-unescaped form of `bytes` to the text region, with Java's
    /// `String.trim` applied after unescaping when `trim` is set.
    fn text_unescaped(&mut self, bytes: &[u8], trim: bool) -> Result<StrRef, ModelError>;
    fn column(&mut self, column: ColumnRec) -> Result<(), ModelError>;
    /// Appends a level; returns its index.
    fn level(&mut self, level: StrRef) -> Result<u32, ModelError>;
    /// Appends doubles; returns the index of the first.
    fn f64s(&mut self, values: &mut dyn Iterator<Item = f64>) -> Result<u32, ModelError>;
    fn tree(&mut self, tree: TreeRec) -> Result<(), ModelError>;
    /// Reserves the next node index (pre-order).
    fn reserve_node(&mut self) -> Result<u32, ModelError>;
    fn set_node(&mut self, index: u32, node: Node) -> Result<(), ModelError>;
    /// Appends a bitset (`[bitoff, nbits, words…]`); returns the index of its header.
    fn bitset(&mut self, bitoff: u32, nbits: u32, bytes: &[u8]) -> Result<u32, ModelError>;
    /// Reserves `n` `u32`s of the dense region (filled after loading); returns the first.
    fn dense(&mut self, n: usize) -> Result<u32, ModelError> {
        let _ = n;
        Err(ModelError::TooLarge("dense trees"))
    }
    /// How many elements each region holds so far.
    fn position(&self) -> Counts;
}

/// Counts elements without storing them.
#[derive(Debug, Default)]
pub struct Counter {
    pub counts: Counts,
}

fn index(n: usize, what: &'static str) -> Result<u32, ModelError> {
    u32::try_from(n)
        .ok()
        .filter(|&i| i != NONE)
        .ok_or(ModelError::TooLarge(what))
}

fn bitset_words(nbytes: usize) -> usize {
    2 + nbytes.div_ceil(4)
}

/// [`crate::ini::unescape`], or [`crate::ini::unescape_trimmed`] with `trim`.
fn unescape(bytes: &[u8], trim: bool, emit: impl FnMut(u8)) {
    if trim {
        crate::ini::unescape_trimmed(bytes, emit)
    } else {
        crate::ini::unescape(bytes, emit)
    }
}

fn unescaped_len(bytes: &[u8], trim: bool) -> usize {
    let mut n = 0;
    unescape(bytes, trim, |_| n += 1);
    n
}

impl Sink for Counter {
    fn text(&mut self, bytes: &[u8]) -> Result<StrRef, ModelError> {
        let off = index(self.counts.text, "text")?;
        self.counts.text += bytes.len();
        Ok(StrRef {
            off,
            len: index(bytes.len(), "text")?,
        })
    }
    fn text_unescaped(&mut self, bytes: &[u8], trim: bool) -> Result<StrRef, ModelError> {
        let off = index(self.counts.text, "text")?;
        let len = unescaped_len(bytes, trim);
        self.counts.text += len;
        Ok(StrRef {
            off,
            len: index(len, "text")?,
        })
    }
    fn column(&mut self, _: ColumnRec) -> Result<(), ModelError> {
        self.counts.columns += 1;
        Ok(())
    }
    fn level(&mut self, _: StrRef) -> Result<u32, ModelError> {
        self.counts.levels += 1;
        index(self.counts.levels - 1, "levels")
    }
    fn f64s(&mut self, values: &mut dyn Iterator<Item = f64>) -> Result<u32, ModelError> {
        let first = index(self.counts.f64s, "values")?;
        self.counts.f64s += values.count();
        Ok(first)
    }
    fn tree(&mut self, _: TreeRec) -> Result<(), ModelError> {
        self.counts.trees += 1;
        Ok(())
    }
    fn reserve_node(&mut self) -> Result<u32, ModelError> {
        self.counts.nodes += 1;
        index(self.counts.nodes - 1, "tree nodes")
    }
    fn set_node(&mut self, _: u32, _: Node) -> Result<(), ModelError> {
        Ok(())
    }
    fn bitset(&mut self, _: u32, _: u32, bytes: &[u8]) -> Result<u32, ModelError> {
        let at = index(self.counts.bitset_words, "bitsets")?;
        self.counts.bitset_words += bitset_words(bytes.len());
        Ok(at)
    }
    fn dense(&mut self, n: usize) -> Result<u32, ModelError> {
        let at = index(self.counts.dense, "dense trees")?;
        self.counts.dense = self
            .counts
            .dense
            .checked_add(n)
            .ok_or(ModelError::TooLarge("dense trees"))?;
        Ok(at)
    }
    fn position(&self) -> Counts {
        self.counts
    }
}

/// Stores elements into memory laid out by a [`Layout`].
pub struct Writer<'m> {
    text: &'m mut [u8],
    columns: &'m mut [ColumnRec],
    levels: &'m mut [StrRef],
    pub level_order: &'m mut [u32],
    f64s: &'m mut [f64],
    trees: &'m mut [TreeRec],
    nodes: &'m mut [Node],
    bitsets: &'m mut [u32],
    dense: &'m mut [u32],
    at: Counts,
}

const MISMATCH: ModelError = ModelError::Corrupt("the archive changed between plan and load");

fn carve<'m, T: Pod>(
    rest: &mut &'m mut [u64],
    start: usize,
    consumed: &mut usize,
    elems: usize,
) -> Result<&'m mut [T], ModelError> {
    let range = Layout::range(start, elems, core::mem::size_of::<T>());
    let skip = range.start.checked_sub(*consumed).ok_or(MISMATCH)?;
    let take = range.len();
    let mem = core::mem::take(rest);
    if mem.len() < skip + take {
        return Err(ModelError::WrongMemoryLength);
    }
    let (_, mem) = mem.split_at_mut(skip);
    let (mine, after) = mem.split_at_mut(take);
    *rest = after;
    *consumed = range.end;
    let typed: &mut [T] = bytemuck::try_cast_slice_mut(mine).map_err(|_| MISMATCH)?;
    typed.get_mut(..elems).ok_or(MISMATCH)
}

impl<'m> Writer<'m> {
    /// Carves `mem` (exactly [`Layout::words`] long) into regions.
    pub fn new(layout: &Layout, mem: &'m mut [u64]) -> Result<Self, ModelError> {
        if mem.len() != layout.words {
            return Err(ModelError::WrongMemoryLength);
        }
        mem.fill(0);
        let c = layout.counts;
        let mut rest = mem;
        let mut used = 0;
        Ok(Writer {
            text: carve(&mut rest, layout.text, &mut used, c.text)?,
            columns: carve(&mut rest, layout.columns, &mut used, c.columns)?,
            levels: carve(&mut rest, layout.levels, &mut used, c.levels)?,
            level_order: carve(&mut rest, layout.level_order, &mut used, c.levels)?,
            f64s: carve(&mut rest, layout.f64s, &mut used, c.f64s)?,
            trees: carve(&mut rest, layout.trees, &mut used, c.trees)?,
            nodes: carve(&mut rest, layout.nodes, &mut used, c.nodes)?,
            bitsets: carve(&mut rest, layout.bitsets, &mut used, c.bitset_words)?,
            dense: carve(&mut rest, layout.dense, &mut used, c.dense)?,
            at: Counts::default(),
        })
    }

    /// Sorts each categorical column's run of the level order by (level bytes, index), so
    /// that lookups can binary-search it.
    pub fn sort_level_runs(&mut self) {
        let (levels, text) = (&*self.levels, &*self.text);
        let bytes = |i: u32| -> (&[u8], u32) {
            let s = levels.get(i as usize).copied().unwrap_or_default();
            let start = s.off as usize;
            (text.get(start..start + s.len as usize).unwrap_or(&[]), i)
        };
        for c in self.columns.iter().filter(|c| c.first_level != NONE) {
            let start = c.first_level as usize;
            if let Some(run) = self.level_order.get_mut(start..start + c.n_levels as usize) {
                run.sort_unstable_by(|&a, &b| bytes(a).cmp(&bytes(b)));
            }
        }
    }

    /// The node region, mutable, beside the column region (for `tree::mark_plain`).
    pub fn nodes_and_columns(&mut self) -> (&mut [Node], &[ColumnRec]) {
        (self.nodes, self.columns)
    }

    /// The dense region, mutable, beside the trees and nodes (for `tree::fill_dense`).
    pub fn dense_trees_nodes(&mut self) -> (&mut [u32], &[TreeRec], &[Node]) {
        (self.dense, self.trees, self.nodes)
    }

    /// The name of column `col` (global index), once written.
    pub fn column_name(&self, col: usize) -> Option<&[u8]> {
        let c = self.columns.get(col)?;
        let start = c.name.off as usize;
        self.text.get(start..start + c.name.len as usize)
    }

    /// Column record `col` (global index), once written.
    pub fn column_at(&self, col: usize) -> Option<ColumnRec> {
        self.columns.get(col).copied()
    }

    /// Level `i` (global index) of a written column, as text.
    pub fn level_text(&self, i: usize) -> Option<&[u8]> {
        self.str(*self.levels.get(i)?)
    }

    /// Text written to the text region.
    pub fn str(&self, s: StrRef) -> Option<&[u8]> {
        let start = s.off as usize;
        self.text.get(start..start + s.len as usize)
    }

    /// Double `i` (global index), once written.
    pub fn f64_at(&self, i: usize) -> Option<f64> {
        self.f64s.get(i).copied()
    }

    /// Overwrites double `i` (global index), for values known only once everything is read.
    pub fn set_f64(&mut self, i: usize, v: f64) -> Result<(), ModelError> {
        *slot(self.f64s, i)? = v;
        Ok(())
    }

    /// Whether every region was filled exactly.
    pub fn finish(&self, layout: &Layout) -> Result<(), ModelError> {
        if self.at == layout.counts {
            Ok(())
        } else {
            Err(MISMATCH)
        }
    }
}

fn slot<T>(region: &mut [T], at: usize) -> Result<&mut T, ModelError> {
    region.get_mut(at).ok_or(MISMATCH)
}

impl Sink for Writer<'_> {
    fn text(&mut self, bytes: &[u8]) -> Result<StrRef, ModelError> {
        let off = self.at.text;
        let out = self.text.get_mut(off..off + bytes.len()).ok_or(MISMATCH)?;
        out.copy_from_slice(bytes);
        self.at.text += bytes.len();
        Ok(StrRef {
            off: index(off, "text")?,
            len: index(bytes.len(), "text")?,
        })
    }
    fn text_unescaped(&mut self, bytes: &[u8], trim: bool) -> Result<StrRef, ModelError> {
        let off = self.at.text;
        let out = self.text.get_mut(off..).ok_or(MISMATCH)?;
        let mut n = 0;
        let mut overflow = false;
        unescape(bytes, trim, |b| match out.get_mut(n) {
            Some(slot) => {
                *slot = b;
                n += 1;
            }
            None => overflow = true,
        });
        if overflow {
            return Err(MISMATCH);
        }
        self.at.text += n;
        Ok(StrRef {
            off: index(off, "text")?,
            len: index(n, "text")?,
        })
    }
    fn column(&mut self, column: ColumnRec) -> Result<(), ModelError> {
        *slot(self.columns, self.at.columns)? = column;
        self.at.columns += 1;
        Ok(())
    }
    fn level(&mut self, level: StrRef) -> Result<u32, ModelError> {
        let at = self.at.levels;
        *slot(self.levels, at)? = level;
        *slot(self.level_order, at)? = index(at, "levels")?;
        self.at.levels += 1;
        index(at, "levels")
    }
    fn f64s(&mut self, values: &mut dyn Iterator<Item = f64>) -> Result<u32, ModelError> {
        let first = self.at.f64s;
        for v in values {
            *slot(self.f64s, self.at.f64s)? = v;
            self.at.f64s += 1;
        }
        index(first, "values")
    }
    fn tree(&mut self, tree: TreeRec) -> Result<(), ModelError> {
        *slot(self.trees, self.at.trees)? = tree;
        self.at.trees += 1;
        Ok(())
    }
    fn reserve_node(&mut self) -> Result<u32, ModelError> {
        self.at.nodes += 1;
        if self.at.nodes > self.nodes.len() {
            return Err(MISMATCH);
        }
        index(self.at.nodes - 1, "tree nodes")
    }
    fn set_node(&mut self, index: u32, node: Node) -> Result<(), ModelError> {
        *slot(self.nodes, index as usize)? = node;
        Ok(())
    }
    fn bitset(&mut self, bitoff: u32, nbits: u32, bytes: &[u8]) -> Result<u32, ModelError> {
        let at = self.at.bitset_words;
        let n = bitset_words(bytes.len());
        let out = self.bitsets.get_mut(at..at + n).ok_or(MISMATCH)?;
        let (header, words) = out.split_at_mut(2);
        header.copy_from_slice(&[bitoff, nbits]);
        for (word, chunk) in words.iter_mut().zip(bytes.chunks(4)) {
            let mut le = [0u8; 4];
            for (d, s) in le.iter_mut().zip(chunk) {
                *d = *s;
            }
            *word = u32::from_le_bytes(le);
        }
        self.at.bitset_words += n;
        index(at, "bitsets")
    }
    fn dense(&mut self, n: usize) -> Result<u32, ModelError> {
        let at = self.at.dense;
        let end = at.checked_add(n).ok_or(MISMATCH)?;
        if end > self.dense.len() {
            return Err(MISMATCH);
        }
        self.at.dense = end;
        index(at, "dense trees")
    }
    fn position(&self) -> Counts {
        self.at
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;
    use std::vec;

    #[test]
    fn roundtrip() {
        let mut counter = Counter::default();
        let run = |s: &mut dyn Sink| {
            let a = s.text(b"abc")?;
            let b = s.text_unescaped(br"x\ny", false)?;
            s.column(ColumnRec {
                name: a,
                first_level: 0,
                n_levels: 1,
            })?;
            s.level(b)?;
            s.f64s(&mut [1.5, 2.5].into_iter())?;
            let root = s.reserve_node()?;
            s.set_node(
                root,
                Node {
                    col: 3,
                    flags: 1,
                    legacy: 0,
                    split: 7,
                    left: 8,
                    right: 9,
                },
            )?;
            s.tree(TreeRec {
                kind: TreeRec::NODE,
                value: root,
            })?;
            s.bitset(0, 32, &[1, 2, 3, 4, 5])?;
            Ok::<_, ModelError>((a, b))
        };
        run(&mut counter).unwrap();
        let layout = Layout::new(counter.counts).unwrap();
        let mut mem = vec![0u64; layout.words()];
        let mut w = Writer::new(&layout, &mut mem).unwrap();
        let (a, b) = run(&mut w).unwrap();
        w.finish(&layout).unwrap();
        let r = Regions::new(&layout, &mem);
        assert_eq!(r.str(a), b"abc");
        assert_eq!(r.str(b), b"x\ny");
        assert_eq!(r.f64s, &[1.5, 2.5]);
        assert_eq!(r.nodes[0].right, 9);
        assert_eq!(r.bitsets, &[0, 32, 0x0403_0201, 5]);
        assert_eq!(r.level_order, &[0]);
    }

    #[test]
    fn wrong_memory() {
        let layout = Layout::new(Counts {
            text: 9,
            ..Counts::default()
        })
        .unwrap();
        let mut mem = vec![0u64; layout.words() + 1];
        assert_eq!(
            Writer::new(&layout, &mut mem).err(),
            Some(ModelError::WrongMemoryLength)
        );
    }
}
