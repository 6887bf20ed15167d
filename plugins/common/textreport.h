/* Findings and evidence of the text plugins: one emit for a finding about
 * rows of a text dataset, example rows as escaped, truncated excerpts (the
 * reports escape them again for HTML), and a dataset's description with the
 * setting it was scanned with (CTL-14: untrusted sources get the stricter
 * one, and the report says so). Uses jansson. */
#ifndef MG_PLUGINS_TEXTREPORT_H
#define MG_PLUGINS_TEXTREPORT_H

#include <jansson.h>

#include "textutil.h"

/* Characters of a row's field kept in an example. */
#define TXR_EXCERPT 300

/* {"row": i, and each field the row has, as an excerpt}; NULL on error. */
json_t *txr_row_example(const tu_dataset *d, uint64_t row);
/* The same, with extra keys merged from `extra` (stolen; may be NULL). */
json_t *txr_row_example_with(const tu_dataset *d, uint64_t row, json_t *extra);

/* {"name", "path", "format", "kind", "rows", "bad_rows", "untrusted",
 * "setting"} for the plugin's evidence. */
json_t *txr_dataset_json(const tu_dataset *d);
const char *txr_kind_name(mg_text_kind k);

/* Class indices of a dataset's labels, so that the correlation rule can
 * compare findings by class: the label itself when every label is a
 * non-negative decimal integer ("0", "7"), else the label's position among
 * the distinct labels sorted bytewise ("negative" 0, "positive" 1). The
 * evidence says which (txr_classes_basis). */
typedef struct txr_classes {
  int32_t *index; /* per label, in the caller's order */
  int numeric;
} txr_classes;
int txr_classes_init(txr_classes *c, char *const *names, size_t n);
const char *txr_classes_basis(const txr_classes *c);
void txr_classes_free(txr_classes *c);
/* A finite number, or JSON null (jansson refuses NaN and infinities). */
json_t *txr_real(double v);

/* Emits a finding on rows of dataset d; ev (stolen, may be NULL) gains
 * "dataset" and "setting". atlas/controls NULL: the plugin's. */
int txr_emit(const tu_dataset *d, mg_severity sev, const char *rule, const char *title,
             const char *message, const char *const *atlas, const char *const *controls,
             int32_t label, const uint64_t *rows, size_t n_rows, double score, json_t *ev);

/* Emits a finding about the package or a file of it, no rows (artifact
 * may be NULL); ev stolen, may be NULL. */
int txr_emit_file(const mg_services *svc, mg_plugin_ctx *ctx, mg_severity sev, const char *rule,
                  const char *artifact, const char *title, const char *message,
                  const char *const *controls, json_t *ev);

/* Merges {plugin_key: obj} into the plugin's evidence (obj stolen). */
int txr_evidence(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin_key, json_t *obj);

/* The end of a text plugin's run (rc: its result so far): merges
 * {plugin_key: obj} into the evidence (obj stolen; its "datasets" array
 * has one object per dataset, with "skipped" when not of the plugin's
 * kind) and, when every dataset was skipped, logs that the package has no
 * `what` and returns MG_ERR_NEEDS: the host reports the plugin skipped, so
 * the controls it evidences are not counted as checked. */
int txr_finish(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin,
               const char *plugin_key, json_t *obj, const char *what, int rc);

/* The sentence every finding of an untrusted dataset carries. */
const char *txr_setting_note(const tu_dataset *d);

#endif
