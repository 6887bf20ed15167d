# tests/intake: unit tests of src/intake (package path rules).
check_PROGRAMS += tests/intake/test_paths
tests_intake_test_paths_SOURCES = tests/intake/test_paths.c
tests_intake_test_paths_CFLAGS = $(MG_TEST_CFLAGS)
tests_intake_test_paths_LDADD = $(MG_TEST_LIBS)
TESTS += tests/intake/test_paths
