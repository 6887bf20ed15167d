# plugins/text-label-consistency: duplicate and near-duplicate texts with
# conflicting labels (issue 13, CTL-05).
pluginexec_LTLIBRARIES += plugins/text-label-consistency.la
plugins_text_label_consistency_la_SOURCES = plugins/text-label-consistency/text_label_consistency.c
plugins_text_label_consistency_la_CFLAGS = $(MGT_CFLAGS)
plugins_text_label_consistency_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_text_label_consistency_la_LIBADD = $(MGT_LIBS)
EXTRA_DIST += docs/detectors/text-label-consistency.md
