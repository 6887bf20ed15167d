"""Scans every file a format generator wrote, each on its own
(`modelgate scan FILE`, a package of one file), and checks what a user
would see: malicious files are found (a finding with one of the expected
rules), benign ones are quiet (nothing from the plugin at low or above, exit
0), malformed ones give an expected finding or exit 2 with one line naming
the file. Prints the counts per class.

usage: check_format.py MODELGATE FIXTURE_DIR RULES_DIR WORK_DIR"""
import json
import os
import subprocess
import sys

RANK = {"info": 0, "low": 1, "medium": 2, "high": 3, "critical": 4}


def main():
    mg, fixtures, rules, work = sys.argv[1:5]
    manifest = json.load(open(os.path.join(fixtures, "manifest.json")))
    plugin = manifest["plugin"]
    failures = []
    counts = {}
    for n, item in enumerate(manifest["items"]):
        path = os.path.join(fixtures, item["path"])
        report = os.path.join(work, "r%d.json" % n)
        only = plugin + ("," + item["also"] if item.get("also") else "")
        p = subprocess.run([mg, "scan", path, "--only", only, "--rules", rules, "--json",
                            report, "-q"], capture_output=True, text=True)
        cls = item["class"]
        what = "%s (%s)" % (item["path"], item["why"] or cls)
        mine = []
        if os.path.exists(report):
            d = json.load(open(report))
            # A scope narrows what counts to one part of a plugin (pickle-code's
            # TorchScript rules): its other findings are another test's.
            scope = item.get("scope") or manifest.get("scope")
            mine = [f for f in d["findings"] if f["plugin"] in only.split(",")
                    and (not scope or f["rule"].startswith(scope))]
            status = {pl["name"]: pl["status"] for pl in d["plugins"]}
            if p.returncode != 2 and status.get(plugin) != "ok":
                failures.append("%s: plugin status %s" % (what, status.get(plugin)))
                continue
        scope = item.get("scope") or manifest.get("scope")
        rules_seen = sorted({f["rule"] for f in mine})
        ok = True
        if cls == "benign":
            loud = [f["rule"] + "/" + f["severity"] for f in mine if RANK[f["severity"]] >= 1]
            if (p.returncode != 0 and not scope) or loud:
                failures.append("%s: benign but exit %d, findings %s, stderr %s"
                                % (what, p.returncode, loud, p.stderr.strip()))
                ok = False
        elif cls == "malformed" and p.returncode == 2:
            lines = p.stderr.strip().splitlines()
            if len(lines) != 1 or os.path.basename(path) not in lines[0]:
                failures.append("%s: exit 2 without one line naming the file: %r"
                                % (what, p.stderr))
                ok = False
        else:
            if p.returncode == 2 or not set(item["rules"]) & set(rules_seen):
                failures.append("%s: expected one of %s, got %s (exit %d, stderr %s)"
                                % (what, item["rules"], rules_seen, p.returncode,
                                   p.stderr.strip()))
                ok = False
        c = counts.setdefault(cls, [0, 0])
        c[0] += ok
        c[1] += 1
        print("%s %s: exit %d, %s" % ("ok" if ok else "FAIL", item["path"], p.returncode,
                                      rules_seen))
    for cls in ("malicious", "benign", "malformed"):
        if cls in counts:
            print("%s %s: %d/%d as expected" % (plugin, cls, counts[cls][0], counts[cls][1]))
    for f in failures:
        print("FAIL: " + f, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
