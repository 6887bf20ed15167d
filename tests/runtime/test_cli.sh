#!/bin/sh
# `modelgate model inspect|run` as a user runs them: inspect a PyTorch model,
# run it on its reference inputs and compare the NPY written with PyTorch's
# logits and a named layer's size; bad input exits 2 with one line.
set -u
: "${TOP_SRCDIR:?}" "${MODELGATE:?}"
T="$TOP_SRCDIR/tests/runtime/torch"
W=$(mktemp -d) || exit 99
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

out=$("$MODELGATE" model inspect "$T/lenet.onnx") || fail "inspect exit $?"
for want in "ai.onnx 11" "input  float [N, 1, 28, 28]" "logits  float [N, 10]" \
    "Conv                     2" "unsupported:  none" "feature layer:"; do
  echo "$out" | grep -qF "$want" || fail "inspect output lacks '$want'"
done
"$MODELGATE" model inspect --json "$T/resnet.onnx" > "$W/a.json" || fail "inspect --json"
grep -q '"loaded": true' "$W/a.json" || fail "audit does not say loaded"
grep -q '"GlobalAveragePool": 1' "$W/a.json" || fail "audit histogram"

"$MODELGATE" model run "$T/lenet.onnx" "$T/lenet_x.npy" --out "$W/y.npy" || fail "run exit $?"
"$MODELGATE" model run "$T/bncnn.onnx" "$T/bncnn_x.npy" --out "$W/f.npy" \
  --layer "$("$MODELGATE" model inspect "$T/bncnn.onnx" | sed -n 's/^feature layer: //p')" ||
  fail "run --layer"

# bad input: one line on stderr, exit 2
"$MODELGATE" model run "$T/lenet.onnx" "$T/bncnn_x.npy" --out "$W/z.npy" 2> "$W/err"
[ $? -eq 2 ] || fail "wrong input shape did not exit 2"
[ "$(wc -l < "$W/err")" -eq 1 ] || fail "error is not one line: $(cat "$W/err")"
"$MODELGATE" model run "$T/lenet.onnx" "$T/lenet_x.npy" --out "$W/z.npy" --layer nope 2> "$W/err"
[ $? -eq 2 ] && grep -q "no tensor named 'nope'" "$W/err" || fail "unknown layer"
printf 'not an onnx file' > "$W/bad.onnx"
"$MODELGATE" model inspect "$W/bad.onnx" > /dev/null 2> "$W/err"
[ $? -eq 2 ] || fail "garbage model did not exit 2"
"$MODELGATE" model run "$T/lenet.onnx" "$T/lenet_x.npy" --out "$W/z.npy" --mean 0.5 \
  --descriptor /nonexistent 2> "$W/err"
[ $? -eq 2 ] || fail "conflicting options did not exit 2"
"$MODELGATE" model run --help | grep -q "usage: modelgate model run" || fail "run --help"
"$MODELGATE" model inspect --help | grep -q "usage: modelgate model inspect" || fail "inspect --help"

PY="${DEBIAN_PYTHON3:-/usr/bin/python3}"
if ! "$PY" -c 'import numpy' 2> /dev/null; then
  echo "SKIP: numpy comparison (no numpy)"
  exit 0
fi
printf '{"input": {"scale": 2.0, "mean": 0.25, "std": [0.5]}}' > "$W/d.json"
"$MODELGATE" model run "$T/mlp.onnx" "$T/mlp_x.npy" --out "$W/n1.npy" --descriptor "$W/d.json" ||
  fail "run --descriptor"
"$MODELGATE" model run "$T/mlp.onnx" "$T/mlp_x.npy" --out "$W/n2.npy" --scale 2 --mean 0.25 \
  --std 0.5 || fail "run --scale/--mean/--std"
# The descriptor goes through the scan's parser: what a scan refuses, so does
# model run (a zero std, an unknown input key), with the key named.
printf '{"input": {"std": [0]}}' > "$W/d0.json"
"$MODELGATE" model run "$T/mlp.onnx" "$T/mlp_x.npy" --out "$W/n0.npy" --descriptor "$W/d0.json" \
  2> "$W/err"
[ $? -eq 2 ] && grep -q "input.std" "$W/err" || fail "run --descriptor with std 0 was not refused"
printf '{"input": {"scale": 2.0, "gamma": 1}}' > "$W/d1.json"
"$MODELGATE" model run "$T/mlp.onnx" "$T/mlp_x.npy" --out "$W/n0.npy" --descriptor "$W/d1.json" \
  2> "$W/err"
[ $? -eq 2 ] && grep -q "input.gamma" "$W/err" || fail "run --descriptor with an unknown key"
"$PY" - "$T" "$W" <<'PYEOF' || fail "outputs differ from PyTorch"
import sys
import numpy as np
t, w = sys.argv[1], sys.argv[2]
y = np.load(w + "/y.npy")
ref = np.load(t + "/lenet_logits.npy")
assert y.shape == ref.shape, (y.shape, ref.shape)
assert np.abs(y - ref).max() <= 1e-4, np.abs(y - ref).max()
f = np.load(w + "/f.npy")
assert f.shape == (16, 2048), f.shape
a, b = np.load(w + "/n1.npy"), np.load(w + "/n2.npy")
assert np.array_equal(a, b)
assert np.abs(a - np.load(t + "/mlp_logits.npy")).max() > 1e-3  # normalisation applied
PYEOF
echo "PASS"
