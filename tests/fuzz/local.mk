# tests/fuzz: libFuzzer harnesses for the core's parsers (the runtime, data
# and plugin fragments add theirs). Built with --enable-fuzzers (CC=clang);
# scripts/fuzz-smoke replays the corpora and fuzzes each briefly;
# scripts/fuzz-long fuzzes each for a given time and grows the corpora.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_archive tests/fuzz/fuzz_descriptor tests/fuzz/fuzz_registry
tests_fuzz_fuzz_archive_SOURCES = tests/fuzz/fuzz_archive.c
tests_fuzz_fuzz_archive_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_archive_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_archive_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_descriptor_SOURCES = tests/fuzz/fuzz_descriptor.c
tests_fuzz_fuzz_descriptor_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_descriptor_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_descriptor_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_registry_SOURCES = tests/fuzz/fuzz_registry.c
tests_fuzz_fuzz_registry_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_registry_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_registry_LDADD = $(FUZZ_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus
