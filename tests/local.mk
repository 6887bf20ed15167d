# tests/: the core's unit tests (check) and end-to-end tests through the CLI.
# Other subsystems wire their own tests from their local.mk.
E2E_TESTS = tests/e2e/unsafe_packages.sh tests/e2e/registry.sh tests/e2e/nested.sh \
	tests/e2e/plugin_host.sh tests/e2e/out_of_tree.sh tests/e2e/checklist.sh \
	tests/e2e/atlas_catalog.sh
TESTS += $(E2E_TESTS)
EXTRA_DIST += tests/lib.sh tests/detectors/verdict.py $(E2E_TESTS) tests/e2e/make_unsafe.py tests/e2e/make_nested.py

check_PROGRAMS += tests/core/test_paths
tests_core_test_paths_SOURCES = tests/core/test_paths.c
tests_core_test_paths_CFLAGS = $(MG_TEST_CFLAGS)
tests_core_test_paths_LDADD = $(MG_TEST_LIBS)
TESTS += tests/core/test_paths

check_PROGRAMS += tests/core/test_checklist
tests_core_test_checklist_SOURCES = tests/core/test_checklist.c
tests_core_test_checklist_CFLAGS = $(MG_TEST_CFLAGS)
tests_core_test_checklist_LDADD = $(MG_TEST_LIBS)
TESTS += tests/core/test_checklist
