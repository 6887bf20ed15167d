#!/bin/sh
# The configuration file: ./.modelgate.json or --config FILE holds options a
# team sets once; command-line flags win; unknown keys, per-run keys and
# values of the wrong type are usage errors before anything is unpacked.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/cli/lib.sh"
cli_package cli-config
use_test_policy
P="$TOP_BUILDDIR/tests/host/.libs"

echo '{"fail_on": "low"}' >.modelgate.json
refused "unknown key" "\.modelgate\.json: unknown key \"fail_on\" \(did you mean 'fail-on'\?\)$" scan "$pkg" --skip all
echo '{"model": "x.onnx"}' >.modelgate.json
refused "a per-package key" "\.modelgate\.json: \"model\" belongs on the command line, not here$" scan "$pkg"
echo '{"strict": "yes"}' >.modelgate.json
refused "wrong type" "\.modelgate\.json: \"strict\": expected true or false$" scan "$pkg"
echo '{"fail-on": "low",}' >.modelgate.json
refused "malformed JSON" "\.modelgate\.json:1:[0-9]+: " scan "$pkg"
echo '{"set": {"strip.nn": 3}}' >.modelgate.json
refused "a bad plugin setting" "--set strip\.nn=3: plugin strip has no option 'nn' \(did you mean 'n'\?\)$" scan "$pkg"
refused "missing --config" "--config $SANDBOX/in/none.json: No such file or directory$" \
  scan "$pkg" --config "$SANDBOX/in/none.json"
run_mg scan "$pkg" --skip all --no-config -q
expect_status 0 "--no-config" && pass "--no-config ignores ./.modelgate.json"
rm .modelgate.json

# A team file elsewhere, its relative paths taken from its own directory:
# the registry makes the package's files unknown at medium, fail-on medium.
mkdir -p "$SANDBOX/cwd/team"
run_mg registry add team/reg.json "$pkg/modelgate.json" --in-package other
cat >team/modelgate.json <<'J'
{"registry": "reg.json", "unknown-severity": "medium", "fail-on": "medium",
 "skip": ["all"], "quiet": true}
J
run_mg scan "$pkg" --config team/modelgate.json --json r1.json
if [ "$status" -eq 1 ] && [ "$(json_get r1.json 'd["policy"]["fail_on"]')" = medium ] && [ -z "$out" ] &&
  [ "$(json_get r1.json 'd["registry"]["path"]')" = team/reg.json ]; then
  pass "--config FILE: registry (relative to the file), unknown-severity, fail-on, quiet applied"
else
  fail "--config: exit $status, fail_on $(json_get r1.json 'd["policy"]["fail_on"]'), stdout $out"
fi
run_mg scan "$pkg" --config team/modelgate.json --fail-on high --json r2.json
if [ "$status" -eq 0 ] && [ "$(json_get r2.json 'd["policy"]["fail_on"]')" = high ]; then
  pass "a command-line flag wins over the file (--fail-on high)"
else
  fail "precedence: exit $status, fail_on $(json_get r2.json 'd["policy"]["fail_on"]')"
fi

# Plugin settings and selection from ./.modelgate.json; --set on the
# command line wins for the same key.
cat >.modelgate.json <<J
{"plugins": "$P", "only": ["mgtest-good"], "set": {"mgtest-good.echo": "from-file"},
 "timeout": 60}
J
run_mg scan "$pkg" --json r3.json -q
echo_of() { json_get "$1" "[p['evidence'].get('echo') for p in d['plugins'] if p['name']=='mgtest-good'][0]"; }
names=$(json_get r3.json '",".join(p["name"] for p in d["plugins"])')
if [ "$(echo_of r3.json)" = from-file ] && [ "$names" = mgtest-good ]; then
  pass "set, only and plugins come from ./.modelgate.json"
else
  fail "./.modelgate.json: plugins $names, echo $(echo_of r3.json), stderr $err"
fi
run_mg scan "$pkg" --set mgtest-good.echo=from-cli --json r4.json -q
[ "$(echo_of r4.json)" = from-cli ] && pass "--set on the command line wins over the file's" ||
  fail "--set precedence: $(echo_of r4.json)"

finish
