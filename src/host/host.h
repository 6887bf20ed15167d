/* The plugin stage, as the scan calls it: it reads its configuration, the
 * resolved package and the workspace the package was unpacked into, runs
 * every selected detector plugin in a child of its own, and writes one
 * plugin entry and the plugin's findings into the results. Nothing else of
 * the scan is visible to it or to the plugins. */
#ifndef MG_HOST_H
#define MG_HOST_H

#include <stdint.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "verdict/results.h"

typedef struct mg_host_config {
  const char *plugin_dir;  /* --plugins DIR, or NULL for the default */
  const char *only, *skip; /* comma-separated plugin names */
  const char *const *sets; /* --set NAME.KEY=VALUE, NULL-terminated */
  int strict;              /* --strict */
  uint64_t seed;           /* --seed */
  double timeout;          /* wall-clock seconds per plugin */
  double cpu_limit;        /* CPU seconds per plugin */
  uint64_t mem_limit;      /* bytes of address space per plugin */
  const char *inputs;      /* --inputs: extra dataset for STRIP, or NULL */
  /* Filled by the caller from the scan's own settings. */
  const char *rules_dir;   /* the resolved rules directory */
  const mg_limits *limits; /* the limits table (--limit) */
} mg_host_config;

void mg_host_config_default(mg_host_config *cfg);

/* Loads the plugins and checks --only, --skip and --set against them
 * (names, declared option keys and values): the usage errors a scan would
 * otherwise meet after unpacking. */
int mg_host_check(const mg_host_config *cfg, mg_err *err);

/* Runs the plugins. A plugin that fails is recorded in its entry and the
 * others still run; the function fails for a bad --only/--skip, a plugin
 * directory that cannot be read, an interruption, or (after every plugin
 * that could run has run) a package file the plugins could not use. */
int mg_host_run(const mg_host_config *cfg, const mg_package *pkg, const mg_workspace *ws,
                mg_results *out, mg_err *err);

#endif
