//! Java's number grammar and formats, reproduced bit for bit.
//!
//! genmodel reads numbers with `Double.parseDouble`, writes some with `Double.toHexString`, and
//! draws from `java.util.Random`; parity with the Java scorer depends on all three agreeing
//! exactly, so this module re-implements them:
//! - [`parse_double`]: `Double.parseDouble` over the cell's bytes, `None` where Java throws.
//! - [`write_hex`]: `Double.toHexString` into any [`core::fmt::Write`].
//! - [`JavaRandom`]: `java.util.Random`'s 48-bit LCG (`nextDouble`, `nextInt`, `nextInt(bound)`,
//!   `nextGaussian`).
//!
//! The golden vectors in `core/testdata/java/` come from a real JDK 17 (`GenVectors.java` there
//! says how to regenerate them); the tests check every line.
//!
//! # What this module does not do
//! - No `Double.toString` (shortest decimal) and no `Float.parseFloat`.
//! - No UTF-16: input is bytes. Anything outside ASCII is rejected, as Java rejects every
//!   non-ASCII character in a number (after decoding, malformed UTF-8 is also non-ASCII).
//! - No allocation: decimal input is canonicalised into a fixed stack buffer and handed to
//!   `core`'s correctly rounded `str::parse::<f64>`; hexadecimal input is rounded here.

use core::fmt::{self, Write};

/// The NaN Java returns for `"NaN"` (`Double.NaN`, the canonical quiet NaN).
const JAVA_NAN: f64 = f64::from_bits(0x7ff8_0000_0000_0000);

/// Significant decimal digits handed to `core`'s parser. Every double and every midpoint between
/// two doubles has at most 767 significant digits, so 768 digits plus one sticky digit (standing
/// for any nonzero digits cut off) round exactly as the whole string would.
const MAX_SIG_DIGITS: usize = 768;

/// Room for the digits, the sticky digit, `e`, a sign and a clamped exponent.
const DEC_BUF_LEN: usize = MAX_SIG_DIGITS + 16;

/// Decimal exponents are clamped to this magnitude before formatting; with at most 769 digits,
/// anything beyond ±(324 + 769) already rounds to zero or infinity, so clamping changes nothing.
const MAX_DEC_EXP: i64 = 99_999;

/// `Double.parseDouble(new String(s, UTF_8))`, or `None` where Java throws
/// `NumberFormatException`.
///
/// Accepts what Java accepts and nothing else: bytes `<= 0x20` trimmed from both ends
/// (`String.trim`), an optional sign, then `NaN`, `Infinity`, a decimal (`1`, `1.`, `.5`,
/// `1e3`, `1E+3`) or a hexadecimal float (`0x1.8p1`, binary exponent mandatory), the last two
/// with an optional `f`/`F`/`d`/`D` suffix that does not change the (double) result. Results are
/// correctly rounded (ties to even), subnormals included.
pub fn parse_double(s: &[u8]) -> Option<f64> {
    let s = trim(s);
    let (negative, body) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let magnitude = match body {
        b"NaN" => return Some(JAVA_NAN),
        b"Infinity" => f64::INFINITY,
        [b'0', b'x' | b'X', rest @ ..] => parse_hex(rest)?,
        _ => parse_decimal(body)?,
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `String.trim`: drops every leading and trailing byte `<= 0x20`.
fn trim(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s {
        if *first > b' ' {
            break;
        }
        s = rest;
    }
    while let [rest @ .., last] = s {
        if *last > b' ' {
            break;
        }
        s = rest;
    }
    s
}

/// Splits `s` before the first byte that does not satisfy `keep`.
fn split_while(s: &[u8], keep: impl Fn(u8) -> bool) -> (&[u8], &[u8]) {
    let n = s.iter().position(|&b| !keep(b)).unwrap_or(s.len());
    s.split_at_checked(n).unwrap_or((s, &[]))
}

/// Java allows exactly one trailing type suffix, and it must be the last byte.
fn is_end_or_suffix(rest: &[u8]) -> bool {
    matches!(rest, [] | [b'f' | b'F' | b'd' | b'D'])
}

/// Parses an unsigned run of decimal digits, saturating at `cap` (leading zeros are free).
fn saturating_digits(digits: &[u8], cap: u64) -> u64 {
    digits.iter().fold(0u64, |acc, &d| {
        acc.saturating_mul(10)
            .saturating_add(u64::from(d.wrapping_sub(b'0')))
            .min(cap)
    })
}

/// Splits `[+-]?digits+` off the front of `s`: (negative, digits, rest). `None` if no digits.
fn split_exponent(s: &[u8]) -> Option<(bool, &[u8], &[u8])> {
    let (negative, s) = match s {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, s),
    };
    let (digits, rest) = split_while(s, |b| b.is_ascii_digit());
    if digits.is_empty() {
        return None;
    }
    Some((negative, digits, rest))
}

/// A fixed buffer that refuses (rather than panics) when full.
struct DecBuf {
    bytes: [u8; DEC_BUF_LEN],
    len: usize,
}

impl DecBuf {
    fn push(&mut self, b: u8) -> Option<()> {
        *self.bytes.get_mut(self.len)? = b;
        self.len += 1;
        Some(())
    }

    fn as_str(&self) -> Option<&str> {
        core::str::from_utf8(self.bytes.get(..self.len)?).ok()
    }
}

/// The unsigned decimal form Java accepts: `(d+.?d*|.d+)([eE][+-]?d+)?[fFdD]?`.
fn parse_decimal(body: &[u8]) -> Option<f64> {
    let (int, rest) = split_while(body, |b| b.is_ascii_digit());
    let (frac, rest) = match rest {
        [b'.', after @ ..] => split_while(after, |b| b.is_ascii_digit()),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let (exp, rest) = match rest {
        [b'e' | b'E', after @ ..] => {
            let (negative, digits, rest) = split_exponent(after)?;
            // Any exponent past the cap is already far beyond zero or infinity.
            let magnitude = saturating_digits(digits, 1 << 40) as i64;
            (if negative { -magnitude } else { magnitude }, rest)
        }
        _ => (0, rest),
    };
    if !is_end_or_suffix(rest) {
        return None;
    }

    // Canonicalise to "<significant digits>e<exp>" so that `core`'s parser never sees Java's
    // suffixes, leading zeros or out-of-range exponents, and sees at most 769 digits.
    let mut buf = DecBuf {
        bytes: [0; DEC_BUF_LEN],
        len: 0,
    };
    let mut kept = 0usize; // digits stored, trailing zeros included
    let mut kept_nonzero = 0usize; // digits stored up to the last nonzero one
    let mut dropped = 0usize; // digits past MAX_SIG_DIGITS
    let mut sticky = false; // any nonzero digit among the dropped ones
    for &d in int.iter().chain(frac).skip_while(|&&d| d == b'0') {
        if kept < MAX_SIG_DIGITS {
            buf.push(d)?;
            kept += 1;
            if d != b'0' {
                kept_nonzero = kept;
            }
        } else {
            dropped += 1;
            sticky |= d != b'0';
        }
    }
    if kept_nonzero == 0 {
        return Some(0.0);
    }
    // value = digits * 10^(exp - frac.len() + digits cut off the end)
    let exp10 = exp.saturating_sub(frac.len() as i64);
    let exp10 = if sticky {
        // The sticky digit goes right after all 768 kept digits, zeros included.
        buf.push(b'1')?;
        exp10.saturating_add(dropped as i64).saturating_sub(1)
    } else {
        // Everything past the last nonzero digit is zeros: strip them.
        buf.len = kept_nonzero;
        exp10.saturating_add((kept - kept_nonzero) as i64 + dropped as i64)
    };
    let exp10 = exp10.clamp(-MAX_DEC_EXP, MAX_DEC_EXP);
    buf.push(b'e')?;
    if exp10 < 0 {
        buf.push(b'-')?;
    }
    let mut magnitude = exp10.unsigned_abs();
    let mut divisor = 10_000u64; // MAX_DEC_EXP has five digits
    while divisor > 0 {
        buf.push(b'0' + (magnitude / divisor) as u8)?;
        magnitude %= divisor;
        divisor /= 10;
    }
    buf.as_str()?.parse::<f64>().ok()
}

/// The unsigned hexadecimal form after `0x`: `(h+.?|h*.h+)[pP][+-]?d+[fFdD]?`, rounded to
/// nearest even like Java's `FloatingDecimal.parseHexString`.
fn parse_hex(body: &[u8]) -> Option<f64> {
    let (int, rest) = split_while(body, |b| b.is_ascii_hexdigit());
    let (frac, rest) = match rest {
        [b'.', after @ ..] => split_while(after, |b| b.is_ascii_hexdigit()),
        _ => (&[][..], rest),
    };
    if int.is_empty() && frac.is_empty() {
        return None;
    }
    let (exp_negative, exp_digits, rest) = match rest {
        [b'p' | b'P', after @ ..] => split_exponent(after)?,
        _ => return None,
    };
    if !is_end_or_suffix(rest) {
        return None;
    }

    // Up to 15 hex digits (60 bits, at least 57 significant) go into `mant`; the rest only
    // scale the value and feed the sticky bit. 57 bits cover 53 plus guard and round bits.
    let mut mant = 0u64;
    let mut kept = 0u32;
    let mut dropped = 0u64;
    let mut sticky = false;
    for &d in int.iter().chain(frac).skip_while(|&&d| d == b'0') {
        let v = hex_value(d);
        if kept < 15 {
            mant = (mant << 4) | v;
            kept += 1;
        } else {
            dropped += 1;
            sticky |= v != 0;
        }
    }
    if mant == 0 {
        return Some(0.0);
    }
    // Java reads the exponent with Integer.parseInt; if that overflows, a nonzero significand
    // becomes infinity or zero whatever its digits.
    let raw = saturating_digits(exp_digits, 1 << 32);
    if raw > i32::MAX as u64 {
        return Some(if exp_negative { 0.0 } else { f64::INFINITY });
    }
    let raw = if exp_negative {
        -(raw as i64)
    } else {
        raw as i64
    };
    // value = mant * 2^exp2 (+ sticky), then normalised so that bit 63 of `mant` is set.
    let exp2 = raw
        .saturating_sub((frac.len() as i64).saturating_mul(4))
        .saturating_add((dropped as i64).saturating_mul(4));
    let lz = mant.leading_zeros();
    let mant = mant << lz;
    // Unbiased exponent of the leading bit.
    let e = exp2.saturating_add(63).saturating_sub(i64::from(lz));
    Some(f64::from_bits(round_binary(mant, e, sticky)))
}

/// Rounds `mant * 2^(e - 63)` (bit 63 of `mant` set; `sticky` says some nonzero bits lie below
/// `mant`) to the nearest double, ties to even, returning its bits.
fn round_binary(mant: u64, e: i64, sticky: bool) -> u64 {
    const INF_BITS: u64 = 0x7ff0_0000_0000_0000;
    if e > 1023 {
        return INF_BITS;
    }
    // Bits of `mant` to discard: 11 for normals, more for subnormals (whose unit is 2^-1074).
    let shift = if e >= -1022 {
        11
    } else {
        (-1011i64).saturating_sub(e)
    };
    let Ok(shift @ 11..=64) = u32::try_from(shift) else {
        // Below half of the smallest subnormal.
        return 0;
    };
    let wide = u128::from(mant);
    let mut q = wide >> shift;
    let rem = wide & ((1u128 << shift) - 1);
    let half = 1u128 << (shift - 1);
    if rem > half || (rem == half && (sticky || q & 1 == 1)) {
        q += 1;
    }
    let q = q as u64;
    if e < -1022 {
        // A subnormal's bits are its significand; rounding up to 2^52 gives MIN_NORMAL's bits.
        return q;
    }
    // q is in [2^52, 2^53]; at 2^53 the carry moves into the exponent field.
    let biased = (e + 1023) as u64;
    let bits = (biased << 52).wrapping_add(q - (1 << 52));
    bits.min(INF_BITS)
}

fn hex_value(d: u8) -> u64 {
    u64::from(match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        b'A'..=b'F' => d - b'A' + 10,
        _ => 0,
    })
}

/// Writes `Double.toHexString(v)`: `0x1.48e8835b0bc64p-1`, `0x1.0p0`, `-0x0.0p0`,
/// `0x0.0000000000001p-1022`, `NaN`, `Infinity`, `-Infinity`.
///
/// Normal values are `0x1.<fraction>p<exp>`, subnormals `0x0.<fraction>p-1022`; the 13 hex
/// fraction digits lose their trailing zeros but keep at least one digit.
pub fn write_hex<W: Write>(out: &mut W, v: f64) -> fmt::Result {
    if v.is_nan() {
        return out.write_str("NaN");
    }
    if v.is_infinite() {
        return out.write_str(if v > 0.0 { "Infinity" } else { "-Infinity" });
    }
    let bits = v.to_bits();
    if bits >> 63 != 0 {
        out.write_char('-')?;
    }
    let biased = (bits >> 52) & 0x7ff;
    let frac = bits & ((1 << 52) - 1);
    if biased == 0 && frac == 0 {
        return out.write_str("0x0.0p0");
    }
    out.write_str(if biased == 0 { "0x0." } else { "0x1." })?;
    if frac == 0 {
        out.write_char('0')?;
    } else {
        let zero_digits = frac.trailing_zeros() / 4;
        let width = (13 - zero_digits) as usize;
        write!(out, "{:0width$x}", frac >> (4 * zero_digits), width = width)?;
    }
    let exp = if biased == 0 {
        -1022
    } else {
        biased as i64 - 1023
    };
    write!(out, "p{exp}")
}

/// `StrictMath.log`: fdlibm 5.3's `__ieee754_log`, operation for operation. The `libm` crate
/// ports FreeBSD's later rewrite, which groups the final sums differently and so rounds about
/// 1.5% of arguments differently; `Random.nextGaussian` needs the JDK's own.
///
/// `x = 2^k (1 + f)` with `1 + f` in `[sqrt(2)/2, sqrt(2))`; `log(1 + f)` is `f - f^2/2 + s R(z)`
/// with `s = f / (2 + f)`, `z = s^2` and `R` a degree-14 polynomial in `s` (seven terms in `z`).
pub fn strict_log(x: f64) -> f64 {
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const TWO54: f64 = f64::from_bits(0x4350_0000_0000_0000);
    const ONE_THIRD: f64 = f64::from_bits(0x3fd5_5555_5555_5555);
    const LG: [f64; 7] = [
        f64::from_bits(0x3fe5_5555_5555_5593),
        f64::from_bits(0x3fd9_9999_9997_fa04),
        f64::from_bits(0x3fd2_4924_9422_9359),
        f64::from_bits(0x3fcc_71c5_1d8e_78af),
        f64::from_bits(0x3fc7_4664_96cb_03de),
        f64::from_bits(0x3fc3_9a09_d078_c69f),
        f64::from_bits(0x3fc2_f112_df3e_5244),
    ];
    let high = |v: f64| (v.to_bits() >> 32) as u32 as i32;
    let mut x = x;
    let mut hx = high(x);
    let mut k: i32 = 0;
    if hx < 0x0010_0000 {
        if x == 0.0 {
            return f64::NEG_INFINITY;
        }
        if hx < 0 {
            // Negative: NaN (fdlibm's `(x-x)/0`; every NaN prints as "NaN").
            return f64::NAN;
        }
        // Subnormal: scale into the normal range.
        k -= 54;
        x *= TWO54;
        hx = high(x);
    }
    if hx >= 0x7ff0_0000 {
        return x + x;
    }
    k += (hx >> 20) - 1023;
    hx &= 0x000f_ffff;
    // Picks x or x/2 so that the mantissa lands in [sqrt(2)/2, sqrt(2)).
    let i = (hx + 0x95f64) & 0x0010_0000;
    let low = x.to_bits() & 0xffff_ffff;
    x = f64::from_bits(((((hx | (i ^ 0x3ff0_0000)) as u32) as u64) << 32) | low);
    k += i >> 20;
    let f = x - 1.0;
    let dk = f64::from(k);
    if (0x000f_ffff & (2 + hx)) < 3 {
        // |f| < 2^-20
        if f == 0.0 {
            return if k == 0 {
                0.0
            } else {
                dk * LN2_HI + dk * LN2_LO
            };
        }
        let r = f * f * (0.5 - ONE_THIRD * f);
        return if k == 0 {
            f - r
        } else {
            dk * LN2_HI - ((r - dk * LN2_LO) - f)
        };
    }
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG[1] + w * (LG[3] + w * LG[5]));
    let t2 = z * (LG[0] + w * (LG[2] + w * (LG[4] + w * LG[6])));
    let r = t2 + t1;
    if ((hx - 0x6147a) | (0x6b851 - hx)) > 0 {
        let hfsq = 0.5 * f * f;
        if k == 0 {
            f - (hfsq - s * (hfsq + r))
        } else {
            dk * LN2_HI - ((hfsq - (s * (hfsq + r) + dk * LN2_LO)) - f)
        }
    } else if k == 0 {
        f - s * (f - r)
    } else {
        dk * LN2_HI - ((s * (f - r) - dk * LN2_LO) - f)
    }
}

/// `java.util.Random`: the 48-bit linear congruential generator of the JDK, same seed scrambling
/// and same outputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JavaRandom {
    seed: u64,
    /// The second value of the last pair `nextGaussian` made, not yet returned (its bits).
    next_gaussian: Option<u64>,
}

impl JavaRandom {
    const MULTIPLIER: u64 = 0x5_DEEC_E66D;
    const ADDEND: u64 = 0xB;
    const MASK: u64 = (1 << 48) - 1;

    /// `new Random(seed)`: the seed is XORed with the multiplier and cut to 48 bits.
    pub fn new(seed: i64) -> Self {
        JavaRandom {
            seed: (seed as u64 ^ Self::MULTIPLIER) & Self::MASK,
            next_gaussian: None,
        }
    }

    /// `Random.next(bits)`: advances the state and returns its top `bits` bits (1..=32).
    fn next(&mut self, bits: u32) -> i32 {
        self.seed = self
            .seed
            .wrapping_mul(Self::MULTIPLIER)
            .wrapping_add(Self::ADDEND)
            & Self::MASK;
        // Java truncates the 48-bit state shifted down to an int; keep that truncation.
        (self.seed >> (48 - bits)) as u32 as i32
    }

    /// `Random.nextInt()`: 32 uniformly distributed bits.
    pub fn next_int(&mut self) -> i32 {
        self.next(32)
    }

    /// `Random.nextDouble()`: 53 bits (26 then 27) scaled by 2^-53, in [0, 1).
    pub fn next_double(&mut self) -> f64 {
        let high = i64::from(self.next(26)) << 27;
        let low = i64::from(self.next(27));
        // Exact: the sum has at most 53 bits.
        (high + low) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// `Random.nextInt(bound)`: uniform in `[0, bound)`; `None` where Java throws (`bound <= 0`).
    /// A power of two takes the top bits; any other bound rejects the draws that would bias
    /// the remainder, as Java does (the check relies on `i32` wrapping).
    pub fn next_int_below(&mut self, bound: i32) -> Option<i32> {
        if bound <= 0 {
            return None;
        }
        let r = self.next(31);
        let m = bound - 1;
        if bound & m == 0 {
            return Some(((i64::from(bound) * i64::from(r)) >> 31) as i32);
        }
        let mut u = r;
        loop {
            let r = u % bound;
            if u.wrapping_sub(r).wrapping_add(m) >= 0 {
                return Some(r);
            }
            u = self.next(31);
        }
    }

    /// `Random.nextGaussian()`: Marsaglia's polar method, making values in pairs and keeping
    /// the second for the next call, with `StrictMath`'s `log` ([`strict_log`]) and `sqrt`
    /// (correctly rounded).
    pub fn next_gaussian(&mut self) -> f64 {
        if let Some(bits) = self.next_gaussian.take() {
            return f64::from_bits(bits);
        }
        loop {
            let v1 = 2.0 * self.next_double() - 1.0;
            let v2 = 2.0 * self.next_double() - 1.0;
            let s = v1 * v1 + v2 * v2;
            if s < 1.0 && s != 0.0 {
                let multiplier = libm::sqrt(-2.0 * strict_log(s) / s);
                self.next_gaussian = Some((v2 * multiplier).to_bits());
                return v1 * multiplier;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::string::String;
    use std::vec::Vec;

    fn bits(s: &str) -> Option<u64> {
        parse_double(s.as_bytes()).map(f64::to_bits)
    }

    fn hex(v: f64) -> String {
        let mut s = String::new();
        write_hex(&mut s, v).unwrap();
        s
    }

    #[test]
    fn parse_valid_examples() {
        let cases: &[(&str, f64)] = &[
            ("1", 1.0),
            ("1.", 1.0),
            (".5", 0.5),
            ("1e3", 1000.0),
            ("1E+3", 1000.0),
            ("1e-3", 0.001),
            ("1.5f", 1.5),
            ("0.1f", 0.1), // parsed as a double, not rounded to float
            ("1.5D", 1.5),
            ("  \t1.5\n ", 1.5),
            ("\0-2\x1f", -2.0),
            ("0x1.8p1", 3.0),
            ("0X1P-3", 0.125),
            ("-0x.8p1", -1.0),
            ("0x1p0f", 1.0),
            ("+Infinity", f64::INFINITY),
            ("-Infinity", f64::NEG_INFINITY),
            ("1e400", f64::INFINITY),
            ("1e-400", 0.0),
            ("1e0000000000000000000001", 10.0),
            ("4.9e-324", f64::from_bits(1)),
            ("0x0.0000000000001p-1022", f64::from_bits(1)),
            ("0x1.fffffffffffff8p1023", f64::INFINITY),
            ("9007199254740993", 9007199254740992.0),
            ("9007199254740995", 9007199254740996.0),
        ];
        for &(s, want) in cases {
            assert_eq!(bits(s), Some(want.to_bits()), "{s:?}");
        }
        assert_eq!(bits("-0.0"), Some((-0.0f64).to_bits()));
        assert_eq!(bits("-0x0p5"), Some((-0.0f64).to_bits()));
        assert_eq!(bits("NaN"), Some(0x7ff8_0000_0000_0000));
        assert_eq!(bits("-NaN"), Some(0x7ff8_0000_0000_0000));
    }

    #[test]
    fn parse_rejects_what_java_rejects() {
        let cases: &[&[u8]] = &[
            b"",
            b" ",
            b"inf",
            b"nan",
            b"infinity",
            b"+-1",
            b"1_000",
            b"1,5",
            b"1e",
            b"e3",
            b".",
            b"0x1.8",
            b"1.5ff",
            b"0x",
            b"0x.p1",
            b"NaNf",
            b"1 5",
            b"1\x7f",
            "1\u{a0}".as_bytes(),
            "\u{2212}1".as_bytes(),
            b"1\xff",
            b"-",
            b"1e+",
            b"0x1p",
        ];
        for &s in cases {
            assert_eq!(parse_double(s), None, "{:?}", String::from_utf8_lossy(s));
        }
    }

    #[test]
    fn long_digit_strings_round_correctly() {
        // Halfway between 2^53 and its successor, decided by a digit far past the 768th.
        let mut s = String::from("9007199254740993.");
        s.extend(core::iter::repeat_n('0', 2000));
        assert_eq!(bits(&s), Some(9007199254740992.0f64.to_bits()));
        s.push('1');
        assert_eq!(bits(&s), Some(9007199254740994.0f64.to_bits()));
    }

    #[test]
    fn hex_examples() {
        assert_eq!(hex(0.6423989342346315), "0x1.48e8835b0bc64p-1");
        assert_eq!(hex(1.0), "0x1.0p0");
        assert_eq!(hex(0.0), "0x0.0p0");
        assert_eq!(hex(-0.0), "-0x0.0p0");
        assert_eq!(hex(f64::from_bits(1)), "0x0.0000000000001p-1022");
        assert_eq!(hex(f64::NAN), "NaN");
        assert_eq!(hex(f64::INFINITY), "Infinity");
        assert_eq!(hex(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(hex(f64::MAX), "0x1.fffffffffffffp1023");
        assert_eq!(hex(-3.0), "-0x1.8p1");
    }

    #[test]
    fn random_seed_zero() {
        // jshell: new java.util.Random(0).nextDouble()
        let mut r = JavaRandom::new(0);
        assert_eq!(r.next_double(), 0.730967787376657);
    }

    /// Undoes GenVectors.escape: `\xHH` is a byte, anything else stands for itself.
    fn unescape(s: &str) -> Vec<u8> {
        let mut out = Vec::new();
        let mut rest = s.as_bytes();
        while let Some((&b, tail)) = rest.split_first() {
            if b == b'\\' {
                let (esc, tail) = tail.split_at(3);
                assert_eq!(esc[0], b'x');
                let hex = core::str::from_utf8(&esc[1..]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                rest = tail;
            } else {
                out.push(b);
                rest = tail;
            }
        }
        out
    }

    fn vector_lines(text: &str) -> impl Iterator<Item = &str> {
        text.lines().filter(|l| !l.starts_with('#'))
    }

    #[test]
    fn golden_to_hex_string() {
        let text = include_str!("../testdata/java/to_hex_string.txt");
        let mut n = 0;
        for line in vector_lines(text) {
            let (b, want) = line.split_once(' ').unwrap();
            let v = f64::from_bits(u64::from_str_radix(b, 16).unwrap());
            assert_eq!(hex(v), want, "bits {b}");
            n += 1;
        }
        assert!(n > 2500, "{n} vectors");
    }

    #[test]
    fn golden_parse_double() {
        let text = include_str!("../testdata/java/parse_double.txt");
        let mut n = 0;
        for line in vector_lines(text) {
            let (want, quoted) = line.split_once(' ').unwrap();
            let input = unescape(quoted.strip_prefix('"').unwrap().strip_suffix('"').unwrap());
            let got = parse_double(&input).map(f64::to_bits);
            let want = match want {
                "ERR" => None,
                b => Some(u64::from_str_radix(b, 16).unwrap()),
            };
            assert_eq!(got, want, "input {quoted}");
            n += 1;
        }
        assert!(n > 1500, "{n} vectors");
    }

    #[test]
    fn golden_random() {
        let text = include_str!("../testdata/java/random.txt");
        let mut n = 0;
        for line in vector_lines(text) {
            let mut fields = line.split(' ');
            let seed: i64 = fields.next().unwrap().parse().unwrap();
            let mut r = JavaRandom::new(seed);
            for _ in 0..3 {
                let want = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
                assert_eq!(r.next_double().to_bits(), want, "seed {seed}");
            }
            let want: i32 = fields.next().unwrap().parse().unwrap();
            assert_eq!(r.next_int(), want, "seed {seed}");
            n += 1;
        }
        assert!(n >= 200, "{n} vectors");
    }

    #[test]
    fn golden_strict_log() {
        let text = include_str!("../testdata/java/strict_log.txt");
        let mut n = 0;
        for line in vector_lines(text) {
            let (x, want) = line.split_once(' ').unwrap();
            let x = f64::from_bits(u64::from_str_radix(x, 16).unwrap());
            let want = u64::from_str_radix(want, 16).unwrap();
            let got = strict_log(x);
            if f64::from_bits(want).is_nan() {
                // NaN payloads are the hardware's; every NaN prints as "NaN".
                assert!(got.is_nan(), "StrictMath.log({x:e}) = {got:e}");
            } else {
                assert_eq!(got.to_bits(), want, "StrictMath.log({x:e})");
            }
            n += 1;
        }
        assert!(n >= 9000, "{n} vectors");
    }

    #[test]
    fn golden_gaussian_and_bounded_int() {
        const BOUNDS: [i32; 9] = [1, 2, 3, 5, 16, 1000, 1 << 30, (1 << 30) + 1, i32::MAX];
        let text = include_str!("../testdata/java/gaussian.txt");
        let mut n = 0;
        for line in vector_lines(text) {
            let mut fields = line.split(' ');
            let seed: i64 = fields.next().unwrap().parse().unwrap();
            let mut r = JavaRandom::new(seed);
            for i in 0..5 {
                let want = u64::from_str_radix(fields.next().unwrap(), 16).unwrap();
                assert_eq!(
                    r.next_gaussian().to_bits(),
                    want,
                    "seed {seed} gaussian {i}"
                );
            }
            for bound in BOUNDS {
                let want: i32 = fields.next().unwrap().parse().unwrap();
                assert_eq!(
                    r.next_int_below(bound),
                    Some(want),
                    "seed {seed} bound {bound}"
                );
            }
            n += 1;
        }
        assert!(n >= 200, "{n} vectors");
        assert_eq!(JavaRandom::new(1).next_int_below(0), None);
        assert_eq!(JavaRandom::new(1).next_int_below(-3), None);
    }
}
