# tests/base: unit tests of src/base (the limits table).
check_PROGRAMS += tests/base/test_limits
tests_base_test_limits_SOURCES = tests/base/test_limits.c
tests_base_test_limits_CFLAGS = $(MG_TEST_CFLAGS)
tests_base_test_limits_LDADD = $(MG_TEST_LIBS)
TESTS += tests/base/test_limits
