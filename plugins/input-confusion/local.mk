# plugins/input-confusion: build fragment (included by plugins/local.mk).
# Training labels against their clean input-space neighbours' labels,
# weighed by the label's clean neighbour profile (CTL-05, issue 12).
pluginexec_LTLIBRARIES += plugins/input-confusion.la
plugins_input_confusion_la_SOURCES = plugins/input-confusion/input_confusion.c \
	plugins/input-confusion/ic_refine.c plugins/input-confusion/ic_refine.h
plugins_input_confusion_la_CFLAGS = $(MGD_CFLAGS)
plugins_input_confusion_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_input_confusion_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/input-confusion/input-confusion.sh
EXTRA_DIST += tests/plugins/input-confusion/input-confusion.sh docs/detectors/input-confusion.md
