#!/bin/sh
# The GitHub Action (action.yml) and the GitLab CI template, run here by
# tests/integrations/run_steps.py the way their runners would: the action's
# steps in order with their `if:` conditions and inputs, the template's job
# script with its variables. Checked: each input and variable reaches
# modelgate (the JSON report says so), the SARIF upload and the artifact get
# existing files, the job fails exactly when modelgate says so, and the
# definitions never splice an input into a script's text.
# shellcheck source=tests/integrations/lib.sh
. "$TOP_SRCDIR/tests/integrations/lib.sh"
make_packages
ACTION="$TOP_SRCDIR/action.yml"
TEMPLATE="$TOP_SRCDIR/integrations/gitlab/modelgate.gitlab-ci.yml"
trace="$SANDBOX/trace.json"

# run_action DIR INPUTS-JSON: runs the action in DIR (a fresh workspace with
# the packages), leaving the trace in $trace.
run_action() {
  mkdir -p "$1"
  cp -r "$SANDBOX/in/bad" "$SANDBOX/in/clean" "$1/"
  "$PY" "$TOP_SRCDIR/tests/integrations/run_steps.py" action "$ACTION" "$1" "$2" >"$trace" 2>"$SANDBOX/run.err" ||
    { fail "run_steps.py action: $(cat "$SANDBOX/run.err")"; finish; }
}
# step NAME-PATTERN EXPR: a python expression on the step `s` whose name matches.
step() {
  json_get "$trace" "[s for s in d['steps'] if __import__('re').search(r'''$1''', s['name'])][0]" >/dev/null ||
    { fail "no step named like $1"; return; }
  json_get "$trace" "(lambda s: $2)([s for s in d['steps'] if __import__('re').search(r'''$1''', s['name'])][0])"
}

# --- static: the definitions ----------------------------------------------------
if "$PY" - "$ACTION" "$TEMPLATE" <<'EOF'
import re, sys, yaml
action = yaml.safe_load(open(sys.argv[1]))
bad = []
inputs = action["inputs"]
for name in ("package", "registry", "fail-on", "rules", "args", "output-dir", "install-deps", "upload-sarif", "no-fail"):
    if name not in inputs or not inputs[name].get("description"):
        bad.append(f"input {name} missing or undocumented")
if not inputs["package"].get("required"):
    bad.append("input package is not required")
text = yaml.safe_dump(action["runs"])
for name in inputs:
    if not re.search(rf"inputs\.{re.escape(name)}\b", text):
        bad.append(f"input {name} is used by no step")
steps = action["runs"]["steps"]
if action["runs"]["using"] != "composite":
    bad.append("not a composite action")
for s in steps:
    if "run" in s and "${{" in s["run"]:
        bad.append(f"step {s.get('name')}: an expression inside run: (inputs must come through env:)")
scan = [s for s in steps if s.get("id") == "scan"]
if not scan or "$GITHUB_ACTION_PATH/integrations/modelgate-ci" not in scan[0]["run"]:
    bad.append("the scan step does not run integrations/modelgate-ci")
uses = {s.get("uses", "").split("@")[0]: s for s in steps}
for u in ("github/codeql-action/upload-sarif", "actions/upload-artifact"):
    if u not in uses:
        bad.append(f"no {u} step")
    elif "always()" not in str(uses[u].get("if", "")):
        bad.append(f"{u} does not run when the scan failed (no always())")
gitlab = yaml.safe_load(open(sys.argv[2]))
job = gitlab.get(".modelgate-scan")
if not job:
    bad.append("the GitLab template has no .modelgate-scan job")
else:
    if job["variables"].get("MODELGATE_IMAGE") != "debian:bookworm":
        bad.append("the GitLab job does not default to debian:bookworm")
    if job["artifacts"].get("when") != "always":
        bad.append("GitLab artifacts are not kept when the job fails")
    if "junit" not in job["artifacts"].get("reports", {}):
        bad.append("GitLab has no artifacts:reports:junit")
    if "integrations/modelgate-ci" not in "\n".join(job["script"]):
        bad.append("the GitLab script does not run integrations/modelgate-ci")
for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
then
  pass "action.yml and the GitLab template declare what the README documents"
else
  fail "static checks of action.yml and the GitLab template"
fi

# --- the action on a failing package ----------------------------------------------
ws="$SANDBOX/ws-bad"
run_action "$ws" '{"package": "bad", "install-deps": "false", "args": "--only pickle-code,package-anomaly  --seed 3"}'
[ "$(json_get "$trace" "d['outputs']['verdict'], d['outputs']['exit-code'], d['conclusion']")" = "('fail', '1', 'failure')" ] &&
  pass "failing package: outputs verdict fail, exit-code 1, the job fails" ||
  fail "failing package: $(json_get "$trace" "d['outputs'], d['conclusion']")"
[ "$(step 'Scan' "s['exit']")" = 0 ] || fail "the scan step itself failed: $(step 'Scan' "s['stderr']")"
sarif=$(step 'SARIF' "s['ran'] and s['with']['sarif_file']")
[ -s "$ws/$sarif" ] && [ "$(json_get "$ws/$sarif" "d['version']")" = 2.1.0 ] &&
  pass "upload-sarif gets the SARIF report ($sarif)" || fail "upload-sarif got '$sarif'"
dir=$(step 'Keep' "s['ran'] and s['with']['path']")
[ -s "$ws/$dir/modelgate.html" ] && [ -s "$ws/$dir/modelgate.junit.xml" ] && [ -s "$ws/$dir/modelgate.json" ] &&
  pass "upload-artifact gets the directory with the HTML, JUnit and JSON reports" || fail "upload-artifact got '$dir'"
gate_out=$(step 'verdict' "s['stdout']")
[ "$(step 'verdict' "s['exit']")" = 1 ] && case $gate_out in "::error title=modelgate::"*) true ;; *) false ;; esac &&
  pass "the last step fails with modelgate's status 1 and an error annotation" || fail "gate step: $(step 'verdict' "s")"
[ "$(json_get "$trace" "d['outputs']['failed-controls']")" = "$(gate_controls "$ws/modelgate-reports/modelgate.json")" ] ||
  fail "output failed-controls differs from the JSON report"
[ "$(json_get "$ws/modelgate-reports/modelgate.json" "sorted(p['name'] for p in d['plugins'])")" = \
  "['package-anomaly', 'pickle-code']" ] && pass "the args input (two options) reaches modelgate" ||
  fail "args did not reach modelgate"

# --- passing package: registry, rules and fail-on inputs reach modelgate ----------
ws="$SANDBOX/ws-clean"
mkdir -p "$ws"
"$MODELGATE" registry add "$ws/approved.json" --package "$SANDBOX/in/clean" >/dev/null ||
  fail "making a registry"
run_action "$ws" "{\"package\": \"clean\", \"install-deps\": \"false\", \"registry\": \"approved.json\",
  \"rules\": \"$TEST_RULES\", \"fail-on\": \"critical\", \"output-dir\": \"out/reports\"}"
[ "$(json_get "$trace" "d['outputs']['verdict'], d['conclusion']")" = "('pass', 'success')" ] &&
  pass "passing package: verdict pass, the job succeeds" || fail "passing package: $(cat "$trace")"
report="$ws/out/reports/modelgate.json"
[ "$(json_get "$report" "d['registry']['path'], d['policy']['fail_on']")" = "('approved.json', 'critical')" ] &&
  [ "$(json_get "$report" "sorted(set(a['registry'] for a in d['artifacts']))")" = "['approved']" ] &&
  pass "the registry, fail-on and output-dir inputs reach modelgate" || fail "inputs not in the report"

# --- no-fail and upload-sarif off ------------------------------------------------------
ws="$SANDBOX/ws-nofail"
run_action "$ws" '{"package": "bad", "install-deps": "false", "no-fail": "true", "upload-sarif": "false"}'
[ "$(json_get "$trace" "d['outputs']['verdict'], d['conclusion']")" = "('fail', 'success')" ] &&
  [ "$(step 'SARIF' "s['ran']")" = False ] && [ "$(step 'verdict' "s['ran']")" = False ] &&
  pass "no-fail: the job succeeds with verdict fail in the outputs; upload-sarif false skips the upload" ||
  fail "no-fail: $(cat "$trace")"

# --- a missing package ------------------------------------------------------------------
ws="$SANDBOX/ws-missing"
run_action "$ws" '{"package": "vendor-model.tar.zst", "install-deps": "false"}'
[ "$(json_get "$trace" "d['outputs']['exit-code'], d['conclusion']")" = "('2', 'failure')" ] &&
  [ "$(step 'SARIF' "s['ran']")" = False ] && [ "$(step 'verdict' "s['exit']")" = 2 ] &&
  pass "a missing package fails the job with 2 and uploads no SARIF" || fail "missing package: $(cat "$trace")"

# --- GitLab ----------------------------------------------------------------------------------
# run_job DIR VARIABLES-JSON: runs the template's job in DIR.
run_job() {
  mkdir -p "$1"
  cp -r "$SANDBOX/in/bad" "$SANDBOX/in/clean" "$1/" 2>/dev/null
  "$PY" "$TOP_SRCDIR/tests/integrations/run_steps.py" gitlab "$TEMPLATE" .modelgate-scan "$1" "$2" >"$trace" \
    2>"$SANDBOX/run.err" || { fail "run_steps.py gitlab: $(cat "$SANDBOX/run.err")"; finish; }
}
job="$SANDBOX/job-bad"
run_job "$job" "{\"MODELGATE_PACKAGE\": \"bad\", \"MODELGATE_SOURCE_DIR\": \"$TOP_SRCDIR\",
  \"MODELGATE_ARGS\": \"--only pickle-code  --seed 5\"}"
[ "$(json_get "$trace" "d['exit'], d['image'], d['when']")" = "(1, 'debian:bookworm', 'always')" ] &&
  pass "GitLab: a failing package fails the job with 1, on debian:bookworm, artifacts kept always" ||
  fail "GitLab failing package: $(cat "$trace")"
junit=$(json_get "$trace" "d['reports']['junit']")
dotenv=$(json_get "$trace" "d['reports']['dotenv']")
"${XMLLINT:-xmllint}" --noout "$job/$junit" 2>/dev/null && grep -qx MODELGATE_VERDICT=fail "$job/$dotenv" &&
  [ -d "$job/$(json_get "$trace" "d['paths'][0]")" ] &&
  pass "GitLab: the JUnit report, the dotenv verdict and the artifact directory are where the template says" ||
  fail "GitLab reports: junit=$junit dotenv=$dotenv"
[ "$(json_get "$job/modelgate-reports/modelgate.json" "[p['name'] for p in d['plugins']]")" = "['pickle-code']" ] &&
  pass "GitLab: MODELGATE_ARGS (several options) reach modelgate" || fail "MODELGATE_ARGS did not reach modelgate"

# Cloned from MODELGATE_GIT_URL (twice: the second run updates the cached clone).
mgrepo="$SANDBOX/modelgate.git"
mkdir -p "$mgrepo"
cp -r "$TOP_SRCDIR/integrations" "$mgrepo/"
(cd "$mgrepo" && git init -q -b main && git add -A &&
  git -c user.name=t -c user.email=t@t.invalid commit -qm modelgate) || fail "making a modelgate repository"
job="$SANDBOX/job-clone"
vars="{\"MODELGATE_PACKAGE\": \"clean\", \"MODELGATE_GIT_URL\": \"file://$mgrepo\", \"MODELGATE_RULES\": \"$TEST_RULES\"}"
run_job "$job" "$vars"
[ "$(json_get "$trace" "d['exit']")" = 0 ] && [ -x "$job/.modelgate/src/integrations/modelgate-ci" ] &&
  pass "GitLab: modelgate-ci cloned from MODELGATE_GIT_URL; a passing package passes" ||
  fail "GitLab clone: $(cat "$trace")"
run_job "$job" "$vars"
[ "$(json_get "$trace" "d['exit']")" = 0 ] && pass "GitLab: a cached clone is updated and used" ||
  fail "GitLab cached clone: $(cat "$trace")"

job="$SANDBOX/job-nofail"
run_job "$job" "{\"MODELGATE_PACKAGE\": \"bad\", \"MODELGATE_SOURCE_DIR\": \"$TOP_SRCDIR\", \"MODELGATE_NO_FAIL\": \"true\"}"
[ "$(json_get "$trace" "d['exit']")" = 0 ] && grep -qx MODELGATE_VERDICT=fail "$job/modelgate-reports/modelgate.env" &&
  pass "GitLab: MODELGATE_NO_FAIL passes the job, the verdict stays in the dotenv report" ||
  fail "GitLab no-fail: $(cat "$trace")"

job="$SANDBOX/job-nosource"
run_job "$job" '{"MODELGATE_PACKAGE": "bad"}'
[ "$(json_get "$trace" "d['exit']")" = 2 ] && case $(json_get "$trace" "d['stderr']") in *"set MODELGATE_GIT_URL"*) true ;; *) false ;; esac &&
  pass "GitLab: without a way to get modelgate the job stops with 2 and says what to set" ||
  fail "GitLab without source: $(cat "$trace")"

# The image built from the Dockerfile has modelgate-ci on PATH: no clone, no build.
mkdir -p "$SANDBOX/image-bin"
ln -s "$TOP_SRCDIR/integrations/modelgate-ci" "$SANDBOX/image-bin/modelgate-ci"
job="$SANDBOX/job-image"
PATH="$SANDBOX/image-bin:$PATH" run_job "$job" '{"MODELGATE_PACKAGE": "bad"}'
[ "$(json_get "$trace" "d['exit']")" = 1 ] && [ ! -e "$job/.modelgate/src" ] &&
  pass "GitLab: modelgate-ci on PATH (the Docker image) is used without cloning" ||
  fail "GitLab with modelgate-ci on PATH: $(cat "$trace")"
finish
