# tests/reports: the report views (JUnit, HTML, JSON, SARIF) checked against
# their schemas and against the results they show. The mgtest-rich plugins
# emit findings that use every report field; see tests/reports/rich.c.
check_LTLIBRARIES += tests/reports/mgtest-rich.la tests/reports/mgtest-rich-b.la
tests_reports_mgtest_rich_la_SOURCES = tests/reports/rich.c
tests_reports_mgtest_rich_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_reports_mgtest_rich_b_la_SOURCES = tests/reports/rich.c
tests_reports_mgtest_rich_b_la_CPPFLAGS = $(AM_CPPFLAGS) -DMGTEST_RICH_B
tests_reports_mgtest_rich_b_la_LDFLAGS = $(TEST_PLUGIN_LINK)

REPORT_TESTS = tests/reports/junit.sh tests/reports/html.sh tests/reports/html_render.sh \
	tests/reports/json.sh tests/reports/sarif.sh tests/reports/writing.sh
TESTS += $(REPORT_TESTS)
EXTRA_DIST += $(REPORT_TESTS) tests/reports/lib.sh tests/reports/png_check.py \
	tests/reports/junit-10.xsd tests/reports/sarif-schema-2.1.0.json
