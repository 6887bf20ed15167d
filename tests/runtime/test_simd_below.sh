#!/bin/sh
# The kernels below this CPU's best, as a CPU without them runs them
# (MG_RUNTIME_SIMD caps the instruction set): the PyTorch models against
# PyTorch's logits and the ONNX conformance set, whole models through
# every op. test_ops checks each kernel variant alone; this checks the
# dispatch and the kernels' other paths (row modes, tails, fused
# finishes) in models. With AVX-512: AVX2 on both, baseline on the
# PyTorch models (its conformance run costs 10 s of CPU); with AVX2
# alone: baseline on both. Skipped only where the default already is
# the baseline (nothing below it).
set -u
: "${TOP_BUILDDIR:?}"
flags=" $(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null) "
has() { case "$flags" in *" $1 "*) return 0 ;; esac; return 1; }
run() { # CAP TEST...
  cap=$1
  shift
  for t in "$@"; do
    MG_RUNTIME_SIMD=$cap "$TOP_BUILDDIR/tests/runtime/$t" ||
      { echo "FAIL: $t with MG_RUNTIME_SIMD=$cap"; exit 1; }
  done
  echo "PASS: $* with MG_RUNTIME_SIMD=$cap"
}
if has avx512f && has avx2 && has fma; then
  run avx2 test_torch conformance
  run generic test_torch
elif has avx2 && has fma; then
  run generic test_torch conformance
else
  echo "SKIP: the default kernels are the baseline ones, nothing runs below them"
  exit 77
fi
