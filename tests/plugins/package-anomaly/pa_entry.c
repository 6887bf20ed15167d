/* package-anomaly compiled under another entry name, to share a test binary. */
#define mg_plugin_entry pa_entry
#define mg_plugin_option_table pa_option_table
#include "../../../plugins/package-anomaly/package_anomaly.c"
