# plugins/strip: build fragment (included by plugins/local.mk). STRIP
# (Gao et al. 2019) over the training set and --inputs: its score (the
# mean entropy over blends with reference images, strip_engine.c) and plot
# on scale-up's engine (plugins/scale-up/libsu.la: calibration on the
# reference set, exact class tests and Holm's adjustment).
pluginexec_LTLIBRARIES += plugins/strip.la
plugins_strip_la_SOURCES = plugins/strip/strip.c plugins/strip/strip_engine.c \
	plugins/strip/strip_engine.h plugins/strip/strip_plot.c plugins/strip/strip_plot.h
plugins_strip_la_CFLAGS = $(SU_CFLAGS)
plugins_strip_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_strip_la_LIBADD = $(SU_LIBS)

# Unit tests of the exact tests and of Holm's adjustment.
check_PROGRAMS += tests/plugins/common/test_hyptest
TESTS += tests/plugins/common/test_hyptest
tests_plugins_common_test_hyptest_SOURCES = tests/plugins/common/test_hyptest.c
tests_plugins_common_test_hyptest_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS)
tests_plugins_common_test_hyptest_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)

TESTS += tests/plugins/strip/strip.sh
EXTRA_DIST += tests/plugins/strip/strip.sh
