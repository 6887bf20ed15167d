#!/bin/sh
# annotator-audit end to end on preference fixtures: one annotator labelling
# most items, and one who inverts the choices, each fail the gate with that
# annotator's rows at precision and recall >= 0.9; two clean sets (15 and 25
# annotators, one to three per item) pass it; a dataset whose provenance is
# user-submitted is scanned with the stricter setting and says so (CTL-14).
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=annotator-audit
gen pref-clean pref-clean-b pref-dominant pref-adversarial

expect $P pref-clean clean
expect $P pref-clean-b clean
expect $P pref-dominant poisoned dominant-annotator
expect $P pref-adversarial poisoned inverted-annotator

PKG="$SANDBOX/in/crowd"
mkdir -p "$PKG"
cp "$FX/pref-clean.jsonl" "$PKG/prefs.jsonl"
sum=$(sha256sum "$PKG/prefs.jsonl" | cut -d' ' -f1)
cat >"$PKG/modelgate.json" <<JSON
{"text": {"prefs": {"path": "prefs.jsonl"}},
 "provenance": [{"path": "prefs.jsonl", "origin": "crowd-campaign-17", "sha256": "$sum",
                 "source": "user-submitted", "collected": "2026-01-01T00:00:00Z"}]}
JSON
run_mg scan "$PKG" --only $P -q --json "$SANDBOX/crowd.json"
if [ "$status" -le 1 ] && "$PY" - "$SANDBOX/crowd.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
ev = [p for p in d["plugins"] if p["name"] == "annotator-audit"][0]["evidence"]
ds = ev["annotator_audit"]["datasets"][0]
sys.exit(0 if ds["untrusted"] and "stricter setting" in ds["setting"] else 1)
PY
then
  pass "a user-submitted dataset is scanned with the stricter setting, and the evidence says so"
else
  fail "user-submitted dataset: exit $status, stricter setting not reported"
fi
finish
