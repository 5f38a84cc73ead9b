#!/usr/bin/env python3
"""Constants for the fast paths of the core's exp and log (core/src/model/math.rs), with the
facts their error bounds rely on checked here.

exp: 2^(j/128) for j = 0..127 as double-doubles; ln2/128 split into a 35-bit head and a tail.
log: for each of 256 slices of the mantissa z in [1, 2), a 9-bit c with z*c near 1 and
-ln(c) as a double-double (slices from sqrt(2) up take z/2, so c stands for 2c there).

Run from anywhere: python3 table.py  (prints Rust source to paste into math.rs)."""
import decimal, math, struct
from fractions import Fraction

decimal.getcontext().prec = 60
D = decimal.Decimal
bits = lambda x: struct.unpack("<Q", struct.pack("<d", x))[0]


def dd(v):
    """hi = the double nearest v, lo = the double nearest v - hi (float(Decimal) rounds
    correctly: it goes through the decimal string)."""
    hi = float(v)
    return hi, float(v - D(hi))


# ---- exp ----
N = 128
print("const EXP_TABLE: [(u64, u64); %d] = [" % N)
for j in range(N):
    hi, lo = dd(D(2) ** (D(j) / N))
    print("    (0x%016x, 0x%016x)," % (bits(hi), bits(lo)))
print("];")

# ln2/N: the head keeps 35 significant bits, so n * head is exact for |n| < 2^18.
ln2_n = D(2).ln() / N
e = math.frexp(float(ln2_n))[1]  # ln2_n = f * 2^e with 0.5 <= f < 1
quantum = D(2) ** (e - 35)
head = float((ln2_n / quantum).to_integral_value(decimal.ROUND_HALF_EVEN) * quantum)
tail = float(ln2_n - D(head))
print("const EXP_LN2_BY_N_HEAD: f64 = f64::from_bits(0x%016x);" % bits(head))
print("const EXP_LN2_BY_N_TAIL: f64 = f64::from_bits(0x%016x);" % bits(tail))
print("const EXP_N_BY_LN2: f64 = f64::from_bits(0x%016x);" % bits(float(N / D(2).ln())))

# ---- log ----
SLICES, HALF_FROM = 256, 106  # 1 + 106/256 = 1.4140625, just below sqrt(2)
assert 1 + Fraction(HALF_FROM, SLICES) < 2 ** 0.5 < 1 + Fraction(HALF_FROM + 1, SLICES)
worst_u, worst_ratio, worst_trivial = Fraction(0), 0.0, Fraction(0)
print("const LOG_TABLE: [(u64, u64, u64); %d] = [" % SLICES)
for i in range(SLICES):
    # The first and last double of the slice.
    lo_z, hi_z = 1 + Fraction(i, SLICES), 1 + Fraction(i + 1, SLICES) - Fraction(1, 2**52)
    halved = i >= HALF_FROM
    # c = m / 512, 9 bits at most (z c near 1 keeps m below 512, but for c = 1).
    den = 512
    max_u = lambda m: max(abs(lo_z * Fraction(m, den) - 1), abs(hi_z * Fraction(m, den) - 1))
    if i == 0 or i == SLICES - 1:
        m = den // 2 if halved else den  # c_eff = 1: u = z_eff - 1 exactly, -ln c_eff = 0
    else:
        mid = (lo_z + hi_z) / 2
        m = min([math.floor(den / mid), math.ceil(den / mid)], key=max_u)
    c = Fraction(m, den)
    assert m.bit_length() <= 9 or m == den, (i, m)
    # u = z c - 1 is a multiple of 2^-61 (z: 2^-52, c: 2^-9); up to 2^-8 it is a double.
    u = max_u(m)
    assert u <= Fraction(1, 256), (i, float(u))
    worst_u = max(worst_u, u)
    c_eff = 2 * c if halved else c
    neg_log_c = -D(c_eff.numerator).ln() + D(c_eff.denominator).ln()
    t_hi, t_lo = dd(neg_log_c)
    if c_eff == 1:
        assert t_hi == 0.0 and t_lo == 0.0
        worst_trivial = max(worst_trivial, u)
    else:
        # The smallest |ln z_eff| on the slice (e = 0), against the largest |u|^3/3.
        z_eff = [v / 2 if halved else v for v in (lo_z, hi_z)]
        smallest = min(abs(math.log(float(v))) for v in z_eff)
        worst_ratio = max(worst_ratio, float(u) ** 3 / 3 / smallest)
    print("    (0x%016x, 0x%016x, 0x%016x)," % (bits(float(c)), bits(t_hi), bits(t_lo)))
print("];")
print("// |u| <= 2^%.3f; on c = 1 slices |u| <= 2^%.3f; elsewhere |u|^3/3 <= 2^%.2f |ln z|"
      % (math.log2(worst_u), math.log2(worst_trivial), math.log2(worst_ratio)))
