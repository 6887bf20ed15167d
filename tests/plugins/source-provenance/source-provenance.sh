#!/bin/sh
# source-provenance end to end: provenance origins on listed domains (an
# untrusted paste site for a public source: high; an expired domain added to
# a copy of rules/domains.xml: high, CTL-04 fails), an IP-address origin
# (low), a text dataset no record names (high, CTL-01 fails) and one whose
# record does not say whether the source is public (low, CTL-14); a package
# whose sources are all fine passes with CTL-04 and CTL-14 evaluated; one
# with neither records nor text skips the plugin (CTL-04 not evaluated); a
# broken domains file is an error naming it.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=source-provenance
gen instr-clean-alpaca pref-clean cls-binary-clean

# record PATH ORIGIN SOURCE: one provenance record (SOURCE may be empty)
record() {
  sum=$(sha256sum "$PKG/$1" 2>/dev/null | cut -d' ' -f1)
  [ -n "$sum" ] || sum=$(printf x | sha256sum | cut -d' ' -f1)
  src=""
  [ -n "$3" ] && src=", \"source\": \"$3\""
  printf '{"path": "%s", "origin": "%s", "sha256": "%s", "collected": "2026-01-01T00:00:00Z"%s}' \
    "$1" "$2" "$sum" "$src"
}

PKG="$SANDBOX/in/bad"
mkdir -p "$PKG"
cp "$FX/instr-clean-alpaca.jsonl" "$PKG/sft.jsonl"
cp "$FX/pref-clean.jsonl" "$PKG/prefs.jsonl"
cp "$FX/cls-binary-clean.jsonl" "$PKG/cls.jsonl"
cat >"$PKG/modelgate.json" <<JSON
{"text": {"sft": {"path": "sft.jsonl"}, "prefs": {"path": "prefs.jsonl"}, "cls": {"path": "cls.jsonl"}},
 "provenance": [$(record sft.jsonl https://pastebin.com/raw/x1 public),
                $(record prefs.jsonl https://old-dataset-host.org/prefs ""),
                {"origin": "http://203.0.113.7/dump.tar", "sha256": "$(printf x | sha256sum | cut -d' ' -f1)",
                 "collected": "2026-01-01T00:00:00Z", "source": "vendor"}]}
JSON
sed -i 's|^</domains>|  <domain name="old-dataset-host.org" status="expired" since="2023-04-01" reason="registration lapsed"/>\n</domains>|' \
  "$SANDBOX/rules/domains.xml"
run_mg scan "$PKG" --only $P -q --json "$SANDBOX/bad.json"
if [ "$status" -eq 1 ] && "$PY" - "$SANDBOX/bad.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
got = sorted((f["rule"].split(".")[-1], f["severity"], f.get("artifact") or "") for f in d["findings"])
want = sorted([("listed-domain", "high", "sft.jsonl"), ("listed-domain", "high", "prefs.jsonl"),
               ("ip-origin", "low", ""), ("untracked-text", "high", "cls.jsonl"),
               ("source-unstated", "low", "prefs.jsonl")])
ctl = {c["id"]: c["status"] for c in d["controls"]}
ok = got == want and ctl["CTL-01"] == "fail" and ctl["CTL-04"] == "fail" and ctl["CTL-14"] == "fail"
if not ok:
    print("got", got, {k: ctl[k] for k in ("CTL-01", "CTL-04", "CTL-14")})
sys.exit(0 if ok else 1)
PY
then
  pass "listed, expired, IP-address and untracked sources reported, CTL-01/04/14 fail"
else
  fail "the bad sources: exit $status"
fi

PKG="$SANDBOX/in/good"
mkdir -p "$PKG"
cp "$FX/instr-clean-alpaca.jsonl" "$PKG/sft.jsonl"
cat >"$PKG/modelgate.json" <<JSON
{"text": {"sft": {"path": "sft.jsonl"}},
 "provenance": [$(record sft.jsonl https://data.internal.acme.test.corp/sft internal)]}
JSON
run_mg scan "$PKG" --only $P -q --json "$SANDBOX/good.json"
if [ "$status" -eq 0 ] &&
  [ "$(json_get "$SANDBOX/good.json" 'len(d["findings"])')" = 0 ] &&
  [ "$(json_get "$SANDBOX/good.json" '[c["status"] for c in d["controls"] if c["id"] in ("CTL-04", "CTL-14")]')" = "['pass', 'pass']" ]; then
  pass "good sources: nothing reported, CTL-04 and CTL-14 pass"
else
  fail "good sources: exit $status, $(json_get "$SANDBOX/good.json" '[(f["rule"], f["title"]) for f in d["findings"]]')"
fi

PKG="$SANDBOX/in/bare"
mkdir -p "$PKG"
printf 'not a dataset\n' >"$PKG/README"
run_mg scan "$PKG" --only $P -q --json "$SANDBOX/bare.json"
if [ "$(json_get "$SANDBOX/bare.json" '[p["status"] for p in d["plugins"]][0]')" = skipped ] &&
  [ "$(json_get "$SANDBOX/bare.json" '[c["status"] for c in d["controls"] if c["id"] == "CTL-04"][0]')" = not-evaluated ]; then
  pass "no records and no text: skipped, CTL-04 not evaluated"
else
  fail "bare package: source-provenance not skipped"
fi

printf '<domains version="1"><domain name="Bad Name" status="gone" reason=""/></domains>\n' \
  >"$SANDBOX/rules/domains.xml"
run_mg scan "$SANDBOX/in/good" --only $P -q --json "$SANDBOX/broken.json"
if [ "$status" -eq 2 ] &&
  json_get "$SANDBOX/broken.json" '[p["message"] for p in d["plugins"]][0]' | grep -q 'domains.xml'; then
  pass "a broken domains.xml is an error naming it"
else
  fail "broken domains.xml: exit $status"
fi
finish
