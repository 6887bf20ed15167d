/* The registry stage: a package checked against a registry
 * (docs/registry-format.md). It reads the registry and the checklist's
 * evidence map, writes each file's verdict on the package's inventory, and
 * adds findings and facts to the results. */
#ifndef MG_REGISTRY_CHECK_H
#define MG_REGISTRY_CHECK_H

#include "package/package.h"
#include "registry.h"
#include "verdict/evidence.h"
#include "verdict/results.h"

typedef struct mg_registry_config {
  const char *path;    /* --registry FILE */
  const char *key;     /* --registry-key PEM, or NULL */
  const char *sig;     /* --registry-sig FILE, or NULL for PATH.sig */
  mg_severity unknown; /* severity for files the registry does not know */
} mg_registry_config;

/* Verifies the signature (when a key is given), loads the registry and,
 * when it is trusted, checks the package against it. */
int mg_registry_run(const mg_registry_config *cfg, const mg_limits *lim, const mg_evidence_map *ev,
                    mg_package *pkg, mg_results *r, mg_err *err);

/* Checks pkg against reg: every depth-0 file gets its verdict; unknown files
 * get a finding of severity `unknown`. */
int mg_registry_check(const mg_registry *reg, const mg_evidence_map *ev, mg_severity unknown,
                      mg_package *pkg, mg_results *r, mg_err *err);

#endif
