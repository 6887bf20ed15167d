# tests/plugins/text-host: mg-texthost, the stand-in host that serves JSON
# Lines files to a text plugin and prints its findings and evidence as JSON
# (the text plugins' tests of their statistics on in-memory rows).
check_PROGRAMS += tests/plugins/text-host/mg-texthost
tests_plugins_text_host_mg_texthost_SOURCES = tests/plugins/text-host/text_host.c
tests_plugins_text_host_mg_texthost_CFLAGS = $(AM_CFLAGS) $(JANSSON_CFLAGS) -Wno-format-nonliteral
tests_plugins_text_host_mg_texthost_LDADD = $(JANSSON_LIBS) -ldl -lm
EXTRA_DIST += tests/fixtures/text/corpus.py \
	tests/fixtures/text/gen_text.py
TESTS += tests/plugins/text-plugins/stats.sh
EXTRA_DIST += tests/plugins/text-plugins/stats.sh tests/plugins/text-plugins/check.py
