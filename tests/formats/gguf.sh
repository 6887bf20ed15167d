#!/bin/sh
# gguf files scanned on their own: template injection and structure tricks found, benign files quiet,
# malformed ones reported (tests/formats/gen_gguf.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_gguf.py && pass "gguf fixtures"
finish
