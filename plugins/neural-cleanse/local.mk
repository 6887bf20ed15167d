# plugins/neural-cleanse: Neural Cleanse (Wang et al. 2019), trigger
# reverse-engineering per class on the reference set (issue 6).
pluginexec_LTLIBRARIES += plugins/neural-cleanse.la
plugins_neural_cleanse_la_SOURCES = plugins/neural-cleanse/neural_cleanse.c \
	plugins/neural-cleanse/nc_reverse.c plugins/neural-cleanse/nc_reverse.h \
	plugins/neural-cleanse/nc_rows.c plugins/neural-cleanse/nc_rows.h \
	plugins/neural-cleanse/nc_decide.c plugins/neural-cleanse/nc_decide.h \
	plugins/neural-cleanse/nc_check.c plugins/neural-cleanse/nc_check.h \
	plugins/neural-cleanse/nc_report.c plugins/neural-cleanse/nc_report.h \
	plugins/neural-cleanse/nc_verify.c plugins/neural-cleanse/nc_verify.h \
	plugins/neural-cleanse/nc_featverify.c plugins/neural-cleanse/nc_featverify.h \
	plugins/neural-cleanse/nc_restart.c plugins/neural-cleanse/nc_restart.h \
	plugins/neural-cleanse/nc_across.c plugins/neural-cleanse/nc_across.h \
	plugins/neural-cleanse/nc_warp.c plugins/neural-cleanse/nc_warp.h \
	plugins/neural-cleanse/nc_warp_decide.c plugins/neural-cleanse/nc_warp_decide.h \
	plugins/neural-cleanse/nc_sched.c plugins/neural-cleanse/nc_sched.h
plugins_neural_cleanse_la_CFLAGS = $(MGD_CFLAGS)
plugins_neural_cleanse_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_neural_cleanse_la_LIBADD = $(MGD_LIBS)

# Unit tests of the decision: calibration on exchangeable classes, power on
# a planted target, the step-down, the paper's index.
check_PROGRAMS += tests/plugins/neural-cleanse/test_nc_decide
TESTS += tests/plugins/neural-cleanse/test_nc_decide
tests_plugins_neural_cleanse_test_nc_decide_SOURCES = tests/plugins/neural-cleanse/test_nc_decide.c \
	plugins/neural-cleanse/nc_decide.c plugins/neural-cleanse/nc_decide.h
tests_plugins_neural_cleanse_test_nc_decide_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/neural-cleanse
tests_plugins_neural_cleanse_test_nc_decide_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)

# End to end on the assembled fixtures.
TESTS += tests/plugins/neural-cleanse/neural-cleanse.sh
EXTRA_DIST += tests/plugins/neural-cleanse/neural-cleanse.sh docs/detectors/neural-cleanse.md

# The smooth-warp trigger family: the WaNet target named, no class on clean
# models (the mask search cut to one step: seconds).
TESTS += tests/plugins/neural-cleanse/nc-warp.sh
EXTRA_DIST += tests/plugins/neural-cleanse/nc-warp.sh
EXTRA_DIST += bench/detect/nc_statistics.py bench/detect/nc_screening_null.py

# Unit tests of the training-row verification: level shares, calibration
# on exchangeable rows, power on planted trigger rows, a global data shift.
check_PROGRAMS += tests/plugins/neural-cleanse/test_nc_verify
TESTS += tests/plugins/neural-cleanse/test_nc_verify
tests_plugins_neural_cleanse_test_nc_verify_SOURCES = tests/plugins/neural-cleanse/test_nc_verify.c \
	plugins/neural-cleanse/nc_verify.c plugins/neural-cleanse/nc_verify.h
tests_plugins_neural_cleanse_test_nc_verify_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/neural-cleanse
tests_plugins_neural_cleanse_test_nc_verify_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)

# Unit tests of the across-class test of the rows route's rank statistic:
# family-wise calibration on iid classes, power on one shifted class, the
# sd floor.
check_PROGRAMS += tests/plugins/neural-cleanse/test_nc_across
TESTS += tests/plugins/neural-cleanse/test_nc_across
tests_plugins_neural_cleanse_test_nc_across_SOURCES = tests/plugins/neural-cleanse/test_nc_across.c \
	plugins/neural-cleanse/nc_across.c plugins/neural-cleanse/nc_across.h
tests_plugins_neural_cleanse_test_nc_across_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/neural-cleanse
tests_plugins_neural_cleanse_test_nc_across_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)

# Unit tests of the warp family's sampling: identity, whole- and
# half-pixel shifts, the bilinear fade between grid points.
check_PROGRAMS += tests/plugins/neural-cleanse/test_nc_warp
TESTS += tests/plugins/neural-cleanse/test_nc_warp
tests_plugins_neural_cleanse_test_nc_warp_SOURCES = tests/plugins/neural-cleanse/test_nc_warp.c \
	plugins/neural-cleanse/nc_warp.c plugins/neural-cleanse/nc_warp.h \
	plugins/neural-cleanse/nc_rows.c plugins/neural-cleanse/nc_rows.h \
	plugins/neural-cleanse/nc_sched.c plugins/neural-cleanse/nc_sched.h
tests_plugins_neural_cleanse_test_nc_warp_CFLAGS = $(MG_TEST_CFLAGS) $(MGD_CFLAGS) \
	-I$(top_srcdir)/plugins/neural-cleanse
tests_plugins_neural_cleanse_test_nc_warp_LDADD = $(MGD_LIBS) $(MG_TEST_LIBS)
