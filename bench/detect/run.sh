#!/bin/sh
# Detector bench (issues 6 and 12): every detector plugin on every fixture,
# scored against the fixtures' ground truth: poisoned-row precision and
# recall, the classes named (model-level ones apart), the verdict of each
# plugin alone and of the full scan with the correlation rule, Neural
# Cleanse's anomaly index and recovered target, STRIP's FRR and FAR, wall
# times; then timed full scans of the 12,000- and 60,000-row packages
# (bench/detect/make_big.py), with seconds per plugin.
#
# usage: bench/detect/run.sh [BUILD_DIR]        (default: the current directory)
# env:   MG_BENCH_FIXTURES=DIR  reuse assembled fixtures (assemble.py output)
#        MG_BENCH_ONLY="a b"    score only these fixtures (held-out ones included)
#        MG_BENCH_HOLDOUT=only  score only the held-out fixtures (truth "holdout":
#                               true); "include": every fixture; default: all
#                               but the held-out ones, so tuning never sees them
#        MG_BENCH_DETECTORS=a,b the plugins to run (default: every built plugin
#                               but the package-safety ones)
#        MG_BENCH_BIG=DIR       reuse the large packages (make_big.py output;
#                               default: assembled into the work directory)
#        MG_BENCH_SIZES="12000 60000"  large packages to time ("" = none)
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
SIZES=${MG_BENCH_SIZES-12000 60000}
[ -x "$MG" ] || { echo "usage: $0 BUILD_DIR (no modelgate in $BUILD)" >&2; exit 2; }

WORK=$(mktemp -d "${TMPDIR:-/tmp}/mg-bench-detect.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
now() { date +%s.%N; }

# Every built plugin but those checking package safety (they find nothing in
# these packages and the gate copy below does not require them). Text
# plugins skip image packages; score.py leaves skipped plugins out.
DETECTORS=${MG_BENCH_DETECTORS:-}
if [ -z "$DETECTORS" ]; then
  for so in "$PLUGINS"/*.so; do
    p=$(basename "$so" .so)
    case "$p" in pickle-code | onnx-integrity | package-anomaly | source-provenance | safetensors | gguf | keras | tf-savedmodel | nemo) continue ;; esac
    DETECTORS="${DETECTORS:+$DETECTORS,}$p"
  done
fi
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
  if [ -n "${MG_BENCH_ONLY:-}" ]; then
    case " $MG_BENCH_ONLY " in *" $name "*) ;; *) continue ;; esac
  else
    held=no
    grep -q '"holdout": *true' "$truth" && held=yes
    case "${MG_BENCH_HOLDOUT:-exclude}:$held" in
    only:no | exclude:yes) continue ;;
    only:yes | include:* | exclude:no) ;;
    *) echo "MG_BENCH_HOLDOUT must be only, include or exclude" >&2; exit 2 ;;
    esac
  fi
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
  # The input-level detectors (STRIP, SCALE-UP, IBD-PSC) also scan triggered inputs.
  far_only=""
  for d in strip scale-up ibd-psc; do
    case ",$DETECTORS," in *,$d,*) far_only="${far_only:+$far_only,}$d" ;; esac
  done
  case "$far_only" in
  ?*)
    if "$PY" "$HERE/make_inputs.py" "$TOP/tests/fixtures" "$TOP/tests/fixtures/models/$name.json" \
      "$pkg" "$WORK/$name.trig.npy" 2>/dev/null; then
      far="$WORK/$name.far.json"
      # shellcheck disable=SC2086
      "$MG" scan "$pkg" --plugins "$PLUGINS" --rules "$WORK/rules" --seed "$SEED" --only "$far_only" \
        --inputs "$WORK/$name.trig.npy" --json "$far" -q ${MG_BENCH_SET:-} >/dev/null 2>&1 || true
      [ -s "$far" ] || far="-"
    fi
    ;;
  esac
  echo "$name $truth $out $far $wall" >>"$WORK/manifest"
done

# The large packages (issue 12's speed targets): the 12,000-row fixture
# badnets-bn32-p1 (BatchNorm CNN 32-32-64) and a 60,000-row package around
# the same model (make_big.py), each timed as one full scan.
if [ -n "$SIZES" ]; then
  BIG=${MG_BENCH_BIG:-$WORK/big}
  for n in $SIZES; do
    pkg="$BIG/bn32-$n"
    if [ ! -d "$pkg" ]; then
      "$PY" "$HERE/make_big.py" "$BIG" --rows "$n" -q ||
        { echo "make_big.py --rows $n failed" >&2; continue; }
    fi
    echo "scanning the $n-row package" >&2
    out="$WORK/big-$n.full.json"
    t0=$(now)
    # shellcheck disable=SC2086
    "$MG" scan "$pkg" --plugins "$PLUGINS" --rules "$WORK/rules" --seed "$SEED" \
      --only "$DETECTORS" --json "$out" -q ${MG_BENCH_SET:-} >/dev/null 2>"$out.stderr" || true
    wall=$(echo "$(now) - $t0" | bc -l)
    if [ -s "$out" ]; then
      echo "big $n-row-bn32 $out $wall" >>"$WORK/manifest"
    else
      echo "  no result for the $n-row package: $(cat "$out.stderr")" >&2
    fi
  done
fi

"$PY" "$HERE/score.py" "$WORK/manifest"
if [ -n "${MG_BENCH_KEEP:-}" ]; then
  mkdir -p "$MG_BENCH_KEEP"
  cp "$WORK"/*.json "$MG_BENCH_KEEP/" 2>/dev/null || true
  sed "s|$WORK/|$MG_BENCH_KEEP/|g" "$WORK/manifest" >"$MG_BENCH_KEEP/manifest"
fi
