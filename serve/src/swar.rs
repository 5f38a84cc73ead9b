//! Eight bytes at a time: a `u64` read from eight bytes (little-endian, so the first byte is
//! the lowest) and tested for a byte value in every lane at once. The CSV reader and the
//! decimal parser use it where a loop of a few bytes would mispredict its exit.

/// `0x01` in every byte; `ONES * b` is `b` in every byte.
pub const ONES: u64 = 0x0101_0101_0101_0101;

/// The high bit of each byte of `w` equal to `b`, and of no other. Exact: adding `0x7F` to a
/// byte's low seven bits cannot carry into the next byte, unlike the shorter
/// `(w - ONES) & !w`, which flags bytes above a match by a borrow.
#[inline]
pub fn bytes_equal(w: u64, b: u8) -> u64 {
    let x = w ^ (ONES * u64::from(b));
    let low = ONES * 0x7F;
    !((((x & low) + low) | x) | low)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_exactly_the_equal_bytes() {
        for b in [0u8, b',', b'"', 0x7F, 0x80, 0xFF] {
            for lanes in 0..=255u64 {
                // Each lane the byte or a neighbour of it, as set in `lanes`.
                let bytes: [u8; 8] = core::array::from_fn(|i| {
                    if lanes >> i & 1 == 1 {
                        b
                    } else {
                        b.wrapping_add(1 + i as u8)
                    }
                });
                let want: u64 = (0..8)
                    .filter(|&i| bytes[i] == b)
                    .map(|i| 0x80 << (8 * i))
                    .sum();
                assert_eq!(bytes_equal(u64::from_le_bytes(bytes), b), want, "{bytes:?}");
            }
        }
    }
}
