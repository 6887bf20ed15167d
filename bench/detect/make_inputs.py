#!/usr/bin/python3
"""Triggered inputs for STRIP's false-acceptance rate: every reference image
of a package whose class is a source of the attack (not the target; every
class for all-to-all), with the fixture's own test-time trigger applied (tests/fixtures/mgfixtures/triggers.py), as uint8 NPY.

usage: make_inputs.py FIXTURES_SRC MODEL_JSON PACKAGE_DIR OUT.npy
Exits 3 (and writes nothing) when the fixture has no trigger.
"""
import json
import os
import sys

import numpy as np


def main():
    src, model_json, pkg, out = sys.argv[1:5]
    sys.path.insert(0, src)
    from mgfixtures import data, triggers  # noqa: E402
    attack = json.load(open(model_json))["spec"].get("attack")
    if not attack or attack["type"] not in data.TRIGGER_ATTACKS:
        return 3
    desc = json.load(open(os.path.join(pkg, "modelgate.json")))
    x = np.load(os.path.join(pkg, desc["reference"]["inputs"]))
    y = np.load(os.path.join(pkg, desc["reference"]["labels"]))
    keep = np.flatnonzero(data.source_mask(attack, y))
    trig = triggers.apply(attack, x.reshape(-1, 28, 28)[keep])
    np.save(out, trig.reshape((len(keep),) + x.shape[1:]).astype(np.uint8))
    return 0


if __name__ == "__main__":
    sys.exit(main())
