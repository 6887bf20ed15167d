# src/: the core, one folder per pipeline stage (docs/architecture.md). Each
# folder lists its files in its own local.mk, its unit tests in the mirrored
# tests/<folder>/local.mk; scan.c is the only file that knows every stage.
include $(srcdir)/src/base/local.mk
include $(srcdir)/src/shared/local.mk
include $(srcdir)/src/intake/local.mk
include $(srcdir)/src/package/local.mk
include $(srcdir)/src/registry/local.mk
include $(srcdir)/src/signature/local.mk
include $(srcdir)/src/data/local.mk
include $(srcdir)/src/runtime/local.mk
include $(srcdir)/src/text/local.mk
include $(srcdir)/src/host/local.mk
include $(srcdir)/src/verdict/local.mk
include $(srcdir)/src/report/local.mk
include $(srcdir)/src/cli/local.mk

# Each folder's check program, in the mirrored tests/<folder>/.
include $(srcdir)/tests/base/local.mk
include $(srcdir)/tests/intake/local.mk
include $(srcdir)/tests/package/local.mk
include $(srcdir)/tests/registry/local.mk
include $(srcdir)/tests/verdict/local.mk

libmgcore_la_SOURCES += src/scan.c src/scan.h
