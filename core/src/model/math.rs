//! Java's `Math` semantics where they differ from Rust's, and the transcendental functions.
//!
//! `exp` and `log` come from libm (a port of musl's, correctly rounded in all but rare
//! cases). HotSpot's `Math.exp` is a CPU-specific intrinsic, so results that pass through
//! them may differ from genmodel's by one unit in the last place; nothing else may.

/// `Math.max`: NaN if either is NaN, and `+0.0` over `-0.0`.
#[inline]
pub fn java_max(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        a
    } else if b.is_nan() {
        b
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            b
        } else {
            a
        }
    } else if a >= b {
        a
    } else {
        b
    }
}

/// `Math.min`: NaN if either is NaN, and `-0.0` over `+0.0`.
#[inline]
pub fn java_min(a: f64, b: f64) -> f64 {
    if a.is_nan() {
        a
    } else if b.is_nan() {
        b
    } else if a == 0.0 && b == 0.0 {
        if a.is_sign_negative() {
            a
        } else {
            b
        }
    } else if a <= b {
        a
    } else {
        b
    }
}

/// A double-double: an unevaluated sum `hi + lo` with `|lo| <= ulp(hi) / 2`.
#[derive(Clone, Copy)]
struct Dd {
    hi: f64,
    lo: f64,
}

/// `a + b` exactly, as `s + err` (Knuth).
#[inline]
fn two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    let bb = s - a;
    Dd {
        hi: s,
        lo: (a - (s - bb)) + (b - bb),
    }
}

/// `a + b` exactly when `|a| >= |b|` (Dekker).
#[inline]
fn fast_two_sum(a: f64, b: f64) -> Dd {
    let s = a + b;
    Dd {
        hi: s,
        lo: b - (s - a),
    }
}

/// `a * b` exactly, without FMA (Dekker's split).
#[inline]
fn two_prod(a: f64, b: f64) -> Dd {
    const SPLIT: f64 = 134_217_729.0; // 2^27 + 1
    let p = a * b;
    let split = |v: f64| {
        let c = SPLIT * v;
        let hi = c - (c - v);
        (hi, v - hi)
    };
    let (ah, al) = split(a);
    let (bh, bl) = split(b);
    Dd {
        hi: p,
        lo: ((ah * bh - p) + ah * bl + al * bh) + al * bl,
    }
}

#[inline]
fn dd_mul(a: Dd, b: Dd) -> Dd {
    let p = two_prod(a.hi, b.hi);
    fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi))
}

#[inline]
fn dd_add(a: Dd, b: Dd) -> Dd {
    let s = two_sum(a.hi, b.hi);
    fast_two_sum(s.hi, s.lo + (a.lo + b.lo))
}

/// `1/n!` for n = 0 to 23, as double-doubles (bit patterns), computed with 80-digit decimals.
const INV_FACTORIALS: [(u64, u64); 24] = [
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3fe0000000000000, 0x0000000000000000),
    (0x3fc5555555555555, 0x3c65555555555555),
    (0x3fa5555555555555, 0x3c45555555555555),
    (0x3f81111111111111, 0x3c01111111111111),
    (0x3f56c16c16c16c17, 0xbbef49f49f49f49f),
    (0x3f2a01a01a01a01a, 0x3b6a01a01a01a01a),
    (0x3efa01a01a01a01a, 0x3b3a01a01a01a01a),
    (0x3ec71de3a556c734, 0xbb6c154f8ddc6c00),
    (0x3e927e4fb7789f5c, 0x3b3cbbc05b4fa99a),
    (0x3e5ae64567f544e4, 0xbafc062e06d1f209),
    (0x3e21eed8eff8d898, 0xbac2aec959e14c06),
    (0x3de6124613a86d09, 0x3a8f28e0cc748ebe),
    (0x3da93974a8c07c9d, 0x3a305d6f8a2efd1f),
    (0x3d6ae7f3e733b81f, 0x39e1d8656b0ee8cb),
    (0x3d2ae7f3e733b81f, 0x39a1d8656b0ee8cb),
    (0x3ce952c77030ad4a, 0x398ac981465ddc6c),
    (0x3ca6827863b97d97, 0x394eec01221a8b0b),
    (0x3c62f49b46814157, 0x38f2650f61dbdcb4),
    (0x3c1e542ba4020225, 0x387ea72b4afe3c2f),
    (0x3bd71b8ef6dcf572, 0xb87d043ae40c4647),
    (0x3b90ce396db7f853, 0xb83aebcdbd20331c),
    (0x3b4761b41316381a, 0xb7d3423c7d91404f),
];

/// ln 2 split so that `k * LN2_HI` is exact for every `|k| <= 2^21` (its low 21 bits are 0).
const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
const LN2_MID: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
const LN2_LO: f64 = f64::from_bits(0x3a8c_c01f_97b5_7a08);
const LOG2_E: f64 = f64::from_bits(0x3ff7_1547_652b_82fe);

/// `e^x`, correctly rounded for normal results.
///
/// genmodel calls HotSpot's `Math.exp`, an Intel LIBM intrinsic whose result is the
/// correctly rounded one except for about 0.26% of inputs, where it is one unit in the last
/// place away. Rounding correctly here reproduces it everywhere else; libm's `exp` (fdlibm)
/// differs from HotSpot about 40 times as often. The value is computed in double-double
/// (about 100 bits): `x = k ln2 + r` with `|r| <= ln2 / 2`, a Taylor series for `e^r`, and
/// one final rounding. Subnormal results (`x < -708.4`) are rounded twice and may be one
/// unit off.
pub fn exp(x: f64) -> f64 {
    if x.is_nan() {
        return x;
    }
    if x > 709.782_712_893_384 {
        return f64::INFINITY;
    }
    if x < -745.133_219_101_941_2 {
        return 0.0;
    }
    let (k, m) = exp_parts(Dd { hi: x, lo: 0.0 });
    scale(fast_two_sum(m.hi, m.lo).hi, k)
}

/// `e^x = 2^k * m` for a double-double `x` in the finite range: `k` and `m` (about 1).
fn exp_parts(x: Dd) -> (i32, Dd) {
    let k = libm::round(x.hi * LOG2_E);
    // Exact: k has at most 11 bits and LN2_HI at most 32, and x - k*LN2_HI cancels.
    let t = x.hi - k * LN2_HI;
    let km = two_prod(k, LN2_MID);
    let km = Dd {
        hi: km.hi,
        lo: km.lo + k * LN2_LO - x.lo,
    };
    let r = dd_add(
        Dd { hi: t, lo: 0.0 },
        Dd {
            hi: -km.hi,
            lo: -km.lo,
        },
    );
    let mut p = Dd { hi: 0.0, lo: 0.0 };
    for &(hi, lo) in INV_FACTORIALS.iter().rev() {
        p = dd_add(
            dd_mul(p, r),
            Dd {
                hi: f64::from_bits(hi),
                lo: f64::from_bits(lo),
            },
        );
    }
    (k as i32, p)
}

/// `m * 2^k`, rounding once for normal results.
fn scale(m: f64, k: i32) -> f64 {
    if k > 1023 + 1 {
        f64::INFINITY
    } else if k > -1022 {
        // Two steps so that k = 1024 (with m < 1) does not overflow the scale.
        m * pow2(k - 1) * 2.0
    } else if k > -1022 - 600 {
        m * pow2(k + 600) * pow2(-600)
    } else {
        0.0
    }
}

/// `ln x` for finite `x > 0` as a double-double: libm's estimate refined by one Newton
/// step against the double-double exponential.
fn log_dd(x: f64) -> Dd {
    let y0 = libm::log(x);
    let (k, m) = exp_parts(Dd { hi: y0, lo: 0.0 });
    // e^y0 = m * 2^k; the correction is (x - e^y0) / e^y0 = x * 2^-k / m - 1.
    let xs = x * pow2_wide(-k);
    let diff = dd_add(
        Dd { hi: xs, lo: 0.0 },
        Dd {
            hi: -m.hi,
            lo: -m.lo,
        },
    );
    let corr = (diff.hi + diff.lo) / m.hi;
    two_sum(y0, corr)
}

/// Java's `Math.log(x)`, correctly rounded in all but rare cases (see [`exp`]).
pub fn log(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x == 0.0 {
        return f64::NEG_INFINITY;
    }
    if x.is_infinite() {
        return x;
    }
    if x == 1.0 {
        return 0.0;
    }
    let l = log_dd(x);
    fast_two_sum(l.hi, l.lo).hi
}

/// `2^e` for any `e` a scale by it can need here (split so each factor is normal).
fn pow2_wide(e: i32) -> f64 {
    if e > 1023 {
        pow2(1023) * pow2(e - 1023)
    } else if e < -1022 {
        pow2(-1022) * pow2(e + 1022)
    } else {
        pow2(e)
    }
}

/// Java's `Math.pow(x, y)`, correctly rounded in all but rare cases (see [`exp`]):
/// `e^(y ln x)` in double-double, with Java's special cases.
pub fn pow(x: f64, y: f64) -> f64 {
    if y == 0.0 {
        return 1.0;
    }
    if y.is_nan() || x.is_nan() {
        return f64::NAN;
    }
    if y == 1.0 {
        return x;
    }
    let y_int = libm::trunc(y) == y;
    let y_odd = y_int && libm::fmod(y, 2.0).abs() == 1.0;
    if x == 0.0 || x.is_infinite() {
        // |x| is 0 or infinity: the result is 0 or infinity, with x's sign when y is odd.
        let big = (x == 0.0) == (y < 0.0);
        let mag = if big { f64::INFINITY } else { 0.0 };
        return if x.is_sign_negative() && y_odd {
            -mag
        } else {
            mag
        };
    }
    if y.is_infinite() {
        let ax = x.abs();
        return if ax == 1.0 {
            f64::NAN
        } else if (ax > 1.0) == (y > 0.0) {
            f64::INFINITY
        } else {
            0.0
        };
    }
    if x < 0.0 && !y_int {
        return f64::NAN;
    }
    let l = log_dd(x.abs());
    let prod = two_prod(y, l.hi);
    let t = fast_two_sum(prod.hi, prod.lo + y * l.lo);
    let mag = if t.hi > 709.79 {
        f64::INFINITY
    } else if t.hi < -745.2 {
        0.0
    } else {
        let (k, m) = exp_parts(t);
        scale(fast_two_sum(m.hi, m.lo).hi, k)
    };
    if x < 0.0 && y_odd {
        -mag
    } else {
        mag
    }
}

/// `2^e` for `-1022 <= e <= 1023`.
#[inline]
fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Every line: x, the correctly rounded e^x, HotSpot's `Math.exp(x)` (hex bits).
    fn vectors() -> impl Iterator<Item = (f64, f64, f64)> {
        include_str!("../../testdata/exp/exp.txt")
            .lines()
            .filter(|l| !l.starts_with('#'))
            .map(|l| {
                let v: std::vec::Vec<f64> = l
                    .split(' ')
                    .map(|h| f64::from_bits(u64::from_str_radix(h, 16).unwrap()))
                    .collect();
                (v[0], v[1], v[2])
            })
    }

    #[test]
    fn exp_is_correctly_rounded() {
        let mut n = 0;
        for (x, cr, _) in vectors() {
            assert_eq!(exp(x).to_bits(), cr.to_bits(), "exp({x:e})");
            n += 1;
        }
        assert!(n > 4000);
    }

    #[test]
    fn exp_matches_hotspot_but_for_its_rare_misroundings() {
        let (mut same, mut off_by_one, mut total) = (0, 0, 0);
        for (x, _, hotspot) in vectors() {
            total += 1;
            match exp(x).to_bits().abs_diff(hotspot.to_bits()) {
                0 => same += 1,
                1 => off_by_one += 1,
                d => panic!("exp({x:e}) is {d} ulps from HotSpot's"),
            }
        }
        assert_eq!(same + off_by_one, total);
        assert!(
            off_by_one * 100 < total,
            "{off_by_one} of {total} differ from HotSpot"
        );
    }

    #[test]
    fn exp_edges() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(-0.0), 1.0);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(710.0), f64::INFINITY);
        assert!(exp(709.78).is_finite());
        assert_eq!(exp(-746.0), 0.0);
        assert!(exp(-745.0) > 0.0, "subnormal results");
    }

    #[test]
    fn pow_is_exact_where_it_can_be_and_follows_java_special_cases() {
        assert_eq!(pow(2.0, 10.0), 1024.0);
        assert_eq!(pow(9.0, 0.5), 3.0);
        assert_eq!(pow(10.0, -2.0), 0.01);
        assert_eq!(pow(-2.0, 3.0), -8.0);
        assert!(pow(-2.0, 0.5).is_nan());
        assert_eq!(pow(f64::NAN, 0.0), 1.0);
        assert!(pow(1.0, f64::NAN).is_nan(), "Java, unlike C, gives NaN");
        assert_eq!(pow(0.0, -1.0), f64::INFINITY);
        assert_eq!(pow(-0.0, -1.0), f64::NEG_INFINITY);
        assert_eq!(pow(-0.0, 2.0), 0.0);
        assert_eq!(pow(0.5, f64::INFINITY), 0.0);
        assert_eq!(pow(1e300, 2.0), f64::INFINITY);
        // 3.7^(2/3) = 2.39222017861160325739831602657757… (60-digit decimal).
        let want: f64 = "2.39222017861160325739831602657757".parse().unwrap();
        assert_eq!(pow(3.7, 1.0 / 1.5), want);
    }

    #[test]
    fn java_semantics() {
        assert!(java_max(f64::NAN, 1.0).is_nan());
        assert!(java_min(1.0, f64::NAN).is_nan());
        assert!(java_max(-0.0, 0.0).is_sign_positive());
        assert!(java_max(0.0, -0.0).is_sign_positive());
        assert!(java_min(0.0, -0.0).is_sign_negative());
        assert_eq!(java_max(-1e-5, 3.0), 3.0);
        assert_eq!(java_min(1e19, f64::INFINITY), 1e19);
    }
}
