"""Scores one text-fixture scan for bench/text/run.sh: per text plugin that
ran, its best finding's severity and its rows against the truth; with --big,
the 1M-row figures. Prints table rows."""
import json
import sys

SEV = ["info", "low", "medium", "high", "critical"]
TEXT = ["text-triggers", "text-label-consistency", "instruction-triggers", "annotator-audit",
        "source-provenance"]


def main():
    res, truth, status, secs = sys.argv[1:5]
    d = json.load(open(res))
    t = json.load(open(truth))
    rows = t.get("rows", 0)
    want = set(t["poisoned_rows"])
    if t.get("groups"):
        want = set(r for g in t["groups"] for r in g)
    verdict = {"0": "pass", "1": "FAIL", "2": "error"}.get(status, status)
    if "--big" in sys.argv:
        wall, rss, user, system, py, pyrows = sys.argv[sys.argv.index("--big") + 1:]
        parts = wall.split(":")
        w = sum(float(x) * 60 ** i for i, x in enumerate(reversed(parts)))
        print("  scan               %.1f s wall (%s s user, %s s system), peak RSS %.0f MiB, "
              "%.0f rows/s, verdict %s" % (w, user, system, int(rss) / 1024, rows / w, verdict))
        print("  python json.loads  %.1f s: %.0f rows/s; the scan reads %.2fx the peer's rows/s "
              "(the peer only parses)" % (float(py), int(pyrows) / float(py),
                                          (rows / w) / (int(pyrows) / float(py))))
        print("  targets            under 60 s: %s; under 1 GiB: %s" % (
            "yes" if w < 60 else "NO", "yes" if int(rss) < 1 << 20 else "NO"))
    for p in d["plugins"]:
        if p["name"] not in TEXT or p["status"] != "ok":
            continue
        fs = [f for f in d["findings"] if f.get("plugin") == p["name"]]
        best = max(fs, key=lambda f: (SEV.index(f["severity"]), len((f.get("samples") or {})
                                                                    .get("indices", []))),
                   default=None)
        got = set((best.get("samples") or {}).get("indices", [])) if best else set()
        both = len(got & want)
        prec = "%.2f" % (both / len(got)) if got and want else "-"
        rec = "%.2f" % (both / len(want)) if want else "-"
        name = t.get("name", res)
        print("%-26s %6d  %-22s  %-7s  %-6s  %-4s  %-4s  %5.1f  %.0f" % (
            name[:26], rows, p["name"], verdict, best["severity"] if best else "-", prec, rec,
            p["seconds"], rows / p["seconds"] if p["seconds"] > 0 else 0))


if __name__ == "__main__":
    main()
