# plugins/tf-savedmodel: TensorFlow SavedModel and frozen GraphDef ops
# (issue 16). tf_graph.proto is compiled with protoc-c like the runtime's
# onnx.proto (src/runtime/local.mk).
TF_SAVEDMODEL_CORE = plugins/tf-savedmodel/tf_scan.c plugins/tf-savedmodel/tf_scan.h
TF_SAVEDMODEL_PB = plugins/tf-savedmodel/tf_graph.pb-c.c plugins/tf-savedmodel/tf_graph.pb-c.h
pluginexec_LTLIBRARIES += plugins/tf-savedmodel.la
plugins_tf_savedmodel_la_SOURCES = plugins/tf-savedmodel/tf_savedmodel.c $(TF_SAVEDMODEL_CORE)
nodist_plugins_tf_savedmodel_la_SOURCES = $(TF_SAVEDMODEL_PB)
plugins_tf_savedmodel_la_CFLAGS = $(MF_CFLAGS) $(PROTOBUF_C_CFLAGS) \
	-I$(top_builddir)/plugins/tf-savedmodel
plugins_tf_savedmodel_la_LDFLAGS = $(MG_PLUGIN_LINK)
plugins_tf_savedmodel_la_LIBADD = $(MF_LIBS) $(PROTOBUF_C_LIBS)
BUILT_SOURCES += $(TF_SAVEDMODEL_PB)
CLEANFILES += $(TF_SAVEDMODEL_PB)
EXTRA_DIST += plugins/tf-savedmodel/tf_graph.proto
dist_rules_DATA += rules/tf-ops.xml

$(TF_SAVEDMODEL_PB): $(srcdir)/plugins/tf-savedmodel/tf_graph.proto
	$(AM_V_GEN)$(MKDIR_P) plugins/tf-savedmodel && \
	$(PROTOC_C) --proto_path=$(srcdir)/plugins/tf-savedmodel --c_out=plugins/tf-savedmodel \
		$(srcdir)/plugins/tf-savedmodel/tf_graph.proto

if FUZZERS
noinst_PROGRAMS += tests/fuzz/fuzz_tfgraph
tests_fuzz_fuzz_tfgraph_SOURCES = tests/fuzz/fuzz_tfgraph.c $(TF_SAVEDMODEL_CORE) \
	plugins/common/mfissue.c plugins/common/mflist.c plugins/common/textrules.c
nodist_tests_fuzz_fuzz_tfgraph_SOURCES = $(TF_SAVEDMODEL_PB)
tests_fuzz_fuzz_tfgraph_CFLAGS = $(FUZZ_CFLAGS) $(MF_CFLAGS) -I$(top_srcdir)/plugins/tf-savedmodel \
	-I$(top_builddir)/plugins/tf-savedmodel
tests_fuzz_fuzz_tfgraph_LDFLAGS = $(FUZZ_LINK)
tests_fuzz_fuzz_tfgraph_LDADD = $(MG_DEP_LIBS)
endif
