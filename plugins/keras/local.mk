# plugins/keras: .keras v3 configurations and HDF5 .h5 model_config (issue 16).
pluginexec_LTLIBRARIES += plugins/keras.la
plugins_keras_la_SOURCES = plugins/keras/keras.c plugins/keras/keras_config.c \
	plugins/keras/keras_config.h plugins/keras/keras_h5.c plugins/keras/keras_h5.h
plugins_keras_la_CFLAGS = $(MF_CFLAGS) $(HDF5_CFLAGS)
plugins_keras_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_keras_la_LIBADD = $(MF_LIBS) $(HDF5_LIBS)
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
