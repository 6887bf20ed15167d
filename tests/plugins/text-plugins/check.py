"""Checks one text plugin's outcome in a modelgate scan's JSON results
(docs/results.md) against a fixture's truth (tests/fixtures/text/gen_text.py).

    check.py RESULTS TRUTH PLUGIN MODE [RULE] [--phrase] [--payload]

MODE poisoned: the plugin ran, a RULE finding at high or above, its rows
against the truth's poisoned rows (or the truth's conflict groups) at
precision and recall >= 0.9, with --phrase the truth's phrase in its title,
with --payload the truth's payload (or, for one appended to responses, its
URL) in the title. MODE clean: the plugin ran and nothing of it is at high or above
(after correlation: what the gate sees). Prints the figures either way."""
import json
import sys

SEV = ["info", "low", "medium", "high", "critical"]


def main():
    res, truth, plugin, mode = sys.argv[1:5]
    rest = sys.argv[5:]
    rule = rest[0] if rest and not rest[0].startswith("--") else None
    d = json.load(open(res))
    t = json.load(open(truth))
    status = [p for p in d["plugins"] if p["name"] == plugin]
    if not status or status[0]["status"] != "ok":
        print("FAIL: %s did not run ok: %s" % (plugin, status))
        return 1
    fs = [f for f in d["findings"] if f.get("plugin") == plugin]
    if mode == "clean":
        loud = [(f["rule"], f["severity"], f["title"]) for f in fs
                if SEV.index(f["severity"]) >= SEV.index("high")]
        if loud:
            print("FAIL: clean fixture raised %s" % loud)
            return 1
        print("ok: clean, %d findings below high: %s" % (len(fs), [(f["rule"], f["severity"])
                                                                   for f in fs]))
        return 0
    truth_rows = set(t["poisoned_rows"])
    if t.get("groups"):
        truth_rows = set(r for g in t["groups"] for r in g)
    hits = [f for f in fs if f["rule"] == "%s.%s" % (plugin, rule)
            and SEV.index(f["reported_severity"]) >= SEV.index("high")]
    if "--phrase" in rest:
        hits = [f for f in hits if t["phrase"].lower() in f["title"].lower()]
    if "--payload" in rest:
        words = t["payload"].split()
        urls = [w for w in words if "://" in w]
        hits = [f for f in hits if t["payload"][:60].lower() in f["title"].lower()
                or any(u.rstrip(".") in f["title"] for u in urls)]
    if not hits:
        print("FAIL: no %s finding at high%s: %s" % (
            rule, " naming %r" % t.get("phrase") if "--phrase" in rest else "",
            [(f["rule"], f["reported_severity"], f["title"]) for f in fs]))
        return 1
    rows = set(hits[0]["samples"]["indices"])
    both = len(rows & truth_rows)
    prec = both / len(rows) if rows else 0.0
    rec = both / len(truth_rows) if truth_rows else 0.0
    print("%s: %s, %d rows, precision %.2f recall %.2f" % (rule, hits[0]["reported_severity"],
                                                           len(rows), prec, rec))
    if prec < 0.9 or rec < 0.9:
        print("FAIL: precision/recall below 0.9")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
