# plugins/: detector plugins, one directory and one local.mk each. Every
# plugin is a libtool module built as plugins/<name>.la (so all of them land
# in plugins/.libs/ for the tests), linked with $(MG_PLUGIN_LINK) and using
# only the public ABI in include/modelgate/.
include $(srcdir)/plugins/common/local.mk
include $(srcdir)/plugins/pickle-code/local.mk
include $(srcdir)/plugins/onnx-integrity/local.mk
include $(srcdir)/plugins/package-anomaly/local.mk
include $(srcdir)/plugins/activation-clustering/local.mk
include $(srcdir)/plugins/spectral-signatures/local.mk
include $(srcdir)/plugins/neural-cleanse/local.mk
include $(srcdir)/plugins/strip/local.mk
include $(srcdir)/plugins/loss-outliers/local.mk
include $(srcdir)/plugins/text-triggers/local.mk
include $(srcdir)/plugins/instruction-triggers/local.mk
include $(srcdir)/plugins/source-provenance/local.mk
include $(srcdir)/tests/plugins/text-plugins/local.mk
include $(srcdir)/plugins/annotator-audit/local.mk
include $(srcdir)/plugins/text-label-consistency/local.mk
include $(srcdir)/plugins/safetensors/local.mk
include $(srcdir)/plugins/gguf/local.mk
include $(srcdir)/plugins/keras/local.mk
include $(srcdir)/plugins/tf-savedmodel/local.mk
include $(srcdir)/plugins/nemo/local.mk
include $(srcdir)/plugins/spectre/local.mk
include $(srcdir)/plugins/label-consistency/local.mk
include $(srcdir)/plugins/input-consistency/local.mk
include $(srcdir)/plugins/input-confusion/local.mk
include $(srcdir)/plugins/mm-bd/local.mk
include $(srcdir)/plugins/scan/local.mk
include $(srcdir)/plugins/scale-up/local.mk
include $(srcdir)/plugins/ibd-psc/local.mk
