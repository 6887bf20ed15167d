#!/bin/sh
# The reviewer's decisions end to end, with the real plugins on a fixture
# package (the demo model and a pickle that runs posix.system when loaded):
# waiving its failing finding passes the gate and every report (JSON, XML,
# SARIF, JUnit, HTML) shows it waived and why; an expired waiver, one for
# another package digest and one matching nothing do nothing and are
# reported; a malformed waivers file or baseline is one usage line, exit 2,
# before anything is unpacked; a baseline marks findings unchanged, new and
# gone, in JSON, SARIF, JUnit and HTML. Reports are validated against the
# results schema, SARIF 2.1.0 and the JUnit XSD.
. "$TOP_SRCDIR/tests/report/lib.sh"

"$PY" -c 'import jsonschema' 2>/dev/null || { echo "python3-jsonschema not installed"; exit 77; }
use_test_policy # the package has no datasets: only the pickle finding decides
PLUGINS_ONLY=pickle-code,onnx-integrity,package-anomaly

mkdir -p "$SANDBOX/in/bad"
cp "$TOP_SRCDIR/examples/models/demo.onnx" "$SANDBOX/in/bad/model.onnx"
printf "cposix\nsystem\n(S'echo pwned'\ntR." >"$SANDBOX/in/bad/weights.pkl"

scan() { # NAME ARGS...: a scan of the package writing every report as NAME.*
  n=$1
  shift
  scan_all "$n" "$SANDBOX/in/bad" --only $PLUGINS_ONLY "$@"
}

scan first
expect_status 1 "the package fails the gate without waivers"
fp=$(json_get first.json "[f['fingerprint'] for f in d['findings'] if f['fails_gate']][0]")
rule=$(json_get first.json "[f['rule'] for f in d['findings'] if f['fails_gate']][0]")
digest=$(json_get first.json "d['package']['sha256']")
failing=$(json_get first.json "len([f for f in d['findings'] if f['fails_gate']])")
expect_eq "$failing" 1 "one failing finding (the pickle)"

# waivers FILE ENTRY...: a waivers file of those entries.
waivers() {
  out_file=$1
  shift
  { printf '{"format": "modelgate-waivers", "version": 1, "waivers": ['
    sep=""
    for e in "$@"; do printf '%s%s' "$sep" "$e"; sep=","; done
    printf ']}\n'; } >"$out_file"
}
entry() { # ID TARGET-JSON DIGEST APPROVED EXPIRES
  printf '{"id": "%s", %s, "package_sha256": "%s", "reason": "loaded only in the sandbox <ok> & filed", "approved_by": "R. Viewer", "approved_on": "%s", "expires": "%s"}' \
    "$1" "$2" "$3" "$4" "$5"
}

# --- A valid waiver: the gate passes, every report says waived. ---------
waivers ok.waivers.json "$(entry W-1 "\"fingerprint\": \"$fp\"" "$digest" 2026-01-01 2099-12-31)"
scan waived --waivers ok.waivers.json
expect_status 0 "the waived finding no longer fails the gate"
expect_eq "$(json_get waived.json "[(f['severity'], f['fails_gate'], f['waived']['waiver'], f['waived']['approved_by']) for f in d['findings'] if f['waived']]")" \
  "[('critical', False, 'W-1', 'R. Viewer')]" "JSON: waived, severity kept, not failing the gate"
expect_eq "$(json_get waived.json "[(w['id'], w['state'], len(w['findings'])) for w in d['waivers']['entries']]")" \
  "[('W-1', 'applied', 1)]" "JSON: the waivers section says it applied"
expect_eq "$(json_get waived.json "[(c['status'], c['decided_by']) for c in d['controls'] if c['decided_by'] == 'reviewer']")" \
  "[('pass', 'reviewer')]" "JSON: the control it failed is decided by the reviewer"
expect_eq "$(xp waived.xml "string(//finding[waived]/waived/@waiver)")" "W-1" "XML: the waived element"
expect_eq "$(xp waived.xml "count(//finding[@fails-gate = 'true'])")" 0 "XML: nothing fails the gate"
if "$XMLLINT" --noout --schema "$JUNIT_XSD" waived.junit.xml 2>/dev/null; then
  pass "JUnit valid against the XSD"
else
  fail "JUnit not valid against the XSD"
fi
expect_eq "$(xp waived.junit.xml "count(//testsuite[@package = 'modelgate.findings']//failure)")" 0 \
  "JUnit: the waived finding's testcase is not a failure"
expect_eq "$(xp waived.junit.xml "count(//testsuite[@package = 'modelgate.findings']/testcase[contains(system-out, 'WAIVED by R. Viewer') and contains(system-out, 'loaded only in the sandbox')])")" 1 \
  "JUnit: its system-out says waived, by whom and why"
expect_eq "$(xp waived.junit.xml "count(//property[substring(@name, string-length(@name) - 6) = '.waived'])")" 1 \
  "JUnit: a .waived property"
expect_eq "$(hp waived.html "count(//article[contains(@class, 'finding')]//span[contains(@class, 'waived')])")" 1 \
  "HTML: a waived badge on the finding"
expect_eq "$(hp waived.html "count(//p[@class = 'waived'][contains(., 'loaded only in the sandbox <ok> & filed')])")" 1 \
  "HTML: the reason under the finding"

# --- Waivers that do nothing: expired, another package, no match. ------
waivers noop.waivers.json \
  "$(entry old "\"rule\": \"$rule\"" "$digest" 2020-01-01 2020-12-31)" \
  "$(entry elsewhere "\"fingerprint\": \"$fp\"" 1111111111111111111111111111111111111111111111111111111111111111 2026-01-01 2099-12-31)" \
  "$(entry typo "\"rule\": \"pickle-code.no-such-rule\"" "$digest" 2026-01-01 2099-12-31)"
scan noop --waivers noop.waivers.json # -q: the warnings are printed all the same
expect_status 1 "expired, foreign and unmatched waivers leave the gate failing"
expect_eq "$(json_get noop.json "[(w['id'], w['state'], len(w['findings'])) for w in d['waivers']['entries']]")" \
  "[('old', 'expired', 1), ('elsewhere', 'other-package', 1), ('typo', 'unmatched', 0)]" \
  "JSON: each waiver's state"
expect_eq "$(json_get noop.json "[f['waived'] for f in d['findings'] if f['fails_gate']]")" "[None]" \
  "JSON: the finding is not waived"
expect_err "noop.waivers.json: waiver old expired on 2020-12-31; it waives nothing" "stderr: expired"
expect_err "waiver elsewhere is for another package digest" "stderr: other package"
expect_err "waiver typo matches no finding" "stderr: unmatched"
expect_eq "$(hp noop.html "count(//p[contains(@class, 'waivers')][contains(., 'old expired')])")" 1 \
  "HTML: the waivers line names the expired one"

# --- Malformed files: one line, exit 2, nothing unpacked or written. ---
printf '{"format": "modelgate-waivers", "version": 1, "waivers": [' >cut.waivers.json
waivers typo.waivers.json "$(entry W-1 "\"fingerprint\": \"$fp\"" "$digest" 2026-01-01 2099-12-31 | sed 's/"expires"/"expire"/')"
waivers date.waivers.json "$(entry W-1 "\"rule\": \"$rule\"" "$digest" 2026-01-01 2026-02-30)"
printf '{"schema": "modelgate-results/1", "package": {}, "findings": [{"id": "F0001", "rule": "a.b", "title": "t", "severity": "high"}]}' >old.json
before=$(snapshot)
check_usage() { # OPTION FILE MESSAGE-REGEX WHAT
  run_mg scan "$SANDBOX/in/bad" --only $PLUGINS_ONLY "$1" "$2" --json never.json
  if expect_status 2 "$4" && expect_err "^modelgate: error: $3" "$4: names the file and the problem"; then
    [ "$(printf '%s\n' "$err" | wc -l)" -eq 1 ] && pass "$4: one line, exit 2" ||
      fail "$4: more than one line: $err"
  fi
  [ "$(snapshot)" = "$before" ] && pass "$4: nothing unpacked or written" ||
    fail "$4: the sandbox changed: $(snapshot)"
}
check_usage --waivers cut.waivers.json "cut.waivers.json:1:[0-9]+: " "truncated waivers file"
check_usage --waivers typo.waivers.json 'typo.waivers.json: waivers\[0\]: unknown key "expire"' "misspelt key"
check_usage --waivers date.waivers.json 'date.waivers.json: waivers\[0\].expires: not a calendar date' "impossible date"
check_usage --waivers missing.json 'missing.json: No such file' "missing waivers file"
check_usage --baseline old.json 'old.json: findings\[0\] has no fingerprint' "baseline without fingerprints"
check_usage --baseline ok.waivers.json 'ok.waivers.json: not a modelgate JSON results document' "baseline of another kind"
check_usage --baseline /dev/null '/dev/null: not a regular file' "baseline from a device"

# --- Baselines: the same scan twice, a finding gone, a finding new. ----
scan again --baseline first.json
expect_status 1 "a baseline does not change the verdict"
expect_eq "$(json_get again.json "(sorted({f['baseline'] for f in d['findings']}), d['baseline']['unchanged'] == len(d['findings']), d['baseline']['gone'])")" \
  "(['unchanged'], True, [])" "same scan twice: every finding unchanged, none gone"
cp -r "$SANDBOX/in/bad" "$SANDBOX/in/bad.keep"
rm "$SANDBOX/in/bad/weights.pkl"
printf "cposix\nsystem\n(S'echo again'\ntR." >"$SANDBOX/in/bad/other.pkl"
scan changed --baseline first.json
expect_eq "$(json_get changed.json "[(g['fingerprint'] == '$fp', g['rule'], g['artifact']) for g in d['baseline']['gone']]")" \
  "[(True, '$rule', 'weights.pkl')]" "the dropped finding is gone"
expect_eq "$(json_get changed.json "[(f['artifact'], f['baseline']) for f in d['findings'] if f['fails_gate']]")" \
  "[('other.pkl', 'new')]" "the finding about the new file is new"
expect_eq "$(xp changed.junit.xml "count(//property[substring(@name, string-length(@name) - 8) = '.baseline'][@value = 'new'])")" 1 \
  "JUnit: a .baseline property"
expect_eq "$(hp changed.html "count(//p[contains(@class, 'baseline')][contains(., ' gone')])")" 1 \
  "HTML: the baseline summary line"
rm -rf "$SANDBOX/in/bad"
mv "$SANDBOX/in/bad.keep" "$SANDBOX/in/bad"

# The documented example is accepted as it stands.
"$PY" -c 'import re, sys; print(re.search(r"```json\n(.*?)```", open(sys.argv[1]).read(), re.S).group(1))' \
  "$TOP_SRCDIR/docs/waivers.md" >doc.waivers.json
scan doc --waivers doc.waivers.json
expect_status 1 "the example of docs/waivers.md is a valid waivers file (for another package)"
expect_eq "$(json_get doc.json "[w['state'] for w in d['waivers']['entries']]")" \
  "['other-package', 'other-package']" "its waivers are for another package digest"

# Fingerprints of findings naming rows and classes (the rich test plugin),
# scanned twice: the same, and distinct within one report.
make_pkg "$SANDBOX/in/rich"
scan_all rich1 "$SANDBOX/in/rich" --plugins "$PLUGINS" --only mgtest-rich,mgtest-rich-b
scan_all rich2 "$SANDBOX/in/rich" --plugins "$PLUGINS" --only mgtest-rich,mgtest-rich-b
expect_eq "$(json_get rich1.json "[f['fingerprint'] for f in d['findings']]")" \
  "$(json_get rich2.json "[f['fingerprint'] for f in d['findings']]")" \
  "fingerprints of findings with rows and labels are stable across scans"
expect_eq "$(json_get rich1.json "len({f['fingerprint'] for f in d['findings']}) == len(d['findings']) > 2")" True \
  "distinct findings have distinct fingerprints"

out=$("$PY" - "$SARIF_SCHEMA" "$RESULTS_SCHEMA" "$fp" "$TOP_SRCDIR/docs/waivers.schema.json" <<'PYEOF'
import json, sys
import jsonschema
sarif = jsonschema.Draft4Validator(json.load(open(sys.argv[1])))
results = jsonschema.Draft202012Validator(json.load(open(sys.argv[2])))
fp = sys.argv[3]
def check(ok, what):
    print(("ok: " if ok else "FAIL: ") + what)
waivers_schema = jsonschema.Draft202012Validator(json.load(open(sys.argv[4])))
for name in ["ok", "noop", "doc", "date"]:
    errors = list(waivers_schema.iter_errors(json.load(open(name + ".waivers.json"))))
    check(not errors, "%s.waivers.json: valid against docs/waivers.schema.json %s" % (name, [e.message[:200] for e in errors[:2]]))
check(not waivers_schema.is_valid(json.load(open("typo.waivers.json"))), "the schema rejects a misspelt key")
for name in ["first", "waived", "noop", "again", "changed", "doc"]:
    errors = list(sarif.iter_errors(json.load(open(name + ".sarif"))))
    check(not errors, "%s: valid SARIF 2.1.0 %s" % (name, [e.message[:200] for e in errors[:2]]))
    errors = list(results.iter_errors(json.load(open(name + ".json"))))
    check(not errors, "%s: valid results JSON %s" % (name, [e.message[:200] for e in errors[:2]]))
def run(name):
    return json.load(open(name + ".sarif"))["runs"][0]
by_fp = {r["fingerprints"]["modelgate/v1"]: r for r in run("waived")["results"] if "fingerprints" in r}
sup = by_fp[fp].get("suppressions", [])
check(len(sup) == 1 and sup[0]["kind"] == "external" and sup[0]["status"] == "accepted"
      and "loaded only in the sandbox" in sup[0]["justification"] and "R. Viewer" in sup[0]["justification"],
      "SARIF: the waived result has an accepted external suppression with the justification")
check(by_fp[fp]["level"] == "error", "SARIF: the waived result keeps its level")
check(all("suppressions" not in r for r in run("noop")["results"]), "SARIF: no suppression without a valid waiver")
check({r.get("baselineState") for r in run("again")["results"]} == {"unchanged"}, "SARIF: all unchanged")
states = sorted(r.get("baselineState") for r in run("changed")["results"])
check("absent" in states and "new" in states, "SARIF: new and absent results: %s" % states)
absent = [r for r in run("changed")["results"] if r.get("baselineState") == "absent"]
rules = [r["id"] for r in run("changed")["tool"]["driver"]["rules"]]
check(len(absent) == 1 and absent[0]["fingerprints"]["modelgate/v1"] == fp
      and rules[absent[0]["ruleIndex"]] == absent[0]["ruleId"], "SARIF: the gone finding, with its rule")
check(all("baselineState" not in r for r in run("first")["results"]), "SARIF: no baselineState without a baseline")
a, b = (json.load(open(n + ".json")) for n in ("first", "again"))
check([f["fingerprint"] for f in a["findings"]] == [f["fingerprint"] for f in b["findings"]],
      "fingerprints stable across scans of the same package")
PYEOF
)
tally_checks "$out"
finish
