#!/usr/bin/python3
"""Large packages for issue 12's speed targets, assembled around the
committed 12,000-row fixture model badnets-bn32-p1 (BatchNorm CNN 32-32-64,
BadNets 1%): OUT/bn32-N/ plus OUT/bn32-N.truth.json for each --rows N.

    bench/detect/make_big.py OUT [--rows 12000] [--rows 60000] [-q]

At 12,000 rows the package is the fixture itself (the rows the model was
trained on, checked against the hashes in its JSON). Any other size derives
the training set the same way (same seed, same trigger, same 1% rate over N
rows): the model never saw the extra rows and the poisoned ones are chosen
afresh, which the truth file says. Data only, nothing committed: a 60,000-row
package is about 50 MB. numpy only. Exit 0, 1 on errors, 77 without
Fashion-MNIST.
"""

import argparse
import copy
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(os.path.dirname(HERE)), "tests", "fixtures")
sys.path.insert(0, FIXTURES)
sys.dont_write_bytecode = True

from mgfixtures import data, package  # noqa: E402

MODEL = "badnets-bn32-p1"


def build(source, outdir, rows):
    models = os.path.join(FIXTURES, "models")
    meta, _ = package.load_meta(models, MODEL)
    trained = meta["spec"]["train_size"]
    name = "bn32-%d" % rows
    with open(os.path.join(models, meta["model"]["file"]), "rb") as f:
        onnx_bytes = f.read()
    if package.sha256(onnx_bytes) != meta["model"]["sha256"]:
        raise package.AssembleError("%s.onnx differs from its JSON; retrain it" % MODEL)
    meta = copy.deepcopy(meta)
    meta["spec"]["train_size"] = rows
    meta["spec"]["package_name"] = name
    derived = data.derive(meta["spec"], source)
    if rows == trained:
        got = derived.hashes()
        for key, want in meta["data"].items():
            if got.get(key) != want:
                raise package.AssembleError("derived %s differs from the model's; retrain %s"
                                            % (key, MODEL))
    os.makedirs(outdir, exist_ok=True)
    pkg = package.write(outdir, name, package.package_files(meta, onnx_bytes, derived), "dir")
    truth = package.truth(meta, derived)
    truth["fixture"] = name
    truth["model_trained_on_rows"] = trained
    if rows != trained:
        truth["about"] += (" -- this %d-row package derives its rows like the fixture's; the "
                           "model was trained on the %d-row set, its poisoned rows are not "
                           "these" % (rows, trained))
        truth["clean_accuracy_reference"] = meta["metrics"]["clean_accuracy_reference"]
    truth_path = os.path.join(outdir, name + ".truth.json")
    package._write_atomic(truth_path, package.json_bytes(truth))
    return pkg, truth_path


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--rows", type=int, action="append",
                    help="training rows (repeatable; default 12000 and 60000)")
    ap.add_argument("--data-dir")
    ap.add_argument("-q", "--quiet", action="store_true")
    args = ap.parse_args()
    sizes = args.rows or [12000, 60000]
    bad = [n for n in sizes if not 1000 <= n <= 60000]
    if bad:
        print("make_big.py: error: --rows %d not in 1000..60000" % bad[0], file=sys.stderr)
        return 1
    try:
        source = data.Source(args.data_dir)
        for n in sizes:
            pkg, truth = build(source, args.outdir, n)
            if not args.quiet:
                print(pkg, truth)
    except data.SourceError as e:
        print("make_big.py: error: %s" % e, file=sys.stderr)
        return 77 if e.missing else 1
    except (package.AssembleError, OSError, ValueError) as e:
        print("make_big.py: error: %s" % e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
