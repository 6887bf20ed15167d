# tests/report: the report views (JUnit, HTML, JSON, SARIF) checked against
# their schemas and against the results they show. The mgtest-rich plugins
# emit findings that use every report field; see tests/report/doubles/rich.c.
check_LTLIBRARIES += tests/report/mgtest-rich.la tests/report/mgtest-rich-b.la
tests_report_mgtest_rich_la_SOURCES = tests/report/doubles/rich.c
tests_report_mgtest_rich_la_LDFLAGS = $(TEST_PLUGIN_LINK)
tests_report_mgtest_rich_b_la_SOURCES = tests/report/doubles/rich.c
tests_report_mgtest_rich_b_la_CPPFLAGS = $(AM_CPPFLAGS) -DMGTEST_RICH_B
tests_report_mgtest_rich_b_la_LDFLAGS = $(TEST_PLUGIN_LINK)

REPORT_TESTS = tests/report/junit.sh tests/report/html.sh tests/report/html_render.sh \
	tests/report/demo_report.sh \
	tests/report/json.sh tests/report/sarif.sh tests/report/writing.sh \
	tests/report/review.sh
TESTS += $(REPORT_TESTS)
EXTRA_DIST += $(REPORT_TESTS) tests/report/lib.sh tests/report/png_check.py \
	tests/report/junit-10.xsd tests/report/sarif-schema-2.1.0.json
