/* What the STRIP plugin's files share: its settings, the calibration, the
 * per-class statistics and the run, and the jobs each file does for
 * strip.c: calibration on the reference set (strip_calib.c), the scan of a
 * dataset (strip_scan.c), the class tests (strip_decide.c) and the
 * findings and evidence (strip_report.c). */
#ifndef STRIP_RUN_H
#define STRIP_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <modelgate/plugin.h>

#include "strip_engine.h"

#define HIST_BINS 40
/* Rows read per chunk while scanning, bounded by bytes for large images. */
#define SCAN_CHUNK_ROWS 2048
#define SCAN_CHUNK_BYTES (32u << 20)
/* Rows per plain forward pass (clean predictions), as the engine's. */
#define FORWARD_ROWS 256
/* Reference rows kept in memory as overlays are bounded by bytes too. */
#define POOL_BYTES (256u << 20)
/* Flagged rows listed in the evidence (all of them are in the findings). */
#define EVIDENCE_ROWS 200

typedef struct strip_cfg {
  uint32_t n;        /* overlays per input */
  double frr;        /* target false-rejection rate */
  uint64_t sample;   /* training rows per class in the screening pass; 0 = all */
  uint64_t pool_max; /* reference rows used (overlays and calibration) */
  double screen;     /* raw p-value below which a class is scanned in full */
  double class_q;    /* each class's own clean quantile used by the class test */
} strip_cfg;

typedef struct calib {
  double t;       /* decision threshold: empirical frr-quantile */
  double t_gauss; /* the paper's: normal fit, mu + z_frr * sigma */
  double mu, sd;
  double frr_in;            /* fraction of calibration rows below t */
  double frr_heldout;       /* cross-fitted over two halves, empirical rule */
  double frr_heldout_gauss; /* the same for the normal-fit rule */
  double frr_heldout_upper; /* one-sided 95% upper bound of frr_heldout */
} calib;

typedef struct group_stat {
  uint64_t rows, scanned;
  uint64_t flagged; /* scanned rows below the global threshold (the paper's rule) */
  uint64_t below;   /* scanned rows below the class's own cut */
  uint64_t ref_rows, ref_flagged;
  uint32_t k; /* order statistic of the class cut; 0: tested at the global threshold */
  double cut; /* the k-th smallest clean reference entropy of the class */
  double p, p_exch, p_rest, p_min, p_adj;
  int extended; /* scanned in full after the screening pass */
} group_stat;

typedef struct strip_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  strip_cfg cfg;
  mg_model_info mi;
  size_t k; /* classes */
  /* Reference pool: the overlays and the calibration rows. */
  float *pool;
  size_t pool_n;
  uint64_t *pool_rows;
  int32_t *pool_labels;
  int32_t *pool_pred;
  int ref_has_labels;
  double *ref_h;
  calib cal;
  strip_engine eng;
  json_t *ev; /* the plugin's evidence, built up as the run goes */
  uint64_t hist_ref[HIST_BINS];
  double hist_hi;
} strip_run;

/* Row states in scan_set.state. */
#define ROW_SCANNED 1u
#define ROW_FLAGGED 2u /* below the global threshold: the paper's per-input rule */
#define ROW_BELOW 4u   /* below its class's own clean quantile: the class test's count */

typedef struct scan_set {
  const char *name; /* MG_DATASET_TRAIN or MG_DATASET_INPUTS */
  mg_dataset_info info;
  int by_label;   /* groups are labels (else clean predictions) */
  int32_t *group; /* per row */
  group_stat *gs; /* per class */
  uint8_t *state; /* per row, ROW_* bits */
  float *mean;    /* per row entropy (scanned rows) */
  uint64_t hist[HIST_BINS];
  uint64_t scanned, flagged;
  size_t family; /* hypotheses in the Holm family after Tarone's screen */
} scan_set;

/* strip_calib.c: reading rows, clean predictions, the reference pool and
 * the threshold. */
int strip_chunk_rows(size_t row_floats);
int strip_read_rows(strip_run *r, const char *name, const uint64_t *rows, size_t m, size_t rf,
                    float *x, int32_t *labels);
int strip_cmp_u64(const void *a, const void *b);
int strip_predict(strip_run *r, const float *x, size_t n, int32_t *pred);
int strip_hist_bin(const strip_run *r, double h);
/* The reference rows kept as overlays and calibration rows (r->pool). */
int strip_load_pool(strip_run *r, const mg_dataset_info *ri);
int strip_run_calibration(strip_run *r);

/* strip_scan.c: screening, then the implicated classes in full, then the
 * class tests and findings of one dataset. */
int strip_scan_dataset(strip_run *r, const char *name, uint64_t sample);

/* strip_decide.c: one class's test, and every class's with Holm within
 * Tarone's screen. */
/* Clean reference rows below the global threshold. */
uint64_t strip_reference_below(const strip_run *r);
void strip_group_test(strip_run *r, group_stat *g, uint64_t rest_below, uint64_t rest_scanned);
int strip_decide(strip_run *r, scan_set *s);

/* strip_report.c: a class's finding, and a dataset's evidence; the ATLAS
 * entries, mitigations and controls of the plugin and its findings. */
extern const char *const strip_atlas_all[], *const strip_atlas_inputs[];
extern const char *const strip_mitigations[], *const strip_controls[];
int strip_emit_group(strip_run *r, scan_set *s, int32_t c);
json_t *strip_set_evidence(strip_run *r, const scan_set *s);
/* An entropy histogram (HIST_BINS counts) as a JSON array. */
json_t *strip_hist_json(const uint64_t *h);

#endif
