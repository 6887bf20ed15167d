/* The evidence table: each name the checklist uses for the core's own
 * evidence, and what its facts are recorded as. */
#include "config.h"

#include "evidence.h"

#include <string.h>

static const struct {
  const char *element; /* <core> or <registry> inside <evidence> */
  const char *check;   /* its check="..." */
  const char *source;  /* the fact's source */
} table[MG_EV_COUNT] = {
    [MG_EV_PROVENANCE] = {"core", "provenance", "descriptor"},
    [MG_EV_DP_SGD] = {"core", "dp-sgd", "descriptor"},
    [MG_EV_DIGESTS] = {"registry", "digests", "registry"},
    [MG_EV_LINEAGE] = {"registry", "lineage", "registry"},
    [MG_EV_PARENT] = {"registry", "parent", "registry"},
    [MG_EV_MODEL_SIGNATURE] = {"core", "model-signature", "model-signature"},
};

void mg_evidence_map_init(mg_evidence_map *m, const mg_rules *rules) {
  memset(m, 0, sizeof *m);
  for (size_t i = 0; rules && i < rules->n_controls; i++) {
    const mg_control_def *d = &rules->controls[i];
    for (int ev = 0; ev < MG_EV_COUNT; ev++) {
      const mg_strlist *checks =
          !strcmp(table[ev].element, "core") ? &d->core_checks : &d->registry_checks;
      if (!m->control[ev] && mg_strlist_has(checks, table[ev].check))
        m->control[ev] = d->id;
    }
  }
}

const char *mg_evidence_source(mg_evidence ev) {
  return (unsigned)ev < MG_EV_COUNT ? table[ev].source : "?";
}

int mg_evidence_fact(mg_results *r, const mg_evidence_map *m, mg_evidence ev, int pass,
                     const char *note) {
  if ((unsigned)ev >= MG_EV_COUNT || !m->control[ev])
    return MG_OK;
  return mg_results_add_fact(r, m->control[ev], table[ev].source, pass, note);
}

void mg_evidence_cite(const mg_evidence_map *m, mg_evidence a, mg_evidence b, const char *out[3]) {
  size_t n = 0;
  if ((unsigned)a < MG_EV_COUNT && m->control[a])
    out[n++] = m->control[a];
  if ((unsigned)b < MG_EV_COUNT && m->control[b] && (!n || strcmp(out[0], m->control[b])))
    out[n++] = m->control[b];
  out[n] = NULL;
}
