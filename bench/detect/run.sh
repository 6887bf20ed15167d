#!/bin/sh
# Detector bench (issue 6): every detector plugin on every fixture, scored
# against the fixtures' ground truth: poisoned-row precision and recall,
# the verdict of each plugin alone and of the full scan with the correlation
# rule, Neural Cleanse's anomaly index and recovered target, STRIP's FRR and
# FAR, wall times; then the full five-plugin scan of a 12,000-row package.
#
# usage: bench/detect/run.sh [BUILD_DIR]        (default: the current directory)
# env:   MG_BENCH_FIXTURES=DIR  reuse assembled fixtures (assemble.py output)
#        MG_BENCH_BIG=DIR       models of the 12,000-row variant (default /tmp/fx-big;
#                               trained with tests/fixtures/train.py when MG_BENCH_TRAIN=1)
#        MG_BENCH_SEED=N        --seed (default 0)
#        MG_BENCH_SET="..."     extra --set options for every scan
#        MG_BENCH_KEEP=DIR      keep the result JSON files there
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
BUILD=$(cd "${1:-.}" && pwd)
MG="$BUILD/modelgate"
PLUGINS="$BUILD/plugins/.libs"
PY=${DEBIAN_PYTHON3:-/usr/bin/python3}
SEED=${MG_BENCH_SEED:-0}
BIG=${MG_BENCH_BIG:-/tmp/fx-big}
[ -x "$MG" ] || { echo "usage: $0 BUILD_DIR (no modelgate in $BUILD)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-detect.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }

# The five detectors, those that are built.
DETECTORS=""
for p in spectral-signatures activation-clustering spectre label-consistency neural-cleanse strip loss-outliers; do
  [ -f "$PLUGINS/$p.so" ] && DETECTORS="${DETECTORS:+$DETECTORS,}$p"
done
[ -n "$DETECTORS" ] || { echo "no detector plugin in $PLUGINS" >&2; exit 2; }
echo "detectors: $DETECTORS" >&2

# The gate without the shipped <require> of CTL-17 (pickle code), which
# only the package-safety plugins can satisfy: the verdict then reflects the
# detectors and the correlation rule alone.
cp -r "$TOP/rules" "$WORK/rules"
sed -i '/<require /d' "$WORK/rules/policy.xml"

FX=${MG_BENCH_FIXTURES:-$WORK/fx}
if [ -z "${MG_BENCH_FIXTURES:-}" ]; then
  "$PY" "$TOP/tests/fixtures/assemble.py" "$FX" -q || { echo "assemble.py failed" >&2; exit 2; }
fi

: >"$WORK/manifest"
for truth in "$FX"/*.truth.json; do
  name=$(basename "$truth" .truth.json)
  [ -d "$FX/$name" ] || continue
  echo "scanning $name" >&2
  pkg="$FX/$name"
  out="$WORK/$name.full.json"
  t0=$(now)
  # shellcheck disable=SC2086
  "$MG" scan "$pkg" --plugins "$PLUGINS" --rules "$WORK/rules" --seed "$SEED" --only "$DETECTORS" \
    --json "$out" -q ${MG_BENCH_SET:-} >/dev/null 2>"$out.stderr" || true
  wall=$(echo "$(now) - $t0" | bc -l)
  [ -s "$out" ] || { echo "  no result for $name: $(cat "$out.stderr")" >&2; continue; }
  far="-"
  case ",$DETECTORS," in
  *,strip,*)
    if "$PY" "$HERE/make_inputs.py" "$TOP/tests/fixtures" "$TOP/tests/fixtures/models/$name.json" \
      "$pkg" "$WORK/$name.trig.npy" 2>/dev/null; then
      far="$WORK/$name.far.json"
      # shellcheck disable=SC2086
      "$MG" scan "$pkg" --plugins "$PLUGINS" --rules "$WORK/rules" --seed "$SEED" --only strip \
        --inputs "$WORK/$name.trig.npy" --json "$far" -q ${MG_BENCH_SET:-} >/dev/null 2>&1 || true
      [ -s "$far" ] || far="-"
    fi
    ;;
  esac
  echo "$name $truth $out $far $wall" >>"$WORK/manifest"
done

# The 12,000-row package: assemble it from the big models (train them first
# when asked), then time a full scan with every detector.
if [ "${MG_BENCH_TRAIN:-0}" = 1 ] && [ ! -f "$BIG/badnets-p10.onnx" ]; then
  echo "training the 12,000-row badnets-p10 into $BIG (about 10-15 minutes)" >&2
  "$PY" "$TOP/tests/fixtures/train.py" --train-size 12000 --out "$BIG" --fixture badnets-p10 >&2
fi
if [ -f "$BIG/badnets-p10.onnx" ] && [ -f "$BIG/badnets-p10.json" ]; then
  mkdir -p "$WORK/bigmodels"
  cp "$BIG/badnets-p10.onnx" "$BIG/badnets-p10.json" "$WORK/bigmodels/"
  if "$PY" "$TOP/tests/fixtures/assemble.py" "$WORK/big" --models "$WORK/bigmodels" -q; then
    echo "scanning the 12,000-row badnets-p10" >&2
    out="$WORK/big.full.json"
    t0=$(now)
    "$MG" scan "$WORK/big/badnets-p10" --plugins "$PLUGINS" --rules "$WORK/rules" --seed "$SEED" \
      --only "$DETECTORS" --json "$out" -q >/dev/null 2>"$out.stderr" || true
    wall=$(echo "$(now) - $t0" | bc -l)
    [ -s "$out" ] && echo "big badnets-p10 $out $wall" >>"$WORK/manifest"
  fi
else
  echo "no 12,000-row models in $BIG (MG_BENCH_TRAIN=1 trains them): skipping the timing" >&2
fi

"$PY" "$HERE/score.py" "$WORK/manifest"
if [ -n "${MG_BENCH_KEEP:-}" ]; then
  mkdir -p "$MG_BENCH_KEEP"
  cp "$WORK"/*.json "$MG_BENCH_KEEP/" 2>/dev/null || true
  sed "s|$WORK/|$MG_BENCH_KEEP/|g" "$WORK/manifest" >"$MG_BENCH_KEEP/manifest"
fi
