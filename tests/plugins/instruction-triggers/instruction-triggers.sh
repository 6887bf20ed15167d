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
# makes the plugin skip, not pass. Under the sanitizers (sanitizer_subset,
# tests/lib.sh) the shell payload and the clean chat set are left to the
# plain run: the link, chat and appended-command sets and the clean Alpaca
# set reach the same code.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/plugins/text-plugins/textlib.sh"

P=instruction-triggers
POISONED=$(sanitizer_subset "instr-phrase-url instr-cf-shell instr-chat-jamesbond instr-appended-cmd" \
  "instr-phrase-url instr-chat-jamesbond instr-appended-cmd")
CLEAN=$(sanitizer_subset "instr-clean-alpaca instr-clean-chat" instr-clean-alpaca)
# shellcheck disable=SC2086
gen $POISONED $CLEAN cls-clean-fortunes

for f in $POISONED; do
  expect $P "$f" poisoned trigger-phrase --phrase --payload
done
for f in $CLEAN; do
  expect $P "$f" clean
done

# Classification rows are not instruction data: skipped with the reason.
run_mg scan "$(fixture_file cls-clean-fortunes)" --only $P -q --json "$SANDBOX/cls.json"
if [ "$(json_get "$SANDBOX/cls.json" '[p["status"] for p in d["plugins"] if p["name"] == "instruction-triggers"][0]')" = skipped ]; then
  pass "no instruction dataset: skipped"
else
  fail "classification data: instruction-triggers not skipped (exit $status)"
fi
finish
