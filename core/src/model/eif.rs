//! Extended Isolation Forest (`ExtendedIsolationForestMojoModel`): hyperplane splits, path
//! lengths, and `2^(-mean / c(sample_size))`.
//!
//! Each tree (`trees/tNN.bin`, little-endian) is `m` then records in heap order: node number,
//! a type byte (`N` with `m` normal-vector and `m` point coordinates, or `L` with a row
//! count). genmodel scans the records forward, skipping those whose number is not the node
//! it wants; the same scan is kept here, over records decoded at load into the model's
//! doubles as `[length, (number, type, payload…)…]` per tree.
#![warn(clippy::indexing_slicing)]

use super::layout::Sink;
use super::predict::Java;
use super::Span;
use crate::error::{ModelError, ScoreError};
use crate::read::Reader;

/// genmodel's Euler–Mascheroni constant, truncated as `MathUtils` has it (parity needs it).
const EULER: f64 = 0.5772156649;

const NODE: u8 = b'N';
const LEAF: u8 = b'L';

/// Hands the bytes of tree `i` to a callback and returns what it returned.
pub(super) type TreeBytes<'f> = &'f mut dyn FnMut(u32, BytesFn<'_>) -> Result<u32, crate::Error>;
pub(super) type BytesFn<'f> = &'f mut dyn FnMut(&[u8]) -> Result<u32, crate::Error>;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Eif {
    n_trees: u32,
    sample_size: i64,
    /// Coordinates per hyperplane (the model's features).
    m: u32,
    /// Every tree's block, back to back.
    trees: Span,
}

/// `averagePathLengthOfUnsuccessfulSearch`.
fn c(n: i64, java: Java<'_>) -> f64 {
    if n < 2 {
        0.0
    } else if n == 2 {
        1.0
    } else {
        let k = n - 1;
        let h = if k <= 0 {
            0.0
        } else {
            java.log(k as f64) + EULER
        };
        2.0 * h - (2.0 * (n as f64 - 1.0)) / n as f64
    }
}

/// Checks a tree's bytes; returns how many doubles its records take and where they end.
/// H2O pads each tree's buffer with zeros to a power of two, so the records end at the first
/// type byte that is neither `N` nor `L` (or at a record cut short); genmodel never reads
/// that far for a well-formed tree, and fails if a row's path would.
fn measure(bytes: &[u8], m: usize) -> Result<(usize, usize), ModelError> {
    let mut r = Reader::new(bytes);
    if r.le_i32() != Some(m as i32) {
        return Err(ModelError::Corrupt(
            "an extended isolation tree has the wrong feature count",
        ));
    }
    let mut len = 0usize;
    let mut end = r.position();
    while let (Some(_), Some(kind)) = (r.le_i32(), r.u8()) {
        let complete = match kind {
            NODE => r.skip(16 * m).is_some(),
            LEAF => r.le_i32().is_some(),
            _ => false,
        };
        if !complete {
            break;
        }
        let payload = if kind == NODE { 2 * m } else { 1 };
        len = len
            .checked_add(2 + payload)
            .ok_or(ModelError::TooLarge("trees"))?;
        end = r.position();
    }
    Ok((len, end))
}

/// The doubles of one tree block, from bytes that [`measure`] accepted.
struct Block<'b> {
    r: Reader<'b>,
    m: usize,
    /// The length, not yet yielded.
    len: Option<usize>,
    /// Payload doubles left in the current record, and whether it is a leaf.
    left: usize,
    leaf: bool,
    /// The type byte, after the number was yielded.
    kind: Option<u8>,
}

impl Iterator for Block<'_> {
    type Item = f64;

    fn next(&mut self) -> Option<f64> {
        if let Some(len) = self.len.take() {
            return Some(len as f64);
        }
        if let Some(kind) = self.kind.take() {
            self.leaf = kind == LEAF;
            self.left = if self.leaf { 1 } else { 2 * self.m };
            return Some(f64::from(kind));
        }
        if self.left > 0 {
            self.left -= 1;
            return if self.leaf {
                self.r.le_i32().map(f64::from)
            } else {
                self.r.le_u64().map(f64::from_bits)
            };
        }
        let number = self.r.le_i32()?;
        self.kind = Some(self.r.u8()?);
        Some(f64::from(number))
    }
}

impl Eif {
    /// Reads the trees; `tree(i, f)` hands the bytes of tree `i` to `f`.
    pub(super) fn build(
        n_trees: u32,
        sample_size: i64,
        n_features: usize,
        tree: TreeBytes<'_>,
        sink: &mut dyn Sink,
    ) -> Result<Eif, crate::Error> {
        let m = n_features;
        let mut first = None;
        let mut total = 0u32;
        for t in 0..n_trees {
            let at = tree(t, &mut |bytes: &[u8]| {
                let (len, end) = measure(bytes, m)?;
                let mut block = Block {
                    r: Reader::new(bytes.get(4..end).unwrap_or(&[])),
                    m,
                    len: Some(len),
                    left: 0,
                    leaf: false,
                    kind: None,
                };
                total = total.saturating_add(len as u32 + 1);
                Ok(sink.f64s(&mut block)?)
            })?;
            first.get_or_insert(at);
        }
        Ok(Eif {
            n_trees,
            sample_size,
            m: m as u32,
            trees: Span {
                first: first.unwrap_or(0),
                len: total,
            },
        })
    }

    pub(super) fn validate(&self, f64s: &[f64]) -> Result<(), ModelError> {
        if self.trees.first as usize + self.trees.len as usize <= f64s.len() {
            Ok(())
        } else {
            Err(ModelError::Corrupt("extended isolation trees"))
        }
    }

    /// `[anomaly_score, mean_length]` for `row`.
    pub(super) fn score(
        &self,
        f64s: &[f64],
        row: &[f64],
        preds: &mut [f64],
        java: Java<'_>,
    ) -> Result<(), ScoreError> {
        let all = f64s
            .get(self.trees.first as usize..(self.trees.first + self.trees.len) as usize)
            .unwrap_or(&[]);
        let m = self.m as usize;
        let mut at = 0usize;
        let mut sum = 0.0;
        for _ in 0..self.n_trees {
            let len = all.get(at).copied().unwrap_or(0.0) as usize;
            let records = all.get(at + 1..at + 1 + len).unwrap_or(&[]);
            at += 1 + len;
            sum += path_length(records, m, row, &mut *java).ok_or(ScoreError::Rejected {
                column: 0,
                reason: "an extended isolation tree ends before this row's leaf",
            })?;
        }
        let mean = sum / f64::from(self.n_trees);
        // genmodel: Math.pow(2, -1.0 * (mean / c)); negation is exact.
        let c = c(self.sample_size, &mut *java);
        let score = java.pow(2.0, -(mean / c));
        for (p, v) in preds.iter_mut().zip([score, mean]) {
            *p = v;
        }
        Ok(())
    }
}

/// `scoreTree0`: walk the records forward from node 0.
fn path_length(records: &[f64], m: usize, row: &[f64], java: Java<'_>) -> Option<f64> {
    let mut wanted = 0.0;
    let mut height = 0i64;
    let mut i = 0usize;
    while let (Some(&number), Some(&kind)) = (records.get(i), records.get(i + 1)) {
        let is_node = kind == f64::from(NODE);
        let payload = if is_node { 2 * m } else { 1 };
        let body = records.get(i + 2..i + 2 + payload).unwrap_or(&[]);
        i += 2 + payload;
        if number != wanted {
            continue;
        }
        if !is_node {
            let rows = body.first().copied().unwrap_or(0.0) as i64;
            return Some(height as f64 + c(rows, java));
        }
        let (normal, point) = body.split_at(m.min(body.len()));
        // ArrayUtils.subAndMul(row, point, normal), over the whole row.
        let mut dot = 0.0;
        for (j, &x) in row.iter().enumerate() {
            let p = point.get(j).copied().unwrap_or(f64::NAN);
            let n = normal.get(j).copied().unwrap_or(f64::NAN);
            dot += (x - p) * n;
        }
        height += 1;
        let n = number as i64;
        wanted = if dot <= 0.0 { 2 * n + 1 } else { 2 * n + 2 } as f64;
    }
    None
}
