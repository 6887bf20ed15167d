#!/usr/bin/python3
"""Writes the dataset test fixtures into OUTDIR, with numpy's own writer
wherever numpy can produce the file, so the reader is checked against the
real format rather than against our idea of it.

good/  well-formed NPY and IDX files, each with NAME.expect holding the
       values as little-endian float64 (what the C test compares against)
bad/   one file (or pair) per way a vendor file can be broken
Usage: make_fixtures.py OUTDIR
"""
import bz2
import gzip
import lzma
import os
import shutil
import struct
import subprocess
import sys

import numpy as np

N, C, H, W = 7, 2, 3, 5
rng = np.random.default_rng(20240501)


def npy_bytes(a, version):
    import io

    buf = io.BytesIO()
    np.lib.format.write_array(buf, a, version=version, allow_pickle=False)
    return buf.getvalue()


def raw_npy(header, data=b"", version=1, newline=True, pad=True):
    """An NPY file with a hand-written header dict (for the lies numpy
    would never write)."""
    h = header.encode("latin-1") if isinstance(header, str) else header
    pre = 10 if version == 1 else 12
    if pad:
        h += b" " * ((64 - (pre + len(h) + 1) % 64) % 64)
    if newline:
        h += b"\n"
    magic = b"\x93NUMPY" + bytes([version, 0])
    hl = struct.pack("<H", len(h)) if version == 1 else struct.pack("<I", len(h))
    return magic + hl + h + data


def idx_bytes(a, code):
    dt = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}[code]
    hdr = bytes([0, 0, code, a.ndim]) + b"".join(struct.pack(">I", d) for d in a.shape)
    return hdr + a.astype(dt).tobytes()


def put(path, data):
    with open(path, "wb") as f:
        f.write(data)


def values(descr, shape):
    kind = descr[1:]
    if kind == "u1":
        return rng.integers(0, 256, size=shape).astype(np.uint8)
    if kind == "i4":
        return rng.integers(-(2**31), 2**31, size=shape, dtype=np.int64)
    if kind == "i8":
        # float64 holds the expected values exactly below 2**53
        return rng.integers(-(2**52), 2**52, size=shape, dtype=np.int64)
    return rng.normal(0.0, 1000.0, size=shape)


def good(out):
    d = os.path.join(out, "good")
    os.makedirs(d)
    descrs = ["|u1", "<i4", ">i4", "<i8", ">i8", "<f4", ">f4", "<f8", ">f8"]
    for major in (1, 2, 3):
        for i, descr in enumerate(descrs):
            shape = (N, C, H, W) if (i + major) % 2 else (N, H, W)
            a = values(descr, shape).astype(descr)
            name = "v%d_%s" % (major, descr[1:] + ("be" if descr[0] == ">" else ""))
            put(os.path.join(d, name + ".npy"), npy_bytes(a, (major, 0)))
            a.astype("<f8").tofile(os.path.join(d, name + ".expect"))
    # Labels in every accepted dtype; floats must be integral.
    lab = rng.integers(0, 10, size=N)
    lab[3] = 9
    for descr in ["|u1", "<i4", ">i4", "<i8", ">i8", "<f4", ">f8"]:
        name = "labels_%s" % (descr[1:] + ("be" if descr[0] == ">" else ""))
        np.save(os.path.join(d, name + ".npy"), lab.astype(descr))
        lab.astype("<f8").tofile(os.path.join(d, name + ".expect"))
    # IDX, as the MNIST files are written.
    for code, kind in [(0x08, "u1"), (0x0C, "i4"), (0x0D, "f4"), (0x0E, "f8")]:
        shape = (N, H, W) if code != 0x0D else (N, C, H, W)
        a = values("<" + kind, shape)
        if kind in ("f4",):
            a = a.astype(np.float32)
        name = "idx_%s" % kind
        put(os.path.join(d, name + ".idx"), idx_bytes(a, code))
        a.astype("<f8").tofile(os.path.join(d, name + ".expect"))
    put(os.path.join(d, "idx_labels.idx"), idx_bytes(lab.astype(np.uint8), 0x08))
    lab.astype("<f8").tofile(os.path.join(d, "idx_labels.expect"))
    # Compressed copies: detected by content, so the names say nothing.
    for src in ["v1_u1.npy", "v2_f4be.npy", "idx_u1.idx", "labels_u1.npy"]:
        raw = open(os.path.join(d, src), "rb").read()
        base = src.rsplit(".", 1)[0]
        put(os.path.join(d, base + ".gz.data"), gzip.compress(raw))
        put(os.path.join(d, base + ".xz.data"), lzma.compress(raw))
        put(os.path.join(d, base + ".bz2.data"), bz2.compress(raw))
        zstd = shutil.which("zstd")
        if zstd:
            subprocess.run([zstd, "-q", "-f", "-o", os.path.join(d, base + ".zst.data"),
                            os.path.join(d, src)], check=True)
    # A 0-d and a 1-d array for mg_array_load_f32.
    np.save(os.path.join(d, "scalar.npy"), np.array(2.5, dtype="<f8"))
    np.array([2.5]).astype("<f8").tofile(os.path.join(d, "scalar.expect"))


def bad(out):
    d = os.path.join(out, "bad")
    os.makedirs(d)
    img = rng.integers(0, 256, size=(5, 2, 2)).astype(np.uint8)
    ok = npy_bytes(img, (1, 0))
    hdr = "{'descr': '|u1', 'fortran_order': False, 'shape': (5, 2, 2), }"
    data = img.tobytes()

    put(os.path.join(d, "truncated.npy"), ok[:-5])
    put(os.path.join(d, "trailing.npy"), ok + b"xyz")
    # The header length field claims more than the file holds.
    put(os.path.join(d, "header_len.npy"), ok[:8] + struct.pack("<H", 0xFFFF) + ok[10:])
    put(os.path.join(d, "huge_dims.npy"),
        raw_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (%d, %d, %d), }"
                % (2**40, 2**40, 2**40), data))
    put(os.path.join(d, "dim_u64.npy"),
        raw_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 1, 1), }" % 2**64, data))
    put(os.path.join(d, "fortran.npy"), npy_bytes(np.asfortranarray(img.astype("<f4")), (1, 0)))
    obj = np.empty((2, 2, 2), dtype=object)
    np.save(os.path.join(d, "object.npy"), obj, allow_pickle=True)
    f = rng.normal(size=(5, 2, 2)).astype("<f4")
    f[3, 1, 0] = np.nan
    np.save(os.path.join(d, "nan.npy"), f)
    g = rng.normal(size=(5, 2, 2)).astype(">f8")
    g[1, 0, 1] = -np.inf
    np.save(os.path.join(d, "inf.npy"), g)
    g = rng.normal(size=(5, 2, 2)).astype("<f8")
    g[2, 1, 1] = 1e300  # finite, but not as the float32 plugins read
    np.save(os.path.join(d, "huge_f8.npy"), g)
    np.save(os.path.join(d, "images.npy"), img)
    np.save(os.path.join(d, "labels4.npy"), np.arange(4, dtype="<i8"))
    np.save(os.path.join(d, "negative.npy"), np.array([0, 1, -1, 2, 3], dtype="<i4"))
    np.save(os.path.join(d, "big_label.npy"), np.array([0, 1, 2, 2**31, 3], dtype=">i8"))
    np.save(os.path.join(d, "frac_label.npy"), np.array([0, 1.5, 2, 2, 3], dtype="<f4"))
    np.save(os.path.join(d, "labels2d.npy"), np.zeros((5, 1), dtype="|u1"))
    np.save(os.path.join(d, "flat.npy"), np.zeros((5, 4), dtype="|u1"))
    np.save(os.path.join(d, "no_rows.npy"), np.zeros((0, 2, 2), dtype="|u1"))
    put(os.path.join(d, "bad_magic.npy"), b"PK\x03\x04 this is not an array")
    put(os.path.join(d, "empty.npy"), b"")
    # A decompression bomb: a valid header and 64 MiB of zeros, ~64 KiB gzipped.
    bomb = raw_npy("{'descr': '|u1', 'fortran_order': False, 'shape': (%d, 1024, 1024), }" % 64)
    z = gzip.GzipFile(os.path.join(d, "bomb.npy.gz"), "wb", compresslevel=9)
    z.write(bomb)
    zeros = bytes(1 << 20)
    for _ in range(64):
        z.write(zeros)
    z.close()
    gz = gzip.compress(ok)
    put(os.path.join(d, "truncated.npy.gz"), gz[: len(gz) // 2])
    put(os.path.join(d, "garbage.gz"), gzip.compress(b"hello, world: not an array"))
    # Header dicts numpy would never write.
    cases = {
        "dup_key": "{'descr': '|u1', 'descr': '|u1', 'fortran_order': False, 'shape': (5, 2, 2), }",
        "unknown_key": hdr[:-1] + "'extra': 1, }",
        "missing_key": "{'descr': '|u1', 'fortran_order': False, }",
        "junk": hdr + " junk",
        "not_tuple": "{'descr': '|u1', 'fortran_order': False, 'shape': (20), }",
        "list_shape": "{'descr': '|u1', 'fortran_order': False, 'shape': [5, 2, 2], }",
        "negative_dim": "{'descr': '|u1', 'fortran_order': False, 'shape': (-5, 2, 2), }",
        "native_order": "{'descr': '=f4', 'fortran_order': False, 'shape': (5,), }",
        "float16": "{'descr': '<f2', 'fortran_order': False, 'shape': (10,), }",
        "structured": "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (5,), }",
        "fortran_int": "{'descr': '|u1', 'fortran_order': 0, 'shape': (5, 2, 2), }",
        "non_ascii": "{'descr': '|u1', 'fortran_order': False, 'shape': (5, 2, 2), }\u00e9",
    }
    for name, h in cases.items():
        put(os.path.join(d, name + ".npy"), raw_npy(h, data))
    put(os.path.join(d, "no_newline.npy"), raw_npy(hdr + "    ", data, newline=False))
    v4 = bytearray(ok)
    v4[6] = 4
    put(os.path.join(d, "version4.npy"), bytes(v4))
    # IDX
    put(os.path.join(d, "sbyte.idx"), idx_bytes(img.astype(np.int8), 0x09))
    put(os.path.join(d, "short.idx"), idx_bytes(img.astype(np.int16), 0x0B))
    put(os.path.join(d, "type07.idx"), bytes([0, 0, 7, 3]) + idx_bytes(img, 0x08)[4:])
    put(os.path.join(d, "truncated.idx"), idx_bytes(img, 0x08)[:-1])
    put(os.path.join(d, "ndim0.idx"), bytes([0, 0, 8, 0]) + data)
    put(os.path.join(d, "overflow.idx"), bytes([0, 0, 8, 8]) + b"\xff\xff\xff\xff" * 8 + data)


def main():
    out = sys.argv[1]
    good(out)
    bad(out)


if __name__ == "__main__":
    main()
