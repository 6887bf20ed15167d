/* Evidence, findings and pictures for mm-bd. */
#ifndef MM_REPORT_H
#define MM_REPORT_H

#include "mm_decide.h"
#include "mm_search.h"

int mm_report(const mg_services *svc, mg_plugin_ctx *ctx, const mm_problem *pb,
              const mm_params *prm, const mm_result *res, const mm_decision *d);

#endif
