#!/usr/bin/env python3
"""How PredictCsv's CSV reader (opencsv 2.3, inside h2o-genmodel.jar) splits short inputs.

Run from anywhere:   python3 testdata/generate_opencsv_cases.py

Writes csv/opencsv_cases.jsonl: 2,000 random inputs of 1 to 14 characters over the ones
CSV parsing turns on (`a`, `b`, space, `,`, `"`, backslash, CR, LF), each with the records
opencsv's CSVReader reads from it (PredictCsv's reader, comma separated, run from the jar
through generate.py's CsvDump). The serve crate's tests check against them that every
input opencsv splits otherwise than serve's RFC 4180 reader is one
`serve::csv::opencsv_difference` flags or the reader refuses. Needs the jar and a JDK.
"""
import json
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402

N = 2000
ALPHABET = ["a", "a", "b", " ", ",", ",", '"', "\\", "\r", "\n"]


def main():
    rng = random.Random(7)
    cases = ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, 14))) for _ in range(N)]
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        for i, text in enumerate(cases):
            path = os.path.join(tmp, "%d.csv" % i)
            with open(path, "w", newline="", encoding="utf-8") as f:
                f.write(text)
            files.append(path)
        src = os.path.join(tmp, "CsvDump.java")
        with open(src, "w") as f:
            f.write(G.CSVDUMP_JAVA)
        subprocess.run(["java", "-cp", G.JAR, src] + files, check=True)
        out = G.p("csv", "opencsv_cases.jsonl")
        with open(out, "w", encoding="utf-8") as f:
            for text, path in zip(cases, files):
                with open(path + ".opencsv", encoding="utf-8") as d:
                    records = [r.split("\x1f") for r in d.read().split("\x1e")[:-1]]
                f.write(json.dumps({"input": text, "opencsv": records}) + "\n")
    print("wrote", out)


if __name__ == "__main__":
    main()
