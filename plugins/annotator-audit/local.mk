# plugins/annotator-audit: annotator dominance and disagreement in
# preference data (issue 13, CTL-09).
pluginexec_LTLIBRARIES += plugins/annotator-audit.la
plugins_annotator_audit_la_SOURCES = plugins/annotator-audit/annotator_audit.c
plugins_annotator_audit_la_CFLAGS = $(MGT_CFLAGS)
plugins_annotator_audit_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_annotator_audit_la_LIBADD = $(MGT_LIBS)
EXTRA_DIST += docs/detectors/annotator-audit.md
