/* package-anomaly compiled under another entry name, to share a test binary. */
#define mg_plugin_entry pa_entry
#include "../../../plugins/package-anomaly/package_anomaly.c"
