//! Number output: Java's `Double.toHexString` (PredictCsv's default, exact) or the shortest
//! decimal that reads back to the same double, in Rust's layout or Java's. NaN is `NA`, as
//! PredictCsv writes it.

use std::io::{self, Write};

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// Shortest round-trip decimal (`0.125`, `1e-7`, `1.0`).
    Decimal,
    /// Java's `Double.toHexString` (`0x1.0p-3`).
    Hex,
    /// The shortest round-trip digits in `Double.toString`'s layout (`0.125`, `1.0E-7`,
    /// `1.23456789E8`), as PredictCsv's `--decimal` writes them with a JDK from 19 on. JDK 17's
    /// `Double.toString` sometimes writes more digits than needed (`9.999999999999999E22`
    /// for `1.0E23`): the same double, other text.
    JavaDecimal,
}

/// Writes `v` to `out`.
pub fn write_number(out: &mut impl Write, v: f64, format: NumberFormat) -> io::Result<()> {
    if v.is_nan() {
        return out.write_all(b"NA");
    }
    if v.is_infinite() {
        return out.write_all(if v > 0.0 { b"Infinity" } else { b"-Infinity" });
    }
    match format {
        NumberFormat::Decimal => out.write_all(ryu::Buffer::new().format_finite(v).as_bytes()),
        NumberFormat::JavaDecimal => write_java_decimal(out, v),
        NumberFormat::Hex => {
            let mut s = HexBuf::default();
            // Writing into a fixed buffer cannot fail for a finite double (at most 24 bytes).
            let _ = scorer::java::write_hex(&mut s, v);
            out.write_all(&s.buf[..s.len])
        }
    }
}

/// `v` (finite) as `Double.toString` lays out its digits: plain with at least one fraction
/// digit when 10^-3 <= |v| < 10^7, else one digit, a point, at least one more digit and
/// `E<exponent>`. The digits are ryu's shortest, or the closest two when that is one digit.
fn write_java_decimal(out: &mut impl Write, v: f64) -> io::Result<()> {
    let mut buf = ryu::Buffer::new();
    let text = buf.format_finite(v.abs());
    // ryu writes `d.ddd`, `0.000ddd` or `d.ddde±x`: the significant digits and where the
    // point goes after the first of them (`value = 0.DIGITS * 10^point`).
    let (mantissa, exponent) = match text.split_once('e') {
        Some((m, e)) => (m, e.parse::<i32>().unwrap_or(0)),
        None => (text, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let mut digits: Vec<u8> = int.bytes().chain(frac.bytes()).collect();
    let mut point = int.len() as i32 + exponent;
    let leading = digits.iter().take_while(|&&d| d == b'0').count();
    digits.drain(..leading);
    point -= leading as i32;
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    if digits.len() == 1 {
        // Java writes at least two significant digits, the two closest to the value:
        // `4.9E-324` for the least subnormal, whose shortest digits are `5`. (For a normal
        // double with one shortest digit they are that digit and `0`.)
        let two = format!("{:.1e}", v.abs());
        let (m, e) = two.split_once('e').unwrap_or((&two, "0"));
        digits = m.bytes().filter(u8::is_ascii_digit).collect();
        point = e.parse::<i32>().unwrap_or(0) + 1;
        while digits.last() == Some(&b'0') {
            digits.pop();
        }
    }
    if v.is_sign_negative() {
        out.write_all(b"-")?;
    }
    if digits.is_empty() {
        return out.write_all(b"0.0");
    }
    let n = digits.len() as i32;
    if (1..=7).contains(&point) {
        // `ddd.ddd`, the integer part padded with zeros.
        let int_len = point.min(n) as usize;
        out.write_all(&digits[..int_len])?;
        for _ in n..point {
            out.write_all(b"0")?;
        }
        out.write_all(b".")?;
        match &digits[int_len..] {
            [] => out.write_all(b"0"),
            rest => out.write_all(rest),
        }
    } else if (-2..=0).contains(&point) {
        // `0.00ddd`.
        out.write_all(b"0.")?;
        for _ in point..0 {
            out.write_all(b"0")?;
        }
        out.write_all(&digits)
    } else {
        out.write_all(&digits[..1])?;
        out.write_all(b".")?;
        match &digits[1..] {
            [] => out.write_all(b"0")?,
            rest => out.write_all(rest)?,
        }
        write!(out, "E{}", point - 1)
    }
}

/// A stack buffer for one hex double.
#[derive(Default)]
struct HexBuf {
    buf: [u8; 32],
    len: usize,
}

impl std::fmt::Write for HexBuf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        self.buf
            .get_mut(self.len..end)
            .ok_or(std::fmt::Error)?
            .copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: f64, f: NumberFormat) -> String {
        let mut out = Vec::new();
        write_number(&mut out, v, f).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn formats() {
        assert_eq!(s(f64::NAN, NumberFormat::Hex), "NA");
        assert_eq!(s(0.125, NumberFormat::Hex), "0x1.0p-3");
        assert_eq!(s(-0.0, NumberFormat::Hex), "-0x0.0p0");
        assert_eq!(s(f64::MIN_POSITIVE / 4.0, NumberFormat::Hex), "0x0.4p-1022");
        assert_eq!(s(0.1, NumberFormat::Decimal), "0.1");
        assert_eq!(s(1.0, NumberFormat::Decimal), "1.0");
        assert_eq!(s(f64::NEG_INFINITY, NumberFormat::Decimal), "-Infinity");
        for v in [0.1, 1e-300, 123456.789, 5e-324] {
            assert_eq!(
                s(v, NumberFormat::Decimal).parse::<f64>().unwrap(),
                v,
                "round trip"
            );
        }
    }

    #[test]
    fn java_decimal_is_double_to_string() {
        // What JDK 17's Double.toString writes for each (checked with jshell).
        let java = [
            (1e-4, "1.0E-4"),
            (0.001, "0.001"),
            (1234567.0, "1234567.0"),
            (1e7, "1.0E7"),
            (3.0, "3.0"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (f64::MAX, "1.7976931348623157E308"),
            (5e-324, "4.9E-324"),
            (100.0, "100.0"),
            (0.1, "0.1"),
            (12345.678, "12345.678"),
            (9.99e-4, "9.99E-4"),
            (9999999.5, "9999999.5"),
            (1e22, "1.0E22"),
            (-2.5e-10, "-2.5E-10"),
            (0.5, "0.5"),
            (123456789.0, "1.23456789E8"),
            (0.007, "0.007"),
            (2.2250738585072014E-308, "2.2250738585072014E-308"),
            (f64::NAN, "NA"),
            (f64::NEG_INFINITY, "-Infinity"),
        ];
        for (v, want) in java {
            assert_eq!(s(v, NumberFormat::JavaDecimal), want, "{v:e}");
        }
    }

    #[test]
    fn java_decimal_reads_back_with_the_shortest_digits() {
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let v = f64::from_bits(x);
            if !v.is_finite() {
                continue;
            }
            let java = s(v, NumberFormat::JavaDecimal);
            assert_eq!(
                java.parse::<f64>().unwrap().to_bits(),
                v.to_bits(),
                "{java}"
            );
            // The same significant digits as ryu's (or two where ryu has one).
            let digits = |t: &str| -> String {
                let m = t.split(['e', 'E']).next().unwrap_or("");
                let d: String = m.chars().filter(char::is_ascii_digit).collect();
                d.trim_start_matches('0').trim_end_matches('0').to_owned()
            };
            let (java, shortest) = (digits(&java), digits(&s(v, NumberFormat::Decimal)));
            assert!(
                java == shortest || (shortest.len() == 1 && java.len() == 2),
                "{v:e}: {java} / {shortest}"
            );
        }
    }
}
