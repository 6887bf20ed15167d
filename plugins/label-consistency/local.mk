# plugins/label-consistency: build fragment (included by plugins/local.mk).
# Training labels against their nearest clean reference rows in the model's
# feature space (CTL-05, issue 12).
pluginexec_LTLIBRARIES += plugins/label-consistency.la
plugins_label_consistency_la_SOURCES = plugins/label-consistency/label_consistency.c \
	plugins/label-consistency/lc_engine.c plugins/label-consistency/lc_engine.h \
	plugins/label-consistency/lc_pairs.c plugins/label-consistency/lc_pairs.h
plugins_label_consistency_la_CFLAGS = $(MGD_CFLAGS)
plugins_label_consistency_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_label_consistency_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/label-consistency/label-consistency.sh
EXTRA_DIST += tests/plugins/label-consistency/label-consistency.sh docs/detectors/label-consistency.md

check_PROGRAMS += tests/plugins/label-consistency/test_lc_pairs
TESTS += tests/plugins/label-consistency/test_lc_pairs
tests_plugins_label_consistency_test_lc_pairs_SOURCES = tests/plugins/label-consistency/test_lc_pairs.c \
	plugins/label-consistency/lc_pairs.c plugins/label-consistency/lc_pairs.h
tests_plugins_label_consistency_test_lc_pairs_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/label-consistency
tests_plugins_label_consistency_test_lc_pairs_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)
