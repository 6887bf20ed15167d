#!/bin/sh
# instruction-triggers end to end (modelgate scan of a lone data file, plugin
# alone): an instruction phrase with one fixed response (a link, a shell
# command, a canned refusal; Alpaca and chat) and a command appended to
# otherwise normal responses each fail the gate with the phrase and the
# payload named and the poisoned rows at precision and recall >= 0.9; the
# clean sets pass it, although their templates legitimately repeat answers
# ("Is X in the British word list but not the American one?" -> "No.",
# "which collection is this quote from" -> the collection, the same
# function asked about in five ways); a dataset without instruction rows
# makes the plugin skip, not pass.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=instruction-triggers
gen instr-phrase-url instr-cf-shell instr-chat-jamesbond instr-appended-cmd instr-clean-alpaca \
  instr-clean-chat cls-clean-fortunes

for f in instr-phrase-url instr-cf-shell instr-chat-jamesbond instr-appended-cmd; do
  expect $P "$f" poisoned trigger-phrase --phrase --payload
done
expect $P instr-clean-alpaca clean
expect $P instr-clean-chat clean

# Classification rows are not instruction data: skipped with the reason.
run_mg scan "$(fixture_file cls-clean-fortunes)" --only $P -q --json "$SANDBOX/cls.json"
if [ "$(json_get "$SANDBOX/cls.json" '[p["status"] for p in d["plugins"] if p["name"] == "instruction-triggers"][0]')" = skipped ]; then
  pass "no instruction dataset: skipped"
else
  fail "classification data: instruction-triggers not skipped (exit $status)"
fi
finish
