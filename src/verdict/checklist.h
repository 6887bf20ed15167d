/* The checklist stage: reads the rules (controls, policy, ATLAS catalog),
 * the package's facts (descriptor provenance, DP-SGD, attestations) and the
 * results so far (findings, facts, plugin statuses); writes the controls,
 * the correlation's raised severities and the ATLAS entries into the
 * results. See docs/checklist.md. */
#ifndef MG_CHECKLIST_H
#define MG_CHECKLIST_H

#include "package/package.h"
#include "results.h"
#include "rules.h"

/* What ran, for the policy's conditional requirements. */
enum {
  MG_CHECKLIST_REGISTRY = 1, /* a registry was given */
  MG_CHECKLIST_PLUGINS = 2,  /* the detectors were to run (scan, not verify) */
  MG_CHECKLIST_SIGNATURE = 4 /* a model signature was given */
};

/* Does nothing when r already has controls. */
int mg_checklist_evaluate(const mg_rules *rules, const mg_package *pkg, unsigned run, mg_results *r,
                          mg_err *err);

#endif
