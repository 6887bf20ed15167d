#!/usr/bin/python3
"""Reference logits of a BatchNorm CNN with the scale and shift of its last
k BatchNormalization layers multiplied by a factor (IBD-PSC's amplified
models), computed by the numpy evaluator tests/fixtures/mgfixtures/
onnxeval.py on an edited copy of the ONNX file, for tests/runtime/
test_torch.c (run with Debian's python3, which has numpy and onnx):

  make_bn_amplified.py tests/fixtures/models/clean-bncnn.onnx tests/runtime/bn-amplified

Writes rows_x.npy (8 seeded rows) and logits_k<K>_f<F>.npy for each variant
in VARIANTS (k = 0: the model as loaded).
"""
import copy
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "fixtures"))
from mgfixtures import onnxeval  # noqa: E402

VARIANTS = [(0, 1.0), (1, 3.0), (2, 1.5), (3, 0.5)]


def amplified(model, last, factor):
    m = copy.deepcopy(model)
    inits = {t.name: t for t in m.graph.initializer}
    bns = [n for n in m.graph.node if n.op_type == "BatchNormalization"]
    for n in bns[len(bns) - last:] if last else []:
        for name in (n.input[1], n.input[2]):  # scale (gamma) and B (beta)
            a = numpy_helper.to_array(inits[name]).astype(np.float64) * factor
            inits[name].CopyFrom(numpy_helper.from_array(a.astype(np.float32), name))
    return m


def main():
    model = onnx.load(sys.argv[1])
    out = sys.argv[2]
    os.makedirs(out, exist_ok=True)
    x = np.random.default_rng(12).normal(0, 1, (8, 1, 28, 28)).astype(np.float32)
    np.save(os.path.join(out, "rows_x.npy"), x)
    for last, factor in VARIANTS:
        z = onnxeval.run(amplified(model, last, factor), x).astype(np.float32)
        np.save(os.path.join(out, "logits_k%d_f%g.npy" % (last, factor)), z)
        print(last, factor, z.argmax(1))


if __name__ == "__main__":
    main()
