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
noinst_PROGRAMS += tests/fuzz/fuzz_waivers tests/fuzz/fuzz_baseline
tests_fuzz_fuzz_waivers_SOURCES = tests/fuzz/fuzz_waivers.c
tests_fuzz_fuzz_waivers_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_waivers_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_waivers_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_baseline_SOURCES = tests/fuzz/fuzz_baseline.c
tests_fuzz_fuzz_baseline_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_baseline_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_baseline_LDADD = $(FUZZ_LIBS)
endif
EXTRA_DIST += tests/fuzz/corpus
# The configuration file's parser lives in the CLI: the harness builds it in.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz_config.c src/cli/cli_config.c
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LIBS)
endif
# OpenSSF model signatures: the bundle and statement parsers.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_model_signature
tests_fuzz_fuzz_model_signature_SOURCES = tests/fuzz/fuzz_model_signature.c
tests_fuzz_fuzz_model_signature_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_model_signature_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_model_signature_LDADD = $(FUZZ_LIBS)
endif
