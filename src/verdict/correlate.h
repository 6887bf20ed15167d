/* Corroboration between independent detectors (the policy's <correlate>
 * rule, docs/detectors.md): findings from different plugins that implicate
 * the same class are raised, further when they also share training rows. */
#ifndef MG_CORRELATE_H
#define MG_CORRELATE_H

#include "results.h"
#include "rules.h"

int mg_correlate(mg_results *r, const mg_policy *policy);

#endif
