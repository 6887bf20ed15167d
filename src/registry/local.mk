# src/registry: the registry of approved artifacts, its signature, and the
# per-file verdicts and lineage facts of a package checked against it.
libmgcore_la_SOURCES += \
	src/registry/registry.c src/registry/registry.h \
	src/registry/registry_sign.c \
	src/registry/registry_check.c src/registry/registry_check.h
