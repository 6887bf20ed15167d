# src/registry: the registry of approved artifacts, its signature, and the
# per-file verdicts and lineage facts of a package checked against it.
libmgcore_la_SOURCES += \
	src/registry/registry.c src/registry/registry.h \
	src/registry/registry_sign.c \
	src/registry/registry_check.c src/registry/registry_check.h

check_PROGRAMS += tests/registry/test_registry
tests_registry_test_registry_SOURCES = tests/registry/test_registry.c
tests_registry_test_registry_CFLAGS = $(MG_TEST_CFLAGS)
tests_registry_test_registry_LDADD = $(MG_TEST_LIBS)
TESTS += tests/registry/test_registry
