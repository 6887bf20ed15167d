#!/bin/sh
# torchscript files scanned on their own: TorchScript code found by pickle-code, benign files quiet,
# malformed ones reported (tests/formats/gen_torchscript.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_torchscript.py && pass "torchscript fixtures"
finish
