#!/usr/bin/env python3
"""Golden fixture for a MOJO of more than 65,535 files, which H2O writes as a zip64 archive.

Run from anywhere, after (or without) generate.py:   python3 testdata/generate_zip64.py

A tree model's MOJO holds two files a tree (`trees/tCC_GGG.bin` and its `_aux.bin`), one tree
per class and iteration, so a 12-class GBM of 2,750 iterations writes 66,000 tree files. Java's
`ZipOutputStream`, which H2O's MOJO writer uses, then writes the end-of-central-directory
record's entry counts as 0xFFFF and the real count in a zip64 record before it (APPNOTE
4.3.14), which genmodel's `ZipFile` reads. The trees are stumps (depth 1) to keep the archive
small (about 10 MB). As generate_encodings.py does (whose runner it shares), it scores the
committed inputs into expected/ and replaces its rows in manifest.tsv and its section of
README.md; `--rescore` scores the committed model again without training.
"""
import os
import struct
import sys

from h2o.estimators import H2OGradientBoostingEstimator as GBM

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import generate as G  # noqa: E402
import generate_encodings as E  # noqa: E402

H2O_PORT = 54427
SECTION = "## More than 65,535 files: a zip64 MOJO (generate_zip64.py)"
S = E.S

SPECS = [
    S("gbm_zip64_multi", GBM, "multi", ["c1", "c2", "x1", "x2", "x3", "x4"], "y12",
      "12 classes x 2,750 stumps: 66,000 tree files, a zip64 archive",
      ntrees=2750, max_depth=1, learn_rate=0.01, stopping_rounds=0, seed=81),
]


def modes_for(spec, info):
    # Leaf assignments would be 33,000 columns a row; multinomial contributions genmodel refuses.
    return ["predict", "invalid_na"]


def zip64_entries(path):
    """The entry count of the zip64 end-of-central-directory record, or None without one."""
    with open(path, "rb") as f:
        data = f.read()
    eocd = data.rfind(b"PK\x05\x06")
    locator = eocd - 20
    if locator < 0 or data[locator:locator + 4] != b"PK\x06\x07":
        return None
    (record,) = struct.unpack_from("<Q", data, locator + 8)
    if data[record:record + 4] != b"PK\x06\x06":
        return None
    (total,) = struct.unpack_from("<Q", data, record + 32)
    return total


def main():
    intro = ("Made by `generate_zip64.py` (same H2O, datasets and inputs as above): a MOJO of more than "
             "65,535 files, which Java's `ZipOutputStream` (H2O's MOJO writer) writes as a zip64 archive: "
             "its end-of-central-directory record counts 0xFFFF entries and a zip64 record before it holds "
             "the real count.")

    def cells(s, rows):
        entries = zip64_entries(G.p("models", s["name"] + ".zip"))
        return ["`%s`" % s["name"], "%s (zip64 record)" % format(entries, ",") if entries else "no zip64 record",
                rows[0][4] if rows else "-", ", ".join(r[5] for r in rows) or "-", s["desc"]]

    E.run_extra(SPECS, [G.make_multi()], SECTION, intro, H2O_PORT, modes_for,
                ["model", "entries", "input", "modes", "description"], cells)
    entries = zip64_entries(G.p("models", SPECS[0]["name"] + ".zip"))
    if not entries or entries <= 0xFFFF:
        sys.exit("expected a zip64 archive of more than 65,535 entries, got %r" % entries)


if __name__ == "__main__":
    main()
