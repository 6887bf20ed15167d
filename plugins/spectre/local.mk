# plugins/spectre: build fragment (included by plugins/local.mk). SPECTRE's
# robust covariance, whitening and QUE scores of each class's penultimate
# features, for low poison rates (issue 12).
pluginexec_LTLIBRARIES += plugins/spectre.la
plugins_spectre_la_SOURCES = plugins/spectre/spectre.c \
	plugins/spectre/spectre_que.c plugins/spectre/spectre_que.h \
	plugins/spectre/spectre_pool.c plugins/spectre/spectre_pool.h
plugins_spectre_la_CFLAGS = $(MGD_CFLAGS)
plugins_spectre_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_spectre_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/spectre/spectre.sh
EXTRA_DIST += tests/plugins/spectre/spectre.sh docs/detectors/spectre.md
