#!/bin/sh
# JUnit report: valid against Jenkins xunit's junit-10.xsd, and a faithful
# view of the results: one suite per checklist section, one testcase per
# control (and per file for CTL-16 with a registry), failure / error /
# skipped exactly where the results say so, ATLAS ids and digests in the
# failure text as well as in properties, names unique within a classname.
. "$TOP_SRCDIR/tests/report/lib.sh"

shared="$TOP_SRCDIR/../shared/schemas/junit-10.xsd"
if [ -f "$shared" ]; then
  cmp -s "$shared" "$JUNIT_XSD" && pass "vendored junit-10.xsd is the shared one" ||
    fail "tests/report/junit-10.xsd differs from $shared"
fi

standard_scans
pass_scan
incomplete_scan

for n in mixed registry error pass incomplete; do
  if [ ! -s "$n.junit.xml" ]; then
    fail "$n: no JUnit report written"
    continue
  fi
  if "$XMLLINT" --noout --schema "$JUNIT_XSD" "$n.junit.xml" 2>"$SANDBOX/xsd.err"; then
    pass "$n: JUnit valid against junit-10.xsd"
  else
    fail "$n: JUnit invalid: $(cat "$SANDBOX/xsd.err")"
  fi
done

# counts N: testcase counts expected from the results document N.xml
# (want_*: tests/lib.sh counts its own failures in $failures).
R=/modelgate-results
counts() {
  x=$1.xml
  pa="$R/checklist/section/control[(@id = 'CTL-16' and $R/registry or @id = 'CTL-17') and (@status = 'pass' or @status = 'fail')]"
  want_tests=$(xp "$x" "2 + count($R/registry) + count($R/checklist/section/control) + count($pa) * count($R/artifacts/artifact) + count($R/plugins/plugin) + count($R/findings/finding)")
  per_file=0
  for id in CTL-16 CTL-17; do
    if [ "$(xp "$x" "count(${pa}[@id = '$id'])")" -eq 1 ]; then
      k=$(xp "$x" "count($R/artifacts/artifact[@path = $R/findings/finding[@fails-gate = 'true'][control/@ref = '$id']/artifact])")
      per_file=$((per_file + k))
    fi
  done
  want_fail=$(xp "$x" "count($R/checklist/section/control[@fails-gate = 'true']) + count($R/findings/finding[@fails-gate = 'true']) + count(${R}[@verdict = 'fail']) + count($R/registry[starts-with(@signature, 'failed')])")
  want_fail=$((want_fail + per_file))
  want_err=$(xp "$x" "count($R/plugins/plugin[@status = 'error' or @status = 'timeout']) + count($R/checklist/section/control[@status = 'error' and not(@fails-gate = 'true')]) + count($R/error) + count(${R}[@verdict = 'error'])")
  want_skip=$(xp "$x" "count($R/plugins/plugin[@status = 'skipped']) + count($R/checklist/section/control[@status = 'not-evaluated' and not(@fails-gate = 'true')])")
}

for n in mixed registry error pass incomplete; do
  j=$n.junit.xml
  counts "$n"
  got="$(xp "$j" 'count(//testcase)') $(xp "$j" 'count(//testcase[failure])') $(xp "$j" 'count(//testcase[error])') $(xp "$j" 'count(//testcase[skipped])')"
  expect_eq "$got" "$want_tests $want_fail $want_err $want_skip" "$n: testcase/failure/error/skipped counts match the results"
  sums="$(xp "$j" 'sum(//testsuite/@tests)') $(xp "$j" 'sum(//testsuite/@failures)') $(xp "$j" 'sum(//testsuite/@errors)') $(xp "$j" 'sum(//testsuite/@skipped)')"
  expect_eq "$sums" "$want_tests $want_fail $want_err $want_skip" "$n: testsuite attributes add up"
  top="$(xp "$j" 'string(/testsuites/@tests)') $(xp "$j" 'string(/testsuites/@failures)') $(xp "$j" 'string(/testsuites/@errors)')"
  expect_eq "$top" "$want_tests $want_fail $want_err" "$n: testsuites totals"
  # Every suite's own counts agree with its testcases.
  bad=$(xp "$j" "count(//testsuite[@tests != count(testcase) or @failures != count(testcase[failure]) or @errors != count(testcase[error]) or @skipped != count(testcase[skipped])])")
  expect_eq "$bad" 0 "$n: each testsuite's counts match its testcases"
  dups=$("$PY" - "$j" <<'PYEOF'
import sys, xml.etree.ElementTree as ET
seen, dups = set(), []
for tc in ET.parse(sys.argv[1]).iter("testcase"):
    key = (tc.get("classname"), tc.get("name"))
    if key in seen:
        dups.append("%s / %s" % key)
    seen.add(key)
print("; ".join(dups))
PYEOF
)
  expect_eq "$dups" "" "$n: testcase names unique within their classname"
done

# One suite per checklist section, one testcase per control.
sections=$(xp mixed.xml "count($R/checklist/section)")
[ "$sections" -ge 5 ] || fail "mixed: only $sections checklist sections in the results"
for i in $(seq 1 "$sections"); do
  title=$(xp mixed.xml "string($R/checklist/section[$i]/@title)")
  want=$(xp mixed.xml "count($R/checklist/section[$i]/control)")
  got=$(xp mixed.junit.xml "count(//testsuite[@name = \"$title\"]/testcase[starts-with(@classname, 'modelgate.checklist.') and not(contains(@classname, '.CTL-'))])")
  expect_eq "$got" "$want" "suite '$title' has one testcase per control"
done
for id in $(xp mixed.xml "$R/checklist/section/control/@id" | sed 's/ id="\([^"]*\)"/\1 /g'); do
  st=$(xp mixed.xml "string($R/checklist/section/control[@id = '$id']/@status)")
  gate=$(xp mixed.xml "string($R/checklist/section/control[@id = '$id']/@fails-gate)")
  tc="//testcase[starts-with(@name, '$id ') and not(contains(@classname, '.CTL-'))]"
  case "$gate/$st" in
  true/*) want=failure ;;
  */error) want=error ;;
  */not-evaluated) want=skipped ;;
  *) want=none ;;
  esac
  got=none
  for k in failure error skipped; do
    [ "$(xp mixed.junit.xml "count($tc/$k)")" -eq 1 ] && got=$k
  done
  expect_eq "$got" "$want" "$id ($st, fails-gate $gate) is a testcase with $want"
  if [ "$want" = failure ]; then
    # GitLab shows only the failure text: every ATLAS id must be in it.
    text=$(xp mixed.junit.xml "string($tc/failure)")
    for t in $(xp mixed.xml "$R/checklist/section/control[@id = '$id']/technique/@ref" | sed 's/ ref="\([^"]*\)"/\1 /g'); do
      printf '%s' "$text" | grep -qF "$t" || fail "$id failure text lacks $t"
    done
  fi
done

# Concrete outcomes of the test plugin set.
tcp() { xp mixed.junit.xml "string(//testcase[@classname = 'modelgate.plugins'][@name = '$1']/$2)"; }
tcp mgtest-crash 'error/@message' | grep -q 'crashed with SIG' && pass "crashing plugin is an error" ||
  fail "crash: $(tcp mgtest-crash 'error/@message')"
[ "$(tcp mgtest-hang 'error/@type')" = plugin.timeout ] && pass "hanging plugin is an error of type plugin.timeout" ||
  fail "hang: $(tcp mgtest-hang 'error/@type')"
tcp mgtest-future 'error/@message' | grep -q 'ABI 2.0' && pass "newer-major plugin refused, as an error" ||
  fail "future: $(tcp mgtest-future 'error/@message')"
tcp mgtest-model 'skipped/@message' | grep -q 'needs a model' && pass "plugin with unmet needs is skipped with the reason" ||
  fail "model: $(tcp mgtest-model 'skipped/@message')"
[ "$(xp mixed.junit.xml "count(//testcase[@classname = 'modelgate.plugins'][@name = 'mgtest-good'][not(*[self::failure or self::error or self::skipped])])")" = 1 ] &&
  pass "good plugin passes" || fail "good plugin testcase"

# A failing control quotes the finding's ATLAS ids and the artifact digest.
digest=$(xp mixed.xml "string($R/artifacts/artifact[@path = 'data/train-images.npy']/@sha256)")
ctl10=$(xp mixed.junit.xml "string(//testcase[starts-with(@name, 'CTL-10 ')]/failure)")
case "$ctl10" in
*AML.T0018.000*AML.T0043.004*"$digest"*) pass "CTL-10 failure text has the ATLAS ids and the digest" ;;
*) fail "CTL-10 failure text: $ctl10" ;;
esac
[ "$(xp mixed.junit.xml "string(//property[@name = 'CTL-10.atlas']/@value)")" = "AML.T0018.000 AML.T0043.004" ] &&
  pass "CTL-10 ATLAS ids in properties" || fail "CTL-10.atlas property"
fid=$(xp mixed.xml "string($R/findings/finding[@rule = 'mgtest-rich.backdoor-class']/@id)")
[ "$(xp mixed.junit.xml "string(//property[@name = '$fid.sha256']/@value)")" = "$digest" ] &&
  pass "finding digest in properties" || fail "$fid.sha256 property"
msg=$(xp mixed.junit.xml "string(//testcase[starts-with(@name, '$fid ')]/failure/@message)")
case "$msg" in
critical:*"$digest"*AML.T0018.000*) pass "a failing finding is a failure whose message has digest and ATLAS ids" ;;
*) fail "finding failure message: $msg" ;;
esac
out=$(xp mixed.junit.xml "string(//testcase[starts-with(@name, 'CTL-08 ')]/system-out)")
[ "$(xp mixed.junit.xml "count(//testcase[starts-with(@name, 'CTL-08 ')]/*[self::failure or self::skipped or self::error])")" = 0 ] &&
  printf '%s' "$out" | grep -q 'attested by J. Doe, ML platform on 2026-10-02: Trained with Opacus DP-SGD' &&
  pass "attested control passes with the attestation in system-out" || fail "CTL-08: $out"
skip=$(xp mixed.junit.xml "string(//testcase[starts-with(@name, 'CTL-03 ')]/skipped/@message)")
[ "$(xp mixed.xml "string($R/checklist/section/control[@id = 'CTL-03']/@status)")" != not-evaluated ] ||
  case "$skip" in
  "CTL-03 not evaluated: "?*) pass "not-evaluated control is skipped with what would evidence it" ;;
  *) fail "CTL-03 skipped: $skip" ;;
  esac

# Registry: CTL-16 per file.
# The altered file's name needs escaping, in XML and in the XPath here.
bad_digest=$(xp registry.xml "string($R/artifacts/artifact[@path = 'weights <&>.bin']/@sha256)")
bad_atlas=$(xp registry.xml "string($R/findings/finding[@rule = 'core.registry.digest-mismatch']/technique[1]/@ref)")
m=$(xp registry.junit.xml "string(//testcase[@classname = 'modelgate.checklist.supply-chain-controls.CTL-16'][@name = 'CTL-16 weights <&>.bin']/failure/@message)")
case "$m" in
*"$bad_digest"*"$bad_atlas"*) [ -n "$bad_atlas" ] && pass "CTL-16 fails for the altered file, with its digest and ATLAS id ($bad_atlas)" ||
  fail "no ATLAS id on the mismatch finding" ;;
*) fail "CTL-16 altered file: '$m'" ;;
esac
[ "$(xp registry.junit.xml "count(//testcase[@name = 'CTL-16 data/train-images.npy'][not(failure)])")" = 1 ] &&
  pass "CTL-16 passes for an approved file" || fail "CTL-16 approved file"
want=$(xp registry.xml "count($R/artifacts/artifact)")
expect_eq "$(xp registry.junit.xml "count(//testcase[@classname = 'modelgate.checklist.supply-chain-controls.CTL-16'])")" "$want" \
  "one CTL-16 testcase per file"
expect_eq "$(xp registry.junit.xml "string(//property[@name = 'CTL-16 weights <&>.bin.sha256']/@value)")" "$bad_digest" \
  "per-file digest in properties"
[ "$(xp mixed.junit.xml "count(//testcase[contains(@classname, '.CTL-16')])")" = 0 ] &&
  pass "no per-file CTL-16 testcases without a registry" || fail "CTL-16 without registry"

# Scan error and the gate testcase.
m=$(xp error.junit.xml "string(//testcase[@name = 'scan completed']/error/@message)")
case "$m" in
*modelgate.json*) pass "a scan error is an error testcase naming the problem" ;;
*) fail "scan error testcase: $m" ;;
esac
expect_eq "$(xp mixed.junit.xml "count(//testcase[@name = 'gate verdict']/failure)")" 1 "failed gate is a failure"
expect_eq "$(xp pass.junit.xml "count(//failure | //error)")" 0 "a passing scan has no failure or error"
expect_eq "$mixed_status/$registry_status/$error_status/$pass_status/$incomplete_status" "1/1/2/0/2" \
  "exit statuses of the scans"
# Missing evidence for a required control: an error, not a failure.
expect_eq "$(xp incomplete.xml "concat($R/checklist/section/control[@id = 'CTL-10']/@status, '/', $R/@verdict)")" \
  "error/error" "incomplete: the required CTL-10 is in error and the verdict is error"
expect_eq "$(xp incomplete.junit.xml "count(//testcase[starts-with(@name, 'CTL-10 ')]/error)")" 1 \
  "a required control without its evidence is an error testcase"
xp incomplete.junit.xml "string(//testcase[@name = 'gate verdict']/error)" |
  grep -q "control CTL-10 required by the policy, its evidence is missing" &&
  pass "the gate testcase names the required control without evidence" || fail "incomplete gate text"
finish
