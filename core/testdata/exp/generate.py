#!/usr/bin/env python3
"""Test vectors for the core's exp: inputs, the correctly rounded result (Python decimal at
60 digits), and HotSpot's Math.exp on this machine's JDK (via ExpVectors.java).

Run from this folder: python3 generate.py  (needs python3 and a JDK)."""
import decimal, random, struct, subprocess

decimal.getcontext().prec = 60
bits = lambda x: struct.unpack("<Q", struct.pack("<d", x))[0]
rng = random.Random(20261125)
xs = []
xs += [rng.uniform(-20, 20) for _ in range(3000)]          # logits, link inputs
xs += [rng.uniform(-1, 1) for _ in range(1000)]
xs += [rng.uniform(-708, 709.78) for _ in range(800)]
xs += [rng.uniform(-1e-8, 1e-8) for _ in range(100)]
xs += [0.0, -0.0, 1.0, -1.0, 709.78, -708.39, 0.5, 2.0 ** -30, 700.0, -700.0]
subprocess.run(["javac", "ExpVectors.java"], check=True)
inp = "".join("%x\n" % bits(x) for x in xs)
java = subprocess.run(["java", "-cp", ".", "ExpVectors"], input=inp, capture_output=True, text=True, check=True).stdout.split()
with open("exp.txt", "w") as f:
    f.write("# x  correctly_rounded_exp(x)  hotspot_Math.exp(x)   (hex bit patterns)\n")
    for x, j in zip(xs, java):
        cr = float(decimal.Decimal(x).exp())
        f.write("%x %x %s\n" % (bits(x), bits(cr), j))
