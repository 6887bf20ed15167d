# tests/formats: every model format scanned as a lone file through the CLI,
# with fixtures generated at test time (issue 16). Each test runs one
# generator and tests/formats/check_format.py.
FORMAT_TESTS = tests/formats/safetensors.sh tests/formats/gguf.sh tests/formats/keras.sh tests/formats/tf-savedmodel.sh tests/formats/nemo.sh tests/formats/torchscript.sh tests/formats/lone_files.sh
TESTS += $(FORMAT_TESTS)
EXTRA_DIST += $(FORMAT_TESTS) tests/formats/run_format.sh tests/formats/check_format.py \
	tests/formats/fixture_util.py tests/formats/gen_safetensors.py tests/formats/gen_gguf.py tests/formats/gen_keras.py tests/formats/gen_tf.py tests/formats/gen_nemo.py tests/formats/gen_torchscript.py
