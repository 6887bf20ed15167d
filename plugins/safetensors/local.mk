# plugins/safetensors: safetensors headers checked against the file (issue 16).
pluginexec_LTLIBRARIES += plugins/safetensors.la
plugins_safetensors_la_SOURCES = plugins/safetensors/safetensors.c \
	plugins/safetensors/st_parse.c plugins/safetensors/st_parse.h
plugins_safetensors_la_CFLAGS = $(MF_CFLAGS)
plugins_safetensors_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_safetensors_la_LIBADD = $(MF_LIBS)

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_safetensors
tests_fuzz_fuzz_safetensors_SOURCES = tests/fuzz/fuzz_safetensors.c \
	plugins/safetensors/st_parse.c plugins/common/mfissue.c
tests_fuzz_fuzz_safetensors_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) -I$(top_srcdir)/plugins/safetensors
tests_fuzz_fuzz_safetensors_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_safetensors_LDADD = $(MG_DEP_LIBS)
endif
