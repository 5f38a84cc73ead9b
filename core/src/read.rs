//! A checked cursor over borrowed bytes (rustls's `Reader` shape).
//!
//! Every read either returns the bytes asked for or `None`; nothing here can panic or index
//! out of bounds. Parsers turn `None` into their own error naming the field they wanted.
#![warn(clippy::indexing_slicing)]

/// A cursor over `&'a [u8]`.
#[derive(Clone, Copy, Debug)]
pub struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    /// A reader at the start of `buf`.
    pub fn new(buf: &'a [u8]) -> Self {
        Reader { buf, pos: 0 }
    }

    /// Bytes consumed so far.
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    pub fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    /// Whether every byte was consumed.
    pub fn is_empty(&self) -> bool {
        self.left() == 0
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let end = self.pos.checked_add(n)?;
        let out = self.buf.get(self.pos..end)?;
        self.pos = end;
        Some(out)
    }

    /// The next `N` bytes as an array.
    pub fn take_array<const N: usize>(&mut self) -> Option<[u8; N]> {
        let bytes = self.take(N)?;
        bytes.try_into().ok()
    }

    /// Skip `n` bytes.
    pub fn skip(&mut self, n: usize) -> Option<()> {
        self.take(n).map(|_| ())
    }

    /// Everything not yet consumed.
    pub fn rest(&mut self) -> &'a [u8] {
        let out = self.buf.get(self.pos..).unwrap_or_default();
        self.pos = self.buf.len();
        out
    }

    /// A sub-reader over the next `n` bytes.
    pub fn sub(&mut self, n: usize) -> Option<Reader<'a>> {
        self.take(n).map(Reader::new)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take_array::<1>().map(|[b]| b)
    }

    pub fn le_u16(&mut self) -> Option<u16> {
        self.take_array().map(u16::from_le_bytes)
    }

    pub fn le_u32(&mut self) -> Option<u32> {
        self.take_array().map(u32::from_le_bytes)
    }

    pub fn le_i32(&mut self) -> Option<i32> {
        self.take_array().map(i32::from_le_bytes)
    }

    pub fn le_u64(&mut self) -> Option<u64> {
        self.take_array().map(u64::from_le_bytes)
    }

    pub fn le_f32(&mut self) -> Option<f32> {
        self.take_array().map(f32::from_le_bytes)
    }

    pub fn be_i32(&mut self) -> Option<i32> {
        self.take_array().map(i32::from_be_bytes)
    }

    pub fn be_f64(&mut self) -> Option<f64> {
        self.take_array().map(f64::from_be_bytes)
    }
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::Reader;

    #[test]
    fn deconstruct() {
        let mut r = Reader::new(&[1, 2, 0, 3, 0, 0, 0, 9]);
        assert_eq!(r.u8(), Some(1));
        assert_eq!(r.le_u16(), Some(2));
        assert_eq!(r.le_u32(), Some(3));
        assert_eq!(r.left(), 1);
        assert_eq!(r.le_u16(), None, "a short read fails");
        assert_eq!(r.position(), 7, "and consumes nothing");
        assert_eq!(r.rest(), &[9]);
        assert!(r.is_empty());
    }

    #[test]
    fn impossible_len() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.take(usize::MAX), None);
        assert_eq!(r.sub(4).map(|s| s.left()), None);
        assert_eq!(r.sub(2).map(|s| s.left()), Some(2));
    }
}
