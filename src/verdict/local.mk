# src/verdict: the canonical results, the rules (ATLAS catalog, checklist,
# policy), correlation between plugins, and the checklist's evaluation.
libmgcore_la_SOURCES += \
	src/verdict/results.c src/verdict/results.h \
	src/verdict/rules.c src/verdict/rules.h \
	src/verdict/correlate.c src/verdict/correlate.h \
	src/verdict/evidence.c src/verdict/evidence.h \
	src/verdict/checklist.c src/verdict/checklist.h \
	src/verdict/review_file.c src/verdict/review_file.h \
	src/verdict/waivers.c src/verdict/waivers.h \
	src/verdict/baseline.c src/verdict/baseline.h
