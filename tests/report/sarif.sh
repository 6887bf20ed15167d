#!/bin/sh
# SARIF report: valid against the SARIF 2.1.0 schema (vendored), usable by
# GitHub code scanning: stable rule ids, security-severity on every rule,
# relative artifact URIs that resolve to the package's files, results for
# every finding and for every control that fails the gate without one,
# plugin failures as notifications, and the same ids and fingerprints when
# the same package is scanned again.
. "$TOP_SRCDIR/tests/report/lib.sh"

"$PY" -c 'import jsonschema' 2>/dev/null || { echo "python3-jsonschema not installed"; exit 77; }
shared="$TOP_SRCDIR/../shared/schemas/sarif-schema-2.1.0.json"
if [ -f "$shared" ]; then
  cmp -s "$shared" "$SARIF_SCHEMA" && pass "vendored SARIF schema is the shared one" ||
    fail "tests/report/sarif-schema-2.1.0.json differs from $shared"
fi

standard_scans
pass_scan
incomplete_scan
# Scanned by a relative path, as in CI from the repository root: the URIs
# must then name files that exist relative to the working directory.
cp -r "$SANDBOX/in/tampered" "$SANDBOX/cwd/model pkg"
run_mg scan "model pkg" --registry "$SANDBOX/in/approved.json" --plugins "$PLUGINS" \
  --only mgtest-good,mgtest-rich --sarif rel.sarif --json rel.json -q
scan_all again "$SANDBOX/in/pkg" --plugins "$PLUGINS" --timeout $HANG_TIMEOUT

out=$("$PY" - "$SARIF_SCHEMA" <<'PYEOF'
import json, os, re, sys
from urllib.parse import unquote, urlparse
import jsonschema

schema = json.load(open(sys.argv[1]))
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
problems = []
def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)

for name in ["mixed", "registry", "error", "pass", "incomplete", "rel", "again"]:
    doc = json.load(open(name + ".sarif"))
    res = json.load(open(name + ".json"))
    errors = list(validator.iter_errors(doc))
    check(not errors, "%s: valid SARIF 2.1.0%s" % (name, "" if not errors else ": " + "; ".join(
        "/".join(map(str, e.absolute_path)) + " " + e.message[:200] for e in errors[:3])))
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    check(len(ids) == len(set(ids)), "%s: rule ids unique" % name)
    check(all(re.fullmatch(r"[a-z0-9-]+\.[a-z0-9._-]+", i) for i in ids),
          "%s: rule ids are stable dotted names: %s" % (name, ids))
    sev_ok = True
    for r in rules:
        s = r.get("properties", {}).get("security-severity")
        try:
            sev_ok &= 0.0 <= float(s) <= 10.0
        except (TypeError, ValueError):
            sev_ok = False
    check(sev_ok and rules == [] or sev_ok, "%s: security-severity on every rule" % name)
    by_index = all(ids[r["ruleIndex"]] == r["ruleId"] for r in run["results"])
    check(by_index, "%s: every result's ruleIndex names its rule" % name)
    uris = [l["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"] for l in r["locations"]]
    relative = all(not urlparse(u).scheme and not u.startswith("/") and ".." not in u.split("/") for u in uris)
    check(relative, "%s: artifact URIs are relative: %s" % (name, sorted(set(uris))))
    # Results: one per finding, plus controls failing the gate unreported.
    failing = {c for f in res["findings"] if f["fails_gate"] for c in f["controls"]}
    extra = [c["id"] for c in res["controls"] if c["fails_gate"] and c["id"] not in failing]
    check(len(run["results"]) == len(res["findings"]) + len(extra),
          "%s: %d results for %d findings and controls %s" % (name, len(run["results"]), len(res["findings"]), extra))
    check([r["ruleId"] for r in run["results"]][len(res["findings"]):] == ["core.checklist." + c.lower() for c in extra],
          "%s: gate-failing controls without a finding are results" % name)
    inv = run["invocations"][0]
    check(inv["exitCode"] == res["exit_code"] and inv["executionSuccessful"] == (res["verdict"] != "error"),
          "%s: invocation exit code and success" % name)
    bad_plugins = {p["name"] for p in res["plugins"] if p["status"] in ("error", "timeout")}
    notes = " ".join(n["message"]["text"] for n in inv["toolExecutionNotifications"])
    check(all(("plugin %s " % p) in notes for p in bad_plugins), "%s: failed plugins are notifications" % name)

rel = json.load(open("rel.sarif"))["runs"][0]
uris = {unquote(l["physicalLocation"]["artifactLocation"]["uri"]) for r in rel["results"] for l in r["locations"]}
check(all(os.path.exists(u) for u in uris) and "model pkg/weights <&>.bin" in uris,
      "URIs of a relative package path resolve to its files: %s" % sorted(uris))
mm = [r for r in rel["results"] if r["ruleId"] == "core.registry.digest-mismatch"]
check(len(mm) == 1 and mm[0]["level"] == "error"
      and mm[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "model%20pkg/weights%20%3C%26%3E.bin",
      "a registry mismatch is an error on the altered file")
rules = {r["id"]: r for r in rel["tool"]["driver"]["rules"]}
check(float(rules["mgtest-rich.backdoor-class"]["properties"]["security-severity"]) >= 9.0
      and float(rules["core.registry.unknown"]["properties"]["security-severity"]) < 4.0,
      "security-severity follows the severity (critical >= 9, low < 4)")
check("AML.T0018.000" in rules["mgtest-rich.backdoor-class"]["properties"]["tags"]
      and rules["mgtest-rich.backdoor-class"]["helpUri"].startswith("https://atlas.mitre.org/"),
      "ATLAS techniques as tags and help link")
a, b = (json.load(open(n + ".sarif"))["runs"][0] for n in ("mixed", "again"))
check([r["id"] for r in a["tool"]["driver"]["rules"]] == [r["id"] for r in b["tool"]["driver"]["rules"]],
      "rule ids stable across scans of the same package")
check([r["partialFingerprints"] for r in a["results"]] == [r["partialFingerprints"] for r in b["results"]],
      "fingerprints stable across scans of the same package")
PYEOF
)
printf '%s\n' "$out" | grep '^ok:'
printf '%s\n' "$out" | grep -v '^ok:' | while IFS= read -r line; do echo "$line" >&2; done
n=$(printf '%s\n' "$out" | grep -vc '^ok:')
[ "$n" -eq 0 ] || failures=$((failures + n))
finish
