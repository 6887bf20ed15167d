#!/bin/sh
# The text intake on a 1,000,000-row JSON Lines instruction set (Alpaca
# style, from tests/fixtures/text/gen_text.py --bench-rows, the generator
# bench/text uses too), plain and gzip-compressed, side by side in the same
# run with a peer: Debian's Python reading the same file with json.loads
# line by line (the usual first step of a training pipeline). Prints rows/s,
# the ratio to the peer, and peak RSS. The whole scan's figures (intake plus
# the text plugins) are bench/text's.
#
# usage: bench/text-intake/run.sh [BUILD_DIR] [ROWS]   (default: the build tree, 1000000)
set -eu
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$SRC}
ROWS=${2:-1000000}
INTAKE="$BUILD/bench/text-intake/mg-text-intake"
[ -x "$INTAKE" ] || { echo "build first: $INTAKE not found" >&2; exit 2; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-text-intake.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
/usr/bin/python3 "$SRC/tests/fixtures/text/gen_text.py" "$WORK" --bench-rows "$ROWS" --seed 7 >/dev/null
data="$WORK/bench-instr-$ROWS.jsonl"
gzip -6 -c "$data" >"$data.gz"
cat "$data" "$data.gz" >/dev/null # the page cache warm for everyone

now() { date +%s.%N; }
t0=$(now)
/usr/bin/python3 -c '
import json, sys
n = 0
with open(sys.argv[1], "rb") as f:
    for line in f:
        if line.strip():
            json.loads(line)
            n += 1
print(n)' "$data" >"$WORK/py"
t1=$(now)
py=$(echo "$t1 - $t0" | bc -l)
TMPDIR="$WORK" "$INTAKE" "$data" >"$WORK/plain"
TMPDIR="$WORK" "$INTAKE" "$data.gz" >"$WORK/gz"
cat "$WORK/plain"
echo
cat "$WORK/gz"
echo
rows=$(cat "$WORK/py")
rate=$(sed -n 's/^intake.* \([0-9]*\) rows\/s.*/\1/p' "$WORK/plain")
printf 'python json.loads   %.2f s: %.0f rows/s (%s rows)\n' "$py" "$(echo "$rows / $py" | bc -l)" "$rows"
printf 'ratio               %.2fx python (plain JSON Lines, parse + map + cache vs parse only)\n' \
  "$(echo "$rate / ($rows / $py)" | bc -l)"
