//! Java's `Math` semantics where they differ from Rust's, and the transcendental functions.
//!
//! `exp`, `log` and `pow` are correctly rounded (for normal results) in all but rare cases:
//! a table-driven estimate with a proven error bound answers when its rounding is certain,
//! and a slow double-double routine (about 100 bits) otherwise. HotSpot's `Math.exp` is a
//! CPU-specific intrinsic that misrounds a few inputs (see [`exp`]), so results that pass
//! through these may differ from genmodel's by one unit in the last place; nothing else may.

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
/// differs from HotSpot about 40 times as often.
///
/// A fast estimate (`exp_fast`, error below 2^-68) is returned when its rounding is
/// certain; otherwise (about 1 input in 4000, and every `|x| > 700`) [`exp_exact`] decides.
pub fn exp(x: f64) -> f64 {
    match exp_fast(x) {
        Some(y) => y,
        None => exp_exact(x),
    }
}

/// `e^x` through the slow double-double series alone: what [`exp`] falls back to, kept
/// callable so that tests and benches can compare the two.
///
/// The value is computed in double-double (about 100 bits): `x = k ln2 + r` with
/// `|r| <= ln2 / 2`, a Taylor series for `e^r`, and one final rounding. Subnormal results
/// (`x < -708.4`) are rounded twice and may be one unit off.
#[doc(hidden)]
pub fn exp_exact(x: f64) -> f64 {
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

/// Inputs the fast path takes: results stay normal (e^-700 is about 2^-1010) and
/// `n = round(x * 128 / ln2)` stays below 2^17 in magnitude.
const EXP_FAST_LIMIT: f64 = 700.0;

/// `e^x` correctly rounded, or `None` when a cheap estimate cannot prove its rounding.
///
/// `x = (128 m + j) ln2/128 + r` with `|r| <= ln2/256`, so `e^x = 2^m * 2^(j/128) * e^r`:
/// `2^(j/128)` comes from a double-double table and `e^r` from a degree-6 Taylor polynomial.
/// The estimate `hi + lo` of `2^(j/128) e^r` has relative error below 2^-68.3 (bound in the
/// comments below, in units of `T = 2^(j/128)`; `u = 2^-53`, `|r| <= 0.00271 < 2^-8.5`):
/// - reduction (`ln2/128` to 2^-96 times `|n| < 2^17`, and rounding `n * tail`): 2^-77;
/// - truncation after `r^6`: `|r|^7 / 7! < 2^-72`;
/// - `r^2 q(r)` (`|.| < 2^-18.05`): `q` rounded near 1/2 (1.01 u relative), `r^2` and the
///   product (u each): 3.01 u, so 2^-69.46;
/// - rounding `p_lo`, `T_hi * p_lo` and the sum `lo` (each `< 2^-17.05 T`): 3 * 2^-71.05;
/// - the rest (table to `u^2`, `r_lo` terms beyond first order, small sums): below 2^-76.
///
/// Together 12.6 * 2^-72 < 2^-68.3. The rounding test allows 2^-65, ten times that.
#[inline(always)]
fn exp_fast(x: f64) -> Option<f64> {
    if x.is_nan() || x.abs() > EXP_FAST_LIMIT {
        return None;
    }
    let (m, y) = exp_fast_estimate(x)?;
    // Every value within the error of y rounds to y.hi: rounding is monotonic.
    let err = y.hi * EXP_FAST_ERR;
    if y.hi + (y.lo + err) != y.hi + (y.lo - err) {
        return None;
    }
    // Exact: y.hi is in [0.99, 2) and the result is normal.
    Some(y.hi * pow2(m))
}

/// `e^x = 2^m * y` for `|x| <= EXP_FAST_LIMIT`, `y` normalised with the error bound of
/// [`exp_fast`]. (`None` cannot happen: the table index is below its length.)
#[inline(always)]
fn exp_fast_estimate(x: f64) -> Option<(i32, Dd)> {
    // Adding 1.5 * 2^52 rounds to an integer and leaves n, two's complement, in the low
    // mantissa bits (faster than a call to round).
    let shifted = x * EXP_N_BY_LN2 + EXP_SHIFTER;
    let n_float = shifted - EXP_SHIFTER;
    let n = shifted.to_bits() as i32;
    let j = (n & (EXP_TABLE_LEN as i32 - 1)) as usize;
    let m = n >> EXP_TABLE_LEN.trailing_zeros();
    // Exact: n * head has at most 17 + 35 bits, and x - n * head is a multiple of 2^-61
    // below 2^-8 (or x itself when n = 0).
    let r_head = x - n_float * EXP_LN2_BY_N_HEAD;
    let r = two_sum(r_head, -(n_float * EXP_LN2_BY_N_TAIL));
    // e^(r.hi + r.lo) - 1 - r.hi, to first order in r.lo (|r.lo| <= 2^-62).
    let q = 0.5 + r.hi * (EXP_C3 + r.hi * (EXP_C4 + r.hi * (EXP_C5 + r.hi * EXP_C6)));
    let p_lo = r.hi * r.hi * q + (r.lo + r.lo * r.hi);
    let &(t_hi, t_lo) = EXP_TABLE.get(j)?;
    let (t_hi, t_lo) = (f64::from_bits(t_hi), f64::from_bits(t_lo));
    // T e^r = T_hi + T_hi r.hi (exactly, as s) + T_hi p_lo + T_lo (1 + r.hi + p_lo).
    let t_r = two_prod(t_hi, r.hi);
    let s = fast_two_sum(t_hi, t_r.hi);
    let lo = t_hi * p_lo + ((s.lo + t_r.lo) + (t_lo + t_lo * (r.hi + p_lo)));
    Some((m, fast_two_sum(s.hi, lo)))
}

const EXP_TABLE_LEN: usize = 128;
const EXP_SHIFTER: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
/// Generated by `testdata/exp/table.py`: 128 / ln2, and ln2 / 128 as a 35-bit head (so
/// `n * head` is exact for `|n| < 2^18`) plus a tail.
const EXP_N_BY_LN2: f64 = f64::from_bits(0x4067_1547_652b_82fe);
const EXP_LN2_BY_N_HEAD: f64 = f64::from_bits(0x3f76_2e42_fefc_0000);
const EXP_LN2_BY_N_TAIL: f64 = f64::from_bits(0xbd3c_610c_a86c_3899);
const EXP_C3: f64 = 1.0 / 6.0;
const EXP_C4: f64 = 1.0 / 24.0;
const EXP_C5: f64 = 1.0 / 120.0;
const EXP_C6: f64 = 1.0 / 720.0;
/// The rounding test's allowance, relative: 2^-65.
const EXP_FAST_ERR: f64 = f64::from_bits((1023 - 65) << 52);

/// `2^(j/128)` for j = 0 to 127, as double-doubles (bit patterns), by `testdata/exp/table.py`.
const EXP_TABLE: [(u64, u64); 128] = [
    (0x3ff0000000000000, 0x0000000000000000),
    (0x3ff0163da9fb3335, 0x3c9b61299ab8cdb7),
    (0x3ff02c9a3e778061, 0xbc719083535b085d),
    (0x3ff04315e86e7f85, 0xbc90a31c1977c96e),
    (0x3ff059b0d3158574, 0x3c8d73e2a475b465),
    (0x3ff0706b29ddf6de, 0xbc8c91dfe2b13c27),
    (0x3ff0874518759bc8, 0x3c6186be4bb284ff),
    (0x3ff09e3ecac6f383, 0x3c91487818316136),
    (0x3ff0b5586cf9890f, 0x3c98a62e4adc610b),
    (0x3ff0cc922b7247f7, 0x3c901edc16e24f71),
    (0x3ff0e3ec32d3d1a2, 0x3c403a1727c57b53),
    (0x3ff0fb66affed31b, 0xbc6b9bedc44ebd7b),
    (0x3ff11301d0125b51, 0xbc96c51039449b3a),
    (0x3ff12abdc06c31cc, 0xbc51b514b36ca5c7),
    (0x3ff1429aaea92de0, 0xbc932fbf9af1369e),
    (0x3ff15a98c8a58e51, 0x3c82406ab9eeab0a),
    (0x3ff172b83c7d517b, 0xbc819041b9d78a76),
    (0x3ff18af9388c8dea, 0xbc911023d1970f6c),
    (0x3ff1a35beb6fcb75, 0x3c8e5b4c7b4968e4),
    (0x3ff1bbe084045cd4, 0xbc995386352ef607),
    (0x3ff1d4873168b9aa, 0x3c9e016e00a2643c),
    (0x3ff1ed5022fcd91d, 0xbc91df98027bb78c),
    (0x3ff2063b88628cd6, 0x3c8dc775814a8495),
    (0x3ff21f49917ddc96, 0x3c82a97e9494a5ee),
    (0x3ff2387a6e756238, 0x3c99b07eb6c70573),
    (0x3ff251ce4fb2a63f, 0x3c8ac155bef4f4a4),
    (0x3ff26b4565e27cdd, 0x3c82bd339940e9d9),
    (0x3ff284dfe1f56381, 0xbc9a4c3a8c3f0d7e),
    (0x3ff29e9df51fdee1, 0x3c8612e8afad1255),
    (0x3ff2b87fd0dad990, 0xbc410adcd6381aa4),
    (0x3ff2d285a6e4030b, 0x3c90024754db41d5),
    (0x3ff2ecafa93e2f56, 0x3c71ca0f45d52383),
    (0x3ff306fe0a31b715, 0x3c86f46ad23182e4),
    (0x3ff32170fc4cd831, 0x3c8a9ce78e18047c),
    (0x3ff33c08b26416ff, 0x3c932721843659a6),
    (0x3ff356c55f929ff1, 0xbc8b5cee5c4e4628),
    (0x3ff371a7373aa9cb, 0xbc963aeabf42eae2),
    (0x3ff38cae6d05d866, 0xbc9e958d3c9904bd),
    (0x3ff3a7db34e59ff7, 0xbc75e436d661f5e3),
    (0x3ff3c32dc313a8e5, 0xbc9efff8375d29c3),
    (0x3ff3dea64c123422, 0x3c8ada0911f09ebc),
    (0x3ff3fa4504ac801c, 0xbc97d023f956f9f3),
    (0x3ff4160a21f72e2a, 0xbc5ef3691c309278),
    (0x3ff431f5d950a897, 0xbc81c7dde35f7999),
    (0x3ff44e086061892d, 0x3c489b7a04ef80d0),
    (0x3ff46a41ed1d0057, 0x3c9c944bd1648a76),
    (0x3ff486a2b5c13cd0, 0x3c73c1a3b69062f0),
    (0x3ff4a32af0d7d3de, 0x3c99cb62f3d1be56),
    (0x3ff4bfdad5362a27, 0x3c7d4397afec42e2),
    (0x3ff4dcb299fddd0d, 0x3c98ecdbbc6a7833),
    (0x3ff4f9b2769d2ca7, 0xbc94b309d25957e3),
    (0x3ff516daa2cf6642, 0xbc8f768569bd93ef),
    (0x3ff5342b569d4f82, 0xbc807abe1db13cad),
    (0x3ff551a4ca5d920f, 0xbc8d689cefede59b),
    (0x3ff56f4736b527da, 0x3c99bb2c011d93ad),
    (0x3ff58d12d497c7fd, 0x3c8295e15b9a1de8),
    (0x3ff5ab07dd485429, 0x3c96324c054647ad),
    (0x3ff5c9268a5946b7, 0x3c3c4b1b816986a2),
    (0x3ff5e76f15ad2148, 0x3c9ba6f93080e65e),
    (0x3ff605e1b976dc09, 0xbc93e2429b56de47),
    (0x3ff6247eb03a5585, 0xbc9383c17e40b497),
    (0x3ff6434634ccc320, 0xbc8c483c759d8933),
    (0x3ff6623882552225, 0xbc9bb60987591c34),
    (0x3ff68155d44ca973, 0x3c6038ae44f73e65),
    (0x3ff6a09e667f3bcd, 0xbc9bdd3413b26456),
    (0x3ff6c012750bdabf, 0xbc72895667ff0b0d),
    (0x3ff6dfb23c651a2f, 0xbc6bbe3a683c88ab),
    (0x3ff6ff7df9519484, 0xbc883c0f25860ef6),
    (0x3ff71f75e8ec5f74, 0xbc816e4786887a99),
    (0x3ff73f9a48a58174, 0xbc90a8d96c65d53c),
    (0x3ff75feb564267c9, 0xbc90245957316dd3),
    (0x3ff780694fde5d3f, 0x3c9866b80a02162d),
    (0x3ff7a11473eb0187, 0xbc841577ee04992f),
    (0x3ff7c1ed0130c132, 0x3c9f124cd1164dd6),
    (0x3ff7e2f336cf4e62, 0x3c705d02ba15797e),
    (0x3ff80427543e1a12, 0xbc927c86626d972b),
    (0x3ff82589994cce13, 0xbc9d4c1dd41532d8),
    (0x3ff8471a4623c7ad, 0xbc88d684a341cdfb),
    (0x3ff868d99b4492ed, 0xbc9fc6f89bd4f6ba),
    (0x3ff88ac7d98a6699, 0x3c9994c2f37cb53a),
    (0x3ff8ace5422aa0db, 0x3c96e9f156864b27),
    (0x3ff8cf3216b5448c, 0xbc70d55e32e9e3aa),
    (0x3ff8f1ae99157736, 0x3c85cc13a2e3976c),
    (0x3ff9145b0b91ffc6, 0xbc9dd6792e582524),
    (0x3ff93737b0cdc5e5, 0xbc675fc781b57ebc),
    (0x3ff95a44cbc8520f, 0xbc764b7c96a5f039),
    (0x3ff97d829fde4e50, 0xbc9d185b7c1b85d1),
    (0x3ff9a0f170ca07ba, 0xbc9173bd91cee632),
    (0x3ff9c49182a3f090, 0x3c7c7c46b071f2be),
    (0x3ff9e86319e32323, 0x3c7824ca78e64c6e),
    (0x3ffa0c667b5de565, 0xbc9359495d1cd533),
    (0x3ffa309bec4a2d33, 0x3c96305c7ddc36ab),
    (0x3ffa5503b23e255d, 0xbc9d2f6edb8d41e1),
    (0x3ffa799e1330b358, 0x3c9bcb7ecac563c7),
    (0x3ffa9e6b5579fdbf, 0x3c90fac90ef7fd31),
    (0x3ffac36bbfd3f37a, 0xbc8f9234cae76cd0),
    (0x3ffae89f995ad3ad, 0x3c97a1cd345dcc81),
    (0x3ffb0e07298db666, 0xbc9bdef54c80e425),
    (0x3ffb33a2b84f15fb, 0xbc62805e3084d708),
    (0x3ffb59728de5593a, 0xbc9c71dfbbba6de3),
    (0x3ffb7f76f2fb5e47, 0xbc75584f7e54ac3b),
    (0x3ffba5b030a1064a, 0xbc9efcd30e54292e),
    (0x3ffbcc1e904bc1d2, 0x3c823dd07a2d9e84),
    (0x3ffbf2c25bd71e09, 0xbc9efdca3f6b9c73),
    (0x3ffc199bdd85529c, 0x3c811065895048dd),
    (0x3ffc40ab5fffd07a, 0x3c9b4537e083c60a),
    (0x3ffc67f12e57d14b, 0x3c92884dff483cad),
    (0x3ffc8f6d9406e7b5, 0x3c71acbc48805c44),
    (0x3ffcb720dcef9069, 0x3c7503cbd1e949db),
    (0x3ffcdf0b555dc3fa, 0xbc8dd83b53829d72),
    (0x3ffd072d4a07897c, 0xbc9cbc3743797a9c),
    (0x3ffd2f87080d89f2, 0xbc9d487b719d8578),
    (0x3ffd5818dcfba487, 0x3c82ed02d75b3707),
    (0x3ffd80e316c98398, 0xbc911ec18beddfe8),
    (0x3ffda9e603db3285, 0x3c9c2300696db532),
    (0x3ffdd321f301b460, 0x3c92da5778f018c3),
    (0x3ffdfc97337b9b5f, 0xbc91a5cd4f184b5c),
    (0x3ffe264614f5a129, 0xbc97b627817a1496),
    (0x3ffe502ee78b3ff6, 0x3c839e8980a9cc8f),
    (0x3ffe7a51fbc74c83, 0x3c92d522ca0c8de2),
    (0x3ffea4afa2a490da, 0xbc9e9c23179c2893),
    (0x3ffecf482d8e67f1, 0xbc9c93f3b411ad8c),
    (0x3ffefa1bee615a27, 0x3c9dc7f486a4b6b0),
    (0x3fff252b376bba97, 0x3c93a1a5bf0d8e43),
    (0x3fff50765b6e4540, 0x3c99d3e12dd8a18b),
    (0x3fff7bfdad9cbe14, 0xbc9dbb12d006350a),
    (0x3fffa7c1819e90d8, 0x3c874853f3a5931e),
    (0x3fffd3c22b8f71f1, 0x3c62eb74966579e7),
];

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
    let xs = mul_pow2(x, -k);
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
///
/// A fast estimate (`log_fast`, error below 2^-68) is returned when its rounding is
/// certain; otherwise, and for zero, subnormals and special values, [`log_exact`] decides.
pub fn log(x: f64) -> f64 {
    match log_fast(x) {
        Some(y) => y,
        None => log_exact(x),
    }
}

/// `ln x` through libm and a Newton step on the slow double-double exponential alone: what
/// [`log`] falls back to, kept callable so that tests and benches can compare the two.
#[doc(hidden)]
pub fn log_exact(x: f64) -> f64 {
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

/// `ln x` correctly rounded, or `None` when a cheap estimate cannot prove its rounding (or
/// `x` is not a positive normal number).
#[inline(always)]
fn log_fast(x: f64) -> Option<f64> {
    if !x.is_normal() || x < 0.0 {
        return None;
    }
    let y = log_fast_estimate(x)?;
    // As in exp_fast: every value within the error of y rounds to y.hi.
    let err = y.hi.abs() * LOG_FAST_ERR;
    if y.hi + (y.lo + err) != y.hi + (y.lo - err) {
        return None;
    }
    Some(y.hi)
}

/// `ln x` for a positive normal `x`, normalised, with relative error below 2^-68.1.
///
/// `x = 2^e z` with `z` in `[1, 2)`; the top 8 bits of `z` pick a slice and its table entry
/// `c` (9 bits) with `u = z c - 1` in `[-2^-8, 2^-8]`, so `ln x = e' ln2 + T + log1p(u)`
/// with `T = -ln c'` (a double-double), where from `sqrt 2` up `c' = 2c` and `e' = e + 1`
/// (so that `x` just below 1 cancels nothing), else `c' = c` and `e' = e`. `log1p(u)` is
/// `u - u^2/2` in double-double plus `p = u^3 P(u)`, Taylor to `u^9`. Error budget, relative
/// to `|ln x|` (`u_r = 2^-53`); `testdata/exp/table.py` checks the table facts used:
/// - `|p| <= 2^-17.57 |ln x|`: on the slices with `c' = 1` (`e' = 0`) `ln x = log1p(u)`,
///   `|u| <= 2^-8`, so `|p| <= u^2/3 |ln x|`; on the others `|u|^3/3 <= 2^-19.6 |ln z|`;
///   for `e' != 0`, `|ln x| >= ln2 - ln(sqrt 2)`;
/// - computing `p`: `u^2`, `u^3` and the product rounded (u_r each), `P` near 1/3 with
///   1/3 and its last sum rounded (1.26 u_r): 4.26 u_r |p|, so 2^-68.48;
/// - the final sum into `lo` (`|lo| <= |p| + 2^-51 |ln x|`): 2^-70.57;
/// - truncation (`|u|^10 / 10`), `e' ln2` to 2^-76, the table and small sums: below 2^-75.
///
/// Together below 2^-68.1. The rounding test allows 2^-65.
#[inline(always)]
fn log_fast_estimate(x: f64) -> Option<Dd> {
    let bits = x.to_bits();
    let slice = ((bits >> 44) & 0xff) as usize;
    let &(c, t_hi, t_lo) = LOG_TABLE.get(slice)?;
    let (c, t_hi, t_lo) = (
        f64::from_bits(c),
        f64::from_bits(t_hi),
        f64::from_bits(t_lo),
    );
    let halved = slice >= LOG_HALF_FROM;
    let e = f64::from((bits >> 52) as i32 - 1023 + i32::from(halved));
    let z = f64::from_bits((bits & LOG_MANTISSA) | 1f64.to_bits());
    // u = z c - 1 exactly: it is a multiple of 2^-61 of at most 2^-8, so a double; z_head
    // (44 bits) times c (9) is exact and within 2^-7 of 1, and the rest of z times c too.
    let z_head = f64::from_bits(z.to_bits() & !0x1ff);
    let u = (z_head * c - 1.0) + (z - z_head) * c;
    let square = two_prod(u, u);
    let poly = LOG_C3
        + u * (LOG_C4 + u * (LOG_C5 + u * (LOG_C6 + u * (LOG_C7 + u * (LOG_C8 + u * LOG_C9)))));
    let p = u * square.hi * poly;
    // Exact sums: e' ln2_hi is exact and larger than |T| unless e' = 0, |u| > u^2/2.
    let s = fast_two_sum(e * LN2_HI, t_hi);
    let v = fast_two_sum(u, -0.5 * square.hi);
    let big = two_sum(s.hi, v.hi);
    let lo = p + (((s.lo + big.lo) + (v.lo - 0.5 * square.lo)) + (t_lo + e * LN2_MID));
    Some(fast_two_sum(big.hi, lo))
}

const LOG_MANTISSA: u64 = (1 << 52) - 1;
/// The first slice (of 256) whose `z` is halved: `1 + 106/256` is just below `sqrt 2`.
const LOG_HALF_FROM: usize = 106;
const LOG_C3: f64 = 1.0 / 3.0;
const LOG_C4: f64 = -1.0 / 4.0;
const LOG_C5: f64 = 1.0 / 5.0;
const LOG_C6: f64 = -1.0 / 6.0;
const LOG_C7: f64 = 1.0 / 7.0;
const LOG_C8: f64 = -1.0 / 8.0;
const LOG_C9: f64 = 1.0 / 9.0;
/// The rounding test's allowance, relative: 2^-65.
const LOG_FAST_ERR: f64 = f64::from_bits((1023 - 65) << 52);

/// Per slice of `z`: `c` and `T = -ln c'` as a double-double (bit patterns), by
/// `testdata/exp/table.py`.
const LOG_TABLE: [(u64, u64, u64); 256] = [
    (0x3ff0000000000000, 0x0000000000000000, 0x0000000000000000),
    (0x3fefd00000000000, 0x3f78121214586b54, 0x3bec14b9f9377a1d),
    (0x3fefb00000000000, 0x3f841929f96832f0, 0xbc2c5517f64bc223),
    (0x3fef900000000000, 0x3f8c317384c75f06, 0x3c2806208c04c220),
    (0x3fef700000000000, 0x3f9228fb1fea2e28, 0xbc2cd7b66e01c26d),
    (0x3fef500000000000, 0x3f963d6178690bd6, 0xbbf8ed4d357c9c97),
    (0x3fef300000000000, 0x3f9a55f548c5c43f, 0x3c1ec1a5f86d41f9),
    (0x3fef100000000000, 0x3f9e72bf2813ce51, 0x3c375b44595cab18),
    (0x3fef000000000000, 0x3fa0415d89e74444, 0x3c4c05cf1d753622),
    (0x3feee00000000000, 0x3fa252f32f8d183f, 0xbc4947f792615916),
    (0x3feec00000000000, 0x3fa466aed42de3ea, 0xbc4cdd6f7f4a137e),
    (0x3feea00000000000, 0x3fa67c94f2d4bb58, 0x3c40413e6505e603),
    (0x3fee800000000000, 0x3fa894aa149fb343, 0x3c3a8be97660a23d),
    (0x3fee600000000000, 0x3faaaef2d0fb10fc, 0x3c2a353bb42e0add),
    (0x3fee500000000000, 0x3fabbcebfc68f420, 0x3c3e5cf3a0f56f72),
    (0x3fee300000000000, 0x3fadda8adc67ee4e, 0x3c44e6c986f44c55),
    (0x3fee100000000000, 0x3faffa6911ab9301, 0xbc4cd9f1f95c2eed),
    (0x3fedf00000000000, 0x3fb10e45b3cae831, 0xbc5a4a128d192686),
    (0x3fedd00000000000, 0x3fb2207b5c78549e, 0xbc5cc0fbce104eaa),
    (0x3fedc00000000000, 0x3fb2aa04a44717a5, 0xbc5d15d38d2fa3f7),
    (0x3feda00000000000, 0x3fb3bdf5a7d1ee64, 0x3c47a976d3b5b45f),
    (0x3fed800000000000, 0x3fb4d3115d207eac, 0x3c5769f42c7842cc),
    (0x3fed700000000000, 0x3fb55e10050e0384, 0xbc545f9d61c68c1b),
    (0x3fed500000000000, 0x3fb674f089365a7a, 0xbc59acd8b33f8fdc),
    (0x3fed300000000000, 0x3fb78d02263d82d3, 0x3c5abca5b4fdb880),
    (0x3fed200000000000, 0x3fb8197e2f40e3f0, 0x3c3b9f2dffbeed43),
    (0x3fed000000000000, 0x3fb9335e5d594989, 0xbc5478a85704ccb7),
    (0x3fece00000000000, 0x3fba4e7640b1bc38, 0xbc55b5ca203e4259),
    (0x3fecd00000000000, 0x3fbadc77ee5aea8c, 0x3c537d8f39bee659),
    (0x3fecb00000000000, 0x3fbbf968769fca11, 0xbc4cdc9f6f5f38c7),
    (0x3fec900000000000, 0x3fbd179788219364, 0x3c49daf7df76ad2a),
    (0x3fec800000000000, 0x3fbda727638446a2, 0x3c5401fa71733019),
    (0x3fec600000000000, 0x3fbec739830a1120, 0xbc4a2bf991780d3f),
    (0x3fec500000000000, 0x3fbf57bc7d9005db, 0xbc59361574fb24e2),
    (0x3fec300000000000, 0x3fc03cdc0a51ec0d, 0x3c639e2d3f8b7d10),
    (0x3fec200000000000, 0x3fc08598b59e3a07, 0xbc6dd7009902bf32),
    (0x3fec000000000000, 0x3fc1178e8227e47c, 0xbc50e63a5f01c691),
    (0x3febf00000000000, 0x3fc160c8024b27b1, 0xbc62d56ff61c2bfb),
    (0x3febd00000000000, 0x3fc1f3b925f25d41, 0x3c462c9ef939ac5d),
    (0x3febc00000000000, 0x3fc23d712a49c202, 0xbc66e38161051d69),
    (0x3feba00000000000, 0x3fc2d1610c86813a, 0xbc5499a3f25af95f),
    (0x3feb900000000000, 0x3fc31b994d3a4f85, 0xbc5c4716bdfc0cc9),
    (0x3feb700000000000, 0x3fc3b08b6757f2a9, 0x3c370d6cdf05266c),
    (0x3feb600000000000, 0x3fc3fb45a59928cc, 0xbc6d87e6a354d056),
    (0x3feb400000000000, 0x3fc4913d8333b561, 0xbc50d5604930f135),
    (0x3feb300000000000, 0x3fc4dc7b897bc1c8, 0xbc6927d47803c5f4),
    (0x3feb100000000000, 0x3fc5737cc9018cdd, 0x3c64f4d710fec38e),
    (0x3feb000000000000, 0x3fc5bf406b543db2, 0xbc21f5b44c0df7e7),
    (0x3feae00000000000, 0x3fc6574ebe8c133a, 0xbc3d34f0f4621bed),
    (0x3fead00000000000, 0x3fc6a399dabbd383, 0x3c696332bd4b341f),
    (0x3feac00000000000, 0x3fc6f0128b756abc, 0xbc68de59c21e166c),
    (0x3feaa00000000000, 0x3fc7898d85444c73, 0x3c5ef8f6ebcfb201),
    (0x3fea900000000000, 0x3fc7d6903caf5ad0, 0xbc4ac5f0c075b847),
    (0x3fea700000000000, 0x3fc871213750e994, 0x3c6d685f35eea2a0),
    (0x3fea600000000000, 0x3fc8beafeb38fe8c, 0x3c555aa8b6997a40),
    (0x3fea500000000000, 0x3fc90c6db9fcbcd9, 0x3c6054473941ad99),
    (0x3fea300000000000, 0x3fc9a8778debaa38, 0x3c6f47dfd871f87f),
    (0x3fea200000000000, 0x3fc9f6c407089664, 0x3c435a19605e67ef),
    (0x3fea100000000000, 0x3fca454082e6ab05, 0x3c5df207dc5c34c6),
    (0x3fe9f00000000000, 0x3fcae2ca6f672bd4, 0x3c6ab5ca9eaa088a),
    (0x3fe9e00000000000, 0x3fcb31d8575bce3d, 0xbc66353ab386a94d),
    (0x3fe9d00000000000, 0x3fcb811730b823d2, 0x3c3a0ee735d9f0ec),
    (0x3fe9c00000000000, 0x3fcbd087383bd8ad, 0x3c3dd355f6a516d7),
    (0x3fe9a00000000000, 0x3fcc6ffbc6f00f71, 0xbc68e58b2c57a4a5),
    (0x3fe9900000000000, 0x3fccc000c9db3c52, 0x3c653d154280394f),
    (0x3fe9800000000000, 0x3fcd1037f2655e7b, 0x3c660629242471a2),
    (0x3fe9600000000000, 0x3fcdb13db0d48940, 0x3c5aa11d49f96cb9),
    (0x3fe9500000000000, 0x3fce020cc6235ab5, 0x3c5fea48dd7b81d1),
    (0x3fe9400000000000, 0x3fce530effe71012, 0x3c42276041f43042),
    (0x3fe9300000000000, 0x3fcea4449f04aaf5, 0xbc6d33919ab94074),
    (0x3fe9100000000000, 0x3fcf474b134df229, 0xbc527c77ded76aad),
    (0x3fe9000000000000, 0x3fcf991c6cb3b379, 0x3c6f665066f980a2),
    (0x3fe8f00000000000, 0x3fcfeb2233ea07cd, 0x3c28de00938b4c40),
    (0x3fe8e00000000000, 0x3fd01eae5626c691, 0xbc418290bd2932e2),
    (0x3fe8d00000000000, 0x3fd047e60cde83b8, 0xbc70779634061cbc),
    (0x3fe8b00000000000, 0x3fd09aa572e6c6d4, 0x3c643c2e68684d53),
    (0x3fe8a00000000000, 0x3fd0c42d676162e3, 0x3c5162c79d5d11ee),
    (0x3fe8900000000000, 0x3fd0edd060b78081, 0xbc692b49ef282b09),
    (0x3fe8800000000000, 0x3fd1178e8227e47c, 0xbc60e63a5f01c691),
    (0x3fe8700000000000, 0x3fd14167ef367783, 0x3c1e0936abd4fa6e),
    (0x3fe8600000000000, 0x3fd16b5ccbacfb73, 0x3c766fbd28b40935),
    (0x3fe8400000000000, 0x3fd1bf99635a6b95, 0xbc612aeb84249223),
    (0x3fe8300000000000, 0x3fd1e9e1678899f4, 0x3c7512c3749a1e4e),
    (0x3fe8200000000000, 0x3fd214456d0eb8d4, 0x3c6f7ae91aeba60a),
    (0x3fe8100000000000, 0x3fd23ec5991eba49, 0x3c3bb75d1addf870),
    (0x3fe8000000000000, 0x3fd269621134db92, 0x3c7e0efadd9db02b),
    (0x3fe7f00000000000, 0x3fd2941afb186b7c, 0xbc6856e61c515740),
    (0x3fe7e00000000000, 0x3fd2bef07cdc9354, 0xbc782dad7fd86088),
    (0x3fe7c00000000000, 0x3fd314f1e1d35ce4, 0xbc73d69909e5c3dc),
    (0x3fe7b00000000000, 0x3fd3401e12aecba1, 0xbc5cd55b8a4746c0),
    (0x3fe7a00000000000, 0x3fd36b6776be1117, 0xbc5324f0e883858e),
    (0x3fe7900000000000, 0x3fd396ce359bbf54, 0xbc5ce2b31b31e8b0),
    (0x3fe7800000000000, 0x3fd3c25277333184, 0xbc72ad27e50a8ec6),
    (0x3fe7700000000000, 0x3fd3edf463c1683e, 0x3c783d680d3c1084),
    (0x3fe7600000000000, 0x3fd419b423d5e8c7, 0x3c60dbb243827392),
    (0x3fe7500000000000, 0x3fd44591e0539f49, 0xbc72b125247b0fa5),
    (0x3fe7400000000000, 0x3fd4718dc271c41b, 0x3c38fb4c14c56eef),
    (0x3fe7300000000000, 0x3fd49da7f3bcc41f, 0xbc69964a168ccaca),
    (0x3fe7200000000000, 0x3fd4c9e09e172c3c, 0xbc5123615b147a5d),
    (0x3fe7100000000000, 0x3fd4f637ebba9810, 0xbc758cb3124b9245),
    (0x3fe7000000000000, 0x3fd522ae0738a3d8, 0xbc68f7e9b38a6979),
    (0x3fe6f00000000000, 0x3fd54f431b7be1a9, 0xbc7aacfdbbdab914),
    (0x3fe6e00000000000, 0x3fd57bf753c8d1fb, 0xbc60908d15f88b63),
    (0x3fe6d00000000000, 0x3fd5a8cadbbedfa1, 0xbc5e6c2bdfb3e037),
    (0x3fe6c00000000000, 0x3fd5d5bddf595f30, 0xbc76541148cbb8a2),
    (0x3fe6b00000000000, 0x3fd602d08af091ec, 0xbc56e8920c09b73f),
    (0x3fe6a00000000000, 0xbfd62c82f2b9c795, 0xbc67b7af915300e5),
    (0x3fe6900000000000, 0xbfd5ff3070a793d4, 0x3c6bc60efafc6f6e),
    (0x3fe6800000000000, 0xbfd5d1bdbf5809ca, 0xbc74236383dc7fe1),
    (0x3fe6700000000000, 0xbfd5a42ab0f4cfe2, 0x3c78ebcb7dee9a3d),
    (0x3fe6600000000000, 0xbfd5767717455a6c, 0xbc7526adb283660c),
    (0x3fe6500000000000, 0xbfd548a2c3add263, 0x3c6819cf7e308ddb),
    (0x3fe6400000000000, 0xbfd51aad872df82d, 0xbc43927ac19f55e3),
    (0x3fe6300000000000, 0xbfd4ec973260026a, 0x3c742a87d977dc5e),
    (0x3fe6200000000000, 0xbfd4be5f957778a1, 0x3c6259b35b04813d),
    (0x3fe6100000000000, 0xbfd49006804009d1, 0x3c69ffc341f177dc),
    (0x3fe6000000000000, 0xbfd4618bc21c5ec2, 0xbc7f42decdeccf1d),
    (0x3fe5f00000000000, 0xbfd432ef2a04e814, 0x3c729931715ac903),
    (0x3fe5e00000000000, 0xbfd404308686a7e4, 0x3c70bcfb6082ce6d),
    (0x3fe5d00000000000, 0xbfd3d54fa5c1f710, 0x3c7e3265c6a1c98d),
    (0x3fe5c00000000000, 0xbfd3a64c556945ea, 0x3c6c68651945f97c),
    (0x3fe5b00000000000, 0xbfd3772662bfd85b, 0x3c4b5629d8117de7),
    (0x3fe5a00000000000, 0xbfd347dd9a987d55, 0x3c64dd4c580919f8),
    (0x3fe5900000000000, 0xbfd31871c9544185, 0x3c351acc4c09b379),
    (0x3fe5800000000000, 0xbfd2e8e2bae11d31, 0x3c78f4cdb95ebdf9),
    (0x3fe5800000000000, 0xbfd2e8e2bae11d31, 0x3c78f4cdb95ebdf9),
    (0x3fe5700000000000, 0xbfd2b9303ab89d25, 0x3c7896b5fd852ad4),
    (0x3fe5600000000000, 0xbfd2895a13de86a3, 0xbc77ad24c13f040e),
    (0x3fe5500000000000, 0xbfd2596010df763a, 0x3c50f76c57075e9e),
    (0x3fe5400000000000, 0xbfd22941fbcf7966, 0x3c776f5eb09628af),
    (0x3fe5300000000000, 0xbfd1f8ff9e48a2f3, 0x3c7c9fdf9a0c4b07),
    (0x3fe5200000000000, 0xbfd1c898c16999fb, 0x3c30e5c62aff1c44),
    (0x3fe5100000000000, 0xbfd1980d2dd4236f, 0xbc79d3d1b0e4d147),
    (0x3fe5100000000000, 0xbfd1980d2dd4236f, 0xbc79d3d1b0e4d147),
    (0x3fe5000000000000, 0xbfd1675cababa60e, 0xbc2ce63eab883717),
    (0x3fe4f00000000000, 0xbfd136870293a8b0, 0xbc77b66298edd24a),
    (0x3fe4e00000000000, 0xbfd1058bf9ae4ad5, 0xbc589fa0ab4cb31d),
    (0x3fe4d00000000000, 0xbfd0d46b579ab74b, 0xbc603ec81c3cbd92),
    (0x3fe4c00000000000, 0xbfd0a324e27390e3, 0xbc77dcfde8061c03),
    (0x3fe4b00000000000, 0xbfd071b85fcd590d, 0xbc5d1707f97bde80),
    (0x3fe4b00000000000, 0xbfd071b85fcd590d, 0xbc5d1707f97bde80),
    (0x3fe4a00000000000, 0xbfd0402594b4d041, 0x3c628ec217a5022d),
    (0x3fe4900000000000, 0xbfd00e6c45ad501d, 0x3c6cb9568ff6fead),
    (0x3fe4800000000000, 0xbfcfb9186d5e3e2b, 0x3c6caaae64f21acb),
    (0x3fe4700000000000, 0xbfcf550a564b7b37, 0xbc2c5f6dfd018c37),
    (0x3fe4600000000000, 0xbfcef0adcbdc5936, 0xbc648637950dc20d),
    (0x3fe4600000000000, 0xbfcef0adcbdc5936, 0xbc648637950dc20d),
    (0x3fe4500000000000, 0xbfce8c0252aa5a60, 0x3c46e03a39bfc89b),
    (0x3fe4400000000000, 0xbfce27076e2af2e6, 0x3c461578001e0162),
    (0x3fe4300000000000, 0xbfcdc1bca0abec7d, 0xbc6834c51998b6fc),
    (0x3fe4200000000000, 0xbfcd5c216b4fbb91, 0xbc66e443597e4d40),
    (0x3fe4200000000000, 0xbfcd5c216b4fbb91, 0xbc66e443597e4d40),
    (0x3fe4100000000000, 0xbfccf6354e09c5dc, 0xbc6239a07d55b695),
    (0x3fe4000000000000, 0xbfcc8ff7c79a9a22, 0x3c64f689f8434012),
    (0x3fe3f00000000000, 0xbfcc2968558c18c1, 0x3c673dee38a3fb6b),
    (0x3fe3f00000000000, 0xbfcc2968558c18c1, 0x3c673dee38a3fb6b),
    (0x3fe3e00000000000, 0xbfcbc286742d8cd6, 0xbc54fce744870f55),
    (0x3fe3d00000000000, 0xbfcb5b519e8fb5a4, 0xbc6ba27fdc19e1a0),
    (0x3fe3c00000000000, 0xbfcaf3c94e80bff3, 0x3c5398cff3641985),
    (0x3fe3b00000000000, 0xbfca8becfc882f19, 0x3c5e8c37918c39eb),
    (0x3fe3b00000000000, 0xbfca8becfc882f19, 0x3c5e8c37918c39eb),
    (0x3fe3a00000000000, 0xbfca23bc1fe2b563, 0xbc493711b07a998c),
    (0x3fe3900000000000, 0xbfc9bb362e7dfb83, 0xbc6575e31f003e0c),
    (0x3fe3800000000000, 0xbfc9525a9cf456b4, 0xbc6d904c1d4e2e26),
    (0x3fe3800000000000, 0xbfc9525a9cf456b4, 0xbc6d904c1d4e2e26),
    (0x3fe3700000000000, 0xbfc8e928de886d41, 0x3c6569d851a56770),
    (0x3fe3600000000000, 0xbfc87fa06520c911, 0x3c6bf7fdbfa08d9a),
    (0x3fe3500000000000, 0xbfc815c0a14357eb, 0x3c54be48073a0564),
    (0x3fe3500000000000, 0xbfc815c0a14357eb, 0x3c54be48073a0564),
    (0x3fe3400000000000, 0xbfc7ab890210d909, 0xbc4be36b2d6a0608),
    (0x3fe3300000000000, 0xbfc740f8f54037a5, 0x3c5b264062a84cdb),
    (0x3fe3300000000000, 0xbfc740f8f54037a5, 0x3c5b264062a84cdb),
    (0x3fe3200000000000, 0xbfc6d60fe719d21d, 0x3c6caae268ecd179),
    (0x3fe3100000000000, 0xbfc66acd4272ad51, 0x3c50900e4e1ea8b2),
    (0x3fe3000000000000, 0xbfc5ff3070a793d4, 0x3c5bc60efafc6f6e),
    (0x3fe3000000000000, 0xbfc5ff3070a793d4, 0x3c5bc60efafc6f6e),
    (0x3fe2f00000000000, 0xbfc59338d9982086, 0x3c565d22aa8ad7cf),
    (0x3fe2e00000000000, 0xbfc526e5e3a1b438, 0x3c6746ff8a470d3a),
    (0x3fe2e00000000000, 0xbfc526e5e3a1b438, 0x3c6746ff8a470d3a),
    (0x3fe2d00000000000, 0xbfc4ba36f39a55e5, 0xbc668981bcc36756),
    (0x3fe2c00000000000, 0xbfc44d2b6ccb7d1e, 0xbc69f4f6543e1f88),
    (0x3fe2c00000000000, 0xbfc44d2b6ccb7d1e, 0xbc69f4f6543e1f88),
    (0x3fe2b00000000000, 0xbfc3dfc2b0ecc62a, 0x3c5ab3a8e7d81017),
    (0x3fe2a00000000000, 0xbfc371fc201e8f74, 0xbc5de6cb62af18a0),
    (0x3fe2a00000000000, 0xbfc371fc201e8f74, 0xbc5de6cb62af18a0),
    (0x3fe2900000000000, 0xbfc303d718e47fd3, 0x3c06b9c7d96091fa),
    (0x3fe2800000000000, 0xbfc29552f81ff523, 0xbc6301771c407dbf),
    (0x3fe2800000000000, 0xbfc29552f81ff523, 0xbc6301771c407dbf),
    (0x3fe2700000000000, 0xbfc2266f190a5acb, 0xbc6f547bf1809e88),
    (0x3fe2600000000000, 0xbfc1b72ad52f67a0, 0xbc5483023472cd74),
    (0x3fe2600000000000, 0xbfc1b72ad52f67a0, 0xbc5483023472cd74),
    (0x3fe2500000000000, 0xbfc14785846742ac, 0xbc6a28813e3a7f07),
    (0x3fe2400000000000, 0xbfc0d77e7cd08e59, 0xbc69a5dc5e9030ac),
    (0x3fe2400000000000, 0xbfc0d77e7cd08e59, 0xbc69a5dc5e9030ac),
    (0x3fe2300000000000, 0xbfc0671512ca596e, 0xbc550c647eb86499),
    (0x3fe2200000000000, 0xbfbfec9131dbeabb, 0x3c55746b9981b36c),
    (0x3fe2200000000000, 0xbfbfec9131dbeabb, 0x3c55746b9981b36c),
    (0x3fe2100000000000, 0xbfbf0a30c01162a6, 0xbc585f325c5bbacd),
    (0x3fe2000000000000, 0xbfbe27076e2af2e6, 0x3c361578001e0162),
    (0x3fe2000000000000, 0xbfbe27076e2af2e6, 0x3c361578001e0162),
    (0x3fe1f00000000000, 0xbfbd4313d66cb35d, 0xbc5790dd951d90fa),
    (0x3fe1e00000000000, 0xbfbc5e548f5bc743, 0xbc35d617ef8161b1),
    (0x3fe1e00000000000, 0xbfbc5e548f5bc743, 0xbc35d617ef8161b1),
    (0x3fe1d00000000000, 0xbfbb78c82bb0eda1, 0xbc20878cf0327e21),
    (0x3fe1d00000000000, 0xbfbb78c82bb0eda1, 0xbc20878cf0327e21),
    (0x3fe1c00000000000, 0xbfba926d3a4ad563, 0xbc5942f48aa70ea9),
    (0x3fe1b00000000000, 0xbfb9ab42462033ad, 0x3c42099e1c184e8e),
    (0x3fe1b00000000000, 0xbfb9ab42462033ad, 0x3c42099e1c184e8e),
    (0x3fe1a00000000000, 0xbfb8c345d6319b21, 0x3c24a697ab3424a9),
    (0x3fe1a00000000000, 0xbfb8c345d6319b21, 0x3c24a697ab3424a9),
    (0x3fe1900000000000, 0xbfb7da766d7b12cd, 0x3c5eeedfcdd94131),
    (0x3fe1800000000000, 0xbfb6f0d28ae56b4c, 0x3c5906d99184b992),
    (0x3fe1800000000000, 0xbfb6f0d28ae56b4c, 0x3c5906d99184b992),
    (0x3fe1700000000000, 0xbfb60658a93750c4, 0x3c5388458ec21b6a),
    (0x3fe1700000000000, 0xbfb60658a93750c4, 0x3c5388458ec21b6a),
    (0x3fe1600000000000, 0xbfb51b073f06183f, 0xbc5a49e39a1a8be4),
    (0x3fe1500000000000, 0xbfb42edcbea646f0, 0xbc4ddd4f935996c9),
    (0x3fe1500000000000, 0xbfb42edcbea646f0, 0xbc4ddd4f935996c9),
    (0x3fe1400000000000, 0xbfb341d7961bd1d1, 0x3c5b599f227becbb),
    (0x3fe1400000000000, 0xbfb341d7961bd1d1, 0x3c5b599f227becbb),
    (0x3fe1300000000000, 0xbfb253f62f0a1417, 0x3c1c125963fc4cfd),
    (0x3fe1200000000000, 0xbfb16536eea37ae1, 0x3c379da3e8c22cda),
    (0x3fe1200000000000, 0xbfb16536eea37ae1, 0x3c379da3e8c22cda),
    (0x3fe1100000000000, 0xbfb075983598e471, 0xbc480da5333c45b8),
    (0x3fe1100000000000, 0xbfb075983598e471, 0xbc480da5333c45b8),
    (0x3fe1000000000000, 0xbfaf0a30c01162a6, 0xbc485f325c5bbacd),
    (0x3fe1000000000000, 0xbfaf0a30c01162a6, 0xbc485f325c5bbacd),
    (0x3fe0f00000000000, 0xbfad276b8adb0b52, 0xbc21e3c53257fd47),
    (0x3fe0f00000000000, 0xbfad276b8adb0b52, 0xbc21e3c53257fd47),
    (0x3fe0e00000000000, 0xbfab42dd711971bf, 0x3c3eb9759c130499),
    (0x3fe0d00000000000, 0xbfa95c830ec8e3eb, 0xbc4f5a0e80520bf2),
    (0x3fe0d00000000000, 0xbfa95c830ec8e3eb, 0xbc4f5a0e80520bf2),
    (0x3fe0c00000000000, 0xbfa77458f632dcfc, 0xbc418d3ca87b9296),
    (0x3fe0c00000000000, 0xbfa77458f632dcfc, 0xbc418d3ca87b9296),
    (0x3fe0b00000000000, 0xbfa58a5bafc8e4d5, 0x3c4ce55c2b4e2b72),
    (0x3fe0b00000000000, 0xbfa58a5bafc8e4d5, 0x3c4ce55c2b4e2b72),
    (0x3fe0a00000000000, 0xbfa39e87b9febd60, 0x3c45bfa937f551bb),
    (0x3fe0a00000000000, 0xbfa39e87b9febd60, 0x3c45bfa937f551bb),
    (0x3fe0900000000000, 0xbfa1b0d98923d980, 0x3c3e9ae889bac481),
    (0x3fe0900000000000, 0xbfa1b0d98923d980, 0x3c3e9ae889bac481),
    (0x3fe0800000000000, 0xbf9f829b0e783300, 0xbc333e3f04f1ef23),
    (0x3fe0700000000000, 0xbf9b9fc027af9198, 0x3bf0ae69229dc868),
    (0x3fe0700000000000, 0xbf9b9fc027af9198, 0x3bf0ae69229dc868),
    (0x3fe0600000000000, 0xbf97b91b07d5b11b, 0x3c35b602ace3a510),
    (0x3fe0600000000000, 0xbf97b91b07d5b11b, 0x3c35b602ace3a510),
    (0x3fe0500000000000, 0xbf93cea44346a575, 0x3c10cb5a902b3a1c),
    (0x3fe0500000000000, 0xbf93cea44346a575, 0x3c10cb5a902b3a1c),
    (0x3fe0400000000000, 0xbf8fc0a8b0fc03e4, 0x3c183092c59642a1),
    (0x3fe0400000000000, 0xbf8fc0a8b0fc03e4, 0x3c183092c59642a1),
    (0x3fe0300000000000, 0xbf87dc475f810a77, 0x3c116d7687d3df21),
    (0x3fe0300000000000, 0xbf87dc475f810a77, 0x3c116d7687d3df21),
    (0x3fe0200000000000, 0xbf7fe02a6b106789, 0x3bce44b7e3711ebf),
    (0x3fe0200000000000, 0xbf7fe02a6b106789, 0x3bce44b7e3711ebf),
    (0x3fe0100000000000, 0xbf6ff00aa2b10bc0, 0xbc02821ad5a6d353),
    (0x3fe0100000000000, 0xbf6ff00aa2b10bc0, 0xbc02821ad5a6d353),
    (0x3fe0000000000000, 0x0000000000000000, 0x0000000000000000),
];

/// `x * 2^e` for any `e` a scale by it can need here (`|e| <= 2044`), exact when the result
/// is normal: in two steps when `2^e` is not a normal double (multiplying the two factors
/// first would overflow, as 2^1074 for the smallest subnormal did).
fn mul_pow2(x: f64, e: i32) -> f64 {
    if e > 1023 {
        x * pow2(1023) * pow2(e - 1023)
    } else if e < -1022 {
        x * pow2(-1022) * pow2(e + 1022)
    } else {
        x * pow2(e)
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

    /// xorshift64*: deterministic inputs without a dependency.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }

        /// Uniform in `[a, b)`.
        fn uniform(&mut self, a: f64, b: f64) -> f64 {
            a + (b - a) * ((self.next() >> 11) as f64 * f64::EPSILON / 2.0)
        }

        /// Magnitude uniform over the bit patterns below `max` (so spread over every
        /// binade down to subnormals), random sign.
        fn tiny(&mut self, max: f64) -> f64 {
            let mag = f64::from_bits(self.next() % max.to_bits());
            if self.next() & 1 == 0 {
                mag
            } else {
                -mag
            }
        }
    }

    /// Inputs for the fast path's checks: random ones where models live and over the whole
    /// range, any bit pattern, points at and next to `n ln2/128` and to the rounding
    /// boundaries of `n` in between, and the vectors. `scale` is the number of random inputs
    /// of each kind (the boundary points are a fixed share of it).
    fn exp_inputs(scale: usize, mut each: impl FnMut(f64)) {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
        for _ in 0..scale {
            each(rng.uniform(-745.2, 709.8));
            each(rng.uniform(-40.0, 40.0));
            each(rng.uniform(-1.0, 1.0));
            each(rng.tiny(1e-10));
            each(f64::from_bits(rng.next()));
        }
        // Every n in range when scale is large, evenly spread ones otherwise.
        let n_max = (EXP_FAST_LIMIT * EXP_N_BY_LN2) as i64 + 2;
        let step = (n_max * 2 * 14 / scale as i64).max(1) as usize;
        for n in (-n_max..=n_max).step_by(step) {
            for half in [0.0, 0.5] {
                let nf = n as f64 + half;
                let x = nf * EXP_LN2_BY_N_HEAD + nf * EXP_LN2_BY_N_TAIL;
                for k in -3i64..=3 {
                    each(f64::from_bits(x.to_bits().wrapping_add_signed(k)));
                }
            }
        }
        for (x, _, _) in vectors() {
            each(x);
        }
    }

    /// Random inputs of each kind: millions in release builds, fewer in debug ones.
    fn exp_scale() -> usize {
        if cfg!(debug_assertions) {
            200_000
        } else {
            2_000_000
        }
    }

    #[test]
    fn exp_fast_path_equals_the_exact_routine() {
        let (mut total, mut fast_range, mut fallbacks) = (0u64, 0u64, 0u64);
        exp_inputs(exp_scale(), |x| {
            total += 1;
            let exact = exp_exact(x);
            assert_eq!(exp(x).to_bits(), exact.to_bits(), "exp({x:e})");
            match exp_fast(x) {
                Some(y) => assert_eq!(y.to_bits(), exact.to_bits(), "exp_fast({x:e})"),
                None if x.abs() <= EXP_FAST_LIMIT => fallbacks += 1,
                None => return,
            }
            fast_range += 1;
        });
        std::println!(
            "{total} inputs, {fast_range} in the fast range, {fallbacks} fell back ({:.4}%)",
            fallbacks as f64 * 100.0 / fast_range as f64
        );
        assert!(total > 200_000);
        assert!(
            fallbacks * 1000 < fast_range,
            "the fast path falls back too often"
        );
    }

    #[test]
    fn exp_fast_estimate_is_within_its_error_bound() {
        let mut worst: f64 = 0.0;
        exp_inputs(exp_scale() / 4, |x| {
            if x.is_nan() || x.abs() > EXP_FAST_LIMIT {
                return;
            }
            let (m, y) = exp_fast_estimate(x).unwrap();
            let (k, want) = exp_parts(Dd { hi: x, lo: 0.0 });
            // Both are e^x over a power of two; bring y to want's (m - k is -1, 0 or 1).
            let s = pow2(m - k);
            let diff = dd_add(
                Dd {
                    hi: y.hi * s,
                    lo: y.lo * s,
                },
                Dd {
                    hi: -want.hi,
                    lo: -want.lo,
                },
            );
            worst = worst.max(((diff.hi + diff.lo) / want.hi).abs());
        });
        std::println!("largest relative error 2^{:.2}", libm::log2(worst));
        // The bound claimed in exp_fast's comments.
        assert!(worst < libm::exp2(-68.3), "2^{}", libm::log2(worst));
    }

    /// Inputs for the fast log's checks: any positive bit pattern, probabilities, values
    /// near 1 and next to it, and the first and last doubles of every table slice (and their
    /// neighbours) in a few binades. `scale` as in [`exp_inputs`].
    fn log_inputs(scale: usize, mut each: impl FnMut(f64)) {
        let mut rng = Rng(0x3c6e_f372_fe94_f82b);
        for _ in 0..scale {
            each(f64::from_bits(rng.next() >> 1));
            each(rng.uniform(0.0, 1.0));
            each(rng.uniform(0.0, 2.0));
            each(1.0 + rng.tiny(1e-6));
            each(libm::exp2(rng.uniform(-1074.0, 1024.0)));
        }
        for k in 0..2000u64 {
            each(f64::from_bits(1f64.to_bits() + k));
            each(f64::from_bits(1f64.to_bits() - k));
        }
        let exponents = (scale / 2000).clamp(4, 2046) as u64;
        for e in (1..2047).step_by((2046 / exponents) as usize) {
            for slice in 0..=256u64 {
                let edge = (e << 52) + (slice << 44);
                for k in -3i64..=3 {
                    each(f64::from_bits(edge.wrapping_add_signed(k)));
                }
            }
        }
    }

    #[test]
    fn log_fast_path_equals_the_exact_routine() {
        let (mut total, mut fast_range, mut fallbacks) = (0u64, 0u64, 0u64);
        log_inputs(exp_scale(), |x| {
            total += 1;
            let exact = log_exact(x);
            assert_eq!(log(x).to_bits(), exact.to_bits(), "log({x:e})");
            match log_fast(x) {
                Some(y) => assert_eq!(y.to_bits(), exact.to_bits(), "log_fast({x:e})"),
                None if x.is_normal() && x > 0.0 => fallbacks += 1,
                None => return,
            }
            fast_range += 1;
        });
        std::println!(
            "{total} inputs, {fast_range} in the fast range, {fallbacks} fell back ({:.4}%)",
            fallbacks as f64 * 100.0 / fast_range as f64
        );
        assert!(total > 200_000);
        assert!(
            fallbacks * 1000 < fast_range,
            "the fast path falls back too often"
        );
    }

    #[test]
    fn log_fast_estimate_is_within_its_error_bound() {
        let mut worst: f64 = 0.0;
        log_inputs(exp_scale() / 4, |x| {
            if !x.is_normal() || x < 0.0 || x == 1.0 {
                return;
            }
            let y = log_fast_estimate(x).unwrap();
            let want = log_dd(x);
            let diff = dd_add(
                y,
                Dd {
                    hi: -want.hi,
                    lo: -want.lo,
                },
            );
            worst = worst.max(((diff.hi + diff.lo) / want.hi).abs());
        });
        std::println!("largest relative error 2^{:.2}", libm::log2(worst));
        // The bound claimed in log_fast_estimate's comments.
        assert!(worst < libm::exp2(-68.1), "2^{}", libm::log2(worst));
    }

    #[test]
    fn log_edges() {
        assert_eq!(log(1.0).to_bits(), 0);
        assert_eq!(log(0.0), f64::NEG_INFINITY);
        assert_eq!(log(-0.0), f64::NEG_INFINITY);
        assert!(log(-1.0).is_nan());
        assert!(log(f64::NAN).is_nan());
        assert_eq!(log(f64::INFINITY), f64::INFINITY);
        assert_eq!(log(core::f64::consts::E), 1.0);
        assert_eq!(log(2.0), core::f64::consts::LN_2);
        assert_eq!(log(10.0), core::f64::consts::LN_10);
        assert_eq!(log(f64::MAX), 709.782_712_893_384);
        assert_eq!(log(f64::MIN_POSITIVE), -708.396_418_532_264_1);
        assert_eq!(log(5e-324), -744.440_071_921_381_2, "subnormal");
        assert_eq!(log(1e-310), -713.801_378_828_154_2);
        assert_eq!(pow(5e-324, 0.5), 2.222_758_749_485_077_5e-162);
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
        // A cube JDK 17's `Math.pow` rounds the other way (0x1.17d1d11c6a91p3; the exact
        // value is 0.50016 ulp above the one below): the golden GAM row that differs.
        let x = f64::from_bits(0x4000_7b4a_2339_c0ec);
        assert_eq!(pow(x, 3.0).to_bits(), 0x4021_7d1d_11c6_a90f);
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
