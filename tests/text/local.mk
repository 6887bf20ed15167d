# tests/text: unit tests of the text reader, cache and services (issue 13).
check_PROGRAMS += tests/text/test_text
TESTS += tests/text/test_text
tests_text_test_text_SOURCES = tests/text/test_text.c tests/text/text_load.c tests/text/text_load.h
tests_text_test_text_CFLAGS = $(MG_TEST_CFLAGS)
tests_text_test_text_LDADD = $(MG_TEST_LIBS)

# libFuzzer harnesses, one per parser (tests/fuzz/corpus/text_*: seeds).
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_text_jsonl tests/fuzz/fuzz_text_csv tests/fuzz/fuzz_text_json
tests_fuzz_fuzz_text_jsonl_SOURCES = tests/fuzz/fuzz_text_jsonl.c tests/fuzz/fuzz_text.h
tests_fuzz_fuzz_text_jsonl_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_text_jsonl_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_text_jsonl_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_text_csv_SOURCES = tests/fuzz/fuzz_text_csv.c tests/fuzz/fuzz_text.h
tests_fuzz_fuzz_text_csv_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_text_csv_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_text_csv_LDADD = $(FUZZ_LIBS)
tests_fuzz_fuzz_text_json_SOURCES = tests/fuzz/fuzz_text_json.c tests/fuzz/fuzz_text.h
tests_fuzz_fuzz_text_json_CFLAGS = $(FUZZ_CFLAGS)
tests_fuzz_fuzz_text_json_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_text_json_LDADD = $(FUZZ_LIBS)
endif

EXTRA_DIST += tests/text/make_fuzz_seeds.py

# End to end: single-file scans, the descriptor's text block, provenance,
# bad rows and unreadable files, through mgtest-text (a plugin that reads
# every text dataset through the services).
check_LTLIBRARIES += tests/text/mgtest-text.la
tests_text_mgtest_text_la_SOURCES = tests/host/doubles/text.c
tests_text_mgtest_text_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_text_mgtest_text_la_CFLAGS = $(TEST_PLUGIN_CFLAGS) $(JANSSON_CFLAGS)
tests_text_mgtest_text_la_LIBADD = $(JANSSON_LIBS)
TESTS += tests/text/text_scan.sh
EXTRA_DIST += tests/text/text_scan.sh
# The text plugins' --set options through the option tables.
TESTS += tests/text/text_options.sh
EXTRA_DIST += tests/text/text_options.sh
