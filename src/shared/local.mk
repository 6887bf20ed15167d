# src/shared: code the core and the plugins both link (a libtool convenience
# library, public plugin ABI and libarchive only): libarchive's reader
# set-up, printable ASCII for text from hostile packages, and the exact
# tests (hyptest: the detectors' class decisions and the correlation rule's
# chance tests; libmgd compiles it into the detector plugins too).
noinst_LTLIBRARIES += src/shared/libmgshared.la
src_shared_libmgshared_la_SOURCES = src/shared/archive_io.c src/shared/archive_io.h \
	src/shared/printable.c src/shared/printable.h src/shared/hyptest.c src/shared/hyptest.h
src_shared_libmgshared_la_CFLAGS = $(AM_CFLAGS) -fPIC $(LIBARCHIVE_CFLAGS)
libmgcore_la_LIBADD += src/shared/libmgshared.la
# A plugin that uses them: CFLAGS += $(MG_SHARED_CFLAGS), LIBADD += $(MG_SHARED_LIBS).
MG_SHARED_CFLAGS = -I$(top_srcdir)/src/shared $(LIBARCHIVE_CFLAGS)
MG_SHARED_LIBS = src/shared/libmgshared.la $(LIBARCHIVE_LIBS)
