#!/usr/bin/python3
"""Scores detector runs against the fixtures' ground truth and prints the
bench table (see README.md). Reads a manifest written by run.sh, one line
per fixture: NAME TRUTH.json FULL.json FAR.json|- WALL_SECONDS, and
optionally lines "big NAME FULL.json WALL_SECONDS" for the timed large scans.

Every plugin that ran on some fixture gets a row (the five first detectors
and whichever the build adds); plugins skipped on every fixture (the text
plugins on image packages) are left out. All-to-all fixtures: rows are
scored against every poisoned row, whatever its target, and any class the
mapping targets counts as named.

Per plugin the verdict is the plugin alone: FAIL when one of its own
findings was reported at high or above (before the correlation rule); the
combined verdict is the full scan's gate, correlation included.
"""
import json
import sys

SEV = ["info", "low", "medium", "high", "critical"]
FIRST = ["spectral-signatures", "activation-clustering", "neural-cleanse", "strip",
         "loss-outliers"]


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


def expected_classes(truth):
    """The classes a detector should name: the target, every target of an
    all-to-all mapping, the flip target; empty for clean fixtures."""
    if not truth.get("poisoned"):
        return set()
    if truth.get("all_to_all"):
        return set(truth["targets"])
    return {truth["target_class"]}


def truth_cell(truth):
    if not truth.get("poisoned"):
        return "truth: clean"
    if truth.get("all_to_all"):
        return "truth: all-to-all y->y+1"
    return "truth: class %s" % truth["target_class"]


def model_level(findings, floor, key):
    """Classes named by findings that cite no training rows (model-level
    evidence: a reverse-engineered trigger, weight statistics)."""
    return sorted({f["label"] for f in findings if f.get("label", -1) is not None
                   and f.get("label", -1) >= 0 and at_least(f[key], floor)
                   and (f.get("samples") or {}).get("dataset") != "train"})


def plugin_order(docs):
    """The first five detectors, then every other plugin that ran somewhere."""
    seen = []
    for doc in docs:
        for p in doc["plugins"]:
            if p["status"] != "skipped" and p["name"] not in seen:
                seen.append(p["name"])
    return [p for p in FIRST if p in seen] + sorted(p for p in seen if p not in FIRST)


def classes(findings, floor, key):
    return sorted({f["label"] for f in findings if f.get("label") is not None
                   and f["label"] >= 0 and at_least(f[key], floor)})


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
    if plugin in ("strip", "scale-up", "ibd-psc"):
        key = plugin.replace("-", "_")
        st = ev.get(key) or {}
        frr = (st.get("calibration") or {}).get("frr_heldout")
        far = "-"
        if far_doc:
            fs = [p for p in far_doc["plugins"] if p["name"] == plugin]
            inp = ((fs[0].get("evidence") or {}).get(key) or {}).get("inputs") if fs else None
            if inp and inp.get("scanned"):
                far = "%.2f" % (1 - inp["flagged"] / inp["scanned"])
        return "FRR=%s FAR=%s" % ("%.3f" % frr if isinstance(frr, float) else "?", far)
    return ""


def mark(cls, want):
    """'!' when a poisoned fixture's plugin named classes but none it should."""
    return "" if not want or not cls or (want & set(cls)) else "!"


def main():
    lines = [l.split() for l in open(sys.argv[1]) if l.strip()]
    runs = []
    for parts in lines:
        if parts[0] == "big":
            continue
        name, truth_p, full_p, far_p, wall = parts
        runs.append((name, json.load(open(truth_p)), json.load(open(full_p)),
                     json.load(open(far_p)) if far_p != "-" else None, float(wall)))
    plugins = plugin_order([r[2] for r in runs])
    hdr = "%-13s %-22s %-13s %-9s %-7s %-5s %-5s %-5s %-34s %7s" % (
        "fixture", "plugin", "verdict", "classes", "model", "prec", "rec", "rows", "extra", "time")
    print(hdr)
    print("-" * len(hdr))
    totals = {p: [0, 0] for p in plugins + ["combined"]}
    for name, truth, doc, far_doc, wall in runs:
        status = {p["name"]: p for p in doc["plugins"]}
        want = expected_classes(truth)
        for plugin in plugins:
            st = status.get(plugin)
            if not st:
                print("%-13s %-22s %s" % (name, plugin, "(not run)"))
                continue
            own = [f for f in doc["findings"] if f["plugin"] == plugin]
            if st["status"] != "ok":
                print("%-13s %-22s %-13s %s" % (name, plugin, st["status"], st.get("message")))
                continue
            fail = any(at_least(f["reported_severity"], "high") for f in own)
            cls = classes(own, "low", "reported_severity")
            mod = model_level(own, "low", "reported_severity")
            p, r, n = pr(rows_of(own, "low", "reported_severity"), truth)
            cell = verdict_cell(fail, truth)
            totals[plugin][0] += cell.endswith(" ok")
            totals[plugin][1] += 1
            print("%-13s %-22s %-13s %-9s %-7s %-5s %-5s %-5s %-34s %6.1fs" % (
                name, plugin, cell, (",".join(map(str, cls)) or "-") + mark(cls, want),
                (",".join(map(str, mod)) or "-") + mark(mod, want), p, r, n,
                extra_for(plugin, st, far_doc), st.get("seconds", 0)))
        fail = doc.get("verdict") == "fail"
        cls = classes(doc["findings"], "high", "severity")
        p, r, n = pr(rows_of(doc["findings"], "high", "severity"), truth)
        cell = verdict_cell(fail, truth)
        totals["combined"][0] += cell.endswith(" ok")
        totals["combined"][1] += 1
        print("%-13s %-22s %-13s %-9s %-7s %-5s %-5s %-5s %-34s %6.1fs" % (
            name, "COMBINED (gate)", cell, (",".join(map(str, cls)) or "-") + mark(cls, want), "",
            p, r, n, truth_cell(truth), wall))
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
        per = ", ".join("%s %.1fs" % (p["name"], p.get("seconds", 0)) for p in doc["plugins"]
                        if p["status"] != "skipped")
        print("\n%s, full scan: %.1f s wall; verdict %s" % (name, float(wall), doc.get("verdict")))
        print("  " + per)
    return 0


if __name__ == "__main__":
    sys.exit(main())
