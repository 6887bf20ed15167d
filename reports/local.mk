# reports: the XSLT views of the XML results (docs/results.md), installed
# where the binary looks for them (src/base/paths.c) and replaceable per run with
# --stylesheet junit=FILE / html=FILE.
dist_reports_DATA += reports/junit.xsl reports/html.xsl
