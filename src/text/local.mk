# src/text/: text datasets (JSON Lines, CSV/TSV, JSON arrays), their cache
# and the plugin services that read it (issue 13).
libmgcore_la_SOURCES += \
	src/text/text_input.c src/text/text_input.h \
	src/text/text_utf8.c src/text/text_utf8.h \
	src/text/text_parse.h src/text/text_jsonl.c src/text/text_json.c src/text/text_csv.c \
	src/text/text_fields.c src/text/text_fields.h \
	src/text/text_cache.c src/text/text_cache.h \
	src/text/text_dataset.c src/text/text_dataset.h \
	src/text/text_env.c src/text/text_env.h \
	src/text/text_refs.c src/text/text_refs.h

# Its tests, fuzz harnesses and intake bench.
include $(srcdir)/tests/text/local.mk
include $(srcdir)/bench/text-intake/local.mk
