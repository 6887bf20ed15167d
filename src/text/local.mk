# src/text/: text datasets (JSON Lines, CSV/TSV, JSON arrays), their cache
# and the plugin services that read it (issue 13).
libmgcore_la_SOURCES += \
	src/text/text_env.c src/text/text_env.h
