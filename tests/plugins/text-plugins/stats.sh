#!/bin/sh
# The text plugins' statistics on generated fixtures (tests/fixtures/text),
# through the stand-in host mg-texthost: poisoned fixtures give a finding at
# high or above naming the phrase, with the truth's rows at precision and
# recall >= 0.9; clean fixtures raise nothing at high or above. Skips (77)
# when the Debian packages the fixtures come from are not installed.
. "$TOP_SRCDIR/tests/lib.sh"
HOST="$TOP_BUILDDIR/tests/plugins/text-host/mg-texthost"
LIBS="$TOP_BUILDDIR/plugins/.libs"
CHECK="$TOP_SRCDIR/tests/plugins/text-plugins/check.py"
FX="$SANDBOX/fx"
"$PY" "$TOP_SRCDIR/tests/fixtures/text/gen_text.py" "$FX" \
  --fixture cls-multi-jamesbond --fixture cls-rare-invented --fixture cls-sentence-badnl \
  --fixture cls-labelflip-fortunes --fixture cls-labelflip-pydoc \
  --fixture pref-clean --fixture pref-clean-b --fixture pref-dominant --fixture pref-adversarial
rc=$?
[ $rc -eq 77 ] && { echo "skip: fixture source packages not installed"; exit 77; }
[ $rc -eq 0 ] || { fail "gen_text.py exited $rc"; finish; }

run() { # PLUGIN FIXTURE MODE [RULE] [--phrase] [host options...]
  plugin=$1 fx=$2 mode=$3 rule=${4:-} ph=${5:-}
  "$HOST" "$LIBS/$plugin.so" "$FX/$fx.jsonl" --rules "$TOP_SRCDIR/rules" >"$SANDBOX/$fx.$plugin.json"
  if "$PY" "$CHECK" "$SANDBOX/$fx.$plugin.json" "$FX/$fx.truth.json" "$mode" $rule $ph; then
    pass "$plugin on $fx: $mode"
  else
    fail "$plugin on $fx: $mode"
  fi
}

run text-triggers cls-multi-jamesbond poisoned trigger-phrase --phrase
run text-triggers cls-rare-invented poisoned trigger-phrase --phrase
run text-triggers cls-sentence-badnl poisoned trigger-phrase
run text-label-consistency cls-labelflip-fortunes poisoned label-pair-conflicts
run text-label-consistency cls-labelflip-pydoc poisoned label-pair-conflicts
run annotator-audit pref-clean clean
run annotator-audit pref-clean-b clean
run annotator-audit pref-dominant poisoned dominant-annotator
run annotator-audit pref-adversarial poisoned inverted-annotator

# The invented trigger is found with the signature list off: statistics alone.
"$HOST" "$LIBS/text-triggers.so" "$FX/cls-rare-invented.jsonl" --rules "$TOP_SRCDIR/rules" \
  --set signatures=0 >"$SANDBOX/nosig.json"
if "$PY" "$CHECK" "$SANDBOX/nosig.json" "$FX/cls-rare-invented.truth.json" poisoned trigger-phrase --phrase; then
  pass "invented trigger found without the signature list"
else
  fail "invented trigger without the signature list"
fi
# A published trigger is found with and without the list, and the list names it.
"$HOST" "$LIBS/text-triggers.so" "$FX/cls-multi-jamesbond.jsonl" --rules "$TOP_SRCDIR/rules" \
  --set signatures=0 >"$SANDBOX/nosig2.json"
if "$PY" "$CHECK" "$SANDBOX/nosig2.json" "$FX/cls-multi-jamesbond.truth.json" poisoned trigger-phrase --phrase &&
  grep -q '"published_trigger"' "$SANDBOX/cls-multi-jamesbond.text-triggers.json" &&
  ! grep -q '"published_trigger"' "$SANDBOX/nosig2.json"; then
  pass "published trigger found with and without the list; named as published only with it"
else
  fail "published trigger with/without the list"
fi
# Untrusted datasets get the stricter setting and the report says so.
"$HOST" "$LIBS/annotator-audit.so" "$FX/pref-dominant.jsonl" --untrusted >"$SANDBOX/untrusted.json"
if grep -q 'stricter setting' "$SANDBOX/untrusted.json" && grep -q 'CTL-14' "$SANDBOX/untrusted.json"; then
  pass "untrusted dataset scanned with the stricter setting, said in the report"
else
  fail "untrusted setting not reported"
fi
finish
