#!/bin/sh
# The HTML report in a real browser: headless Chromium renders a failing and
# a passing report through scripts/report-screenshot (the reviewers' tool);
# the pictures must be full pages, not blank, with the verdict banner in
# the verdict's colour. Skipped (77) without Chromium.
. "$TOP_SRCDIR/tests/report/lib.sh"

shot="$TOP_SRCDIR/scripts/report-screenshot"
"$shot" 2>/dev/null
[ $? -eq 2 ] && pass "report-screenshot without arguments is a usage error" || fail "report-screenshot usage"
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 &&
  ! command -v chromium-browser >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "Chromium not found"
  exit 77
fi

standard_scans
pass_scan

# render NAME: NAME.png from NAME.html, then "W H COLOURS banner-RGB".
render() {
  sh "$shot" "$1.html" "$1.png" 1024x1400 >"$SANDBOX/shot.out" 2>&1
  st=$?
  if [ "$st" -eq 77 ]; then
    echo "Chromium not usable"
    exit 77
  fi
  if [ "$st" -ne 0 ] || [ ! -s "$1.png" ]; then
    fail "$1: report-screenshot failed: $(cat "$SANDBOX/shot.out")"
    info=""
    return
  fi
  info=$("$PY" "$TOP_SRCDIR/tests/report/png_check.py" "$1.png" 8,8)
}

# is_colour "R,G,B" red|green|purple|white
is_colour() {
  r=${1%%,*}
  rest=${1#*,}
  g=${rest%%,*}
  b=${rest#*,}
  case "$2" in
  red) [ "$r" -gt 150 ] && [ "$g" -lt 110 ] && [ "$b" -lt 110 ] ;;
  green) [ "$g" -gt 90 ] && [ "$g" -gt $((r + 40)) ] && [ "$g" -gt $((b + 40)) ] ;;
  purple) [ "$b" -gt 150 ] && [ "$r" -gt 80 ] && [ "$g" -lt 110 ] ;;
  esac
}

for case in mixed:red pass:green error:purple; do
  n=${case%%:*}
  render "$n"
  [ -n "$info" ] || continue
  set -- $info
  size=$(wc -c <"$n.png")
  [ "$1" = 1024 ] && [ "$2" = 1400 ] && pass "$n: rendered at the requested size" || fail "$n: size $1x$2"
  [ "$size" -gt 20000 ] && pass "$n: screenshot is $size bytes" || fail "$n: screenshot only $size bytes"
  # Text, badges and tables make hundreds of colours; a blank or failed
  # page has a handful.
  [ "$3" -gt 100 ] && pass "$n: page is not blank ($3 colours)" || fail "$n: only $3 colours"
  is_colour "$4" "${case#*:}" && pass "$n: verdict banner is ${case#*:} ($4)" ||
    fail "$n: banner pixel $4 is not ${case#*:}"
done
finish
