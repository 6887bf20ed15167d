#!/bin/sh
# The README's demo, as a reviewer gets it: the HTML report of the
# backdoored demo package (examples/, assembled from Debian's Fashion-MNIST)
# names the target class, shows Neural Cleanse's reversed trigger of that
# class as a small patch where the truth says the trigger is, pictures of
# the flagged training rows beside every data finding, every class the
# paper's anomaly index singles out, a remediation per failed control, and
# prints on at most 9 A4 pages. A package holding only a model passes with
# its detectors' absence said in the banner, and a required control without
# evidence fails the gate in words. Skipped (77) without Chromium or the
# dataset.
. "$TOP_SRCDIR/tests/report/lib.sh"

shot="$TOP_SRCDIR/scripts/report-screenshot"
if [ -z "${CHROMIUM:-}" ] && ! command -v chromium >/dev/null 2>&1 &&
  ! command -v chromium-browser >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then
  echo "Chromium not found"
  exit 77
fi
assemble_fixtures --models "$TOP_SRCDIR/examples/models" \
  --fixture demo -q "$SANDBOX/in"
truth="$SANDBOX/in/demo.truth.json"
target=$(json_get "$truth" "d['target_class']")

run_mg scan "$SANDBOX/in/demo" --html demo.html --xml demo.xml --json demo.json -q
expect_status 1 "the demo fails the gate" || exit 1
R=/modelgate-results

# README: "A scan should name class 3 (Dress) and show the trigger Neural
# Cleanse reverse-engineered, a small patch in the bottom-right corner".
[ "$(xp demo.xml "count($R/findings/finding[@label = '$target'])")" -ge 1 ] &&
  pass "findings name the target class $target" || fail "no finding names class $target"
for k in mask pattern trigger; do
  [ "$(hp demo.html "count(//div[@id = 'class-$target']//img[@alt = 'class-$target-$k'])")" = 1 ] &&
    pass "Neural Cleanse's reversed $k of class $target beside its findings" ||
    fail "no reversed $k of class $target in the class block"
done
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$TOP_SRCDIR/tests/report" "$PY" - demo.xml "$target" "$truth" <<'PYEOF' && pass "the reversed mask of the target lies on the trigger's corner" || fail "reversed mask not on the trigger"
import base64, json, re, sys
from png_check import decode_bytes
xml, target, truth = open(sys.argv[1]).read(), sys.argv[2], json.load(open(sys.argv[3]))
m = re.search(r'<image[^>]*name="class-%s-mask"[^>]*>([^<]*)<' % target, xml)
w, h, bpp, rows = decode_bytes(base64.b64decode(m.group(1)))
assert bpp == 1
# The trigger's square, widened by its own size on each side (the search
# finds a smeared patch): the mask's mass there, against that region's
# share of the picture.
t = truth["trigger"]["mask"]
size = t["rows"][1] - t["rows"][0]
r0, r1 = max(0, t["rows"][0] - size), min(h, t["rows"][1] + size)
c0, c1 = max(0, t["cols"][0] - size), min(w, t["cols"][1] + size)
total = sum(sum(r) for r in rows)
near = sum(sum(r[c0:c1]) for r in rows[r0:r1])
share = (r1 - r0) * (c1 - c0) / (w * h)
print("mask mass near the trigger %.2f, area share %.2f" % (near / total, share))
sys.exit(0 if near / total >= 4 * share else 1)
PYEOF

# The paper's rule and the calibrated test, both shown for every class the
# rule singles out (index > 2 below the median of the norms).
for c in $(json_get demo.json "' '.join(str(x['label']) for p in d['plugins'] if p['name'] == 'neural-cleanse' for nc in [p['evidence']['neural_cleanse']] for x in nc['classes'] if (x['anomaly_index'] or 0) > 2 and x['norm'] < nc['test']['norm_median'])"); do
  flagged=$(json_get demo.json "[p for p in d['plugins'] if p['name'] == 'neural-cleanse'][0]['evidence']['neural_cleanse']['flagged']")
  text=$(hp demo.html "string(//div[@id = 'class-$c'] | //article[@id = 'plugin-neural-cleanse'])")
  case "$flagged" in
  *"$c"*) want="flags it too" ;;
  *) want="does not flag it" ;;
  esac
  printf '%s' "$text" | grep -q "the paper.s rule flags it" && printf '%s' "$text" | grep -q "$want" &&
    pass "class $c: the paper's anomaly index > 2 is shown, and that the calibrated test $want" ||
    fail "class $c: paper rule not shown: $text"
  [ "$(hp demo.html "count(//figure[.//*[local-name() = 'title'][starts-with(., 'Neural Cleanse')]]//*[local-name() = 'rect'][@class = 'b-paper' or @class = 'b-flag'])")" -ge 1 ] &&
    pass "class $c marked in the Neural Cleanse chart" || fail "class $c not marked in the Neural Cleanse chart"
done

# Pictures of the flagged rows beside every finding on image rows, each
# with its row and label, at most 16.
for id in $(xp demo.xml "$R/findings/finding[samples/@dataset = 'train']/@id" | sed 's/ id="\([^"]*\)"/\1 /g'); do
  n=$(hp demo.html "count(//article[@id = '$id']//div[@class = 'thumb']/img[@class = 'row'][starts-with(@src, 'data:image/png;base64,')])")
  want=$(xp demo.xml "count($R/findings/finding[@id = '$id']/thumbnails/thumbnail)")
  [ "$n" -ge 1 ] && [ "$n" -le 16 ] && [ "$n" = "$want" ] && pass "$id: $n flagged rows pictured" ||
    fail "$id: $n thumbnails (results have $want)"
done
# What to do next, per failed control, from the checklist.
for id in $(xp demo.xml "$R/checklist/section/control[@status = 'fail']/@id" | sed 's/ id="\([^"]*\)"/\1 /g'); do
  rem=$(xp demo.xml "string($R/checklist/section/control[@id = '$id']/remediation)")
  [ -n "$rem" ] && hp demo.html "string(//section[@id = 'next']//li[a = '$id'])" | grep -qF "$rem" &&
    pass "$id: remediation shown" || fail "$id: no remediation"
done

# Printed (Chromium's print to PDF, A4 from the report's print CSS).
sh "$shot" demo.html demo.pdf >"$SANDBOX/pdf.out" 2>&1 || fail "print to PDF: $(cat "$SANDBOX/pdf.out")"
pages=$("$PY" -c 'import re,sys; print(len(re.findall(rb"/Type\s*/Page\b(?!s)", open(sys.argv[1], "rb").read())))' demo.pdf)
echo "demo report: $pages A4 pages"
# 9: eight findings from 23 plugins, Neural Cleanse's with both of its
# routes' statistics; the sign-off keeps to one page of its own.
[ "$pages" -ge 2 ] && [ "$pages" -le 9 ] && pass "the demo report prints on $pages A4 pages (at most 9)" ||
  fail "the demo report prints on $pages pages"
"$PY" -c 'import re,sys; b=open(sys.argv[1],"rb").read(); m=re.search(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", b); sys.exit(0 if m and abs(float(m.group(1))-595.3)<2 and abs(float(m.group(2))-841.9)<2 else 1)' demo.pdf &&
  pass "pages are A4" || fail "pages are not A4"
sh "$shot" demo.html demo.png 1280x1600 >/dev/null 2>&1 && [ -s demo.png ] &&
  pass "first two screens rendered" || fail "screenshot of the demo report"

# Only a model: every data detector skipped, and the passing banner says so.
mkdir -p "$SANDBOX/in/model-only"
cp "$SANDBOX/in/demo/model.onnx" "$SANDBOX/in/model-only/"
run_mg scan "$SANDBOX/in/model-only" --html only.html --xml only.xml -q
expect_status 0 "a package with only a model passes"
cov=$(hp only.html "string(//div[@id = 'coverage'])")
printf '%s' "$cov" | grep -q "Not checked, although the gate passed" && pass "the pass banner says what was not checked" ||
  fail "pass banner: $cov"
for p in $(xp only.xml "$R/plugins/plugin[@status = 'skipped']/@name" | sed 's/ name="\([^"]*\)"/\1 /g'); do
  msg=$(xp only.xml "string($R/plugins/plugin[@name = '$p']/message)")
  [ "$(hp only.html "count(//div[@id = 'coverage']//li[a = '$p'][contains(., \"$msg\")])")" = 1 ] ||
    fail "skipped $p not named with its reason in the pass banner"
done
[ "$(xp only.xml "count($R/plugins/plugin[@name = 'neural-cleanse'][@status = 'skipped'])")" = 1 ] &&
  pass "neural-cleanse skipped, and named in the banner" || fail "neural-cleanse not skipped"

# A required control nobody could evaluate fails the gate, and says so:
# the policy requires one the model-only scan could not evaluate.
ctl=$(xp only.xml "string($R/checklist/section/control[@status = 'not-evaluated'][@attestable = 'false'][1]/@id)")
[ -n "$ctl" ] || fail "no control left unevaluated by a model-only package"
cp -r "$TOP_SRCDIR/rules" "$SANDBOX/rules-req"
sed -i "s|<fail-on [^>]*/>|&\\n  <require control=\"$ctl\"/>|" "$SANDBOX/rules-req/policy.xml"
MODELGATE_RULES_DIR="$SANDBOX/rules-req" run_mg scan "$SANDBOX/in/model-only" --html req.html --xml req.xml
expect_status 1 "a required control without evidence ($ctl) fails the gate"
[ "$(xp req.xml "string($R/checklist/section/control[@id = '$ctl']/@status)")" = not-evaluated ] ||
  fail "$ctl should be not-evaluated"
line=$(hp req.html "string(//header[@id = 'verdict']//div[@class = 'verdict-line'])")
printf '%s' "$line" | grep -q "1 control required by the policy was not evaluated" &&
  ! printf '%s' "$line" | grep -q "0 controls failed" &&
  pass "the FAIL banner says a required control was not evaluated" || fail "FAIL banner: $line"
printf '%s\n' "$out" | grep -q "1 required control not evaluated" && pass "so does the terminal summary" ||
  fail "terminal summary: $out"
expect_eq "$(hp req.html "count(//section[@id = 'next']//li[a = '$ctl'])")" 1 "what would evidence $ctl is in what to do next"
finish
