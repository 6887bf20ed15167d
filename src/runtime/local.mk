# src/runtime: the built-in ONNX runtime (see docs/runtime.md). The ONNX
# protobuf bindings are generated at build time into the build tree.
RT_OPS = \
	src/runtime/ops/ops.h \
	src/runtime/ops/window.c src/runtime/ops/window.h \
	src/runtime/ops/op_binary.c \
	src/runtime/ops/op_activation.c \
	src/runtime/ops/op_pointwise.c src/runtime/ops/pointwise.h \
	src/runtime/ops/op_softmax.c \
	src/runtime/ops/op_conv.c \
	src/runtime/ops/conv_direct.c src/runtime/ops/conv_direct.h src/runtime/ops/conv_direct_kernel.h \
	src/runtime/ops/simd.c src/runtime/ops/simd.h \
	src/runtime/ops/op_gemm.c \
	src/runtime/ops/gemm_packed.c src/runtime/ops/gemm_packed.h src/runtime/ops/gemm_packed_kernel.h \
	src/runtime/ops/op_pool.c \
	src/runtime/ops/maxpool2.c src/runtime/ops/maxpool2.h \
	src/runtime/ops/op_batchnorm.c \
	src/runtime/ops/op_norm.c \
	src/runtime/ops/op_pow.c \
	src/runtime/ops/op_cast.c \
	src/runtime/ops/op_minmax.c \
	src/runtime/ops/op_reshape.c \
	src/runtime/ops/op_transpose.c \
	src/runtime/ops/op_concat.c \
	src/runtime/ops/op_pad.c \
	src/runtime/ops/op_reduce.c \
	src/runtime/ops/op_slice.c \
	src/runtime/ops/op_shape.c \
	src/runtime/ops/op_sum.c \
	src/runtime/ops/op_lrn.c

libmgcore_la_SOURCES += \
	src/runtime/runtime.h \
	src/runtime/rt_internal.h src/runtime/rt_onnx.h \
	src/runtime/rt_util.c \
	src/runtime/rt_bcast.c \
	src/runtime/rt_tensor.c \
	src/runtime/rt_extdata.c \
	src/runtime/rt_load.c \
	src/runtime/rt_plan.c \
	src/runtime/rt_ops.c \
	src/runtime/rt_model.c \
	src/runtime/rt_audit.c \
	$(RT_OPS)

nodist_libmgcore_la_SOURCES += src/runtime/onnx.pb-c.c src/runtime/onnx.pb-c.h
BUILT_SOURCES += src/runtime/onnx.pb-c.c src/runtime/onnx.pb-c.h
CLEANFILES += src/runtime/onnx.pb-c.c src/runtime/onnx.pb-c.h
EXTRA_DIST += src/runtime/onnx.proto

# protoc-c names its outputs after the .proto's path relative to
# --proto_path, so it runs from the source directory and writes here.
src/runtime/onnx.pb-c.c src/runtime/onnx.pb-c.h: $(srcdir)/src/runtime/onnx.proto
	$(AM_V_GEN)$(MKDIR_P) src/runtime && \
	$(PROTOC_C) --proto_path=$(srcdir)/src/runtime --c_out=src/runtime \
		$(srcdir)/src/runtime/onnx.proto

# Tests (docs/runtime.md, "Tests and figures"): every op's VJP against
# finite differences, the runtime.h API and hostile models, PyTorch-exported
# models against PyTorch, ONNX conformance data, and the CLI.
RT_TEST_MK = tests/runtime/mkonnx.c tests/runtime/mkonnx.h
check_PROGRAMS += tests/runtime/test_ops tests/runtime/test_model \
	tests/runtime/test_torch tests/runtime/conformance
tests_runtime_test_ops_SOURCES = tests/runtime/test_ops.c $(RT_TEST_MK)
tests_runtime_test_ops_CFLAGS = $(MG_TEST_CFLAGS)
tests_runtime_test_ops_LDADD = $(MG_TEST_LIBS)
tests_runtime_test_model_SOURCES = tests/runtime/test_model.c $(RT_TEST_MK)
tests_runtime_test_model_CFLAGS = $(MG_TEST_CFLAGS)
tests_runtime_test_model_LDADD = $(MG_TEST_LIBS)
tests_runtime_test_torch_SOURCES = tests/runtime/test_torch.c
tests_runtime_test_torch_CFLAGS = $(MG_TEST_CFLAGS)
tests_runtime_test_torch_LDADD = $(MG_TEST_LIBS)
tests_runtime_conformance_SOURCES = tests/runtime/conformance.c
tests_runtime_conformance_CFLAGS = $(MG_TEST_CFLAGS)
tests_runtime_conformance_LDADD = $(MG_TEST_LIBS)
TESTS += tests/runtime/test_ops tests/runtime/test_model \
	tests/runtime/test_torch \
	tests/runtime/conformance tests/runtime/test_cli.sh \
	tests/runtime/test_simd_below.sh
# torch/: models and NPY references made by make_torch_models.py;
# conformance-data/: the vendored ONNX test subset (Apache-2.0, see its README).
EXTRA_DIST += tests/runtime/make_torch_models.py tests/runtime/make_torch_modern.py \
	tests/runtime/torch \
	tests/runtime/make_bn_amplified.py tests/runtime/bn-amplified \
	tests/runtime/conformance-data tests/runtime/test_cli.sh \
	tests/runtime/test_simd_below.sh

# libFuzzer harness for the ONNX loader (--enable-fuzzers instruments the
# whole core, so it links libmgcore like the core's harnesses).
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_onnx
tests_fuzz_fuzz_onnx_SOURCES = tests/fuzz/fuzz_onnx.c
tests_fuzz_fuzz_onnx_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_onnx_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_onnx_LDADD = $(FUZZ_LIBS)
endif

# Benchmark (not part of make check): bench/runtime/run.py BUILD_DIR.
noinst_PROGRAMS += bench/runtime/bench_runtime
bench_runtime_bench_runtime_SOURCES = bench/runtime/bench_runtime.c
bench_runtime_bench_runtime_CFLAGS = $(AM_CFLAGS) $(MG_DEP_CFLAGS)
bench_runtime_bench_runtime_LDADD = libmgcore.la $(MG_DEP_LIBS)
EXTRA_DIST += bench/runtime/run.py bench/runtime/ort_bench.js bench/runtime/package.json \
	bench/runtime/package-lock.json
