# src/intake: from the package on disk to a workspace and an inventory:
# safe unpacking, nested archives, package paths, hashing, the workspace.
libmgcore_la_SOURCES += \
	src/intake/path.c src/intake/path.h \
	src/intake/sha256.c src/intake/sha256.h \
	src/intake/hash_worker.c src/intake/hash_worker.h \
	src/intake/workspace.c src/intake/workspace.h \
	src/intake/inventory.c src/intake/inventory.h \
	src/intake/unpack.c src/intake/unpack.h \
	src/intake/nested.c src/intake/nested.h
