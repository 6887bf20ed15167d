/* The mm-bd plugin (Wang et al., "MM-BD: Post-Training Detection of
 * Backdoor Attacks with Arbitrary Backdoor Pattern Types Using a Maximum
 * Margin Statistic", IEEE S&P 2024): a backdoor gives its target class an
 * input region where the model's margin for it is far larger than any
 * natural class reaches. Data-free: the search (mm_search.c) needs only the
 * model and the pixel range; the decision is mm_decide.c, the report
 * mm_report.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "mm_decide.h"
#include "mm_report.h"
#include "mm_search.h"

static const char *const atlas[] = {"AML.T0018.000", "AML.T0043.004", NULL};
static const char *const mitigations[] = {"AML.M0008", NULL};
static const char *const controls[] = {"CTL-10", NULL};

static int opt_uint(const mg_services *svc, mg_plugin_ctx *ctx, const char *key, double hi,
                    unsigned *v) {
  double x = *v;
  int rc = mgp_opt_num(svc, ctx, "mm-bd", key, x, 1, hi, 1, &x);
  *v = (unsigned)x;
  return rc;
}

static int read_options(const mg_services *svc, mg_plugin_ctx *ctx, mm_params *p) {
  mm_params_default(p);
  int rc = opt_uint(svc, ctx, "starts", 1024, &p->starts);
  if (!rc)
    rc = opt_uint(svc, ctx, "steps", 100000, &p->steps);
  if (!rc)
    rc = opt_uint(svc, ctx, "patience", 100000, &p->patience);
  if (!rc)
    rc = mgp_opt_num(svc, ctx, "mm-bd", "lr", p->lr, 1e-4, 1.0, 0, &p->lr);
  return rc;
}

/* The input box: the reference set's pixel range when the package has
 * one, else the image-space default [0, 1]. */
static void input_box(const mg_services *svc, mg_plugin_ctx *ctx, float *lo, float *hi) {
  mg_dataset_info di = {.struct_size = sizeof di};
  *lo = 0.0f;
  *hi = 1.0f;
  if (svc->dataset_info(ctx, MG_DATASET_REFERENCE, &di) == MG_OK && di.value_max > di.value_min) {
    *lo = di.value_min;
    *hi = di.value_max;
  } else if (svc->dataset_info(ctx, MG_DATASET_TRAIN, &di) == MG_OK &&
             di.value_max > di.value_min) {
    *lo = di.value_min;
    *hi = di.value_max;
  }
}

static int mm_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  mm_params prm;
  int rc = read_options(svc, ctx, &prm);
  if (rc)
    return rc;
  mg_model_info mi = {.struct_size = sizeof mi};
  if ((rc = svc->model_info(ctx, &mi)))
    return rc;
  if (mi.num_classes < MM_MIN_CLASSES) {
    char ev[160];
    snprintf(ev, sizeof ev, "{\"skipped\": \"the model has %u classes; the decision needs %d\"}",
             mi.num_classes, MM_MIN_CLASSES);
    svc->log(ctx, MG_LOG_WARN, "%u classes, too few to compare margins", mi.num_classes);
    return svc->evidence(ctx, ev);
  }
  if ((uint64_t)mi.num_classes * prm.starts * mi.input_floats > (UINT64_C(1) << 26)) {
    svc->log(ctx, MG_LOG_ERROR,
             "%u classes x %u starts of %llu values is too large a batch; lower "
             "--set mm-bd.starts",
             mi.num_classes, prm.starts, (unsigned long long)mi.input_floats);
    return MG_ERR_LIMIT;
  }
  mm_problem pb = {.svc = svc,
                   .ctx = ctx,
                   .channels = mi.channels,
                   .height = mi.height,
                   .width = mi.width,
                   .classes = mi.num_classes,
                   .seed = svc->seed(ctx)};
  input_box(svc, ctx, &pb.lo, &pb.hi);
  mm_result res;
  rc = mm_search(&pb, &prm, &res);
  if (rc)
    return rc;
  mm_decision d;
  rc = mm_decide(res.margin, mi.num_classes, pb.seed, &d);
  if (!rc)
    rc = mm_report(svc, ctx, &pb, &prm, &res, &d);
  mm_decision_free(&d);
  mm_result_free(&res);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "mm-bd",
    "0.1.0",
    "data-free: flags a class whose maximum achievable logit margin is anomalously large (MM-BD)",
    MG_NEED_MODEL,
    atlas,
    mitigations,
    controls,
    NULL,
    mm_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
