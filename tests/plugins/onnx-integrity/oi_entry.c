/* onnx-integrity compiled under another entry name, to share a test binary. */
#define mg_plugin_entry oi_entry
#define mg_plugin_option_table oi_option_table
#include "../../../plugins/onnx-integrity/onnx_integrity.c"
