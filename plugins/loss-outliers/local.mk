# plugins/loss-outliers: build fragment (included by plugins/local.mk).
# Per-sample training loss, per-class robust z-scores, and exact tests of
# each class against its clean reference rows (hyptest from plugins/common).
LOSS_OUTLIERS_CORE = plugins/loss-outliers/lo_stats.c plugins/loss-outliers/lo_stats.h
pluginexec_LTLIBRARIES += plugins/loss-outliers.la
plugins_loss_outliers_la_SOURCES = plugins/loss-outliers/loss_outliers.c $(LOSS_OUTLIERS_CORE)
plugins_loss_outliers_la_CFLAGS = $(MGD_CFLAGS)
plugins_loss_outliers_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_loss_outliers_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/loss-outliers/loss-outliers.sh
EXTRA_DIST += tests/plugins/loss-outliers/loss-outliers.sh

check_PROGRAMS += tests/plugins/loss-outliers/test_lo_stats
TESTS += tests/plugins/loss-outliers/test_lo_stats
tests_plugins_loss_outliers_test_lo_stats_SOURCES = tests/plugins/loss-outliers/test_lo_stats.c $(LOSS_OUTLIERS_CORE)
tests_plugins_loss_outliers_test_lo_stats_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/loss-outliers
tests_plugins_loss_outliers_test_lo_stats_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)
