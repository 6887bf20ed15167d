# plugins/onnx-integrity: the runtime's ONNX audit as findings (issue 5).
ONNX_INTEGRITY_CORE = plugins/onnx-integrity/oi_audit.c plugins/onnx-integrity/oi_audit.h
pluginexec_LTLIBRARIES += plugins/onnx-integrity.la
plugins_onnx_integrity_la_SOURCES = plugins/onnx-integrity/onnx_integrity.c \
	$(ONNX_INTEGRITY_CORE)
plugins_onnx_integrity_la_CFLAGS = $(AM_CFLAGS) $(MGP_CFLAGS) $(MG_SHARED_CFLAGS)
plugins_onnx_integrity_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_onnx_integrity_la_LIBADD = $(MGP_LIBS) $(MG_SHARED_LIBS)
