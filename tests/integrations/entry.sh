#!/bin/sh
# integrations/modelgate-ci, the entry script every CI integration runs: the
# exit status is modelgate's (1 on a failing package, 0 on a passing one, 2 on
# a missing one with one line saying so, 0 under --no-fail); every report,
# the summary, GitHub's step outputs and step summary, and GitLab's dotenv
# are written and agree with the JSON report; modelgate is found on PATH or
# built from the checkout; a lone model or data file is scanned.
# shellcheck disable=SC2030,SC2031 # the subshells at the end count their own failures
# shellcheck source=tests/integrations/lib.sh
. "$TOP_SRCDIR/tests/integrations/lib.sh"
make_packages
gh_out="$SANDBOX/gh-output"
gh_sum="$SANDBOX/gh-summary"

# --- a failing package, as a GitHub step -------------------------------------
: >"$gh_out"
: >"$gh_sum"
CI_ENV="GITHUB_OUTPUT=$gh_out GITHUB_STEP_SUMMARY=$gh_sum" run_ci --out r-bad "$SANDBOX/in/bad"
expect_status 1 "failing package" && pass "a failing package exits 1"
for f in modelgate.junit.xml modelgate.sarif modelgate.html modelgate.json modelgate.xml summary.md; do
  [ -s "r-bad/$f" ] || fail "failing package: r-bad/$f not written"
done
"${XMLLINT:-xmllint}" --noout r-bad/modelgate.junit.xml 2>/dev/null || fail "the JUnit report is not XML"
[ "$(json_get r-bad/modelgate.sarif "d['version']")" = 2.1.0 ] || fail "the SARIF report is not SARIF 2.1.0"
[ "$(json_get r-bad/modelgate.json "d['verdict'], d['exit_code']")" = "('fail', 1)" ] ||
  fail "the JSON report does not say fail/1"
pass "the JUnit, SARIF, HTML, JSON and XML reports and summary.md are in --out"

expect_output "$gh_out" verdict fail "failing package" &&
  expect_output "$gh_out" exit-code 1 "failing package" &&
  expect_output "$gh_out" output-dir r-bad "failing package" &&
  expect_output "$gh_out" sarif r-bad/modelgate.sarif "failing package" &&
  expect_output "$gh_out" html r-bad/modelgate.html "failing package" &&
  expect_output "$gh_out" junit r-bad/modelgate.junit.xml "failing package" &&
  expect_output "$gh_out" json r-bad/modelgate.json "failing package" &&
  expect_output "$gh_out" findings "$(json_get r-bad/modelgate.json "len(d['findings'])")" "failing package" &&
  expect_output "$gh_out" gate-findings "$(json_get r-bad/modelgate.json "sum(f['fails_gate'] for f in d['findings'])")" \
    "failing package" &&
  expect_output "$gh_out" failed-controls "$(gate_controls r-bad/modelgate.json)" "failing package" &&
  pass "GITHUB_OUTPUT has the verdict, exit code, report paths and counts of the JSON report"

# The summary names what the reviewer must see first: the worst finding and
# the controls failing the gate, read from the report, not assumed.
title=$(json_get r-bad/modelgate.json "[f['title'] for f in d['findings'] if f['severity']=='critical'][0]")
controls=$(gate_controls r-bad/modelgate.json)
[ -n "$controls" ] || fail "the fixture should fail a control"
line=$(printf '%s\n' "$out" | grep '^modelgate: FAIL (exit 1) for bad: ')
[ "$(printf '%s\n' "$line" | grep -c .)" -eq 1 ] || fail "stdout has no one-line summary: $out"
case $line in *"$title"*) ;; *) fail "summary does not name the worst finding '$title': $line" ;; esac
for c in $(echo "$controls" | tr ',' ' '); do
  case $line in *"$c "*) ;; *) fail "summary does not name control $c: $line" ;; esac
done
case $line in *"Reports in r-bad/: modelgate.html"*) ;; *) fail "summary does not point at the reports: $line" ;; esac
pass "the one-paragraph summary names the worst finding, the failing controls and the reports"

unescaped=$(sed 's/\\//g' "$gh_sum")
case $unescaped in *"FAIL (exit 1)"*"$title"*) ;; *) fail "step summary lacks the verdict or the finding: $unescaped" ;; esac
[ "$(grep -c '^| ' "$gh_sum")" -ge 4 ] || fail "step summary has no control and finding tables"
head -c "$(wc -c <r-bad/summary.md)" "$gh_sum" | cmp -s - r-bad/summary.md ||
  fail "the step summary does not start with summary.md"
pass "GITHUB_STEP_SUMMARY gets the Markdown summary (also in summary.md)"

# The package names itself: its words cannot add HTML, links or mentions to
# the Markdown GitHub renders.
hostile='pkg <img src=x onerror=alert(1)> [click](javascript:alert) @someone *x*'
cp -r "$SANDBOX/in/bad" "$SANDBOX/in/$hostile"
run_ci --out r-hostile "$SANDBOX/in/$hostile"
if [ "$status" -ne 1 ] || [ ! -s r-hostile/summary.md ]; then
  fail "hostile package name: exit $status"
elif grep -q '<img\|[^\\]](\| @someone\|[^\\]\*x' r-hostile/summary.md; then
  fail "summary.md renders the package's words as Markdown or HTML: $(head -n 1 r-hostile/summary.md)"
else
  grep -q '&lt;img src=x onerror=alert(1)&gt; \\\[click\\\](javascript:alert) \\@someone' r-hostile/summary.md &&
    pass "the package's name is shown in the Markdown, escaped" || fail "escaped name not found: $(head -n 1 r-hostile/summary.md)"
fi

# Inside GitHub, what modelgate prints (package names, messages) cannot
# issue workflow commands: it is fenced by stop-commands.
CI_ENV=GITHUB_ACTIONS=true run_ci --out r-bad "$SANDBOX/in/bad"
token=$(printf '%s\n' "$out" | sed -n 's/^::stop-commands::\(.*\)$/\1/p')
if [ -z "$token" ]; then
  fail "no ::stop-commands:: before modelgate's output under GITHUB_ACTIONS"
else
  line_of() { printf '%s\n' "$out" | grep -n -m1 -- "$1" | cut -d: -f1; }
  stop=$(line_of "^::stop-commands::")
  first=$(line_of "FAIL (sha256")
  summary=$(line_of "^modelgate: FAIL (exit 1)")
  resume=$(line_of "^::$token::\$")
  if [ -n "$first" ] && [ -n "$summary" ] && [ -n "$resume" ] && [ "$stop" -lt "$first" ] &&
    [ "$first" -lt "$summary" ] && [ "$summary" -lt "$resume" ]; then
    pass "workflow commands are off while modelgate and the summary print"
  else
    fail "stop-commands does not fence modelgate's output: $out"
  fi
fi

# --- a passing package, scan options passed through -------------------------
: >"$gh_out"
CI_ENV=GITHUB_OUTPUT=$gh_out run_ci --out r-clean "$SANDBOX/in/clean" --rules "$TEST_RULES" --seed 7
expect_status 0 "passing package" && expect_output "$gh_out" verdict pass "passing package" &&
  [ "$(json_get r-clean/modelgate.json "d['verdict']")" = pass ] &&
  pass "a passing package exits 0 with verdict pass"
expect_out '^modelgate: PASS \(exit 0\) for clean: ' "passing summary"

# --- a missing package: one line, exit 2, no stale reports -------------------
: >"$gh_out"
CI_ENV=GITHUB_OUTPUT=$gh_out run_ci --out r-bad "$SANDBOX/in/no-such-package.tar.zst"
expect_status 2 "missing package" &&
  [ "$(printf '%s\n' "$err" | grep -c .)" -eq 1 ] &&
  expect_err "^modelgate-ci: error: .*no-such-package\.tar\.zst: no such file or directory$" "missing package" &&
  pass "a missing package exits 2 with one line on stderr: $err"
[ "$(printf '%s\n' "$out" | grep -c .)" -eq 1 ] || fail "missing package: more than the summary line on stdout: $out"
expect_output "$gh_out" verdict error "missing package" && expect_output "$gh_out" exit-code 2 "missing package" &&
  [ -z "$(output "$gh_out" sarif)" ] && pass "outputs say error and name no SARIF to upload"
[ ! -e r-bad/modelgate.html ] && [ ! -e r-bad/modelgate.sarif ] ||
  fail "reports of the earlier scan were left in the output directory"

# --- --no-fail and the dotenv file -------------------------------------------
: >"$gh_out"
CI_ENV=GITHUB_OUTPUT=$gh_out run_ci --no-fail --dotenv r-nofail.env --out r-nofail "$SANDBOX/in/bad"
expect_status 0 "--no-fail" && expect_output "$gh_out" verdict fail "--no-fail" &&
  expect_output "$gh_out" exit-code 1 "--no-fail" && pass "--no-fail exits 0 and reports verdict fail, exit-code 1"
grep -qx 'MODELGATE_VERDICT=fail' r-nofail.env && grep -qx 'MODELGATE_EXIT_CODE=1' r-nofail.env &&
  grep -qx "MODELGATE_FAILED_CONTROLS=$(gate_controls r-nofail/modelgate.json)" r-nofail.env &&
  pass "--dotenv writes MODELGATE_VERDICT, MODELGATE_EXIT_CODE, MODELGATE_FAILED_CONTROLS" ||
  fail "dotenv: $(cat r-nofail.env)"
CI_ENV="" run_ci --no-fail --out r-nofail "$SANDBOX/in/nothing-here"
expect_status 0 "--no-fail on a missing package" && pass "--no-fail exits 0 on a missing package too"

# --- usage ------------------------------------------------------------------
run_ci --out r-usage "$SANDBOX/in/bad" --json elsewhere.json
expect_status 2 "report option" && expect_err "writes every report into --out" "report option" &&
  pass "report options after PACKAGE are refused (modelgate-ci owns them)"
run_ci --registry reg.json "$SANDBOX/in/bad"
expect_status 2 "scan option before PACKAGE" && expect_err "options for modelgate scan go after PACKAGE" "order" &&
  pass "a scan option before PACKAGE is a usage error that says where it goes"
run_ci --out r-usage "$SANDBOX/in/clean" --no-such-scan-option
expect_status 2 "unknown scan option" && expect_out "no-such-scan-option.*no results document" "unknown scan option" &&
  pass "an unknown scan option reaches modelgate, whose complaint is the summary"
run_ci --top many "$SANDBOX/in/bad"
expect_status 2 "--top many" && pass "--top wants a number"

# --- lone files ---------------------------------------------------------------
run_ci --out r-lone "$SANDBOX/in/weights.pkl"
expect_status 1 "lone pickle" && expect_out "^modelgate: FAIL \(exit 1\) for [^:]*weights[^:]*: .*posix\.system" "lone pickle" &&
  pass "a lone pickle file is scanned and fails the gate"
[ -z "$(find r-lone -name '.lone-file.*')" ] || fail "the lone file's staging directory was left in r-lone"
cp "$SANDBOX/in/weights.pkl" ./-weights.pkl
run_ci --out r-dash -- -weights.pkl
expect_status 1 "a file named like an option" && pass "a file named like an option is scanned as a file"
run_ci --out r-broken "$SANDBOX/in/broken.tar.gz"
expect_status 2 "truncated archive" &&
  case $out in *"one-file directory package"*) fail "a broken archive was retried as a lone file" ;; *) true ;; esac &&
  pass "a truncated archive stays an error (exit 2), not retried as a lone file"

# --- where modelgate comes from -------------------------------------------------
# Each case in a subshell (its own PATH and environment) that counts its own
# failures and reports them as its exit status.
mkdir -p "$SANDBOX/bin"
ln -s "$MODELGATE" "$SANDBOX/bin/modelgate"
(
  failures=0
  unset MODELGATE
  PATH="$SANDBOX/bin:$PATH"
  run_ci --out r-path "$SANDBOX/in/bad"
  expect_status 1 "modelgate from PATH" &&
    case $err in *building*) fail "built although modelgate is on PATH" ;; *) pass "modelgate on PATH is used" ;; esac
  finish
) || failures=$((failures + 1))
# Without modelgate on PATH it builds one from its checkout. Not the
# checkout under test: `make check` is running in that build directory, and a
# second make there relinks the plugins under the other tests' feet. A
# stand-in checkout whose configure records its options and whose "build"
# links the modelgate under test shows the steps the script takes.
(
  failures=0
  real=$MODELGATE
  unset MODELGATE MAKEFLAGS MFLAGS MAKELEVEL
  PATH=/usr/bin:/bin
  command -v modelgate >/dev/null && { fail "a modelgate is installed in /usr/bin: cannot test building"; finish; }
  co=$SANDBOX/checkout
  mkdir -p "$co/integrations"
  cp "$TOP_SRCDIR/integrations/modelgate-ci" "$TOP_SRCDIR/integrations/summary.xsl" "$co/integrations/"
  : >"$co/configure.ac"
  printf '#!/bin/sh\nexit 0\n' >"$co/bootstrap"
  cat >"$co/configure" <<EOF
#!/bin/sh
echo "\$*" >configure.args
printf 'abs_top_srcdir = %s\\nall:\\n\\tln -sf %s modelgate\\n' "$co" "$real" >Makefile
EOF
  chmod +x "$co/bootstrap" "$co/configure"
  CI_SCRIPT=$co/integrations/modelgate-ci run_ci --no-install-deps --out r-build "$SANDBOX/in/bad"
  expect_status 1 "modelgate built from the checkout" &&
    expect_err "building modelgate from $co in $co/build" "build" &&
    grep -q -- --disable-werror "$co/build/configure.args" &&
    pass "without modelgate on PATH, the checkout is configured (without -Werror), built and its modelgate used" ||
    fail "build: configure options: $(cat "$co/build/configure.args" 2>/dev/null)"
  finish
) || failures=$((failures + 1))
finish
