#!/usr/bin/python3
"""Does neural-cleanse's screening keep its false-alarm rate? (issue 12)

The screening stops the classes above the median early, so their log-norms
come out higher than a full search would give, by some delta. Under the
decision's null (K exchangeable classes, Student-t 4 df or normal
log-norms at several spreads) this simulates the step-down z of the
smallest class with the upper half raised by delta and prints how often it
passes the unscreened statistic's 5% critical value. Usage:
nc_screening_null.py [K] [DRAWS]
"""
import sys

import numpy as np


def step_z(y):
    y = np.sort(y, axis=1)
    rest = y[:, 1:]
    return (rest.mean(1) - y[:, 0]) / np.maximum(rest.std(1, ddof=1), 1e-9)


def main():
    k = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 100000
    rng = np.random.default_rng(1)
    for fam in ("t4", "normal"):
        for scale in (0.25, 0.35, 0.5):
            y = (rng.standard_t(4, (n, k)) if fam == "t4" else rng.standard_normal((n, k))) * scale
            crit = np.quantile(step_z(y), 0.95)
            upper = y > np.median(y, axis=1, keepdims=True)
            rates = ["delta %.2f: %.4f" % (d, (step_z(y + np.where(upper, d, 0)) >= crit).mean())
                     for d in (0.05, 0.1, 0.15, 0.3)]
            print("%-6s sd %.2f  false-alarm rate at nominal 0.05 | %s" % (fam, scale, " | ".join(rates)))


if __name__ == "__main__":
    main()
