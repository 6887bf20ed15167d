#!/usr/bin/python3
"""Scores detector runs against the fixtures' ground truth and prints the
bench table (see README.md). Reads a manifest written by run.sh, one line
per fixture: NAME TRUTH.json FULL.json FAR.json|- WALL_SECONDS, and
optionally a line "big NAME FULL.json WALL_SECONDS" for the 12,000-row scan.

Per plugin the verdict is the plugin alone: FAIL when one of its own
findings was reported at high or above (before the correlation rule); the
combined verdict is the full scan's gate, correlation included.
"""
import json
import sys

SEV = ["info", "low", "medium", "high", "critical"]
DETECTORS = ["spectral-signatures", "activation-clustering", "spectre", "label-consistency",
             "neural-cleanse", "strip", "loss-outliers"]


def at_least(sev, floor):
    return SEV.index(sev) >= SEV.index(floor)


def rows_of(findings, floor, key):
    rows = set()
    for f in findings:
        s = f.get("samples") or {}
        if at_least(f[key], floor) and s.get("dataset") == "train":
            rows |= set(s.get("indices") or [])
    return rows


def pr(rows, truth):
    poisoned = set(truth.get("poisoned_rows") or [])
    if not poisoned:
        return "-", "-", len(rows)
    if not rows:
        return "-", "0.00", 0
    hit = len(rows & poisoned)
    return "%.2f" % (hit / len(rows)), "%.2f" % (hit / len(poisoned)), len(rows)


def expected_class(truth):
    return truth.get("target_class") if truth.get("poisoned") else None


def classes(findings, floor, key):
    return sorted({f["label"] for f in findings if f.get("label", -1) >= 0
                   and at_least(f[key], floor)})


def verdict_cell(fail, truth):
    want_fail = bool(truth.get("poisoned"))
    ok = fail == want_fail
    return "%s %s" % ("FAIL" if fail else "pass", "ok" if ok else "WRONG")


def extra_for(plugin, status, far_doc):
    ev = (status or {}).get("evidence") or {}
    if plugin == "neural-cleanse":
        nc = ev.get("neural_cleanse") or {}
        cand = nc.get("candidate") or {}
        ai = cand.get("anomaly_index")
        return "AI=%s target=%s flagged=%s" % (
            "%.2f" % ai if isinstance(ai, (int, float)) else "?", cand.get("label", "?"),
            nc.get("flagged", "?"))
    if plugin == "strip":
        st = ev.get("strip") or {}
        frr = (st.get("calibration") or {}).get("frr_heldout")
        far = "-"
        if far_doc:
            fs = [p for p in far_doc["plugins"] if p["name"] == "strip"]
            inp = ((fs[0].get("evidence") or {}).get("strip") or {}).get("inputs") if fs else None
            if inp and inp.get("scanned"):
                far = "%.2f" % (1 - inp["flagged"] / inp["scanned"])
        return "FRR=%s FAR=%s" % ("%.3f" % frr if isinstance(frr, float) else "?", far)
    return ""


def main():
    lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
    hdr = "%-13s %-22s %-13s %-9s %-5s %-5s %-5s %-34s %7s" % (
        "fixture", "plugin", "verdict", "classes", "prec", "rec", "rows", "extra", "time")
    print(hdr)
    print("-" * len(hdr))
    totals = {p: [0, 0] for p in DETECTORS + ["combined"]}
    for parts in lines:
        if parts[0] == "big":
            continue
        name, truth_p, full_p, far_p, wall = parts
        truth = json.load(open(truth_p))
        doc = json.load(open(full_p))
        far_doc = json.load(open(far_p)) if far_p != "-" else None
        status = {p["name"]: p for p in doc["plugins"]}
        want = expected_class(truth)
        for plugin in DETECTORS:
            st = status.get(plugin)
            if not st:
                print("%-13s %-22s %s" % (name, plugin, "(not built)"))
                continue
            own = [f for f in doc["findings"] if f["plugin"] == plugin]
            if st["status"] != "ok":
                print("%-13s %-22s %-13s %s" % (name, plugin, st["status"], st.get("message")))
                continue
            fail = any(at_least(f["reported_severity"], "high") for f in own)
            cls = classes(own, "low", "reported_severity")
            p, r, n = pr(rows_of(own, "low", "reported_severity"), truth)
            cell = verdict_cell(fail, truth)
            totals[plugin][0] += cell.endswith(" ok")
            totals[plugin][1] += 1
            mark = "" if want is None or not cls else ("" if want in cls else "!")
            print("%-13s %-22s %-13s %-9s %-5s %-5s %-5s %-34s %6.1fs" % (
                name, plugin, cell, (",".join(map(str, cls)) or "-") + mark, p, r, n,
                extra_for(plugin, st, far_doc), st.get("seconds", 0)))
        fail = doc.get("verdict") == "fail"
        cls = classes(doc["findings"], "high", "severity")
        p, r, n = pr(rows_of(doc["findings"], "high", "severity"), truth)
        cell = verdict_cell(fail, truth)
        totals["combined"][0] += cell.endswith(" ok")
        totals["combined"][1] += 1
        print("%-13s %-22s %-13s %-9s %-5s %-5s %-5s %-34s %6.1fs" % (
            name, "COMBINED (gate)", cell, ",".join(map(str, cls)) or "-", p, r, n,
            "truth: %s" % (("class %s" % want) if want is not None else "clean"), float(wall)))
        print()
    print("verdicts right (fail on poisoned, pass on clean):")
    for k, (ok, n) in totals.items():
        if n:
            print("  %-22s %d / %d" % (k, ok, n))
    for parts in lines:
        if parts[0] != "big":
            continue
        _, name, full_p, wall = parts
        doc = json.load(open(full_p))
        per = ", ".join("%s %.1fs" % (p["name"], p.get("seconds", 0)) for p in doc["plugins"])
        print("\n12,000-row %s, full five-plugin scan: %.1f s wall (target < 60 s); verdict %s"
              % (name, float(wall), doc.get("verdict")))
        print("  " + per)
    return 0


if __name__ == "__main__":
    sys.exit(main())
