# plugins/nemo: NeMo model_config.yaml Hydra targets (issue 16).
pluginexec_LTLIBRARIES += plugins/nemo.la
plugins_nemo_la_SOURCES = plugins/nemo/nemo.c plugins/nemo/nemo_yaml.c plugins/nemo/nemo_yaml.h
plugins_nemo_la_CFLAGS = $(MF_CFLAGS) $(YAML_CFLAGS)
plugins_nemo_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_nemo_la_LIBADD = $(MF_LIBS) $(YAML_LIBS)
dist_rules_DATA += rules/nemo-targets.xml

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_nemo
tests_fuzz_fuzz_nemo_SOURCES = tests/fuzz/fuzz_nemo.c plugins/nemo/nemo_yaml.c \
	plugins/common/mfissue.c plugins/common/mflist.c plugins/common/textrules.c
tests_fuzz_fuzz_nemo_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) $(YAML_CFLAGS) -I$(top_srcdir)/plugins/nemo
tests_fuzz_fuzz_nemo_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_nemo_LDADD = $(YAML_LIBS) $(MG_DEP_LIBS)
endif
