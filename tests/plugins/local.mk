# tests/plugins: a test plugin set exercising the plugin ABI and host.
# check_LTLIBRARIES modules are only built for `make check`; -rpath makes
# libtool build them shared although they are never installed.
TEST_PLUGIN_CFLAGS = $(AM_CFLAGS) -iquote $(top_srcdir)/tests/plugins
TEST_PLUGIN_LINK = -module -avoid-version -shared -rpath /nowhere \
	-export-symbols-regex '^mg_plugin_entry$$' $(SAN_LDFLAGS)
check_LTLIBRARIES += tests/plugins/mgtest-good.la tests/plugins/mgtest-future.la \
	tests/plugins/mgtest-crash.la tests/plugins/mgtest-hang.la tests/plugins/mgtest-spin.la \
	tests/plugins/mgtest-alloc.la tests/plugins/mgtest-model.la tests/plugins/mgtest-garble.la
tests_plugins_mgtest_good_la_SOURCES = tests/plugins/good.c
tests_plugins_mgtest_good_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_good_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_future_la_SOURCES = tests/plugins/newer_major.c
tests_plugins_mgtest_future_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_future_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_crash_la_SOURCES = tests/plugins/crash.c
tests_plugins_mgtest_crash_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_crash_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_hang_la_SOURCES = tests/plugins/hang.c
tests_plugins_mgtest_hang_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_hang_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_spin_la_SOURCES = tests/plugins/spin.c
tests_plugins_mgtest_spin_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_spin_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_alloc_la_SOURCES = tests/plugins/alloc.c
tests_plugins_mgtest_alloc_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_alloc_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_model_la_SOURCES = tests/plugins/needs_model.c
tests_plugins_mgtest_model_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_model_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
tests_plugins_mgtest_garble_la_SOURCES = tests/plugins/garble.c
tests_plugins_mgtest_garble_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_plugins_mgtest_garble_la_CFLAGS = $(TEST_PLUGIN_CFLAGS)
EXTRA_DIST += tests/plugins/mgtest.h tests/check_main.h
