# plugins/scan: build fragment (included by plugins/local.mk). SCAn's
# untangling model on the clean reference rows and a two-component
# decomposition of each class's penultimate features, for low poison rates
# (issue 12).
pluginexec_LTLIBRARIES += plugins/scan.la
plugins_scan_la_SOURCES = plugins/scan/scan.c \
	plugins/scan/scan_model.c plugins/scan/scan_model.h \
	plugins/scan/scan_rows.c plugins/scan/scan_rows.h
plugins_scan_la_CFLAGS = $(MGD_CFLAGS)
plugins_scan_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_scan_la_LIBADD = $(MGD_LIBS)

TESTS += tests/plugins/scan/scan.sh
EXTRA_DIST += tests/plugins/scan/scan.sh docs/detectors/scan.md

# Unit tests of the statistics on synthetic data.
check_PROGRAMS += tests/plugins/scan/test_scan_model
TESTS += tests/plugins/scan/test_scan_model
tests_plugins_scan_test_scan_model_SOURCES = tests/plugins/scan/test_scan_model.c \
	plugins/scan/scan_model.c plugins/scan/scan_model.h \
	plugins/scan/scan_rows.c plugins/scan/scan_rows.h
tests_plugins_scan_test_scan_model_CFLAGS = $(MGD_CFLAGS) $(CHECK_CFLAGS) -I$(top_srcdir)/tests \
	-I$(top_srcdir)/plugins/scan
tests_plugins_scan_test_scan_model_LDADD = $(MGD_LIBS) $(CHECK_LIBS)
