#!/usr/bin/python3
"""Writes the small seed corpora for tests/fuzz/fuzz_npy, fuzz_idx and
fuzz_dataset: tests/fuzz/corpus/npy/ and tests/fuzz/corpus/idx/.
Usage: make_fuzz_seeds.py TOP_SRCDIR (crash inputs kept there as
regression seeds are named crash-* and are not touched)."""
import gzip
import io
import lzma
import os
import struct
import sys

import numpy as np


def npy(a, version=(1, 0)):
    b = io.BytesIO()
    np.lib.format.write_array(b, a, version=version, allow_pickle=False)
    return b.getvalue()


def idx(a, code):
    dt = {0x08: ">u1", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    return bytes([0, 0, code, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape) + \
        a.astype(dt).tobytes()


def main():
    top = sys.argv[1]
    nd = os.path.join(top, "tests/fuzz/corpus/npy")
    xd = os.path.join(top, "tests/fuzz/corpus/idx")
    os.makedirs(nd, exist_ok=True)
    os.makedirs(xd, exist_ok=True)
    a = np.arange(2 * 3 * 2).reshape(2, 3, 2)
    seeds = {
        "v1_u1": npy(a.astype("|u1")),
        "v1_i4_4d": npy(a.reshape(2, 1, 3, 2).astype("<i4")),
        "v1_i8be": npy(a.astype(">i8")),
        "v2_f4": npy(a.astype("<f4"), (2, 0)),
        "v3_f8be": npy(a.astype(">f8"), (3, 0)),
        "labels_u1": npy(np.array([0, 1, 2], dtype="|u1")),
        "labels_f4": npy(np.array([0, 1, 2], dtype="<f4")),
        "scalar": npy(np.array(1.5, dtype="<f8")),
        "v1_u1_gz": gzip.compress(npy(a.astype("|u1"))),
        "v1_f4_xz": lzma.compress(npy(a.astype("<f4"))),
    }
    for name, data in seeds.items():
        open(os.path.join(nd, name), "wb").write(data)
    seeds = {
        "u1": idx(a.astype(np.uint8), 0x08),
        "i4": idx(a, 0x0C),
        "f4_4d": idx(a.reshape(2, 1, 3, 2), 0x0D),
        "f8": idx(a, 0x0E),
        "labels": idx(np.array([0, 1, 9], dtype=np.uint8), 0x08),
        "u1_gz": gzip.compress(idx(a.astype(np.uint8), 0x08)),
    }
    for name, data in seeds.items():
        open(os.path.join(xd, name), "wb").write(data)


if __name__ == "__main__":
    main()
