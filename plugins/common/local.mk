# plugins/common: helpers shared by the detector plugins, linked into each
# (a libtool convenience library; public plugin ABI only).
noinst_LTLIBRARIES += plugins/common/libmgd.la
plugins_common_libmgd_la_SOURCES = plugins/common/mgd.h plugins/common/rng.c \
	plugins/common/stats.c plugins/common/data.c plugins/common/numerics.c
plugins_common_libmgd_la_CFLAGS = $(AM_CFLAGS) -fPIC $(JANSSON_CFLAGS)
plugins_common_libmgd_la_LIBADD = $(JANSSON_LIBS) -lm
# A detector plugin links: plugins/common/libmgd.la $(MGD_LIBS)
MGD_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/common $(JANSSON_CFLAGS) $(OPENBLAS_CFLAGS)
MGD_LIBS = plugins/common/libmgd.la $(JANSSON_LIBS) $(OPENBLAS_LIBS) -lm
