# plugins/activation-clustering: build fragment (included by plugins/local.mk).
# Activation clustering of each label's penultimate-layer activations
# (issue 6), on the mgds_* helpers of plugins/common.
pluginexec_LTLIBRARIES += plugins/activation-clustering.la
plugins_activation_clustering_la_SOURCES = \
	plugins/activation-clustering/activation_clustering.c \
	plugins/activation-clustering/ac_cluster.c plugins/activation-clustering/ac_cluster.h
plugins_activation_clustering_la_CFLAGS = $(MGD_CFLAGS)
plugins_activation_clustering_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_activation_clustering_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/activation-clustering/activation-clustering.sh
EXTRA_DIST += tests/plugins/activation-clustering/activation-clustering.sh docs/detectors/activation-clustering.md
