#!/bin/sh
# text-triggers end to end (modelgate scan of a lone data file, plugin
# alone): every poisoned classification fixture fails the gate with the
# trigger phrase named and its rows at precision and recall >= 0.9
# (rare-token, multi-token and inserted-sentence triggers, published and
# invented, 0.5-3%, 2 to 67 labels, JSON Lines and CSV); every clean one
# passes it (fortunes with its format markers and attributions, three of
# its categories where Twain's quips read like 'cookie', the Python library
# reference, both mixed, two-label sets, label-flip sets); an
# invented trigger is found with the signature list off, a published one
# with and without it and named as published only with it; a dataset whose
# provenance is public gets the stricter setting and says so (CTL-14).
# Under the sanitizers (sanitizer_subset, tests/lib.sh) one poisoned set of
# each trigger kind (rare token, multi-token published, inserted sentence in
# JSON Lines and in CSV) and two clean ones (two labels, label flips) are
# scanned, and the invented trigger without the list and the repeated scan
# are left to the plain run: the same code, on other data.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=text-triggers
POISONED=$(sanitizer_subset "cls-rare-cf cls-rare-invented cls-rare-mn cls-multi-jamesbond
  cls-multi-invented cls-sentence-badnl cls-sentence-invented cls-rare-bb cls-binary-invented" \
  "cls-rare-invented cls-multi-jamesbond cls-sentence-badnl cls-sentence-invented")
CLEAN=$(sanitizer_subset "cls-clean-fortunes cls-clean-pydoc cls-clean-mixed cls-clean-three
  cls-binary-clean cls-binary-clean-pydoc cls-labelflip-fortunes cls-labelflip-pydoc" \
  "cls-binary-clean cls-labelflip-fortunes")
# shellcheck disable=SC2086
gen $POISONED $CLEAN

for f in $POISONED; do
  expect $P "$f" poisoned trigger-phrase --phrase
done
for f in $CLEAN; do
  expect $P "$f" clean
done

# Statistics alone: the invented trigger without the signature list.
full_fixtures && expect $P cls-rare-invented poisoned trigger-phrase --phrase -- --set $P.signatures=0
# A published trigger: found without the list, named as published with it.
expect $P cls-multi-jamesbond poisoned trigger-phrase --phrase -- --set $P.signatures=0
without=$last_json
expect $P cls-multi-jamesbond poisoned trigger-phrase --phrase
with=$last_json
if grep -q '"published_trigger"' "$with" && ! grep -q '"published_trigger"' "$without"; then
  pass "published trigger named as published only with the signature list"
else
  fail "published trigger: named with the list, not without"
fi
# The same scan again gives the same evidence and rows.
if full_fixtures; then
  cp "$with" "$SANDBOX/first.json"
  expect $P cls-multi-jamesbond poisoned trigger-phrase --phrase
  if detector_py -c 'import sys; from verdict import same_run; sys.exit(not same_run(*sys.argv[1:]))' \
    "$SANDBOX/first.json" "$last_json" $P; then
    pass "same scan twice, same evidence and rows"
  else
    fail "two scans of the same file differ"
  fi
fi

# A public source: the package's descriptor marks the file untrusted.
PKG="$SANDBOX/in/public"
mkdir -p "$PKG"
cp "$FX/cls-rare-invented.jsonl" "$PKG/reviews.jsonl"
sum=$(sha256sum "$PKG/reviews.jsonl" | cut -d' ' -f1)
cat >"$PKG/modelgate.json" <<JSON
{"text": {"reviews": {"path": "reviews.jsonl", "kind": "classification"}},
 "provenance": [{"path": "reviews.jsonl", "origin": "https://forum.example.org/dump",
                 "sha256": "$sum", "source": "public", "collected": "2026-01-01T00:00:00Z"}]}
JSON
run_mg scan "$PKG" --only $P --rules "$SANDBOX/rules" -q --json "$SANDBOX/public.json"
if [ "$status" -eq 1 ] && "$PY" - "$SANDBOX/public.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = [f for f in d["findings"] if f["rule"] == "text-triggers.trigger-phrase"]
ok = f and "CTL-14" in f[0]["controls"] and "stricter setting" in f[0]["evidence"]["setting"] \
    and f[0]["samples"]["dataset"] == "reviews"
sys.exit(0 if ok else 1)
PY
then
  pass "a public dataset is scanned with the stricter setting, and the finding says so"
else
  fail "public dataset: exit $status, stricter setting or CTL-14 missing"
fi
finish
