# plugins/spectral-signatures: build fragment (included by plugins/local.mk).
# Spectral signatures of poisoned training rows (issue 6), on the mgds_*
# helpers of plugins/common it shares with activation-clustering.
pluginexec_LTLIBRARIES += plugins/spectral-signatures.la
plugins_spectral_signatures_la_SOURCES = plugins/spectral-signatures/spectral_signatures.c
plugins_spectral_signatures_la_CFLAGS = $(MGD_CFLAGS)
plugins_spectral_signatures_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_spectral_signatures_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/spectral-signatures/spectral-signatures.sh
EXTRA_DIST += tests/plugins/spectral-signatures/spectral-signatures.sh tests/plugins/common/feature_space.sh docs/detectors/spectral-signatures.md

# Unit tests of the shared statistics and of activation-clustering's
# 2-means/silhouette on synthetic data.
check_PROGRAMS += tests/plugins/common/test_mgds
TESTS += tests/plugins/common/test_mgds
tests_plugins_common_test_mgds_SOURCES = tests/plugins/common/test_mgds.c \
	plugins/activation-clustering/ac_cluster.c plugins/activation-clustering/ac_cluster.h
tests_plugins_common_test_mgds_CFLAGS = $(MGD_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/activation-clustering
tests_plugins_common_test_mgds_LDADD = $(MGD_LIBS) $(CHECK_LIBS)
