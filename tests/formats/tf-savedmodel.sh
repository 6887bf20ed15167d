#!/bin/sh
# tf-savedmodel files scanned on their own: file, network and Python ops found, benign files quiet,
# malformed ones reported (tests/formats/gen_tf.py).
. "$TOP_SRCDIR/tests/formats/run_format.sh"
run_format gen_tf.py && pass "tf-savedmodel fixtures"
finish
