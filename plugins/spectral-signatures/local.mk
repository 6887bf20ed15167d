# plugins/spectral-signatures: build fragment (included by plugins/local.mk).
# spectral signatures of poisoned training rows (issue 6). The mgds_* files
# are shared with plugins/activation-clustering, which compiles them too.
MGDS_SOURCES = plugins/spectral-signatures/mgds.h plugins/spectral-signatures/mgds_data.c \
	plugins/spectral-signatures/mgds_linalg.c plugins/spectral-signatures/mgds_stats.c \
	plugins/spectral-signatures/mgds_decide.c plugins/spectral-signatures/mgds_report.c \
	plugins/spectral-signatures/mgds_report.h
MGDS_CFLAGS = $(MGD_CFLAGS) -I$(top_srcdir)/plugins/spectral-signatures

pluginexec_LTLIBRARIES += plugins/spectral-signatures.la
plugins_spectral_signatures_la_SOURCES = plugins/spectral-signatures/spectral_signatures.c \
	$(MGDS_SOURCES)
plugins_spectral_signatures_la_CFLAGS = $(MGDS_CFLAGS)
plugins_spectral_signatures_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_spectral_signatures_la_LIBADD = $(MGD_LIBS)

TESTS += tests/detectors/spectral-signatures.sh
EXTRA_DIST += tests/detectors/spectral-signatures.sh docs/detectors/spectral-signatures.md

# Unit tests of the shared statistics and of activation-clustering's
# 2-means/silhouette on synthetic data.
check_PROGRAMS += tests/detectors/test_mgds
TESTS += tests/detectors/test_mgds
tests_detectors_test_mgds_SOURCES = tests/detectors/test_mgds.c $(MGDS_SOURCES) \
	plugins/activation-clustering/ac_cluster.c plugins/activation-clustering/ac_cluster.h
tests_detectors_test_mgds_CFLAGS = $(MGDS_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/activation-clustering
tests_detectors_test_mgds_LDADD = $(MGD_LIBS) $(CHECK_LIBS)
