/* What neural-cleanse tells the user: evidence for every class, findings
 * for the flagged ones, and the reversed triggers as pictures. */
#ifndef NC_REPORT_H
#define NC_REPORT_H

#include <modelgate/plugin.h>

#include "nc_decide.h"
#include "nc_featverify.h"
#include "nc_reverse.h"
#include "nc_verify.h"

/* Severity of a flagged class from its p-value under the clean-model null,
 * one step lower when its trigger looks natural; MG_SEV_INFO = no finding. */
mg_severity nc_severity(double p, int natural_looking);

/* Classes flagged: by the ranking test, and by the training-row
 * verifications when they ran (v->available in pixels, fv->available in
 * the feature layer); each gives its own finding. */
int nc_report(const mg_services *svc, mg_plugin_ctx *ctx, const nc_problem *pb,
              const nc_params *prm, const nc_result *res, size_t k, const nc_decision *d,
              const nc_verify *v, const nc_fverify *fv);

#endif
