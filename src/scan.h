/* One scan, start to finish: workspace, unpacking, descriptor and roles,
 * registry, detector plugins, checklist, verdict. The CLI fills a config,
 * runs it, writes the reports from s->results and exits with the code the
 * results decide. Everything about one scan lives in mg_scan; scan.c is the
 * only file that knows every stage, and each stage is handed only what it
 * reads and writes. */
#ifndef MG_SCAN_H
#define MG_SCAN_H

#include <stdint.h>

#include "base/limit_table.h"
#include "host/host.h"
#include "intake/workspace.h"
#include "package/package.h"
#include "verdict/results.h"
#include "verdict/baseline.h"
#include "verdict/rules.h"
#include "verdict/waivers.h"

typedef struct mg_scan_config {
  const char *package;        /* archive or directory */
  const char *keep_workspace; /* --keep-workspace DIR, or NULL */
  mg_limits limits;
  mg_package_overrides overrides;
  const char *registry;         /* --registry FILE */
  const char *registry_key;     /* --registry-key PEM */
  const char *registry_sig;     /* --registry-sig FILE (default REGISTRY.sig) */
  mg_severity unknown_severity; /* for files the registry does not know */
  const char *model_signature;  /* --model-signature FILE (OpenSSF model signing bundle) */
  const char *model_key;        /* --model-key PEM (the `key` method) */
  const char *model_cert_chain; /* --model-cert-chain PEM (the `certificate` method's CA) */
  mg_severity fail_on;          /* --fail-on, when fail_on_given */
  int fail_on_given;            /* else the policy's fail-on applies */
  int run_plugins;              /* 0 for `verify` */
  const char *rules_dir;        /* --rules DIR, or NULL for the default */
  mg_host_config host;          /* the plugin stage's options (its rules_dir and limits are
                                   filled in by the scan) */
  const mg_waivers *waivers;    /* --waivers, loaded by the caller, or NULL */
  const mg_baseline *baseline;  /* --baseline, loaded by the caller, or NULL */
} mg_scan_config;

typedef struct mg_scan {
  mg_rules rules; /* loaded first: a bad rules file stops the scan early */
  int have_rules;
  mg_workspace ws;
  mg_package pkg;
  mg_results results;
  int have_workspace;
  double started; /* monotonic */
} mg_scan;

void mg_scan_config_default(mg_scan_config *cfg);
/* The mistakes a scan would meet only after unpacking, checked first: input
 * files and directories that are missing, and --only/--skip/--set that name
 * no plugin, no declared option or a value the option refuses. MG_ERR_ARGS
 * with one line. */
int mg_scan_config_check(const mg_scan_config *cfg, mg_err *err);
/* Runs the scan; never fails as a function: problems land in s->results
 * (verdict "error" when the scan could not complete). */
void mg_scan_run(mg_scan *s, const mg_scan_config *cfg, const char *command);
void mg_scan_free(mg_scan *s);

#endif
