//! CRC-32 as zip uses it (IEEE 802.3, reflected polynomial `0xEDB88320`, initial value and
//! final XOR `0xFFFFFFFF`), eight bytes per step with eight tables ("slicing by 8"): loading
//! a large MOJO checks every entry's CRC, and a byte at a time was most of the load's decode.
#![warn(clippy::indexing_slicing)]

/// The reflected IEEE polynomial.
const POLYNOMIAL: u32 = 0xEDB8_8320;

/// `TABLE[b]` is the CRC register after shifting byte `b` through it.
static TABLE: [u32; 256] = table();

/// `SLICES[k][b]`: byte `b` followed by `k` zero bytes shifted through the register.
static SLICES: [[u32; 256]; 8] = slices();

#[allow(clippy::indexing_slicing)]
const fn slices() -> [[u32; 256]; 8] {
    let mut s = [[0u32; 256]; 8];
    s[0] = table();
    let mut k = 1;
    while k < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = s[k - 1][i];
            s[k][i] = (prev >> 8) ^ s[0][(prev & 0xFF) as usize];
            i += 1;
        }
        k += 1;
    }
    s
}

// Indexing in a `const fn` cannot fail at run time: an out-of-bounds index would stop the
// build during constant evaluation, and `i < 256` bounds it anyway.
#[allow(clippy::indexing_slicing)]
const fn table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLYNOMIAL
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

/// A running CRC-32, for data that arrives in pieces.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Crc32 {
    /// The register, not yet inverted.
    state: u32,
}

impl Default for Crc32 {
    fn default() -> Self {
        Self::new()
    }
}

impl Crc32 {
    /// The CRC of no bytes.
    pub const fn new() -> Self {
        Crc32 { state: u32::MAX }
    }

    /// Feeds `bytes`.
    pub fn update(&mut self, bytes: &[u8]) {
        let mut crc = self.state;
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let w: [u8; 8] = w.try_into().unwrap_or_default();
            let lo = u32::from_le_bytes([w[0], w[1], w[2], w[3]]) ^ crc;
            // `k` < 8 and the index is a byte: the lookups never miss.
            let at = |k: usize, b: u32| {
                SLICES
                    .get(k)
                    .and_then(|t| t.get((b & 0xFF) as usize))
                    .copied()
                    .unwrap_or(0)
            };
            crc = at(7, lo)
                ^ at(6, lo >> 8)
                ^ at(5, lo >> 16)
                ^ at(4, lo >> 24)
                ^ at(3, u32::from(w[4]))
                ^ at(2, u32::from(w[5]))
                ^ at(1, u32::from(w[6]))
                ^ at(0, u32::from(w[7]));
        }
        for &byte in words.remainder() {
            // The index is a `u8`, so the lookup never misses; the fallback is dead code.
            let index = usize::from((crc as u8) ^ byte);
            crc = TABLE.get(index).copied().unwrap_or(0) ^ (crc >> 8);
        }
        self.state = crc;
    }

    /// The CRC of everything fed so far.
    pub const fn finish(&self) -> u32 {
        !self.state
    }
}

/// The CRC-32 of `bytes`.
pub fn checksum(bytes: &[u8]) -> u32 {
    let mut crc = Crc32::new();
    crc.update(bytes);
    crc.finish()
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn check_values() {
        assert_eq!(checksum(b""), 0);
        assert_eq!(checksum(b"123456789"), 0xCBF4_3926);
        assert_eq!(checksum(b"a"), 0xE8B7_BE43);
        assert_eq!(
            checksum(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    /// Slicing by 8 gives what one byte at a time gives, at every length and alignment.
    #[test]
    fn slices_agree_with_bytes() {
        let data: std::vec::Vec<u8> = (0..300u32).map(|i| (i * 131 + 7) as u8).collect();
        for start in 0..9 {
            for end in start..data.len() {
                let mut crc = u32::MAX;
                for &b in &data[start..end] {
                    crc = TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8);
                }
                assert_eq!(checksum(&data[start..end]), !crc, "{start}..{end}");
            }
        }
    }

    #[test]
    fn pieces() {
        let mut crc = Crc32::new();
        crc.update(b"1234");
        crc.update(b"");
        crc.update(b"56789");
        assert_eq!(crc.finish(), checksum(b"123456789"));
    }
}
