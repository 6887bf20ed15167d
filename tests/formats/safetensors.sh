#!/bin/sh
# safetensors files scanned on their own: tricks found, benign files quiet,
# malformed ones reported (tests/formats/gen_safetensors.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_safetensors.py && pass "safetensors fixtures"
finish
