/* Validation of a plugin child's messages into the scan results. */
#ifndef MG_PLUGIN_COLLECT_H
#define MG_PLUGIN_COLLECT_H

#include <stddef.h>
#include <stdint.h>

#include "plugin_env.h"
#include "base/progress.h"
#include "verdict/results.h"

typedef struct mg_collector {
  mg_results *results;
  mg_result_plugin *plugin; /* this run's entry in results */
  const mg_plugin *desc;
  mg_host_env *env;
  mg_progress progress;
  char progress_label[128];
  size_t n_findings, dropped;
  uint64_t evidence_bytes;
  char last_error[1024]; /* the plugin's last error log line */
  int done, code;        /* run() returned code */
  char stage[16];        /* "init" or "run" */
  int crash_signal;      /* from the child's fatal-signal handler */
  long long crash_vm_peak_kib, crash_vm_limit_kib;
  char problem[256]; /* text of the last limit the stream broke */
} mg_collector;

/* Applies one message; returns why the stream is unacceptable, or NULL. */
const char *mg_collector_feed(mg_collector *c, uint8_t type, const uint8_t *payload, uint32_t len);

#endif
