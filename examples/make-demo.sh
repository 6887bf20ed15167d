#!/bin/sh
# Assemble the demo package examples/demo/ (or examples/demo.tar.gz with
# --archive tar.gz) from the committed backdoored model in examples/models/
# and Debian's dataset-fashion-mnist, with the fixtures' assembler.
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
top=$(dirname -- "$here")
python=${DEBIAN_PYTHON3:-/usr/bin/python3}
exec "$python" "$top/tests/fixtures/assemble.py" --models "$here/models" --fixture demo "$@" "$here"
