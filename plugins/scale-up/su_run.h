/* The prediction-consistency engine three plugins share: scale-up (copies
 * of a row with its pixels amplified), ibd-psc (the row through copies of
 * the model with BatchNorm amplified) and strip (the row blended with clean
 * reference images, scored by the mean entropy of the blends). A plugin is
 * an su_method (its copies or its own score, options and words) and
 * su_plugin_run(); the rest is common: its settings, a row's score, the
 * calibration on the reference set, the per-class statistics, and the job
 * of each file: the forward passes over the copies (su_score.c), the
 * reference side (su_calib.c), the scan of a dataset (su_scan.c), the class
 * tests (su_decide.c), the findings and evidence (su_report.c) and the run
 * (su_plugin.c). */
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
/* Largest number of perturbed copies of a row (kept histograms). */
#define SU_MAX_SCALES 64

typedef struct su_cfg {
  uint32_t scales;   /* perturbed copies per row (the method sets it; at most
                        SU_MAX_SCALES unless the method is no_kept) */
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
  uint32_t rank; /* kept, or 0 for a method ranked by its loss alone */
  double loss;   /* mean over the copies of the method's copy loss */
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

typedef struct su_run su_run;
typedef struct su_set su_set;

/* Rows to score: m rows x (image space) of one dataset; ids[i] are their
 * row numbers (they key each row's random streams, so batching never
 * changes a score). */
typedef struct su_rows {
  const float *x;
  size_t m;
  const uint64_t *ids;
  const char *stream; /* "<plugin>-reference", "<plugin>-train", ... */
  size_t ref_first;   /* calibration: index of x's first row among the
                         reference rows; SIZE_MAX when scanning */
  /* Scanning: per row, the least trigger-like of the cuts it is compared
   * with (the global threshold, its class's cut); a method may stop
   * refining a row's score once it cannot beat bound[i]. NULL: none. */
  const su_score *bound;
} su_rows;

/* What makes the engine one plugin. */
typedef struct su_method {
  const char *name;         /* the plugin: messages, random streams */
  const char *display;      /* the method in titles, "SCALE-UP" */
  const char *evidence_key; /* its evidence object, "scale_up" */
  const char *loss_key;     /* the score's loss in evidence, "loss" */
  int loss_only;            /* rank by the mean loss alone, not copies kept first */
  /* The copies are not compared with the clean prediction (strip): no
   * kept count, SPC or kept histogram in the evidence. */
  int no_kept;
  /* The per-row threshold is the interpolated frr-quantile of the clean
   * losses (mgd_quantile; STRIP's empirical quantile) rather than an order
   * statistic. Only for loss-only scores without a tie-break. */
  int quantile_threshold;
  /* The rule stem of its findings ("consistent": PLUGIN.consistent-rows,
   * PLUGIN.consistent-inputs) and the word for a row past a cut in texts
   * and evidence keys ("above"; strip's entropies fall "below"). */
  const char *rule_stem, *beyond;
  /* Rows per chunk read (0: SU_CHUNK_ROWS); forward batches start at a
   * chunk's first row. */
  size_t chunk_rows;
  /* Keep the reference rows in memory (r->ref_x) for the method's score. */
  int keep_reference;
  /* Reads the method's own options and sets r->cfg.scales (copies); may
   * return MG_ERR_NEEDS when the model gives it nothing to perturb. */
  int (*setup)(su_run *r);
  /* Logits (m x classes) of copy v < r->cfg.scales of rows x. */
  int (*forward_copy)(su_run *r, uint32_t v, const float *x, size_t m, float *logits);
  /* Or the method's own score of rows (forward_copy and copy_loss unused):
   * it sets every field of out, the tie-break included. */
  int (*score)(su_run *r, const su_rows *rows, su_score *out);
  /* Optional: called once the reference rows are read, before they are
   * scored; after the calibration, with its evidence object to add to;
   * after a dataset's decision, with its evidence object. */
  int (*reference_read)(su_run *r);
  int (*calibrated)(su_run *r, json_t *calibration);
  int (*scanned)(su_run *r, const su_set *s, json_t *set_evidence);
  /* Optional: frees what mstate holds (the engine frees mstate itself). */
  void (*release)(su_run *r);
  /* A copy's loss for class c (smaller: c kept more surely); finite. */
  double (*copy_loss)(const float *row, size_t k, size_t c);
  /* The perturbation in words ("their pixels amplified 5 times (factors
   * 3 to 11, clipped)"), the property ("keep their prediction under pixel
   * amplification"), and why a trigger shows so (with the reference). */
  void (*describe)(const su_run *r, char *buf, size_t len);
  const char *property;
  const char *why;
  /* The method's options and its own facts for the evidence. */
  json_t *(*options_json)(const su_run *r);
  const mg_plugin_option *options;
  const char *const *atlas_all, *const *atlas_inputs;
} su_method;

struct su_run {
  const su_method *method;
  void *mstate; /* the method's own (ibd-psc: its copies' layers and factors) */
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
  float *ref_x;   /* ref_n rows, when the method keeps them */
  size_t *halves; /* the calibration rows' seeded order: first half, second half */
  su_calib cal;
  json_t *ev; /* the plugin's evidence, built up as the run goes */
};

/* Row states in su_set.state. */
#define SU_SCANNED 1u
#define SU_FLAGGED 2u /* above the global threshold: the per-row rule */
#define SU_ABOVE 4u   /* above its class's own clean quantile: the class test's count */

struct su_set {
  const char *name; /* MG_DATASET_TRAIN or MG_DATASET_INPUTS */
  mg_dataset_info info;
  int by_label;   /* groups are labels (else clean predictions) */
  int32_t *group; /* per row */
  su_group *gs;   /* per class */
  uint8_t *state; /* per row, SU_* bits */
  su_score *score;
  uint64_t scanned, flagged;
  size_t family; /* hypotheses in the Holm family after Tarone's screen */
};

/* su_score.c: the scores of rows, by the method's own score or over its
 * copies (the tie-break keyed by the row and the stream). */
int su_score_init(su_run *r);
void su_score_free(su_run *r);
int su_score_rows(su_run *r, const su_rows *rows, su_score *out);
/* Clean predictions of n rows. */
int su_predict(su_run *r, const float *x, size_t n, int32_t *pred);
/* Rows rows[0..m) (sorted) of a dataset into x; labels may be NULL. */
int su_read_rows(su_run *r, const char *name, const uint64_t *rows, size_t m, float *x,
                 int32_t *labels);
size_t su_chunk_rows(const su_run *r);
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

/* su_report.c: a class's finding, a dataset's evidence, the plugins'
 * mitigations and controls. */
extern const char *const su_mitigations[], *const su_controls[];
int su_emit_group(su_run *r, su_set *s, int32_t c);
json_t *su_set_evidence(su_run *r, const su_set *s);
json_t *su_score_json(const su_run *r, const su_score *s);
json_t *su_hist_json(const uint64_t *h, uint32_t scales);

/* The options every method takes, after its own in its table
 * (docs/detectors/scale-up.md); SAMPLE: training rows screened per class.
 * The help of frr and class_q is worded for a score whose trigger-like rows
 * are high; a method whose are low (strip's entropy) words its own with
 * SU_OPTIONS_WORDED. */
#define SU_FRR_HELP "false-rejection rate the per-row threshold is calibrated to on clean rows"
#define SU_CLASS_Q_HELP "upper quantile of a class's clean reference scores used as its cut"
#define SU_OPTIONS(SAMPLE) SU_OPTIONS_WORDED(SAMPLE, SU_FRR_HELP, SU_CLASS_Q_HELP)
#define SU_OPTIONS_WORDED(SAMPLE, FRR_HELP, CLASS_Q_HELP)                                          \
  {"frr", MG_OPTION_NUMBER, 0.01, 0.0005, 0.2, FRR_HELP},                                          \
      {"sample", MG_OPTION_INTEGER, SAMPLE, 0, 1e9, "training rows screened per class (0: all)"},  \
      {"pool", MG_OPTION_INTEGER, 2000, 20, 1e7, "clean reference rows used for calibration"},     \
      {"screen", MG_OPTION_NUMBER,                                                                 \
       0.01,     0,                                                                                \
       1,        "screening p-value below which a class is scanned in full"},                      \
      {"class_q", MG_OPTION_NUMBER, 0.05, 0.005, 0.25, CLASS_Q_HELP}, {                            \
    NULL, 0, 0, 0, 0, NULL                                                                         \
  }

/* A plugin on the engine: its run, descriptor and the two exported entry
 * points, from its method `m` (a static su_method with .options set),
 * its name, version and one-line description; the plugin defines
 * atlas_all, the ATLAS techniques of its descriptor. */
#define SU_PLUGIN(m, NAME, VERSION, DESCRIPTION)                                                   \
  static int su_run_method(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {              \
    (void)state;                                                                                   \
    return su_plugin_run(&(m), svc, ctx);                                                          \
  }                                                                                                \
  static const mg_plugin su_descriptor = {                                                         \
      MG_PLUGIN_HEADER,                                                                            \
      NAME,                                                                                        \
      VERSION,                                                                                     \
      DESCRIPTION,                                                                                 \
      MG_NEED_MODEL | MG_NEED_REFERENCE,                                                           \
      atlas_all,                                                                                   \
      su_mitigations,                                                                              \
      su_controls,                                                                                 \
      NULL,                                                                                        \
      su_run_method,                                                                               \
      NULL,                                                                                        \
  };                                                                                               \
  MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {                          \
    return (m).options;                                                                            \
  }                                                                                                \
  MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {                                        \
    return &su_descriptor;                                                                         \
  }

/* su_plugin.c: the plugin's run with a method. */
int su_plugin_run(const su_method *m, const mg_services *svc, mg_plugin_ctx *ctx);
/* The method's option key (the shared ones: frr, sample, pool, screen, class_q). */
int su_opt(su_run *r, const char *key, double *out);
/* -log softmax(row)[c], exact for tiny losses. */
double su_class_loss(const float *row, size_t k, size_t c);

#endif
