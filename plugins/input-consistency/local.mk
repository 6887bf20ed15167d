# plugins/input-consistency: build fragment (included by plugins/local.mk).
# label-consistency's k-NN label test in the input space, without the model
# (CTL-05, issue 12); the engine is compiled from plugins/label-consistency.
pluginexec_LTLIBRARIES += plugins/input-consistency.la
plugins_input_consistency_la_SOURCES = plugins/input-consistency/input_consistency.c \
	plugins/label-consistency/lc_engine.c plugins/label-consistency/lc_engine.h \
	plugins/label-consistency/lc_pairs.c plugins/label-consistency/lc_pairs.h
plugins_input_consistency_la_CFLAGS = $(MGD_CFLAGS) -I$(top_srcdir)/plugins/label-consistency
plugins_input_consistency_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_input_consistency_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/input-consistency/input-consistency.sh
EXTRA_DIST += tests/plugins/input-consistency/input-consistency.sh docs/detectors/input-consistency.md
