# tests/package: unit tests of src/package (the descriptor parser).
check_PROGRAMS += tests/package/test_descriptor
tests_package_test_descriptor_SOURCES = tests/package/test_descriptor.c
tests_package_test_descriptor_CFLAGS = $(MG_TEST_CFLAGS)
tests_package_test_descriptor_LDADD = $(MG_TEST_LIBS)
TESTS += tests/package/test_descriptor
