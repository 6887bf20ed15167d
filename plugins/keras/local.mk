# plugins/keras: .keras v3 configurations and HDF5 .h5 model_config (issue 16).
pluginexec_LTLIBRARIES += plugins/keras.la
plugins_keras_la_SOURCES = plugins/keras/keras.c plugins/keras/keras_config.c \
	plugins/keras/keras_config.h plugins/keras/keras_h5.c plugins/keras/keras_h5.h
KERAS_PB = plugins/keras/keras_metadata.pb-c.c plugins/keras/keras_metadata.pb-c.h
nodist_plugins_keras_la_SOURCES = $(KERAS_PB)
plugins_keras_la_CFLAGS = $(MF_CFLAGS) $(HDF5_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	-I$(top_builddir)/plugins/keras
plugins_keras_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_keras_la_LIBADD = $(MF_LIBS) $(HDF5_LIBS) $(PROTOBUF_C_LIBS)
BUILT_SOURCES += $(KERAS_PB)
CLEANFILES += $(KERAS_PB)
EXTRA_DIST += plugins/keras/keras_metadata.proto

$(KERAS_PB): $(srcdir)/plugins/keras/keras_metadata.proto
	$(AM_V_GEN)$(MKDIR_P) plugins/keras && \
	$(PROTOC_C) --proto_path=$(srcdir)/plugins/keras --c_out=plugins/keras \
		$(srcdir)/plugins/keras/keras_metadata.proto
dist_rules_DATA += rules/keras-modules.xml

# The configuration checker is fuzzed; HDF5 itself is libhdf5's to parse.
if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_keras
tests_fuzz_fuzz_keras_SOURCES = tests/fuzz/fuzz_keras.c plugins/keras/keras_config.c \
	plugins/common/mfissue.c plugins/common/mflist.c plugins/common/textrules.c
tests_fuzz_fuzz_keras_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) -I$(top_srcdir)/plugins/keras
tests_fuzz_fuzz_keras_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_keras_LDADD = $(MG_DEP_LIBS)
endif
