#!/usr/bin/python3
"""Neural Cleanse's decision statistics side by side (issue 12).

Reads the JSON results of `modelgate scan --only neural-cleanse` runs (one
per fixture, in DIR) and prints, for the class with the smallest reversed
trigger, three statistics of the classes' log-norms with one-sided p-values
under nulls simulated for the model's class count (Student-t 4 df and
normal): the paper's MAD anomaly index over all classes, a leave-out robust
z (median/MAD of the rest), and the shipped step-down z (mean/sd of the
rest). Usage: nc_statistics.py DIR [DRAWS]
"""
import glob
import json
import sys

import numpy as np


def stats(y):
    y = np.sort(y)
    rest = y[1:]
    med = np.median(rest)
    mad = 1.4826 * np.median(abs(rest - med))
    robust = (med - y[0]) / max(mad, 0.1)
    stepdown = (rest.mean() - y[0]) / max(rest.std(ddof=1), 0.1)
    med_all = np.median(y)
    paper = (med_all - y[0]) / (1.4826 * np.median(abs(y - med_all)))
    return paper, robust, stepdown


def main():
    draws = int(sys.argv[2]) if len(sys.argv) > 2 else 20000
    rng = np.random.default_rng(0)
    nulls = {}
    names = ["paper index", "robust leave-out z", "step-down z"]
    for f in sorted(glob.glob(sys.argv[1] + "/*.json")):
        d = json.load(open(f))
        nc = [p for p in d["plugins"] if p["name"] == "neural-cleanse"][0]["evidence"]["neural_cleanse"]
        norms = np.array([c["norm"] for c in nc["classes"]])
        k = len(norms)
        if k not in nulls:
            nulls[k] = (np.array([stats(rng.standard_t(4, k)) for _ in range(draws)]),
                        np.array([stats(rng.standard_normal(k)) for _ in range(draws)]))
        t, n = nulls[k]
        s = stats(np.log(np.maximum(norms, 1e-2)))
        cols = ["%s %.1f (t %.3f, normal %.3f)" % (names[i], s[i], (t[:, i] >= s[i]).mean(),
                                                  (n[:, i] >= s[i]).mean()) for i in range(3)]
        print("%-14s smallest %d | %s" % (f.split("/")[-1][:-5], int(np.argmin(norms)), " | ".join(cols)))


if __name__ == "__main__":
    main()
