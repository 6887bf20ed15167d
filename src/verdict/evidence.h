/* The core's own evidence for checklist controls (facts it derives, and the
 * controls its findings cite), keyed by the names rules/checklist.xml gives
 * it: <core check="provenance"/>, <registry check="digests"/>, ... Which
 * control such evidence speaks for is read from the loaded checklist, so no
 * control id is spelt in the code. */
#ifndef MG_EVIDENCE_H
#define MG_EVIDENCE_H

#include "results.h"
#include "rules.h"

typedef enum mg_evidence {
  MG_EV_PROVENANCE, /* <core check="provenance"/>: training data covered by provenance */
  MG_EV_DP_SGD,     /* <core check="dp-sgd"/>: the DP-SGD epsilon against the policy */
  MG_EV_DIGESTS,    /* <registry check="digests"/>: every artifact matches the registry */
  MG_EV_LINEAGE,    /* <registry check="lineage"/>: the training set the model was trained on */
  MG_EV_PARENT,     /* <registry check="parent"/>: the parent of a fine-tuned model */
  MG_EV_MODEL_SIGNATURE, /* <core check="model-signature"/>: an OpenSSF model signature */
  MG_EV_COUNT
} mg_evidence;

typedef struct mg_evidence_map {
  const char *control[MG_EV_COUNT]; /* borrowed from the rules; NULL when no control names it */
} mg_evidence_map;

/* Which control names each evidence in rules (NULL rules: none). */
void mg_evidence_map_init(mg_evidence_map *m, const mg_rules *rules);
/* "descriptor" or "registry": what a fact of this evidence is recorded as. */
const char *mg_evidence_source(mg_evidence ev);
/* Records a fact (pass 1, fail 0, inconclusive -1) for the control that
 * names ev; nothing when no control does. */
int mg_evidence_fact(mg_results *r, const mg_evidence_map *m, mg_evidence ev, int pass,
                     const char *note);
/* The controls naming a and then b (MG_EV_COUNT for none), NULL-terminated
 * into out, for a finding to cite. */
void mg_evidence_cite(const mg_evidence_map *m, mg_evidence a, mg_evidence b, const char *out[3]);

#endif
