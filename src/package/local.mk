# src/package: the package's meaning: the descriptor (modelgate.json), the
# roles of its files, and input normalisation.
libmgcore_la_SOURCES += \
	src/package/descriptor.c src/package/descriptor.h \
	src/package/normalize.c src/package/normalize.h \
	src/package/package.c src/package/package.h

check_PROGRAMS += tests/package/test_descriptor
tests_package_test_descriptor_SOURCES = tests/package/test_descriptor.c
tests_package_test_descriptor_CFLAGS = $(MG_TEST_CFLAGS)
tests_package_test_descriptor_LDADD = $(MG_TEST_LIBS)
TESTS += tests/package/test_descriptor
