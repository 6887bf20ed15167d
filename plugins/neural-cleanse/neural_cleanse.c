/* The neural-cleanse plugin (Wang et al. 2019, "Neural Cleanse: Identifying
 * and Mitigating Backdoor Attacks in Neural Networks"): reverse-engineers
 * the smallest trigger for every class on the clean reference set and flags
 * a class whose trigger is anomalously small next to the others. The
 * search is nc_reverse.c, the checks of the triggers nc_check.c, the
 * decision nc_decide.c, the report nc_report.c. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mgd.h"
#include "nc_check.h"
#include "nc_restart.h"
#include "nc_decide.h"
#include "nc_featverify.h"
#include "nc_report.h"
#include "nc_reverse.h"
#include "nc_verify.h"
#include "nc_warp.h"
#include "nc_warp_decide.h"

static const char *const atlas[] = {"AML.T0018.000", "AML.T0043.004", NULL};
static const char *const mitigations[] = {"AML.M0007", "AML.M0008", NULL};
static const char *const controls[] = {"CTL-10", NULL};

/* Reference rows the search runs on; a few hundred are enough for the
 * attack-success estimate and keep each step cheap. */
#define NC_DEFAULT_SAMPLES 200
/* Classes of the first norm ranks searched a second time (nc_restart.h);
 * off by default: measured, it gains as many targets as it loses. */
#define NC_DEFAULT_RESTART_RANKS 0
/* Floats of reference rows held at once (256 MiB). */
#define NC_SUBSET_MAX_FLOATS (UINT64_C(64) << 20)

/* The options; defaults as nc_params_default() and NC_DEFAULT_SAMPLES. */
static const mg_plugin_option option_table[] = {
    {"samples", MG_OPTION_INTEGER, NC_DEFAULT_SAMPLES, 2, 100000, "reference rows searched"},
    {"steps", MG_OPTION_INTEGER, 200, 1, 100000, "optimisation steps per class"},
    {"batch", MG_OPTION_INTEGER, 32, 1, 4096, "rows per class per step"},
    {"epoch", MG_OPTION_INTEGER, 0, 0, 10000, "steps per epoch (0: one pass over the rows)"},
    {"group", MG_OPTION_INTEGER, 10, 1, 1024, "classes per model call"},
    {"patience", MG_OPTION_INTEGER, 5, 1, 1000, "epochs before the cost weight is adjusted"},
    {"early-patience", MG_OPTION_INTEGER, 5, 1, 10000, "epochs without progress before stopping"},
    {"success", MG_OPTION_NUMBER, 0.99, 0.5, 1.0, "attack success rate a trigger must reach"},
    {"mask-init", MG_OPTION_NUMBER, 0, 0, 0.5, "initial mask value (0: uniform random)"},
    {"early-gate", MG_OPTION_INTEGER, 1, 0, 1,
     "1: stop early only after the cost weight moved both ways (reference code)"},
    {"screen", MG_OPTION_INTEGER, 100, 0, 100000,
     "steps after which classes above the median norm stop (0: never)"},
    {"restart-ranks", MG_OPTION_INTEGER, NC_DEFAULT_RESTART_RANKS, 0, 100000,
     "first-ranked classes searched again from another start for the rows route (0: none)"},
    {"orthogonal", MG_OPTION_INTEGER, 1, 0, 1,
     "1: the feature route tests the trigger's feature shift minus its part along the "
     "class's own direction; 0: the whole shift"},
    {"warp-steps", MG_OPTION_INTEGER, 40, 0, 100000,
     "steps of the smooth-warp search per class (0: no warp search)"},
    {"warp-grid", MG_OPTION_INTEGER, 4, 2, 64, "control points per side of the warp"},
    {"warp-max", MG_OPTION_NUMBER, 1.0, 0.05, 64, "largest warp displacement, pixels"},
    {NULL, 0, 0, 0, 0, NULL},
};

typedef struct options {
  uint64_t samples;       /* reference rows the search runs on */
  uint64_t restart_ranks; /* first-ranked classes searched again */
  int orthogonal;         /* feature route on the shift's non-natural part */
  nc_params prm;
  nc_warp_params warp;
} options;

/* An option of the table, its default when absent. */
static int opt(const mg_services *svc, mg_plugin_ctx *ctx, const char *key, double *v) {
  return mgp_opt(svc, ctx, "neural-cleanse", option_table, key, v);
}

static int opt_u64(const mg_services *svc, mg_plugin_ctx *ctx, const char *key, uint64_t *v) {
  double x = 0;
  int rc = opt(svc, ctx, key, &x);
  *v = (uint64_t)x;
  return rc;
}

static int read_options(const mg_services *svc, mg_plugin_ctx *ctx, options *o) {
  o->samples = NC_DEFAULT_SAMPLES;
  o->restart_ranks = NC_DEFAULT_RESTART_RANKS;
  nc_params_default(&o->prm);
  uint64_t steps = o->prm.max_steps, batch = o->prm.batch, epoch = o->prm.epoch_steps,
           group = o->prm.group, patience = o->prm.patience, early = o->prm.early_patience;
  int rc = opt_u64(svc, ctx, "samples", &o->samples);
  if (!rc)
    rc = opt_u64(svc, ctx, "steps", &steps);
  if (!rc)
    rc = opt_u64(svc, ctx, "batch", &batch);
  if (!rc)
    rc = opt_u64(svc, ctx, "epoch", &epoch);
  if (!rc)
    rc = opt_u64(svc, ctx, "group", &group);
  if (!rc)
    rc = opt_u64(svc, ctx, "patience", &patience);
  if (!rc)
    rc = opt_u64(svc, ctx, "early-patience", &early);
  if (!rc)
    rc = opt(svc, ctx, "success", &o->prm.success);
  if (!rc)
    rc = opt(svc, ctx, "mask-init", &o->prm.mask_init);
  double gate = o->prm.early_gate;
  if (!rc)
    rc = opt(svc, ctx, "early-gate", &gate);
  o->prm.early_gate = (int)gate;
  uint64_t screen = o->prm.screen_steps;
  if (!rc)
    rc = opt_u64(svc, ctx, "screen", &screen);
  o->prm.screen_steps = (unsigned)screen;
  if (!rc)
    rc = opt_u64(svc, ctx, "restart-ranks", &o->restart_ranks);
  double orth = 1;
  if (!rc)
    rc = opt(svc, ctx, "orthogonal", &orth);
  o->orthogonal = (int)orth;
  o->prm.patience = (unsigned)patience;
  o->prm.early_patience = (unsigned)early;
  o->prm.max_steps = (unsigned)steps;
  o->prm.batch = (size_t)batch;
  o->prm.epoch_steps = (unsigned)epoch;
  o->prm.group = (unsigned)group;
  nc_warp_params_default(&o->warp);
  uint64_t wsteps = o->warp.steps, wgrid = o->warp.grid;
  if (!rc)
    rc = opt_u64(svc, ctx, "warp-steps", &wsteps);
  if (!rc)
    rc = opt_u64(svc, ctx, "warp-grid", &wgrid);
  if (!rc)
    rc = opt(svc, ctx, "warp-max", &o->warp.max_disp);
  o->warp.steps = (unsigned)wsteps;
  o->warp.grid = (unsigned)wgrid;
  if (o->warp.tail > o->warp.steps)
    o->warp.tail = o->warp.steps;
  o->warp.batch = o->prm.batch;
  o->warp.group = o->prm.group;
  return rc;
}

/* A seeded random subset of the reference set, stratified by label so
 * every class is represented about equally (the search must work on all
 * source classes), kept in index order so reads stay sequential. */
static int pick_subset(const mgd_data *ref, uint64_t want, uint64_t seed, uint8_t *pick) {
  uint64_t count = ref->info.count;
  uint32_t k = ref->model.num_classes;
  uint64_t *idx = malloc(count * sizeof *idx);
  uint64_t *taken = calloc(k + 1, sizeof *taken);
  if (!idx || !taken) {
    free(idx);
    free(taken);
    return MG_ERR_NOMEM;
  }
  mgd_rng r;
  mgd_rng_seed(&r, seed, "neural-cleanse/subset");
  for (uint64_t i = 0; i < count; i++)
    idx[i] = i;
  mgd_rng_shuffle(&r, idx, count);
  uint64_t quota = (want + k - 1) / k, got = 0;
  /* first pass: up to the quota per class; rows without a usable label
   * share one extra bucket */
  for (uint64_t i = 0; i < count && got < want; i++) {
    int32_t l = ref->labels[idx[i]];
    uint32_t b = l >= 0 && (uint32_t)l < k ? (uint32_t)l : k;
    if (taken[b] < quota) {
      taken[b]++;
      pick[idx[i]] = 1;
      got++;
    }
  }
  /* second pass: small classes leave room for the others */
  for (uint64_t i = 0; i < count && got < want; i++)
    if (!pick[idx[i]]) {
      pick[idx[i]] = 1;
      got++;
    }
  free(idx);
  free(taken);
  return MG_OK;
}

/* Reads the search subset; *picked (ref count bytes, malloc'd) marks its
 * rows, so the verification can use the others. */
static int load_subset(const mg_services *svc, mg_plugin_ctx *ctx, uint64_t want, uint64_t seed,
                       float **x, int32_t **labels, size_t *n, uint8_t **picked) {
  mgd_data ref;
  int rc = mgd_data_open(&ref, svc, ctx, MG_DATASET_REFERENCE);
  if (rc) {
    mgd_data_close(&ref);
    return rc;
  }
  uint64_t count = ref.info.count, rf = ref.info.row_floats;
  if (want > count)
    want = count;
  if (rf && want > NC_SUBSET_MAX_FLOATS / rf)
    want = NC_SUBSET_MAX_FLOATS / rf;
  if (!want) {
    mgd_data_close(&ref);
    svc->log(ctx, MG_LOG_ERROR, "the reference set is empty");
    return MG_ERR_FORMAT;
  }
  uint8_t *pick = calloc(count, 1);
  float *buf = malloc(want * rf * sizeof *buf);
  int32_t *lab = malloc(want * sizeof *lab);
  rc = pick && buf && lab ? pick_subset(&ref, want, seed, pick) : MG_ERR_NOMEM;
  size_t k = 0;
  for (uint64_t i = 0; !rc && i < count; i++) {
    if (!pick[i])
      continue;
    rc = svc->dataset_read(ctx, MG_DATASET_REFERENCE, i, 1, buf + k * rf, NULL);
    lab[k++] = ref.labels[i];
  }
  mgd_data_close(&ref);
  if (rc) {
    free(pick);
    free(buf);
    free(lab);
    return rc;
  }
  *picked = pick;
  *x = buf;
  *labels = lab;
  *n = (size_t)want;
  return MG_OK;
}

static int nc_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  options o;
  int rc = read_options(svc, ctx, &o);
  if (rc)
    return rc;
  mg_model_info mi = {.struct_size = sizeof mi};
  mg_dataset_info di = {.struct_size = sizeof di};
  if ((rc = svc->model_info(ctx, &mi)) || (rc = svc->dataset_info(ctx, MG_DATASET_REFERENCE, &di)))
    return rc;
  if (di.row_floats != mi.input_floats) {
    svc->log(ctx, MG_LOG_ERROR,
             "reference rows have %" PRIu64 " values but the model takes %" PRIu64, di.row_floats,
             mi.input_floats);
    return MG_ERR_FORMAT;
  }
  if (mi.num_classes < NC_MIN_CLASSES) {
    char ev[160];
    snprintf(ev, sizeof ev, "{\"skipped\": \"the model has %u classes; the decision needs %d\"}",
             mi.num_classes, NC_MIN_CLASSES);
    svc->log(ctx, MG_LOG_WARN, "%u classes, too few to compare triggers", mi.num_classes);
    return svc->evidence(ctx, ev);
  }
  uint64_t seed = svc->seed(ctx);
  nc_problem pb = {.svc = svc,
                   .ctx = ctx,
                   .channels = mi.channels,
                   .height = mi.height,
                   .width = mi.width,
                   .classes = mi.num_classes,
                   .lo = di.value_min,
                   .hi = di.value_max,
                   .seed = seed,
                   .orthogonal = o.orthogonal};
  if (!(pb.hi > pb.lo)) {
    pb.lo = 0.0f;
    pb.hi = 1.0f;
  }
  float *x = NULL;
  int32_t *labels = NULL;
  uint8_t *picked = NULL;
  rc = load_subset(svc, ctx, o.samples, seed, &x, &labels, &pb.n, &picked);
  if (rc)
    return rc;
  pb.x = x;
  pb.labels = labels;
  if (!o.prm.epoch_steps) /* the paper's epoch: one pass over the rows */
    o.prm.epoch_steps = (unsigned)((pb.n + o.prm.batch - 1) / o.prm.batch);
  size_t K = mi.num_classes;
  int32_t *targets = malloc(K * sizeof *targets);
  nc_result *res = calloc(K, sizeof *res);
  if (!targets || !res)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < K; i++)
    targets[i] = (int32_t)i;
  if (!rc)
    rc = nc_reverse(&pb, &o.prm, targets, K, res);
  /* the second trigger family: a smooth warp per class (nc_warp.h) */
  int warp = o.warp.steps > 0 && pb.height >= 2 && pb.width >= 2;
  nc_warp_result *wres = calloc(K, sizeof *wres);
  if (!rc && !wres)
    rc = MG_ERR_NOMEM;
  if (!rc && warp)
    rc = nc_warp(&pb, &o.warp, wres);
  double *natural = malloc(K * sizeof *natural), *dir = NULL;
  uint64_t dim = 0;
  if (!rc && !natural)
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = nc_check_directions(&pb, res, K, natural, &dim, &dir);
  nc_decision d;
  memset(&d, 0, sizeof d);
  if (!rc)
    rc = nc_decide(res, K, natural, seed, 0, &d);
  free(natural);
  /* the held-out reference rows: those the search did not use */
  nc_verify v;
  memset(&v, 0, sizeof v);
  for (uint64_t i = 0; !rc && i < di.count; i++)
    picked[i] = !picked[i];
  if (!rc)
    rc = nc_verify_run(&pb, res, K, d.order, picked, &v);
  double *restart_norm = malloc(K * sizeof *restart_norm);
  uint8_t *from_restart = malloc(K);
  if (!rc && (!restart_norm || !from_restart))
    rc = MG_ERR_NOMEM;
  if (!rc)
    rc = nc_restart_directions(&pb, &o.prm, res, K, d.order, (size_t)o.restart_ranks, dim, dir,
                               restart_norm, from_restart);
  nc_fverify fv;
  memset(&fv, 0, sizeof fv);
  if (!rc)
    rc = nc_fverify_run(&pb, res, K, d.order, picked, dir, dim, &fv);
  if (!rc) { /* reported beside the class's test */
    fv.restart_norm = restart_norm;
    fv.from_restart = from_restart;
  } else {
    free(restart_norm);
    free(from_restart);
  }
  if (!rc)
    rc = nc_report(svc, ctx, &pb, &o.prm, res, K, &d, &v, &fv);
  if (!rc && warp)
    rc = nc_warp_decide_report(svc, ctx, &o.warp, wres, K, seed);
  free(dir);
  nc_fverify_free(&fv);
  nc_verify_free(&v);
  nc_decision_free(&d);
  free(picked);
  for (size_t i = 0; res && i < K; i++)
    nc_result_free(&res[i]);
  free(res);
  for (size_t i = 0; wres && i < K; i++)
    nc_warp_result_free(&wres[i]);
  free(wres);
  free(targets);
  free(x);
  free(labels);
  return rc;
}

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    "neural-cleanse",
    "0.1.0",
    "reverse-engineers a minimal trigger per class and flags an anomalously small one",
    MG_NEED_MODEL | MG_NEED_REFERENCE,
    atlas,
    mitigations,
    controls,
    NULL,
    nc_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
