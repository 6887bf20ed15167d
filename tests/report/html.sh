#!/bin/sh
# HTML report: the verdict and why, the package and its digests, every
# control with its status, every finding with its ATLAS links, label,
# samples, evidence and correlation, every plugin with status, timing and
# pictures; one self-contained file with nothing fetched, and every string
# from the results escaped (a test plugin sends markup on purpose).
. "$TOP_SRCDIR/tests/report/lib.sh"

standard_scans
pass_scan
incomplete_scan
R=/modelgate-results

for n in mixed registry error pass incomplete; do
  h=$n.html
  [ -s "$h" ] || { fail "$n: no HTML report"; continue; }
  v=$(xp "$n.xml" "string($R/@verdict)")
  V=$(printf '%s' "$v" | tr a-z A-Z)
  expect_eq "$(hp "$h" "count(//header[@id = 'verdict'][contains(@class, 'banner-$v')][contains(., '$V')])")" 1 \
    "$n: verdict banner says $V"
  hp "$h" 'string(//title)' | grep -q "^modelgate: $V " && pass "$n: title has the verdict" || fail "$n: title"
  digest=$(xp "$n.xml" "string($R/package/@sha256)")
  [ "$(hp "$h" "count(//code[. = '$digest'])")" -ge 1 ] && pass "$n: package digest shown" || fail "$n: package digest"

  # Self-contained: nothing that makes a browser fetch.
  ext=$(hp "$h" "count(//link | //script[@src] | //iframe | //frame | //object | //embed | //base | //meta[@http-equiv = 'refresh'] | //*[@src][not(starts-with(@src, 'data:image/png;base64,'))] | //*[@style] | //*[@srcset] | //*[@background])")
  expect_eq "$ext" 0 "$n: no external resource references"
  css=$(hp "$h" 'string(//style)')
  case "$css" in
  *url\(* | *@import*) fail "$n: the stylesheet refers to something outside the file" ;;
  *) pass "$n: inline CSS only" ;;
  esac
  expect_eq "$(hp "$h" "count(//a[@href][not(starts-with(@href, '#')) and not(starts-with(@href, 'https://atlas.mitre.org/'))])")" 0 \
    "$n: links only to anchors and atlas.mitre.org"
  expect_eq "$(hp "$h" 'count(//script)')" 0 "$n: no script"
  # What was checked, in the banner: controls evaluated and plugins run.
  nctl=$(xp "$n.xml" "count($R/checklist/section/control)")
  nev=$(xp "$n.xml" "count($R/checklist/section/control[@status != 'not-evaluated'])")
  if [ "$nctl" -gt 0 ]; then
    hp "$h" "string(//div[@id = 'coverage'])" | grep -q "$nev of $nctl controls evaluated" &&
      pass "$n: banner says $nev of $nctl controls were evaluated" || fail "$n: coverage: $(hp "$h" "string(//div[@id = 'coverage'])")"
  fi
  for p in $(xp "$n.xml" "$R/plugins/plugin[@status = 'skipped']/@name" | sed 's/ name="\([^"]*\)"/\1 /g'); do
    [ "$(hp "$h" "count(//div[@id = 'coverage']//li[a = '$p'])")" = 1 ] ||
      fail "$n: skipped plugin $p not named in the banner"
  done
  # A sign-off block for the reviewer.
  expect_eq "$(hp "$h" "count(//section[@id = 'signoff']//tr[th = 'Reviewer' or th = 'Date' or th = 'Decision'])")" 3 \
    "$n: sign-off block with reviewer, date and decision"
  # Every control, with its status as text.
  for id in $(xp "$n.xml" "$R/checklist/section/control/@id" | sed 's/ id="\([^"]*\)"/\1 /g'); do
    st=$(xp "$n.xml" "string($R/checklist/section/control[@id = '$id']/@status)")
    [ "$(hp "$h" "count(//tr[@id = '$id']//span[contains(@class, 'badge')][contains(., '$st')])")" = 1 ] ||
      fail "$n: control $id not shown as $st"
  done
  want=$(xp "$n.xml" "count($R/checklist/section/control)")
  expect_eq "$(hp "$h" "count(//section[@id = 'checklist']//tr[starts-with(@id, 'CTL-')])")" "$want" \
    "$n: every control listed with its status"
  expect_eq "$(hp "$h" "count(//section[@id = 'checklist']/h3)")" "$(xp "$n.xml" "count($R/checklist/section)")" \
    "$n: controls grouped by section"
  # Every finding, its title as text and its ATLAS links.
  nf=$(xp "$n.xml" "count($R/findings/finding)")
  expect_eq "$(hp "$h" "count(//article[contains(@class, 'finding')])")" "$nf" "$n: every finding shown"
  for i in $(seq 1 "$nf"); do
    f="$R/findings/finding[$i]"
    id=$(xp "$n.xml" "string($f/@id)")
    title=$(xp "$n.xml" "string($f/title)")
    got=$(hp "$h" "string(//article[@id = '$id']/h3)")
    case "$got" in
    *"$title"*) ;;
    *) fail "$n: finding $id title '$title' not in '$got'" ;;
    esac
    for t in $(xp "$n.xml" "$f/technique/@ref | $f/mitigation/@ref" | sed 's/ ref="\([^"]*\)"/\1 /g'); do
      url=$(xp "$n.xml" "string($R/atlas/*[@id = '$t']/@url)")
      [ "$(hp "$h" "count(//article[@id = '$id']//a[@href = '$url'][. = '$t'])")" -ge 1 ] ||
        fail "$n: finding $id has no link for $t to $url"
    done
  done
done

# The findings that use every field (tests/report/doubles/rich.c).
fid=$(xp mixed.xml "string($R/findings/finding[@rule = 'mgtest-rich.backdoor-class']/@id)")
art="//article[@id = '$fid']"
hp mixed.html "string($art)" | grep -q 'label 7' && pass "class label shown" || fail "class label"
hp mixed.html "string($art)" | grep -q '40 row(s) of the train set (0-based): 1 4 7 10' &&
  pass "sample count and first rows shown" || fail "samples: $(hp mixed.html "string($art//tr[th = 'Samples'])")"
[ "$(hp mixed.html "count($art//table[@class = 'ev']//th[. = 'trigger']/following-sibling::td/table[@class = 'ev']//th[. = 'position'])")" = 1 ] &&
  pass "nested evidence rendered as nested tables" || fail "nested evidence"
[ "$(hp mixed.html "count($art//table[contains(@class, 'records')]//th[. = 'norm'])")" = 1 ] &&
  pass "a list of records rendered as a table with a column per key" || fail "records table"
name=$(xp mixed.xml "string($R/atlas/technique[@id = 'AML.T0043.004']/@name)")
hp mixed.html "string($art//tr[th = 'ATLAS'])" | grep -qF "AML.T0043.004 $name" &&
  pass "ATLAS technique named from the catalog" || fail "ATLAS name"
cid=$(xp mixed.xml "string($R/findings/finding[correlation]/@id)")
corr=$(xp mixed.xml "string($R/findings/finding[correlation]/correlation)")
[ -n "$cid" ] && hp mixed.html "string(//article[@id = '$cid']//p[@class = 'correlation'])" | grep -qF "$corr" &&
  pass "correlation note shown" || fail "correlation note for '$cid'"
# Hostile text stays text.
hid=$(xp mixed.xml "string($R/findings/finding[@rule = 'mgtest-rich.escaping']/@id)")
expect_eq "$(hp mixed.html "string(//article[@id = '$hid']/p[@class = 'message'])")" \
  '<script>alert(1)</script><img src="http://example.invalid/x.png">' "markup in a message is shown as text"
if grep -q -e '<script>alert' -e '<b>markup' -e '<img src="http' -e '<style>@import' mixed.html; then
  fail "unescaped markup from the results in the HTML"
else
  pass "no markup from the results reaches the HTML"
fi
expect_eq "$(hp mixed.html 'count(//b)')" 0 "no element made from a finding title"
# Plugins: status, timing, message, evidence, pictures.
for p in $(xp mixed.xml "$R/plugins/plugin/@name" | sed 's/ name="\([^"]*\)"/\1 /g'); do
  st=$(xp mixed.xml "string($R/plugins/plugin[@name = '$p']/@status)")
  [ "$(hp mixed.html "count(//article[@id = 'plugin-$p']/h3/span[contains(., '$st')])")" = 1 ] ||
    fail "plugin $p not shown as $st"
  sec=$(xp mixed.xml "string($R/plugins/plugin[@name = '$p']/@seconds)")
  hp mixed.html "string(//article[@id = 'plugin-$p'])" | grep -qF "after $sec s" || fail "plugin $p timing"
done
hp mixed.html "string(//article[@id = 'plugin-mgtest-hang'])" | grep -q "wall-clock limit of $HANG_TIMEOUT s" &&
  pass "plugin status, timing and message shown" || fail "hang message"
for i in $(seq 1 "$(xp mixed.xml "count($R/plugins/plugin/image)")"); do
  name=$(xp mixed.xml "string(($R/plugins/plugin/image)[$i]/@name)")
  [ "$(hp mixed.html "count(//img[@alt = \"$name\"])")" = 1 ] || fail "picture $name not embedded once"
done
expect_eq "$(hp mixed.html "count(//img[@class = 'px'])")" "$(xp mixed.xml "count($R/plugins/plugin/image)")" "every attached picture embedded"
expect_eq "$(hp mixed.html "count(//img[starts-with(@src, 'data:image/png;base64,iVBORw0KGgo')])")" \
  "$(hp mixed.html 'count(//img)')" "pictures are inline PNG data"
expect_eq "$(hp mixed.html "string($art//img[@alt = 'class-7-mask']/@width)")" 56 \
  "a 28x28 mask beside its finding is shown 2x"
expect_eq "$(hp mixed.html "string(//article[@id = 'plugin-mgtest-rich']//img[@alt = 'colour <8x8>']/@width)")" 168 \
  "an 8x8 picture in its plugin's section is shown 21x (whole factor)"
# Evidence beside the finding: the plugin's picture of its class, and
# pictures of the rows it names read from the package's training set (at
# most 16, each labelled with its row and label).
expect_eq "$(hp mixed.html "count($art//img[@alt = 'class-7-mask'])")" 1 "the class's reversed trigger beside the finding"
nthumb=$(xp mixed.xml "count($R/findings/finding[@id = '$fid']/thumbnails/thumbnail)")
expect_eq "$nthumb" 16 "16 of the finding's 40 rows as thumbnails"
expect_eq "$(xp mixed.xml "string($R/findings/finding[@id = '$fid']/thumbnails/thumbnail[3]/@row)")" 7 \
  "thumbnails in the finding's row order (rows 1 4 7 ...)"
# make_pkg's labels are row % 10 and its pixels (row * 784 + i) % 256.
expect_eq "$(xp mixed.xml "string($R/findings/finding[@id = '$fid']/thumbnails/thumbnail[3]/@label)")" 7 \
  "a thumbnail carries the row's label"
expect_eq "$(hp mixed.html "count($art//div[@class = 'thumb'][span = '#7 →7']/img[starts-with(@src, 'data:image/png;base64,iVBORw0KGgo')])")" 1 \
  "thumbnail shown with its row and label"
expect_eq "$(hp mixed.html "count(//article[contains(@class, 'finding')]//img[@class = 'row'])")" \
  "$(xp mixed.xml "count($R/findings/finding/thumbnails/thumbnail)")" "every thumbnail shown beside its finding"
PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$TOP_SRCDIR/tests/report" "$PY" - "$SANDBOX/in/pkg/data/train-images.npy" \
  "$(xp mixed.xml "string($R/findings/finding[@id = '$fid']/thumbnails/thumbnail[3])")" <<'PYEOF' &&
import base64, struct, sys
from png_check import decode_bytes
raw = open(sys.argv[1], "rb").read()
hl = struct.unpack("<H", raw[8:10])[0]
pixels = raw[10 + hl + 7 * 784: 10 + hl + 8 * 784]
w, h, bpp, rows = decode_bytes(base64.b64decode(sys.argv[2]))
assert (w, h, bpp) == (28, 28, 1), (w, h, bpp)
got = b"".join(bytes(r) for r in rows)
assert max(abs(g - p) for g, p in zip(got, pixels)) <= 1, "thumbnail pixels differ from row 7"
PYEOF
  pass "the thumbnail is row 7's pixels" || fail "thumbnail pixels"
# What to do next: every control that fails the gate, with the checklist's remediation.
for id in $(xp mixed.xml "$R/checklist/section/control[@fails-gate = 'true' and @status = 'fail']/@id" | sed 's/ id="\([^"]*\)"/\1 /g'); do
  rem=$(xp mixed.xml "string($R/checklist/section/control[@id = '$id']/remediation)")
  [ -n "$rem" ] || fail "$id: no remediation in the results"
  hp mixed.html "string(//section[@id = 'next']//li[a = '$id'])" | grep -qF "$rem" &&
    pass "what to do next for $id" || fail "no remediation shown for $id"
done
printf '%s' "$(hp mixed.html 'string(//style)')" | grep -q '@page{size:A4' &&
  pass "prints on A4" || fail "no @page size"
printf '%s' "$(hp mixed.html 'string(//style)')" | grep -q 'image-rendering:pixelated' &&
  pass "pictures keep square pixels" || fail "pixelated"
# Registry status per file.
reg_status() { # file status
  [ "$(hp registry.html "count(//section[@id = 'package']//tr[td/code = '$1']//span[contains(., '$2')])")" = 1 ] &&
    pass "registry status of $1: $2" || fail "registry status of $1 is not $2"
}
reg_status 'weights <&>.bin' mismatch
reg_status README.txt unknown
reg_status data/train-images.npy approved
# An incomplete scan: the reason, and empty parts said so.
msg=$(xp error.xml "string($R/error)")
hp error.html "string(//header[@id = 'verdict'])" | grep -qF "$msg" && pass "scan error shown in the banner" ||
  fail "scan error banner"
hp error.html "string(//section[@id = 'findings'])" | grep -q 'No findings' &&
  hp error.html "string(//section[@id = 'plugins'])" | grep -q 'No plugins ran' &&
  pass "empty sections say so" || fail "empty sections"
hp pass.html "string(//header[@id = 'verdict'])" | grep -q 'The gate passed' && pass "pass banner explains" ||
  fail "pass banner"
hp incomplete.html "string(//header[@id = 'verdict']//li[a = 'CTL-10'])" | grep -q 'its evidence is missing' &&
  pass "banner names a required control whose evidence is missing" || fail "incomplete banner"
finish
