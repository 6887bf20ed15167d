#!/bin/sh
# The text plugins (text-triggers, instruction-triggers,
# text-label-consistency, annotator-audit) declare their --set options in
# ABI option tables like the other plugins: `modelgate plugins` lists them,
# and a misspelt key or a bad value is refused before any work starts.
. "$TOP_SRCDIR/tests/lib.sh"
. "$TOP_SRCDIR/tests/cli/lib.sh"
cli_package text-options
use_test_policy

run_mg plugins
expect_status 0 "modelgate plugins" &&
  for opt in "text-triggers.max-phrases" "text-triggers.signatures" "instruction-triggers.sample" \
    "text-label-consistency.max-flip-share" "annotator-audit.max-share" "annotator-audit.untrusted"; do
    printf '%s\n' "$out" | grep -q -- "${opt#*.}" || fail "modelgate plugins does not list $opt"
  done && pass "modelgate plugins lists the text plugins' options"

refused "misspelt text-triggers key" \
  "--set text-triggers.max-phrase=5: plugin text-triggers has no option 'max-phrase' \(did you mean 'max-phrases'\?\)$" \
  scan "$pkg" --set text-triggers.max-phrase=5
refused "misspelt shared key" \
  "--set text-label-consistency.untrustd=1: plugin text-label-consistency has no option 'untrustd' \(did you mean 'untrusted'\?\)$" \
  scan "$pkg" --set text-label-consistency.untrustd=1
refused "not a whole number" "--set instruction-triggers.sample=lots: expected a whole number" \
  scan "$pkg" --set instruction-triggers.sample=lots
refused "out of range" "--set annotator-audit.max-share=2: expected a number in \[0.01, 1\]$" \
  scan "$pkg" --set annotator-audit.max-share=2
refused "bad boolean" "--set text-triggers.signatures=yes: expected 0 or 1$" \
  scan "$pkg" --set text-triggers.signatures=yes

run_mg scan "$pkg" --skip all --set text-triggers.max-phrases=20000 \
  --set instruction-triggers.background=500 --set annotator-audit.untrusted=1 -q
expect_status 0 "valid text plugin options" && pass "valid text plugin options are accepted"
finish
