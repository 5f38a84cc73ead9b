//! Number output: Java's `Double.toHexString` (PredictCsv's default, exact) or the shortest
//! decimal that reads back to the same double. NaN is `NA`, as PredictCsv writes it.

use std::io::{self, Write};

/// How numbers are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NumberFormat {
    /// Shortest round-trip decimal (`0.125`, `1e-7`, `1.0`).
    Decimal,
    /// Java's `Double.toHexString` (`0x1.0p-3`).
    Hex,
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
        NumberFormat::Hex => {
            let mut s = HexBuf::default();
            // Writing into a fixed buffer cannot fail for a finite double (at most 24 bytes).
            let _ = scorer::java::write_hex(&mut s, v);
            out.write_all(&s.buf[..s.len])
        }
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
}
