# plugins/package-anomaly: executables, scripts, shared objects, undeclared
# files and the unpacker's notes (issue 5).
PACKAGE_ANOMALY_CORE = plugins/package-anomaly/pa_classify.c plugins/package-anomaly/pa_classify.h \
	plugins/package-anomaly/pa_torchscript.c plugins/package-anomaly/pa_torchscript.h
pluginexec_LTLIBRARIES += plugins/package-anomaly.la
plugins_package_anomaly_la_SOURCES = plugins/package-anomaly/package_anomaly.c \
	$(PACKAGE_ANOMALY_CORE)
plugins_package_anomaly_la_CFLAGS = $(AM_CFLAGS) $(MGP_CFLAGS) $(MG_SHARED_CFLAGS)
plugins_package_anomaly_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_package_anomaly_la_LIBADD = $(MGP_LIBS) $(MG_SHARED_LIBS)

check_PROGRAMS += tests/plugins/package-anomaly/test_anomaly_onnx
TESTS += tests/plugins/package-anomaly/test_anomaly_onnx
tests_plugins_package_anomaly_test_anomaly_onnx_SOURCES = tests/plugins/package-anomaly/test_anomaly_onnx.c \
	tests/plugins/package-anomaly/pa_entry.c tests/plugins/onnx-integrity/oi_entry.c $(PACKAGE_ANOMALY_CORE) \
	$(ONNX_INTEGRITY_CORE) $(UNSAFE_TEST_HOST)
tests_plugins_package_anomaly_test_anomaly_onnx_CFLAGS = $(UNSAFE_TEST_CFLAGS) \
	-I$(top_srcdir)/plugins/package-anomaly -I$(top_srcdir)/plugins/onnx-integrity
tests_plugins_package_anomaly_test_anomaly_onnx_LDADD = $(UNSAFE_TEST_LIBS)
EXTRA_DIST += plugins/package-anomaly/package_anomaly.c plugins/onnx-integrity/onnx_integrity.c
