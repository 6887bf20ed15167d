#!/bin/sh
# The AVX2 kernels on an AVX-512 machine (MG_RUNTIME_SIMD=avx2): the
# PyTorch models against PyTorch's logits and the ONNX conformance set,
# whole models through every op, as a CPU without AVX-512 runs them.
# test_ops checks each kernel variant alone; this checks the dispatch and
# the kernels' other paths (row modes, tails, fused finishes) in models.
# Skipped where the default run already is the AVX2 one (no AVX-512) or
# there are no AVX2 kernels to run.
set -u
: "${TOP_BUILDDIR:?}"
flags=$(grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
case " $flags " in
*" avx2 "*" fma "* | *" fma "*" avx2 "*) ;;
*) echo "SKIP: no AVX2 + FMA"; exit 77 ;;
esac
case " $flags " in
*" avx512f "*) ;;
*) echo "SKIP: no AVX-512: the other runtime tests already run the AVX2 kernels"; exit 77 ;;
esac
export MG_RUNTIME_SIMD=avx2
"$TOP_BUILDDIR/tests/runtime/test_torch" || { echo "FAIL: test_torch with AVX2 kernels"; exit 1; }
"$TOP_BUILDDIR/tests/runtime/conformance" || { echo "FAIL: conformance with AVX2 kernels"; exit 1; }
echo "PASS: PyTorch models and conformance with MG_RUNTIME_SIMD=avx2"
