/* What the scale-up plugin's files share: its settings, a row's score, the
 * calibration on the reference set, the per-class statistics, and the job
 * of each file: the scaled forward passes (su_score.c), the reference side
 * (su_calib.c), the scan of a dataset (su_scan.c), the class tests
 * (su_decide.c) and the findings and evidence (su_report.c). */
#ifndef SU_RUN_H
#define SU_RUN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <modelgate/plugin.h>

/* Rows read per chunk while scanning, bounded by bytes for large images. */
#define SU_CHUNK_ROWS 1024
#define SU_CHUNK_BYTES (32u << 20)
/* Rows per forward pass. */
#define SU_FORWARD_ROWS 256
/* Reference rows kept in memory are bounded by bytes too. */
#define SU_POOL_BYTES (256u << 20)
/* Flagged rows listed in a finding's evidence (all are in its indices). */
#define SU_EVIDENCE_ROWS 200
/* Largest number of amplification factors. */
#define SU_MAX_SCALES 64

typedef struct su_cfg {
  uint32_t scales;   /* factors 3, 5, ..., 2 * scales + 1 (the paper's 3..11: 5) */
  double frr;        /* target false-rejection rate of the per-row threshold */
  uint64_t sample;   /* training rows per class in the screening pass; 0 = all */
  uint64_t pool_max; /* reference rows used for calibration */
  double screen;     /* raw p-value below which a class is scanned in full */
  double class_q;    /* upper quantile of a class's clean scores used as its cut */
} su_cfg;

/* A row's scaled prediction consistency, ordered lexicographically: more
 * amplified copies keeping the clean prediction (the paper's SPC), then a
 * smaller mean cross-entropy of that prediction over the copies, then a
 * seeded random key that breaks exact ties, so scores are continuous and
 * the exceedance test stays exact. Higher = more trigger-like. */
typedef struct su_score {
  uint32_t kept; /* amplified copies predicted as the clean prediction */
  double loss;   /* mean over the copies of -log p(clean prediction) */
  double tie;    /* uniform in [0, 1), from (seed, set, row) */
  int32_t pred;  /* the clean prediction */
} su_score;

/* a > b: a is the more consistent (more trigger-like) score. */
int su_score_cmp(const su_score *a, const su_score *b);
/* The paper's SPC in [0, 1]: kept / scales. */
double su_spc(const su_score *s, uint32_t scales);

typedef struct su_calib {
  su_score t;               /* per-row threshold: rows scoring above it are flagged */
  double frr_in;            /* fraction of calibration rows above t (in-sample) */
  double frr_heldout;       /* cross-fitted over two halves */
  double frr_heldout_upper; /* one-sided 95% Wilson bound of it */
  double spc_mean, spc_sd;  /* the paper's data-limited standardisation */
  uint64_t spc_hist[SU_MAX_SCALES + 1];
} su_calib;

typedef struct su_group {
  uint64_t rows, scanned;
  uint64_t flagged; /* scanned rows above the global threshold (per-row rule) */
  uint64_t above;   /* scanned rows above the class's own cut */
  uint64_t ref_rows, ref_flagged;
  uint32_t k;   /* order statistic of the class cut (k-th highest); 0: global test */
  su_score cut; /* the k-th most consistent clean reference score of the class */
  double p, p_exch, p_rest, p_min, p_adj;
  int extended;                         /* scanned in full after the screening pass */
  uint64_t spc_hist[SU_MAX_SCALES + 1]; /* scanned rows by kept copies */
} su_group;

typedef struct su_run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  su_cfg cfg;
  mg_model_info mi;
  size_t k;        /* classes */
  float lo, hi;    /* pixel range: amplification is about lo, clipped to hi */
  uint64_t passes; /* forward rows run */
  float *xb;       /* SU_FORWARD_ROWS rows: the amplified copies */
  float *logits;   /* SU_FORWARD_ROWS x k */
  /* Reference rows (calibration). */
  size_t ref_n;
  uint64_t *ref_rows;
  int32_t *ref_labels; /* -1 when unknown */
  int ref_has_labels;
  su_score *ref_s;
  su_calib cal;
  json_t *ev; /* the plugin's evidence, built up as the run goes */
} su_run;

/* Row states in su_set.state. */
#define SU_SCANNED 1u
#define SU_FLAGGED 2u /* above the global threshold: the per-row rule */
#define SU_ABOVE 4u   /* above its class's own clean quantile: the class test's count */

typedef struct su_set {
  const char *name; /* MG_DATASET_TRAIN or MG_DATASET_INPUTS */
  mg_dataset_info info;
  int by_label;   /* groups are labels (else clean predictions) */
  int32_t *group; /* per row */
  su_group *gs;   /* per class */
  uint8_t *state; /* per row, SU_* bits */
  su_score *score;
  uint64_t scanned, flagged;
  size_t family; /* hypotheses in the Holm family after Tarone's screen */
} su_set;

/* su_score.c: the scaled forward passes. Scores m rows x (image space) with
 * ids[i] the row numbers of dataset `set` (they key the tie-break). */
int su_score_init(su_run *r);
void su_score_free(su_run *r);
int su_score_rows(su_run *r, const float *x, size_t m, const uint64_t *ids, const char *set,
                  su_score *out);
/* Clean predictions of n rows. */
int su_predict(su_run *r, const float *x, size_t n, int32_t *pred);
/* Rows rows[0..m) (sorted) of a dataset into x; labels may be NULL. */
int su_read_rows(su_run *r, const char *name, const uint64_t *rows, size_t m, float *x,
                 int32_t *labels);
size_t su_chunk_rows(size_t row_floats);
int su_cmp_u64(const void *a, const void *b);

/* su_calib.c: the reference rows, their scores and the per-row threshold. */
int su_calibrate(su_run *r, const mg_dataset_info *ri);

/* su_scan.c: a screening sample of every class, then the implicated
 * classes in full, then the class tests, findings and evidence. */
int su_scan_dataset(su_run *r, const char *name, uint64_t sample);

/* su_decide.c: one class's test, and every class's with Holm within
 * Tarone's screen. */
void su_group_test(su_run *r, su_group *g, uint64_t rest_above, uint64_t rest_scanned);
int su_decide(su_run *r, su_set *s);
uint64_t su_reference_flagged(const su_run *r);

/* su_report.c: a class's finding, a dataset's evidence, the plugin's ATLAS
 * entries, mitigations and controls. */
extern const char *const su_atlas_all[], *const su_atlas_inputs[];
extern const char *const su_mitigations[], *const su_controls[];
int su_emit_group(su_run *r, su_set *s, int32_t c);
json_t *su_set_evidence(su_run *r, const su_set *s);
json_t *su_score_json(const su_run *r, const su_score *s);
json_t *su_hist_json(const uint64_t *h, uint32_t scales);

#endif
