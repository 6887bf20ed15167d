#!/bin/sh
# JSON report: every document a scan or verify writes validates against
# docs/results.schema.json (with Debian's python3-jsonschema), the schema
# rejects what it should, and the JSON says what the XML results say: each
# test plugin's status, findings, controls, the gate marks, the exit code.
. "$TOP_SRCDIR/tests/report/lib.sh"

"$PY" -c 'import jsonschema' 2>/dev/null || { echo "python3-jsonschema not installed"; exit 77; }

standard_scans
pass_scan
incomplete_scan
run_mg verify "$SANDBOX/in/tampered" --registry "$SANDBOX/in/approved.json" --json verify.json
verify_status=$status

check=$("$PY" - "$RESULTS_SCHEMA" mixed.json registry.json error.json pass.json verify.json incomplete.json <<'PYEOF'
import json, sys
import jsonschema
schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
v = jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())
for path in sys.argv[2:]:
    errors = sorted(v.iter_errors(json.load(open(path))), key=lambda e: list(e.absolute_path))
    for e in errors[:5]:
        print("%s: %s: %s" % (path, "/".join(str(p) for p in e.absolute_path), e.message[:300]))
    if not errors:
        print("%s: valid" % path)
# The schema is not vacuous: broken documents are rejected.
good = json.load(open(sys.argv[2]))
def broken(change):
    d = json.loads(json.dumps(good))
    change(d)
    return not v.is_valid(d)
cases = {
    "unknown verdict": lambda d: d.update(verdict="maybe"),
    "exit code not matching the verdict": lambda d: d.update(exit_code=0),
    "missing package": lambda d: d.pop("package"),
    "plugin status": lambda d: d["plugins"][0].update(status="crashed"),
    "finding severity": lambda d: d["findings"][0].update(severity="severe"),
    "finding without a fingerprint": lambda d: d["findings"][0].pop("fingerprint"),
    "waived finding failing the gate": lambda d: d["findings"][0].update(fails_gate=True, waived={
        "waiver": "W", "reason": "r", "approved_by": "a", "approved_on": "2026-01-01",
        "expires": "2026-01-02"}),
    "control decided by someone else": lambda d: d["controls"][0].update(decided_by="auditor"),
    "negative sample row": lambda d: [f["samples"]["indices"].append(-1) for f in d["findings"] if f["samples"]],
    "unknown top-level key": lambda d: d.update(surprise=1),
    "control status": lambda d: d["controls"][0].update(status="maybe"),
}
for what, change in cases.items():
    print("rejects %s: %s" % (what, "yes" if broken(change) else "NO"))
PYEOF
)
printf '%s\n' "$check" | while IFS= read -r line; do
  case "$line" in
  *": valid" | *": yes") echo "ok: $line" ;;
  esac
done
bad=$(printf '%s\n' "$check" | grep -v -e ': valid$' -e ': yes$')
expect_eq "$bad" "" "every JSON report valid, and the schema rejects broken documents"
expect_eq "$(printf '%s\n' "$check" | grep -c ': valid$')" 6 "six documents validated"

# Each test plugin with its expected status.
st() { json_get mixed.json "[p['status'] for p in d['plugins'] if p['name'] == '$1'][0]"; }
expect_eq "$(st mgtest-good)/$(st mgtest-crash)/$(st mgtest-future)/$(st mgtest-hang)/$(st mgtest-model)" \
  "ok/error/error/timeout/skipped" "plugin statuses: good ok, crash error, newer major error, hang timeout, unmet needs skipped"
json_get mixed.json "[p['message'] for p in d['plugins'] if p['name'] == 'mgtest-hang'][0]" |
  grep -q "wall-clock limit of $HANG_TIMEOUT s" && pass "timeout message" || fail "timeout message"

# JSON and XML are views of the same results.
R=/modelgate-results
for n in mixed registry error pass incomplete; do
  j="$(json_get "$n.json" "d['verdict']") $(json_get "$n.json" "len(d['findings'])") $(json_get "$n.json" "' '.join(c['id'] + '=' + c['status'] for c in d['controls'])")"
  x=$("$PY" -c 'import sys, xml.etree.ElementTree as ET
r = ET.parse(sys.argv[1]).getroot()
print(r.get("verdict"), len(r.findall("findings/finding")),
      " ".join(c.get("id") + "=" + c.get("status") for c in r.iter("control") if c.get("id")))' "$n.xml")
  expect_eq "$j" "$x" "$n: JSON and XML agree on verdict, findings and control statuses"
done
expect_eq "$(json_get mixed.json 'd["exit_code"]')/$(json_get error.json 'd["exit_code"]')/$(json_get pass.json 'd["exit_code"]')/$(json_get verify.json 'd["exit_code"]')/$(json_get incomplete.json 'd["exit_code"]')" \
  "$mixed_status/$error_status/$pass_status/$verify_status/$incomplete_status" "exit_code is the exit status"
expect_eq "$(json_get incomplete.json "[(c['status'], c['required'], c['fails_gate']) for c in d['controls'] if c['id'] == 'CTL-10'][0]")" \
  "('error', True, False)" "a required control without evidence does not fail the gate (the scan is incomplete)"
expect_eq "$(json_get mixed.json "sum(1 for f in d['findings'] if f['fails_gate'] != (['info','low','medium','high','critical'].index(f['severity']) >= ['info','low','medium','high','critical'].index(d['policy']['fail_on'])))")" 0 \
  "fails_gate marks exactly the findings at or above fail_on"
expect_eq "$(json_get mixed.json "[(f['label'], f['samples']['dataset'], f['samples']['count'], f['samples']['indices'][:3]) for f in d['findings'] if f['rule'] == 'mgtest-rich.backdoor-class'][0]")" \
  "(7, 'train', 40, [1, 4, 7])" "label and sample rows of a finding"
expect_eq "$(json_get mixed.json "sorted(set(i for c in d['controls'] for i in c['findings']) - set(f['id'] for f in d['findings']))")" "[]" \
  "controls refer to findings that exist"
expect_eq "$(json_get mixed.json "[c['attestation']['by'] for c in d['controls'] if c['status'] == 'attested']")" \
  "['J. Doe, ML platform', 'A. Reviewer']" "attested controls carry the attestation"
expect_eq "$(json_get mixed.json "sorted({(c['status'] == 'attested', c['decided_by']) for c in d['controls']}, key=str)")" \
  "[(False, None), (True, 'vendor')]" "attested controls are decided by the vendor, the others by evidence"
expect_eq "$(json_get registry.json "[a['registry'] for a in d['artifacts'] if a['path'] in ('weights <&>.bin', 'README.txt')]")" \
  "['unknown', 'mismatch']" "registry status per artifact"
finish
