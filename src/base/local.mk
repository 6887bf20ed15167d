# src/base: what every stage uses: diagnostics and errors, the limits table,
# atomic files, progress, signals, and where the rules and plugins live.
libmgcore_la_SOURCES += \
	src/base/diag.c src/base/diag.h \
	src/base/limit_table.c src/base/limit_table.h \
	src/base/atomic_file.c src/base/atomic_file.h \
	src/base/progress.c src/base/progress.h \
	src/base/signals.c src/base/signals.h \
	src/base/paths.c src/base/paths.h \
	src/base/suggest.c src/base/suggest.h
