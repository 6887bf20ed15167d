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

#endif
