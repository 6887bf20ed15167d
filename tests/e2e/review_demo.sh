#!/bin/sh
# Waivers and baselines on the demo package (examples/demo, a backdoored
# Fashion-MNIST classifier) with the real detectors and the shipped policy:
# the first scan fails; the reviewer waives exactly the failing findings by
# fingerprint for this package's digest; the second scan of the same package
# passes, every report shows the findings waived, and against the first
# scan as baseline every finding is unchanged (fingerprints are stable with
# real detectors); the same waivers expired leave the gate failing and are
# reported. Neural Cleanse is skipped for time: the demo's failing findings
# come from the data detectors and STRIP.
. "$TOP_SRCDIR/tests/lib.sh"

"$PY" "$TOP_SRCDIR/tests/fixtures/assemble.py" --models "$TOP_SRCDIR/examples/models" --fixture demo \
  -q "$SANDBOX/in" || { echo "FAIL: assembling the demo package" >&2; exit 1; }
demo="$SANDBOX/in/demo"
XSD="$TOP_SRCDIR/tests/report/junit-10.xsd"
XMLLINT=${XMLLINT:-xmllint}
expect_eq() { # actual expected what
  if [ "$1" = "$2" ]; then pass "$3"; else fail "$3: got '$1', expected '$2'"; fi
}

run_mg scan "$demo" --skip neural-cleanse --json first.json -q
expect_status 1 "the demo fails the gate"

# Waivers for exactly the findings that fail the gate, valid until 2099, and
# the same ones expired.
"$PY" - <<'PYEOF'
import json
d = json.load(open("first.json"))
failing = [f for f in d["findings"] if f["fails_gate"]]
assert failing, "no failing finding in the demo"
def waivers(approved, expires):
    return {"format": "modelgate-waivers", "version": 1, "waivers": [
        {"id": "demo-%s" % f["id"], "fingerprint": f["fingerprint"],
         "package_sha256": d["package"]["sha256"],
         "reason": "accepted for the demo: %s" % f["title"], "approved_by": "R. Viewer",
         "approved_on": approved, "expires": expires} for f in failing]}
json.dump(waivers("2026-01-01", "2099-12-31"), open("valid.json", "w"), indent=1)
json.dump(waivers("2025-01-01", "2025-06-30"), open("expired.json", "w"), indent=1)
PYEOF
n=$(json_get first.json "len([f for f in d['findings'] if f['fails_gate']])")

run_mg scan "$demo" --skip neural-cleanse --waivers valid.json --baseline first.json \
  --json waived.json --sarif waived.sarif --junit waived.junit.xml --html waived.html -q
expect_status 0 "the demo with its failing findings waived passes"
expect_eq "$(json_get waived.json "len([f for f in d['findings'] if f['waived'] and not f['fails_gate']])")" "$n" \
  "JSON: the $n findings are waived and do not fail the gate"
expect_eq "$(json_get waived.json "sorted({f['severity'] for f in d['findings'] if f['waived']}) == sorted({f['severity'] for f in json.load(open('first.json'))['findings'] if f['fails_gate']})")" \
  True "JSON: their severities are unchanged"
expect_eq "$(json_get waived.json "[f['baseline'] for f in d['findings'] if f['baseline'] != 'unchanged'] + d['baseline']['gone']")" \
  "[]" "baseline: the same scan again has every finding unchanged and none gone"
expect_eq "$(json_get waived.json "{w['state'] for w in d['waivers']['entries']}")" "{'applied'}" \
  "JSON: every waiver applied"
expect_eq "$(json_get waived.json "[(c['id'], c['status']) for c in d['controls'] if c['decided_by'] == 'reviewer']")" \
  "$(json_get first.json "[(c['id'], 'pass') for c in d['controls'] if c['fails_gate']]")" \
  "JSON: the controls those findings failed pass, decided by the reviewer"
expect_eq "$(json_get waived.sarif "len([r for r in d['runs'][0]['results'] if r.get('suppressions', [{}])[0].get('status') == 'accepted' and r['baselineState'] == 'unchanged'])")" \
  "$n" "SARIF: accepted suppressions, baseline unchanged"
if "$XMLLINT" --noout --schema "$XSD" waived.junit.xml 2>/dev/null; then
  pass "JUnit valid against the XSD"
else
  fail "JUnit not valid against the XSD"
fi
expect_eq "$("$XMLLINT" --xpath "count(//testsuite[@package = 'modelgate.findings']//failure)" waived.junit.xml)" 0 \
  "JUnit: no finding is a failure"
expect_eq "$("$XMLLINT" --xpath "count(//testsuite[@package = 'modelgate.findings']/testcase[contains(system-out, 'WAIVED by R. Viewer')])" waived.junit.xml)" \
  "$n" "JUnit: the waived testcases say so"
expect_eq "$("$XMLLINT" --html --xpath "count(//span[contains(@class, 'badge waived')])" waived.html 2>/dev/null)" \
  "$n" "HTML: a waived badge per waived finding"

run_mg scan "$demo" --skip neural-cleanse --waivers expired.json --json expired-run.json -q
expect_status 1 "expired waivers leave the gate failing"
expect_eq "$(json_get expired-run.json "({w['state'] for w in d['waivers']['entries']}, [f for f in d['findings'] if f['waived']])")" \
  "({'expired'}, [])" "JSON: the waivers are expired and waive nothing"
expect_err "expired.json: waiver demo-F[0-9]+ expired on 2025-06-30; it waives nothing" \
  "stderr names each expired waiver"
finish
