#!/bin/sh
# Text bench (issue 13): every text fixture (tests/fixtures/text/gen_text.py)
# scanned by modelgate with all plugins and the shipped policy, scored
# against its ground truth: per fixture and text plugin the verdict, the
# severity of its best finding, flagged-row precision and recall, time and
# rows/s; then a 1,000,000-row JSON Lines instruction set (0.5% phrase
# trigger) scanned whole, with wall time and peak RSS from /usr/bin/time -v
# (the largest of modelgate and its plugin children), and beside it, in the
# same run, the peer: Debian's Python reading the file with json.loads line
# by line (the usual first step of a training pipeline). Targets: under
# 60 s and 1 GiB on the 1M-row set.
#
# usage: bench/text/run.sh [BUILD_DIR] [ROWS]   (default: the current directory, 1000000)
# env:   MG_BENCH_KEEP=DIR  keep the fixtures and result JSON files there
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-.}" && pwd)
ROWS=${2:-1000000}
MG="$BUILD/modelgate"
PY=${DEBIAN_PYTHON3:-/usr/bin/python3}
[ -x "$MG" ] || { echo "usage: $0 BUILD_DIR [ROWS] (no modelgate in $BUILD)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 2; }
if [ -n "${MG_BENCH_KEEP:-}" ]; then
  WORK=$MG_BENCH_KEEP
  mkdir -p "$WORK"
else
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-text.XXXXXX")
  trap 'rm -rf "$WORK"' EXIT
fi
export MODELGATE_PLUGIN_DIR="$BUILD/plugins/.libs" MODELGATE_RULES_DIR="$TOP/rules"
export MODELGATE_REPORTS_DIR="$TOP/reports"
now() { date +%s.%N; }

"$PY" "$TOP/tests/fixtures/text/gen_text.py" "$WORK/fx"
echo "fixture                     rows  plugin                  verdict  best    P     R     secs  rows/s"
for truth in "$WORK"/fx/*.truth.json; do
  name=$(basename "$truth" .truth.json)
  data=$(ls "$WORK/fx/$name".jsonl "$WORK/fx/$name".csv 2>/dev/null | head -1)
  t0=$(now)
  status=0
  "$MG" scan "$data" -q --json "$WORK/$name.json" || status=$?
  t1=$(now)
  "$PY" "$HERE/score.py" "$WORK/$name.json" "$truth" "$status" "$(echo "$t1 - $t0" | bc -l)"
done

echo
echo "$ROWS-row instruction set:"
"$PY" "$TOP/tests/fixtures/text/gen_text.py" "$WORK" --bench-rows "$ROWS" --seed 7 >/dev/null
big="$WORK/bench-instr-$ROWS.jsonl"
cat "$big" >/dev/null # the page cache warm for both
t0=$(now)
"$PY" "$HERE/json_peer.py" "$big" >"$WORK/py"
t1=$(now)
py=$(echo "$t1 - $t0" | bc -l)
status=0
/usr/bin/time -v "$MG" scan "$big" -q --json "$WORK/big.json" 2>"$WORK/time" || status=$?
wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/time")
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/time")
user=$(sed -n 's/.*User time (seconds): //p' "$WORK/time")
sys=$(sed -n 's/.*System time (seconds): //p' "$WORK/time")
"$PY" "$HERE/score.py" "$WORK/big.json" "$WORK/bench-instr-$ROWS.truth.json" "$status" 0 --big \
  "$wall" "$rss" "$user" "$sys" "$py" "$(cat "$WORK/py")"
