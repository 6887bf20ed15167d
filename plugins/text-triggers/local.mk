# plugins/text-triggers: trigger phrases in classification text (issue 13).
TEXT_TRIGGERS_CORE = plugins/text-triggers/tt_scan.c plugins/text-triggers/tt_scan.h
pluginexec_LTLIBRARIES += plugins/text-triggers.la
plugins_text_triggers_la_SOURCES = plugins/text-triggers/text_triggers.c $(TEXT_TRIGGERS_CORE)
plugins_text_triggers_la_CFLAGS = $(MGT_CFLAGS)
plugins_text_triggers_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_text_triggers_la_LIBADD = $(MGT_LIBS)
dist_rules_DATA += rules/text-triggers.xml rules/text-triggers.rng
EXTRA_DIST += docs/detectors/text-triggers.md
