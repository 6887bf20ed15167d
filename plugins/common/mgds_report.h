/* Evidence and findings of the data-side plugins (mgds_report.c). */
#ifndef MGDS_REPORT_H
#define MGDS_REPORT_H

#include "mgds.h"

/* Sends the plugin's evidence: `method` (consumed; may be NULL) plus the
 * layer, the reference set's use, the thresholds and every class. */
int mgds_evidence(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *s,
                  const mgds_result *r, json_t *method);
/* The finding's score: -log10 of the adjusted reference p when the
 * reference test carried it, else the cross-class robust z. */
double mgds_score(const mgds_result *r);
/* One sentence on the reference-set check of a class's flagged group. */
void mgds_ref_sentence(const mgds_set *s, const mgds_result *r, int32_t label, char *buf,
                       size_t len);
/* Emits the finding for one class with its flagged training rows. */
int mgds_emit_class(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *s,
                    const mgds_result *r, int32_t label, const char *rule, const char *title,
                    const char *message);

/* What a feature-space plugin gives mgds_run_classes. */
typedef struct mgds_plugin_ops {
  const char *plugin;   /* its name: log lines, the cross-class random stream */
  const char *progress; /* what the progress line says it does */
  mgds_policy policy;   /* severities of the cross-class test */
  /* One class's analysis into res; run is the plugin's own state. */
  int (*analyse)(void *run, int32_t label, mgds_result *res);
  /* One class's finding, for a class mgds_decide marked. */
  int (*emit)(void *run, const mgds_result *res, int32_t label);
} mgds_plugin_ops;

/* The sequence both feature-space plugins share: analyse every class with
 * progress, decide, emit the findings, then send the evidence with method
 * (consumed; "seconds_analysis" is added). The set stays the caller's. */
int mgds_run_classes(const mg_services *svc, mg_plugin_ctx *ctx, const mgds_set *set, uint64_t seed,
                     const mgds_plugin_ops *ops, void *run, json_t *method);

#endif
