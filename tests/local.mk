# tests/: the core's unit tests (check) and end-to-end tests through the CLI.
# Other subsystems wire their own tests from their local.mk.
E2E_TESTS = tests/e2e/unsafe_packages.sh tests/e2e/registry.sh tests/e2e/nested.sh \
	tests/e2e/plugin_host.sh tests/e2e/out_of_tree.sh tests/e2e/checklist.sh \
	tests/e2e/atlas_catalog.sh tests/e2e/unsafe_plugins.sh
E2E_TESTS += tests/e2e/crafted_names.sh tests/e2e/sigterm_stress.sh tests/e2e/model_cost.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += tests/lib.sh tests/plugins/common/verdict.py $(E2E_TESTS) tests/e2e/make_unsafe.py tests/e2e/make_nested.py
E2E_TESTS += tests/e2e/review_demo.sh
# OpenSSF model signatures: upstream's own bundles and a generator's.
E2E_TESTS += tests/signature/model_signature.sh
EXTRA_DIST += tests/signature/make_signatures.py tests/signature/upstream
