# tests/registry: unit tests of src/registry (the registry stage).
check_PROGRAMS += tests/registry/test_registry
tests_registry_test_registry_SOURCES = tests/registry/test_registry.c
tests_registry_test_registry_CFLAGS = $(MG_TEST_CFLAGS)
tests_registry_test_registry_LDADD = $(MG_TEST_LIBS)
TESTS += tests/registry/test_registry
