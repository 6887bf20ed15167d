"""Checks one text plugin's report (mg-texthost's JSON, or modelgate's
results JSON) against a fixture's truth (tests/fixtures/text/gen_text.py):
the finding's rows against the poisoned rows (or the truth's conflict
groups), its severity, and that a clean fixture raises nothing at or above
the failing severity.

    check.py RESULTS TRUTH MODE [RULE] [--phrase]
MODE: poisoned (a finding of RULE at high or above, rows recall and
precision >= 0.9, with --phrase the truth's phrase in its title) | clean."""
import json
import sys

SEV = ["info", "low", "medium", "high", "critical"]


def findings(d):
    out = []
    for f in d["findings"]:
        rows = f.get("indices")
        if rows is None:
            rows = (f.get("samples") or {}).get("indices", [])
        sev = f.get("reported_severity", f.get("severity"))
        out.append((f["rule"].split(".")[-1], sev, set(rows), f["title"]))
    return out


def main():
    res, truth, mode = sys.argv[1:4]
    rule = sys.argv[4] if len(sys.argv) > 4 and not sys.argv[4].startswith("--") else None
    d = json.load(open(res))
    t = json.load(open(truth))
    fs = findings(d)
    if d.get("status", "ok") != "ok":
        print("FAIL: plugin status %s %s" % (d.get("status"), d.get("logs")))
        return 1
    if mode == "clean":
        loud = [(r, s, ti) for r, s, _, ti in fs if SEV.index(s) >= SEV.index("high")]
        if loud:
            print("FAIL: clean fixture raised %s" % loud)
            return 1
        print("ok: clean, %d findings below high" % len(fs))
        return 0
    truth_rows = set(t["poisoned_rows"])
    if t.get("groups"):
        truth_rows = set(r for g in t["groups"] for r in g)
    hits = [f for f in fs if f[0] == rule and SEV.index(f[1]) >= SEV.index("high")]
    if "--phrase" in sys.argv:
        hits = [f for f in hits if t["phrase"].lower() in f[3].lower()]
    if not hits:
        print("FAIL: no %s finding at high%s: %s" % (rule, " naming the phrase" if "--phrase" in
                                                    sys.argv else "", [(r, s, ti) for r, s, _, ti in fs]))
        return 1
    rows = hits[0][2]
    prec = len(rows & truth_rows) / len(rows) if rows else 0
    rec = len(rows & truth_rows) / len(truth_rows)
    print("%s: %s rows %d precision %.2f recall %.2f" % (rule, hits[0][1], len(rows), prec, rec))
    if prec < 0.9 or rec < 0.9:
        print("FAIL: precision/recall below 0.9")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
