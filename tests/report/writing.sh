#!/bin/sh
# Writing the reports: every requested report is still written when every
# plugin fails; files are replaced atomically (a temporary beside the
# target, then rename: an existing symlink is replaced, never written
# through, and nothing is left behind); a report that cannot be made leaves
# the previous file intact and does not stop the others; --stylesheet
# html=FILE / junit=FILE restyle the views, and a stylesheet cannot write
# files of its own.
. "$TOP_SRCDIR/tests/report/lib.sh"

make_pkg "$SANDBOX/in/pkg"
# Without the shipped policy's required controls, failing plugins are what
# decides the verdict.
use_test_policy
all="r.json r.xml r.junit.xml r.html r.sarif"

# Only failing plugins: crash, refused newer major ABI, hang past --timeout.
mkdir out
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-crash,mgtest-hang,mgtest-future \
  --timeout $HANG_TIMEOUT --json out/r.json --xml out/r.xml --junit out/r.junit.xml --html out/r.html \
  --sarif out/r.sarif -q
expect_status 2 "failing plugins" && pass "every plugin failing: exit 2"
missing=""
for f in $all; do
  [ -s "out/$f" ] || missing="$missing $f"
done
expect_eq "$missing" "" "every report written although every plugin failed"
expect_eq "$(json_get out/r.json 'd["verdict"]')" error "the JSON says error"
"$XMLLINT" --noout --schema "$JUNIT_XSD" out/r.junit.xml 2>/dev/null && pass "JUnit of a failed run is valid" ||
  fail "JUnit of a failed run invalid"
expect_eq "$(ls -A out | LC_ALL=C sort | tr '\n' ' ')" "r.html r.json r.junit.xml r.sarif r.xml " \
  "no temporary files left beside the reports"

# Atomic replacement: symlinks at the report paths are replaced, their
# targets untouched.
mkdir links
for f in $all; do
  echo previous >"links/target-$f"
  ln -s "target-$f" "links/$f"
done
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --json links/r.json \
  --xml links/r.xml --junit links/r.junit.xml --html links/r.html --sarif links/r.sarif -q
for f in $all; do
  if [ -L "links/$f" ] || [ "$(cat "links/target-$f")" != previous ] || [ ! -s "links/$f" ]; then
    fail "$f: not replaced atomically (written through the symlink or missing)"
  fi
done
pass "reports replace the file at their path by rename"

# A stylesheet that is not XSLT: that report fails, the previous file
# stays, the other reports are written, exit 2 naming the file.
mkdir keep
echo previous >keep/r.html
echo 'not a stylesheet' >broken.xsl
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --json keep/r.json \
  --junit keep/r.junit.xml --html keep/r.html --stylesheet html=broken.xsl -q
expect_status 2 "broken stylesheet" && expect_err "broken.xsl: not a usable XSLT stylesheet" "broken stylesheet" &&
  pass "a broken stylesheet is an error naming it"
expect_eq "$(cat keep/r.html)" previous "the previous HTML report is left intact"
[ -s keep/r.json ] && [ -s keep/r.junit.xml ] && pass "the other reports are still written" ||
  fail "other reports missing after a stylesheet failure"
expect_eq "$(ls -A keep | LC_ALL=C sort | tr '\n' ' ')" "r.html r.json r.junit.xml " "no temporary left by the failed report"

# A report path in a directory that does not exist is a usage error
# before the scan (tests/cli/reports.sh checks the reports agree when a
# write fails after it).
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --json nodir/r.json \
  --html keep/second.html -q
expect_status 2 "unwritable" && expect_err "nodir/r.json" "unwritable report names the path" &&
  [ ! -e keep/second.html ] && pass "a report in a missing directory is refused before the scan" ||
  fail "unwritable report path"

# Custom stylesheets.
cat >tiny.xsl <<'XSL'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:output method="html"/>
  <xsl:template match="/modelgate-results">
    <html><body>
      <h1 id="verdict"><xsl:value-of select="@verdict"/></h1>
      <p id="findings"><xsl:value-of select="count(findings/finding)"/></p>
      <p id="package"><xsl:value-of select="package/@sha256"/></p>
    </body></html>
  </xsl:template>
</xsl:stylesheet>
XSL
cat >tiny-junit.xsl <<'XSL'
<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/modelgate-results">
    <testsuite name="custom" tests="{count(findings/finding)}" failures="0" errors="0"/>
  </xsl:template>
</xsl:stylesheet>
XSL
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --json c.json --html c.html \
  --junit c.junit.xml --stylesheet html=tiny.xsl --stylesheet "junit=$SANDBOX/cwd/tiny-junit.xsl" -q
expect_status_ok=$status
got="$(hp c.html 'string(//h1[@id = "verdict"])') $(hp c.html 'string(//p[@id = "findings"])') $(hp c.html 'string(//p[@id = "package"])')"
want="$(json_get c.json 'd["verdict"]') $(json_get c.json 'len(d["findings"])') $(json_get c.json 'd["package"]["sha256"]')"
expect_eq "$got" "$want" "--stylesheet html=FILE renders the results with that stylesheet"
expect_eq "$(xp c.junit.xml 'string(/testsuite/@tests)')" "$(json_get c.json 'len(d["findings"])')" \
  "--stylesheet junit=FILE likewise"
[ "$expect_status_ok" -ne 2 ] && pass "custom stylesheets: the scan still completes" || fail "custom stylesheet run: $err"
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --html x.html --stylesheet pdf=tiny.xsl -q
expect_status 2 "unknown view" && expect_err "--stylesheet pdf=tiny.xsl: expected junit=FILE or html=FILE" "unknown view" &&
  pass "--stylesheet with an unknown view is an error"

# A stylesheet shapes the report and nothing else.
cat >evil.xsl <<'XSL'
<xsl:stylesheet version="1.1" xmlns:xsl="http://www.w3.org/1999/XSL/Transform">
  <xsl:template match="/">
    <xsl:document href="written-by-stylesheet.txt" method="text">pwned</xsl:document>
    <html><body>ok</body></html>
  </xsl:template>
</xsl:stylesheet>
XSL
run_mg scan "$SANDBOX/in/pkg" --plugins "$PLUGINS" --only mgtest-good --html evil.html --stylesheet html=evil.xsl -q
[ ! -e written-by-stylesheet.txt ] && [ ! -e "$SANDBOX/written-by-stylesheet.txt" ] && [ "$status" -eq 2 ] &&
  pass "a stylesheet cannot write files" || fail "stylesheet wrote a file (status $status)"
finish
