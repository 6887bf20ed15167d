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
  expect_eq "$(hp "$h" 'count(//script)')" 1 "$n: one script, the inline print helper"
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
hp mixed.html "string($art//tr[th = 'ATLAS techniques'])" | grep -qF "AML.T0043.004 $name" &&
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
expect_eq "$(hp mixed.html 'count(//img)')" "$(xp mixed.xml "count($R/plugins/plugin/image)")" "every attached picture embedded"
expect_eq "$(hp mixed.html "count(//img[starts-with(@src, 'data:image/png;base64,iVBORw0KGgo')])")" \
  "$(hp mixed.html 'count(//img)')" "pictures are inline PNG data"
expect_eq "$(hp mixed.html "string(//article[@id = 'plugin-mgtest-rich']//img[@alt = 'trigger-class-7']/@width)")" 168 \
  "a 28x28 mask is shown 6x"
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
