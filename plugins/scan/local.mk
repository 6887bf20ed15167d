# plugins/scan: build fragment (included by plugins/local.mk). SCAn's
# untangling model on the clean reference rows and a two-component
# decomposition of each class's penultimate features, for low poison rates
# (issue 12).
pluginexec_LTLIBRARIES += plugins/scan.la
plugins_scan_la_SOURCES = plugins/scan/scan.c \
	plugins/scan/scan_model.c plugins/scan/scan_model.h
plugins_scan_la_CFLAGS = $(MGD_CFLAGS)
plugins_scan_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_scan_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/scan/scan.sh
EXTRA_DIST += tests/plugins/scan/scan.sh docs/detectors/scan.md
