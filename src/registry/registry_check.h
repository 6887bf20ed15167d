/* Verifying a package against a registry (docs/registry-format.md). */
#ifndef MG_REGISTRY_CHECK_H
#define MG_REGISTRY_CHECK_H

#include "package/package.h"
#include "registry.h"
#include "verdict/results.h"

/* r->files must already mirror pkg->inv.files (same order). Unknown files
 * get a finding of severity `unknown`. */
int mg_registry_check(const mg_registry *reg, const mg_package *pkg, mg_severity unknown,
                      mg_results *r, mg_err *err);

#endif
