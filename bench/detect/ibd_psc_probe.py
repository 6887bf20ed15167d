#!/usr/bin/python3
"""IBD-PSC probe (Hou et al., ICML 2024): an experiment, not a detector.

Amplifies the scale and shift of the last 1..L BatchNormalization nodes of a
fixture's model by 1.5 and 3 (numpy evaluator, tests/fixtures/mgfixtures/
onnxeval.py), and scores each row by minus the mean cross-entropy of its
clean prediction over the amplified models (log-domain, so confident rows do
not tie at p = 1). Prints how the target class's clean reference rows, the
poisoned training rows and a sample of clean training rows score: what a
plugin would calibrate on. Needs an assembled fixture directory (assemble.py)
and a model with BatchNormalization nodes. Slow (minutes): numpy convolutions.

    bench/detect/ibd_psc_probe.py FX_DIR badnets-bn32-p1
"""
import copy
import glob
import json
import os
import sys

import numpy as np
import onnx
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures"))
from mgfixtures import onnxeval  # noqa: E402


def main():
    fxdir, fx = sys.argv[1], sys.argv[2]
    pkg = os.path.join(fxdir, fx)
    desc = json.load(open(os.path.join(pkg, "modelgate.json")))
    mean = float(np.ravel(desc["input"].get("mean", 0.0))[0])
    std = float(np.ravel(desc["input"].get("std", 1.0))[0])
    model = onnx.load(os.path.join(pkg, "model.onnx"))

    def find(name):
        return glob.glob(os.path.join(pkg, "**", name), recursive=True)[0]

    tr = np.load(find("train-images.npy"), mmap_mode="r")
    ty = np.load(find("train-labels.npy"))
    rf = np.load(find("reference-images.npy")).astype(np.float32).reshape(-1, 1, 28, 28) / 255
    ry = np.load(find("reference-labels.npy"))
    truth = json.load(open(os.path.join(fxdir, fx + ".truth.json")))
    pois = np.array(truth["poisoned_rows"])
    clean = np.random.default_rng(0).choice(np.setdiff1d(np.arange(len(ty)), pois), 400,
                                            replace=False)
    sets = {
        "reference": rf,
        "poisoned": np.asarray(tr[pois]).astype(np.float32).reshape(-1, 1, 28, 28) / 255,
        "clean-train": np.asarray(tr[clean]).astype(np.float32).reshape(-1, 1, 28, 28) / 255,
    }
    bns = [n for n in model.graph.node if n.op_type == "BatchNormalization"]
    if not bns:
        sys.exit("%s: no BatchNormalization node" % fx)

    def amplified(last, w):
        m = copy.deepcopy(model)
        inits = {t.name: t for t in m.graph.initializer}
        for n in bns[len(bns) - last:]:
            for name in (n.input[1], n.input[2]):
                a = numpy_helper.to_array(inits[name]) * w
                inits[name].CopyFrom(numpy_helper.from_array(a.astype(np.float32), name))
        return m

    def logits(m, x):
        return np.concatenate([onnxeval.run(m, (x[i:i + 200] - mean) / std)
                               for i in range(0, len(x), 200)]).astype(np.float64)

    def loss(z, c):
        """-log softmax(z)[c], log1p-exact when c is the arg max."""
        mx = z.max(1, keepdims=True)
        r = np.exp(z - mx)
        r[np.arange(len(z)), c] = 0
        own = z[np.arange(len(z)), c] - mx[:, 0]
        return np.where(own >= 0, np.log1p(r.sum(1)), -own + np.log(np.exp(own) + r.sum(1)))

    pred = {k: logits(model, v).argmax(1) for k, v in sets.items()}
    variants = [(last, w) for last in range(1, len(bns) + 1) for w in (1.5, 3.0)]
    score = {k: np.zeros(len(v)) for k, v in sets.items()}
    for last, w in variants:
        m = amplified(last, w)
        for k, v in sets.items():
            z = logits(m, v)
            kept = (z.argmax(1) == pred[k]).mean()
            score[k] -= loss(z, pred[k]) / len(variants)
            print("last %d BN x%.1f  %-11s prediction kept %.3f" % (last, w, k, kept), flush=True)
    t = truth["target_class"]
    ref_t = score["reference"][ry == t]
    cut = np.quantile(ref_t, 0.95)
    g = np.quantile(score["reference"], 0.99)
    print("target %d: %d of %d poisoned rows above the class's clean 95%% quantile"
          % (t, (score["poisoned"] > cut).sum(), len(pois)))
    print("per-row threshold (clean 99%% quantile): poisoned above %.3f, clean training rows %.3f"
          % ((score["poisoned"] > g).mean(), (score["clean-train"] > g).mean()))


if __name__ == "__main__":
    main()
