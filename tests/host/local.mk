# tests/host: the plugin host's tests. doubles/ holds test-double plugins
# (mgtest-*) that exercise the plugin ABI and the host's limits.
# check_LTLIBRARIES modules are only built for `make check`; -rpath makes
# libtool build them shared although they are never installed.
TEST_PLUGIN_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/tests/host/doubles
TEST_PLUGIN_LINK = -module -avoid-version -shared -rpath /nowhere \
	-export-symbols-regex '^mg_plugin_(entry|option_table)$$' $(SAN_LDFLAGS)
check_LTLIBRARIES += tests/host/mgtest-good.la tests/host/mgtest-future.la \
	tests/host/mgtest-crash.la tests/host/mgtest-hang.la tests/host/mgtest-spin.la \
	tests/host/mgtest-alloc.la tests/host/mgtest-model.la tests/host/mgtest-garble.la
tests_host_mgtest_good_la_SOURCES = tests/host/doubles/good.c
tests_host_mgtest_good_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_good_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_future_la_SOURCES = tests/host/doubles/newer_major.c
tests_host_mgtest_future_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_future_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_crash_la_SOURCES = tests/host/doubles/crash.c
tests_host_mgtest_crash_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_crash_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_hang_la_SOURCES = tests/host/doubles/hang.c
tests_host_mgtest_hang_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_hang_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_spin_la_SOURCES = tests/host/doubles/spin.c
tests_host_mgtest_spin_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_spin_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_alloc_la_SOURCES = tests/host/doubles/alloc.c
tests_host_mgtest_alloc_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_alloc_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_model_la_SOURCES = tests/host/doubles/needs_model.c
tests_host_mgtest_model_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_model_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_host_mgtest_garble_la_SOURCES = tests/host/doubles/garble.c
tests_host_mgtest_garble_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_host_mgtest_garble_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
EXTRA_DIST += tests/host/doubles/mgtest.h tests/check_main.h

# Unit tests of the plugin stage on its own, against the doubles above.
check_PROGRAMS += tests/host/test_host
tests_host_test_host_SOURCES = tests/host/test_host.c
tests_host_test_host_CFLAGS = $(MG_TEST_CFLAGS)
tests_host_test_host_LDADD = $(MG_TEST_LIBS)
TESTS += tests/host/test_host
