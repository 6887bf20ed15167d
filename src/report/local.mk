# src/report: views of the results: JSON, SARIF, the XML document and the
# XSLT views made from it (JUnit, HTML), the terminal summary.
libmgcore_la_SOURCES += \
	src/report/report.h \
	src/report/report_json.c \
	src/report/report_sarif.c \
	src/report/report_text.c src/report/report_text.h \
	src/report/report_xml.c src/report/report_xml.h \
	src/report/report_xslt.c \
	src/report/report_set.c src/report/report_set.h \
	src/report/thumbnails.c src/report/thumbnails.h
