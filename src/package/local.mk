# src/package: the package's meaning: the descriptor (modelgate.json), the
# roles of its files, and input normalisation.
libmgcore_la_SOURCES += \
	src/package/descriptor.c src/package/descriptor.h \
	src/package/normalize.c src/package/normalize.h \
	src/package/package.c src/package/package.h
