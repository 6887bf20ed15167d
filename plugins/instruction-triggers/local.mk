# plugins/instruction-triggers: trigger phrases in instruction-tuning data
# (issue 13): one fixed response, link or command across unrelated prompts.
pluginexec_LTLIBRARIES += plugins/instruction-triggers.la
plugins_instruction_triggers_la_SOURCES = plugins/instruction-triggers/instruction_triggers.c \
	plugins/instruction-triggers/it_scan.c plugins/instruction-triggers/it_scan.h
plugins_instruction_triggers_la_CFLAGS = $(MGT_CFLAGS)
plugins_instruction_triggers_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_instruction_triggers_la_LIBADD = $(MGT_LIBS)
EXTRA_DIST += docs/detectors/instruction-triggers.md
