#!/usr/bin/python3
"""safetensors fixtures, written byte by byte from the format's
specification (huggingface/safetensors docs: 8-byte little-endian header
length, JSON header, data section) with NumPy arrays, as the reference
serializer lays them out: tensors sorted by alignment then name, header
padded with spaces to a multiple of 8.

usage: gen_safetensors.py OUT"""
import json
import struct
import sys

import numpy as np

from fixture_util import Manifest

DT = {np.float32: "F32", np.float16: "F16", np.int64: "I64", np.int8: "I8", np.uint8: "U8",
      np.float64: "F64", np.int32: "I32", np.bool_: "BOOL"}


def layout(tensors, metadata=None):
    """Reference layout: (header dict, data bytes)."""
    order = sorted(tensors, key=lambda kv: (-kv[1].dtype.itemsize, kv[0]))
    header, data = {}, b""
    if metadata is not None:
        header["__metadata__"] = metadata
    for name, a in order:
        b = np.ascontiguousarray(a).tobytes()
        header[name] = {"dtype": DT[a.dtype.type], "shape": list(a.shape),
                        "data_offsets": [len(data), len(data) + len(b)]}
        data += b
    return header, data


def pack(header, data, raw_header=None, length=None):
    h = raw_header if raw_header is not None else json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    return struct.pack("<Q", len(h) if length is None else length) + h + data


def main():
    m = Manifest(sys.argv[1], "safetensors")
    rng = np.random.default_rng(16)
    emb = rng.standard_normal((32, 8)).astype(np.float32)
    w = rng.standard_normal((8, 4)).astype(np.float16)
    ids = np.arange(5, dtype=np.int64)
    mask = np.array([True, False, True])
    # Benign.
    h, d = layout([("embed.weight", emb), ("fc.weight", w), ("pos_ids", ids), ("mask", mask)],
                  {"format": "pt"})
    m.add("benign", "model.safetensors", pack(h, d), why="four dtypes, metadata")
    h, d = layout([("scalar", np.array(3.5, dtype=np.float64)),
                   ("empty", np.zeros((0, 4), dtype=np.float32)), ("b", np.ones(3, np.uint8))])
    m.add("benign", "scalar-and-empty.safetensors", pack(h, d), why="0-d and zero-size tensors")
    m.add("benign", "no-tensors.safetensors", pack({}, b""), why="only an empty header")
    h, d = layout([("x", emb)])
    m.add("benign", "weights.bin.st", pack(h, d), why="recognised by magic, odd name")

    # Malicious: bytes that belong to no tensor (payload space), overlaps,
    # keys one JSON reader keeps and another drops.
    pickle_payload = b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x8c\x06system\x93\x8c\x02id\x85R."
    h, d = layout([("w", emb)])
    m.add("malicious", "trailing-payload.safetensors", pack(h, d + pickle_payload),
          ["trailing-bytes"], "a pickle after the last tensor")
    h = {"a": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]},
         "b": {"dtype": "F32", "shape": [4], "data_offsets": [16 + 64, 16 + 64 + 16]}}
    m.add("malicious", "gap-payload.safetensors",
          pack(h, emb.tobytes()[:16] + pickle_payload.ljust(64, b"\0") + emb.tobytes()[:16]),
          ["gap"], "64 bytes between two tensors")
    h = {"a": {"dtype": "F32", "shape": [8], "data_offsets": [0, 32]},
         "b": {"dtype": "F32", "shape": [4], "data_offsets": [16, 32]}}
    m.add("malicious", "overlap.safetensors", pack(h, emb.tobytes()[:32]), ["overlap"],
          "two tensors over the same bytes")
    raw = (b'{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},'
           b'"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}')
    m.add("malicious", "duplicate-key.safetensors", pack(None, emb.tobytes()[:8], raw_header=raw),
          ["duplicate-key"], "a tensor named twice")
    h, d = layout([("w", emb)], {"format": "pt", "cfg": {"__class__": "os.system"}})
    m.add("malicious", "metadata-object.safetensors", pack(h, d), ["metadata"],
          "__metadata__ holding an object")

    # Malformed.
    h, d = layout([("w", emb)])
    m.add("malformed", "length-past-end.safetensors", pack(h, d, length=1 << 40),
          ["header-length"], "header length past the end")
    m.add("malformed", "tiny.safetensors", b"\x05\x00\x00", ["header-length"], "3 bytes")
    m.add("malformed", "length-huge.safetensors", pack(h, d, length=(1 << 64) - 1),
          ["header-length"], "header length 2^64-1")
    good = json.dumps(h).encode()
    m.add("malformed", "json-cut.safetensors", pack(None, d, raw_header=good[:len(good) // 2]),
          ["header-json"], "JSON cut in half")
    m.add("malformed", "json-array.safetensors", pack(None, b"", raw_header=b"[1,2]"),
          ["header-json"], "header is an array")
    bad = {"w": {"dtype": "F33", "shape": [32, 8], "data_offsets": [0, len(d)]}}
    m.add("malformed", "bad-dtype.safetensors", pack(bad, d), ["dtype"], "unknown dtype")
    bad = {"w": {"dtype": "F32", "shape": [32, 9], "data_offsets": [0, len(d)]}}
    m.add("malformed", "shape-mismatch.safetensors", pack(bad, d), ["size-mismatch"],
          "shape x dtype != extent")
    bad = {"w": {"dtype": "F32", "shape": [-32, -8], "data_offsets": [0, len(d)]}}
    m.add("malformed", "negative-dim.safetensors", pack(bad, d), ["shape"], "negative dimensions")
    bad = {"w": {"dtype": "F32", "shape": [1 << 40, 1 << 40], "data_offsets": [0, len(d)]}}
    m.add("malformed", "overflow.safetensors", pack(bad, d), ["shape"], "element count overflow")
    bad = {"w": {"dtype": "F32", "shape": [32, 8], "data_offsets": [0, len(d) + 4096]}}
    m.add("malformed", "out-of-range.safetensors", pack(bad, d), ["out-of-range"],
          "offsets past the end")
    bad = {"w": {"dtype": "F32", "shape": [32, 8], "data_offsets": [len(d), 0]}}
    m.add("malformed", "reversed.safetensors", pack(bad, d), ["out-of-range"], "begin > end")
    bad = {"w": {"dtype": "F32", "shape": [32, 8]}}
    m.add("malformed", "missing-offsets.safetensors", pack(bad, d), ["tensor-entry"],
          "no data_offsets")
    m.write()


if __name__ == "__main__":
    main()
