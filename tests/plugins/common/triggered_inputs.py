#!/usr/bin/python3
"""--inputs rows for the input-level detector tests: N reference images of
an assembled fixture's non-target classes with the fixture's own trigger
stamped on (tests/fixtures/mgfixtures/triggers.py), followed by N clean
ones of those classes, as uint8 N x 1 x 28 x 28 NPY.

usage: triggered_inputs.py FIXTURES_SRC PACKAGE_DIR FIXTURE N OUT.npy
"""
import glob
import json
import os
import sys

import numpy as np


def main():
    src, pkg, name, n, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
    sys.path.insert(0, src)
    from mgfixtures import triggers  # noqa: E402
    spec = json.load(open(os.path.join(src, "models", name + ".json")))["spec"]["attack"]

    def find(leaf):
        return glob.glob(os.path.join(pkg, "**", leaf), recursive=True)[0]

    x = np.load(find("reference-images.npy")).reshape(-1, 28, 28)
    y = np.load(find("reference-labels.npy"))
    rows = np.flatnonzero(y != spec["target"])
    trig = triggers.apply(spec, x[rows[:n]])
    clean = x[rows[-n:]]
    np.save(out, np.concatenate([trig, clean]).reshape(-1, 1, 28, 28).astype(np.uint8))


if __name__ == "__main__":
    main()
