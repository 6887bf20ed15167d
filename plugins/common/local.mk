# plugins/common: helpers shared by the detector plugins, linked into each
# (a libtool convenience library; public plugin ABI only): batched dataset
# passes, seeded RNG, robust statistics, exact tests with Holm's adjustment
# (hyptest, from src/shared), and the feature-space data set, linear algebra and decision of
# spectral-signatures and activation-clustering (mgds_*).
# mgp.c, the chores every plugin shares (filling and emitting findings,
# numeric --set options), is a convenience library of its own that all
# eight plugins link; libmgd.la brings it to the detectors.
noinst_LTLIBRARIES += plugins/common/libmgplugin.la
plugins_common_libmgplugin_la_SOURCES = plugins/common/mgp.c plugins/common/mgp.h
plugins_common_libmgplugin_la_CFLAGS = $(AM_CFLAGS) -fPIC $(JANSSON_CFLAGS)
plugins_common_libmgplugin_la_LIBADD = $(JANSSON_LIBS) -lm
MGP_CFLAGS = -I$(top_srcdir)/plugins/common $(JANSSON_CFLAGS)
MGP_LIBS = plugins/common/libmgplugin.la $(JANSSON_LIBS) -lm

noinst_LTLIBRARIES += plugins/common/libmgd.la
plugins_common_libmgd_la_SOURCES = plugins/common/mgd.h plugins/common/rng.c \
	plugins/common/stats.c plugins/common/data.c plugins/common/numerics.c \
	src/shared/hyptest.c src/shared/hyptest.h \
	plugins/common/mgds.h plugins/common/mgds_data.c plugins/common/mgds_linalg.c \
	plugins/common/mgds_stats.c plugins/common/mgds_decide.c plugins/common/mgds_report.c \
	plugins/common/mgds_report.h plugins/common/knn.c plugins/common/knn.h
plugins_common_libmgd_la_CFLAGS = $(AM_CFLAGS) -fPIC -I$(top_srcdir)/src/shared $(JANSSON_CFLAGS) \
	$(OPENBLAS_CFLAGS)
plugins_common_libmgd_la_LIBADD = plugins/common/libmgplugin.la $(JANSSON_LIBS) $(OPENBLAS_LIBS) -lm
# A detector plugin links: plugins/common/libmgd.la $(MGD_LIBS)
MGD_CFLAGS = $(AM_CFLAGS) -I$(top_srcdir)/plugins/common -I$(top_srcdir)/src/shared $(JANSSON_CFLAGS) \
	$(OPENBLAS_CFLAGS)
MGD_LIBS = plugins/common/libmgd.la $(JANSSON_LIBS) $(OPENBLAS_LIBS) -lm
# Text helpers of the text detector plugins only (text-triggers,
# instruction-triggers, text-label-consistency, annotator-audit,
# source-provenance): tokeniser, n-gram and sentence hashing, key tables,
# MinHash, URL/command spotting, batched text_read, findings and evidence
# with escaped example rows, and their rules files (libxml2).
noinst_LTLIBRARIES += plugins/common/libmgtext.la
plugins_common_libmgtext_la_SOURCES = plugins/common/textutil.c plugins/common/textutil.h \
	plugins/common/textreport.c plugins/common/textreport.h \
	plugins/common/textrules.c plugins/common/textrules.h plugins/common/xmlerr.h
plugins_common_libmgtext_la_CFLAGS = $(AM_CFLAGS) -fPIC -I$(top_srcdir)/plugins/common -I$(top_srcdir)/src/shared \
	$(JANSSON_CFLAGS) $(LIBXML_CFLAGS)
plugins_common_libmgtext_la_LIBADD = $(JANSSON_LIBS) $(LIBXML_LIBS)
# A text plugin builds with $(MGT_CFLAGS) and links $(MGT_LIBS).
MGT_CFLAGS = $(MGD_CFLAGS) $(LIBXML_CFLAGS)
MGT_LIBS = plugins/common/libmgtext.la $(MGD_LIBS) $(LIBXML_LIBS)
# The model-format plugins (safetensors, gguf, keras, tf-savedmodel, nemo):
# problem records, rules lists (rules/format-list.rng, libxml2) and the run
# loop they share.
noinst_LTLIBRARIES += plugins/common/libmgformat.la
plugins_common_libmgformat_la_SOURCES = plugins/common/mfissue.c plugins/common/mfissue.h \
	plugins/common/mflist.c plugins/common/mflist.h \
	plugins/common/textrules.c plugins/common/textrules.h plugins/common/xmlerr.h \
	plugins/common/mfplugin.c plugins/common/mfplugin.h
plugins_common_libmgformat_la_CFLAGS = $(AM_CFLAGS) -fPIC -I$(top_srcdir)/plugins/common \
	$(JANSSON_CFLAGS) $(LIBXML_CFLAGS)
plugins_common_libmgformat_la_LIBADD = $(JANSSON_LIBS) $(LIBXML_LIBS)
MF_CFLAGS = $(AM_CFLAGS) $(MGP_CFLAGS) $(LIBXML_CFLAGS)
MF_LIBS = plugins/common/libmgformat.la $(MGP_LIBS) $(LIBXML_LIBS)
