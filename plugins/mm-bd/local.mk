# plugins/mm-bd: MM-BD (Wang et al., IEEE S&P 2024), data-free maximum-margin
# backdoor detection through the runtime's input gradients (issue 12).
pluginexec_LTLIBRARIES += plugins/mm-bd.la
plugins_mm_bd_la_SOURCES = plugins/mm-bd/mm_bd.c \
	plugins/mm-bd/mm_search.c plugins/mm-bd/mm_search.h \
	plugins/mm-bd/mm_decide.c plugins/mm-bd/mm_decide.h \
	plugins/mm-bd/mm_report.c plugins/mm-bd/mm_report.h
plugins_mm_bd_la_CFLAGS = $(MGD_CFLAGS)
plugins_mm_bd_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_mm_bd_la_LIBADD = $(MGD_LIBS)

# End to end on the assembled fixtures.
TESTS += tests/plugins/mm-bd/mm-bd.sh
EXTRA_DIST += tests/plugins/mm-bd/mm-bd.sh docs/detectors/mm-bd.md
