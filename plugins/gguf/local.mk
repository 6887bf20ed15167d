# plugins/gguf: GGUF structure and chat-template injection (issue 16).
pluginexec_LTLIBRARIES += plugins/gguf.la
plugins_gguf_la_SOURCES = plugins/gguf/gguf.c plugins/gguf/gguf_parse.c plugins/gguf/gguf_parse.h
plugins_gguf_la_CFLAGS = $(MF_CFLAGS)
plugins_gguf_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_gguf_la_LIBADD = $(MF_LIBS)
dist_rules_DATA += rules/gguf-template.xml

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_gguf
tests_fuzz_fuzz_gguf_SOURCES = tests/fuzz/fuzz_gguf.c plugins/gguf/gguf_parse.c \
	plugins/common/mfissue.c plugins/common/mflist.c plugins/common/textrules.c
tests_fuzz_fuzz_gguf_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) -I$(top_srcdir)/plugins/gguf
tests_fuzz_fuzz_gguf_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_gguf_LDADD = $(MG_DEP_LIBS)
endif
