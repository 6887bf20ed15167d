# The text plugins' end-to-end tests: modelgate scans generated text
# fixtures (tests/fixtures/text/gen_text.py, from Debian packages) with one
# plugin selected; check.py holds the results against the fixture's truth.
TEXT_PLUGIN_TESTS = tests/plugins/text-triggers/text-triggers.sh \
	tests/plugins/text-label-consistency/text-label-consistency.sh \
	tests/plugins/annotator-audit/annotator-audit.sh \
	tests/plugins/instruction-triggers/instruction-triggers.sh \
	tests/plugins/source-provenance/source-provenance.sh
TESTS += $(TEXT_PLUGIN_TESTS)
EXTRA_DIST += tests/fixtures/text/corpus.py tests/fixtures/text/gen_text.py \
	tests/plugins/text-plugins/textlib.sh tests/plugins/text-plugins/check.py \
	$(TEXT_PLUGIN_TESTS)
# Unit tests of the text library and the statistics of text-triggers.
check_PROGRAMS += tests/plugins/text-plugins/test_text_stats
TESTS += tests/plugins/text-plugins/test_text_stats
tests_plugins_text_plugins_test_text_stats_SOURCES = tests/plugins/text-plugins/test_text_stats.c \
	$(TEXT_TRIGGERS_CORE)
tests_plugins_text_plugins_test_text_stats_CFLAGS = $(MG_TEST_CFLAGS) $(MGT_CFLAGS) \
	-I$(top_srcdir)/plugins/text-triggers
tests_plugins_text_plugins_test_text_stats_LDADD = $(MGT_LIBS) $(MG_TEST_LIBS)
EXTRA_DIST += bench/text/run.sh bench/text/score.py bench/text/json_peer.py
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_textlib
tests_fuzz_fuzz_textlib_SOURCES = tests/fuzz/fuzz_textlib.c $(TEXT_TRIGGERS_CORE)
tests_fuzz_fuzz_textlib_CFLAGS = $(FUZZ_CFLAGS) $(MGT_CFLAGS) -I$(top_srcdir)/plugins/text-triggers
tests_fuzz_fuzz_textlib_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_textlib_LDADD = $(MGT_LIBS)
endif
