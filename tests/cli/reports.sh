#!/bin/sh
# Reports on standard output, paths that must not be replaced, and reports
# that agree with the exit status when one of them cannot be written
# (including a full disk: "No space left on device").
. "$TOP_SRCDIR/tests/lib.sh"

pkg="$SANDBOX/in/pkg"
mkdir -p "$pkg"
echo '{"name": "cli-reports"}' >"$pkg/modelgate.json"
head -c 1000 /dev/zero >"$pkg/weights.bin"
use_test_policy
SCAN="scan $pkg --skip all"

# json_ok FILE: parses, prints "verdict exit_code".
json_ok() {
  "$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["verdict"], d["exit_code"])' "$1"
}

# --json - writes the report, and only it, to standard output.
run_mg $SCAN --json -
if [ "$status" -eq 0 ] && [ "$(json_ok "$SANDBOX/stdout")" = "pass 0" ] &&
  printf '%s\n' "$err" | grep -q "cli-reports: PASS"; then
  pass "--json - is valid JSON on stdout, the summary on stderr"
else
  fail "--json -: exit $status, stdout $(head -c 200 "$SANDBOX/stdout"), stderr $err"
fi
for k in sarif xml junit html; do
  run_mg $SCAN --$k - -q
  case "$k" in
  sarif) ok=$("$PY" -c 'import json,sys; print(json.load(sys.stdin)["version"])' <"$SANDBOX/stdout") ;;
  html) ok=$(grep -c "<html" "$SANDBOX/stdout") ;;
  *) ok=$("$PY" -c 'import sys, xml.dom.minidom as m; print(m.parse(sys.stdin).documentElement.tagName)' <"$SANDBOX/stdout") ;;
  esac
  if [ "$status" -eq 0 ] && [ -n "$ok" ] && [ "$ok" != 0 ]; then
    pass "--$k - writes the report to stdout ($ok)"
  else
    fail "--$k -: exit $status, got '$ok', stderr $err"
  fi
done

# refused DESCRIPTION REGEX ARGS...: a usage error before the scan.
refused() {
  what=$1 re=$2
  shift 2
  before=$(snapshot)
  run_mg "$@"
  if [ "$status" -eq 2 ] && [ "$(wc -l <"$SANDBOX/stderr")" -eq 1 ] &&
    printf '%s\n' "$err" | grep -Eq -- "^modelgate: error: $re" && [ "$(snapshot)" = "$before" ]; then
    pass "$what: $err"
  else
    fail "$what: exit $status, stderr $err"
  fi
}
refused "two reports on stdout" "--json - and --sarif -: two reports cannot share standard output$" \
  $SCAN --json - --sarif -
refused "two reports on one file" "--json r.out and --html r.out: two reports cannot share one file$" \
  $SCAN --json r.out --html r.out
mkfifo "$SANDBOX/in/fifo"
refused "a FIFO" "--json $SANDBOX/in/fifo: is a FIFO, not a regular file: refusing to replace it$" \
  $SCAN --json "$SANDBOX/in/fifo"
ln -s "$SANDBOX/in/fifo" "$SANDBOX/in/link"
refused "a link to a FIFO" "--sarif $SANDBOX/in/link: is a symbolic link to a FIFO: refusing to replace it$" \
  $SCAN --sarif "$SANDBOX/in/link"
refused "a directory" "--html $SANDBOX/in: is a directory" $SCAN --html "$SANDBOX/in"
if mknod "$SANDBOX/in/null" c 1 3 2>/dev/null; then
  refused "a device" "--junit $SANDBOX/in/null: is a device" $SCAN --junit "$SANDBOX/in/null"
fi
refused "/dev/stdout names -" "--json /dev/stdout: is a symbolic link in a system directory.*\(use - for standard output\)$" \
  $SCAN --json /dev/stdout
refused "a missing directory" "--xml $SANDBOX/in/no/r.xml: directory $SANDBOX/in/no: No such file" \
  $SCAN --xml "$SANDBOX/in/no/r.xml"
[ -p "$SANDBOX/in/fifo" ] && [ -L "$SANDBOX/in/link" ] && pass "the FIFO and the link are intact" ||
  fail "a refused report path was replaced"

# A report that cannot be written (a stylesheet failing on the results):
# the JSON and SARIF written say exit code 2 and why, as the process does.
cat >"$SANDBOX/in/bad.xsl" <<'XSL'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/"><xsl:message terminate="yes">no</xsl:message></xsl:template>
</xsl:stylesheet>
XSL
run_mg $SCAN --json r.json --sarif r.sarif --html r.html --stylesheet "html=$SANDBOX/in/bad.xsl" -q
sarif_code=$("$PY" -c 'import json; print(json.load(open("r.sarif"))["runs"][0]["invocations"][0]["exitCode"])')
why=$(json_get r.json 'd["error"]')
if [ "$status" -eq 2 ] && [ "$(json_ok r.json)" = "error 2" ] && [ "$sarif_code" = 2 ] &&
  [ ! -e r.html ] && printf '%s\n' "$why" | grep -q "could not write the HTML report: .*bad.xsl" &&
  printf '%s\n' "$err" | grep -q "could not write the HTML report"; then
  pass "a failed --html: exit 2, and the JSON and SARIF say so ($why)"
else
  fail "failed --html: exit $status, json $(json_ok r.json), sarif $sarif_code, error $why, stderr $err"
fi

# Standard output on a full device: the file reports agree with exit 2.
"$MODELGATE" $SCAN --json - --sarif r2.sarif -q >/dev/full 2>"$SANDBOX/stderr"
status=$?
err=$(cat "$SANDBOX/stderr")
sarif_msg=$("$PY" -c 'import json; r=json.load(open("r2.sarif"))["runs"][0]["invocations"][0]; print(r["exitCode"], r["toolExecutionNotifications"][-1]["message"]["text"])')
case "$status|$sarif_msg|$err" in
"2|2 "*"No space left on device"*"|"*"No space left on device"*) pass "--json - on /dev/full: $err" ;;
*) fail "--json - on /dev/full: exit $status, sarif '$sarif_msg', stderr $err" ;;
esac

# A full file system (a 64 KiB tmpfs, filled): every report writer names
# strerror, and the reports that were written agree. Needs mount(2).
mnt="$SANDBOX/mnt"
mkdir -p "$mnt"
if mount -t tmpfs -o size=64k tmpfs "$mnt" 2>/dev/null; then
  cat /dev/zero >"$mnt/filler" 2>/dev/null # fills it: ENOSPC
  for k in json xml junit html sarif; do
    rm -f r3.json
    other="--json r3.json"
    [ $k = json ] && other="--sarif r3.sarif"
    run_mg $SCAN --$k "$mnt/r.$k" $other -q
    if [ $k = json ]; then
      code=$("$PY" -c 'import json; print(json.load(open("r3.sarif"))["runs"][0]["invocations"][0]["exitCode"])')
    else
      code=$(json_get r3.json 'd["exit_code"]')
    fi
    if [ "$status" -eq 2 ] && [ "$code" = 2 ] && [ ! -e "$mnt/r.$k" ] &&
      expect_err "could not write the .* report: $mnt/r.$k: write failed: No space left on device" "--$k full"; then
      pass "--$k on a full file system: $err"
    else
      fail "--$k on a full file system: exit $status, other report's exit code $code, stderr $err"
    fi
  done
  ls "$mnt" | grep -q tmp && fail "a temporary was left on the full file system: $(ls "$mnt")"
  umount "$mnt"
else
  echo "note: mount(2) not permitted here; the full-disk case is covered by /dev/full above"
fi

finish
