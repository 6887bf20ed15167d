/* Evaluates the checklist for one scan. A control is:
 *   fail           a finding citing it is at or above the failing severity,
 *                  or a fact contradicts it (registry lineage, provenance);
 *   error          its only evidence sources (plugins) ended in error;
 *   pass           a listed plugin ran, or a fact supports it, and nothing
 *                  failed;
 *   attested       nothing automatic spoke, but modelgate.json carries a
 *                  signed-off attestation and the checklist allows one
 *                  (decided by the vendor);
 *   (pass)         also when every finding that would fail it is waived by
 *                  the reviewer (--waivers; decided by the reviewer);
 *   not-evaluated  no evidence; the note says what would evidence it.
 * Correlation between plugins (correlate.c) runs first so controls see the
 * final severities; the policy's required controls are marked for the
 * verdict. See docs/checklist.md. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checklist.h"
#include "correlate.h"
#include "evidence.h"

/* Everything one evaluation reads and writes. */
typedef struct checklist_ctx {
  const mg_rules *rules;
  const mg_package *pkg;
  unsigned run; /* MG_CHECKLIST_* */
  mg_evidence_map ev;
  mg_results *r;
} checklist_ctx;

static int add_fact(checklist_ctx *x, mg_evidence ev, int pass, const char *fmt, ...) MG_FMT(4, 5);
static int add_fact(checklist_ctx *x, mg_evidence ev, int pass, const char *fmt, ...) {
  char note[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(note, sizeof note, fmt, ap);
  va_end(ap);
  return mg_evidence_fact(x->r, &x->ev, ev, pass, note);
}

/* Provenance: every training data file is covered by a provenance record
 * (origin, source digest and collection time are enforced by the parser);
 * "no untracked data in the pipeline". A record's sha256 is its source's,
 * which the package file may have been derived from, so it is not compared. */
static int check_provenance(checklist_ctx *x) {
  const mg_package *pkg = x->pkg;
  json_t *prov = pkg->desc.provenance;
  if (!prov || !json_array_size(prov))
    return MG_OK;
  const mg_file *training[] = {pkg->train_inputs, pkg->train_labels};
  for (size_t t = 0; t < 2; t++) {
    if (!training[t])
      continue;
    int covered = 0;
    size_t i;
    json_t *rec;
    json_array_foreach(prov, i, rec) {
      const char *path = json_string_value(json_object_get(rec, "path"));
      covered |= path && !strcmp(path, training[t]->path);
    }
    if (!covered)
      return add_fact(x, MG_EV_PROVENANCE, 0,
                      "untracked training data: no provenance record names %.300s",
                      training[t]->path);
  }
  size_t i;
  json_t *rec;
  json_array_foreach(prov, i, rec) {
    const char *path = json_string_value(json_object_get(rec, "path"));
    if (path && !mg_inventory_find(&pkg->inv, path))
      return add_fact(x, MG_EV_PROVENANCE, 0,
                      "provenance[%zu] names '%.200s', which is not in the package", i, path);
  }
  return add_fact(x, MG_EV_PROVENANCE, 1,
                  "%zu provenance record(s) with origin, source digest and collection time cover "
                  "the training set",
                  json_array_size(prov));
}

/* DP-SGD: the epsilon the descriptor records, against the policy. */
static int check_dp_sgd(checklist_ctx *x) {
  json_t *dp = json_object_get(x->pkg->desc.training, "dp_sgd");
  if (!dp)
    return MG_OK;
  json_t *eps = json_object_get(dp, "epsilon");
  double max = x->rules->policy.max_epsilon;
  if (!json_is_number(eps) || !(json_number_value(eps) > 0))
    return add_fact(x, MG_EV_DP_SGD, 0, "training.dp_sgd has no positive numeric epsilon");
  double e = json_number_value(eps);
  const char *band = e < 1 ? "strong" : e <= 10 ? "moderate" : "weak";
  return add_fact(x, MG_EV_DP_SGD, e <= max,
                  "DP-SGD with epsilon %g (%s guarantee; policy allows at most %g)", e, band, max);
}

static const mg_result_plugin *plugin_result(const mg_results *r, const char *name) {
  for (size_t i = 0; i < r->n_plugins; i++)
    if (!strcmp(r->plugins[i].name, name))
      return &r->plugins[i];
  return NULL;
}

static int cites(const mg_result_finding *f, const char *control) {
  return mg_strlist_has(&f->controls, control);
}

static void evaluate(checklist_ctx *x, const mg_control_def *d, mg_result_control *c) {
  mg_results *r = x->r;
  size_t failing = 0, below = 0, waived = 0;
  const mg_waiver *waiver = NULL;
  for (size_t i = 0; i < r->n_findings; i++) {
    const mg_result_finding *f = &r->findings[i];
    if (!cites(f, d->id))
      continue;
    mg_strlist_add(&c->findings, f->id);
    if ((int)f->severity < (int)r->fail_on)
      below++;
    else if (f->waived) {
      waived++;
      waiver = f->waived;
    } else
      failing++;
  }
  int facts_pass = 0, facts_fail = 0;
  const char *fact_note = NULL, *inconclusive = NULL;
  for (size_t i = 0; i < r->n_facts; i++) {
    const mg_result_fact *f = &r->facts[i];
    if (strcmp(f->control, d->id))
      continue;
    if (f->pass < 0) {
      inconclusive = f->note;
      continue;
    }
    if (!mg_strlist_has(&c->evidence, f->source))
      mg_strlist_add(&c->evidence, f->source);
    if (f->pass)
      facts_pass++;
    else {
      facts_fail++;
      fact_note = f->note;
    }
    if (!fact_note)
      fact_note = f->note;
  }
  int ran = 0, errored = 0;
  char ran_names[512] = "", error_names[512] = "";
  for (size_t i = 0; i < d->plugins.count; i++) {
    const mg_result_plugin *p = plugin_result(r, d->plugins.items[i]);
    if (!p)
      continue;
    char *list = p->status == MG_PLUGIN_OK                                        ? ran_names
                 : p->status == MG_PLUGIN_ERROR || p->status == MG_PLUGIN_TIMEOUT ? error_names
                                                                                  : NULL;
    if (!list)
      continue;
    size_t n = strlen(list);
    snprintf(list + n, sizeof ran_names - n, "%s%s", n ? ", " : "", p->name);
    if (p->status == MG_PLUGIN_OK) {
      ran++;
      mg_strlist_add(&c->evidence, p->name);
    } else {
      errored++;
    }
  }
  json_t *att =
      x->pkg->desc.attestations ? json_object_get(x->pkg->desc.attestations, d->id) : NULL;
  if (att)
    c->attestation = json_incref(att);
  char note[1400];
  if (failing) {
    c->status = MG_CONTROL_FAIL;
    snprintf(note, sizeof note, "%zu finding(s) at or above %s", failing,
             mg_severity_name(r->fail_on));
  } else if (facts_fail) {
    c->status = MG_CONTROL_FAIL;
    snprintf(note, sizeof note, "%s", fact_note);
  } else if (errored && !ran && !facts_pass) {
    c->status = MG_CONTROL_ERROR;
    snprintf(note, sizeof note, "evidence plugin(s) failed: %s", error_names);
  } else if (waived) {
    /* Only the reviewer's waivers stand between these findings and a
     * failed control: the reviewer decided it, and the note says so. */
    c->status = MG_CONTROL_PASS;
    c->decided_by = MG_DECIDED_REVIEWER;
    snprintf(note, sizeof note,
             "%zu finding(s) at or above %s waived by the reviewer (%.100s, approved by %.200s, "
             "expires %s)%s%s",
             waived, mg_severity_name(r->fail_on), waiver->id, waiver->approved_by, waiver->expires,
             ran ? "; evidenced by " : "", ran ? ran_names : "");
  } else if (ran || facts_pass) {
    c->status = MG_CONTROL_PASS;
    if (ran && fact_note)
      snprintf(note, sizeof note, "evidenced by %s; %s", ran_names, fact_note);
    else if (ran)
      snprintf(note, sizeof note, "evidenced by %s%s", ran_names,
               below ? " (findings below the failing severity)" : "");
    else
      snprintf(note, sizeof note, "%s", fact_note);
  } else if (att && d->attestable) {
    c->status = MG_CONTROL_ATTESTED;
    c->decided_by = MG_DECIDED_VENDOR;
    mg_strlist_add(&c->evidence, "attestation");
    snprintf(note, sizeof note, "attested by %.200s on %.40s",
             json_string_value(json_object_get(att, "by")),
             json_string_value(json_object_get(att, "date")));
  } else {
    c->status = MG_CONTROL_NOT_EVALUATED;
    snprintf(note, sizeof note, "%s%s%s%s", inconclusive ? inconclusive : "",
             inconclusive ? ". " : "", d->how,
             att && !d->attestable ? " (an attestation cannot stand in for this control)" : "");
  }
  c->note = strdup(note);
  for (size_t i = 0; i < x->rules->policy.n_required; i++) {
    const mg_requirement *q = &x->rules->policy.required[i];
    if (strcmp(q->control, d->id))
      continue;
    /* A control may be required under several conditions: any one does. */
    c->required |= q->when == MG_REQUIRE_ALWAYS ||
                   (q->when == MG_REQUIRE_REGISTRY && (x->run & MG_CHECKLIST_REGISTRY)) ||
                   (q->when == MG_REQUIRE_SCAN && (x->run & MG_CHECKLIST_PLUGINS)) ||
                   (q->when == MG_REQUIRE_SIGNATURE && (x->run & MG_CHECKLIST_SIGNATURE));
  }
  c->attestable = d->attestable;
}

/* Attestations for controls the checklist does not have are kept as info. */
static void unknown_attestations(checklist_ctx *x) {
  const char *id;
  json_t *v;
  json_object_foreach(x->pkg->desc.attestations, id, v) {
    if (mg_rules_control(x->rules, id))
      continue;
    char title[200];
    snprintf(title, sizeof title, "Attestation for unknown control %.60s", id);
    mg_results_add_core(x->r, MG_SEV_INFO, "descriptor.unknown-control", MG_DESCRIPTOR_NAME, title,
                        "modelgate.json attests a control id the checklist does not define; it "
                        "was ignored.",
                        NULL, NULL, NULL, NULL);
  }
}

/* The ATLAS entries the document refers to, named from the catalog. */
static int collect_atlas(checklist_ctx *x) {
  mg_results *r = x->r;
  mg_strlist ids = {0};
  for (size_t i = 0; i < r->n_findings; i++) {
    const mg_result_finding *f = &r->findings[i];
    for (size_t k = 0; k < f->atlas.count + f->mitigations.count; k++) {
      const char *id =
          k < f->atlas.count ? f->atlas.items[k] : f->mitigations.items[k - f->atlas.count];
      if (!mg_strlist_has(&ids, id))
        mg_strlist_add(&ids, id);
    }
  }
  for (size_t i = 0; i < r->n_controls; i++) {
    const mg_result_control *c = &r->controls[i];
    for (size_t k = 0; k < c->atlas.count + c->mitigations.count; k++) {
      const char *id =
          k < c->atlas.count ? c->atlas.items[k] : c->mitigations.items[k - c->atlas.count];
      if (!mg_strlist_has(&ids, id))
        mg_strlist_add(&ids, id);
    }
  }
  r->atlas = calloc(ids.count ? ids.count : 1, sizeof *r->atlas);
  if (!r->atlas) {
    mg_strlist_free(&ids);
    return MG_ERR_NOMEM;
  }
  for (size_t i = 0; i < ids.count; i++) {
    const mg_atlas_entry *e = mg_rules_atlas(x->rules, ids.items[i]);
    mg_result_atlas *a = &r->atlas[r->n_atlas++];
    int mit = !strncmp(ids.items[i], "AML.M", 5);
    char url[160];
    snprintf(url, sizeof url, "https://atlas.mitre.org/%s/%.40s",
             mit ? "mitigations" : "techniques", ids.items[i]);
    a->id = strdup(ids.items[i]);
    a->name = strdup(e ? e->name : "(not in modelgate's ATLAS catalog)");
    a->url = strdup(e ? e->url : url);
    a->is_mitigation = e ? e->is_mitigation : mit;
  }
  mg_strlist_free(&ids);
  free(r->atlas_version);
  r->atlas_version = x->rules->atlas_version ? strdup(x->rules->atlas_version) : NULL;
  return MG_OK;
}

int mg_checklist_evaluate(const mg_rules *rules, const mg_package *pkg, unsigned run, mg_results *r,
                          mg_err *err) {
  if (r->n_controls)
    return MG_OK;
  checklist_ctx x = {.rules = rules, .pkg = pkg, .run = run, .r = r};
  mg_evidence_map_init(&x.ev, rules);
  int rc = rules->policy.correlate ? mg_correlate(r, &rules->policy) : MG_OK;
  if (!rc && pkg->desc.present) {
    rc = check_provenance(&x);
    if (!rc)
      rc = check_dp_sgd(&x);
    unknown_attestations(&x);
  }
  r->controls = rc ? NULL : calloc(rules->n_controls ? rules->n_controls : 1, sizeof *r->controls);
  if (!rc && !r->controls)
    rc = MG_ERR_NOMEM;
  for (size_t i = 0; !rc && i < rules->n_controls; i++) {
    const mg_control_def *d = &rules->controls[i];
    mg_result_control *c = &r->controls[r->n_controls++];
    c->id = strdup(d->id);
    c->section = strdup(d->section_title);
    c->title = strdup(d->title);
    c->text = strdup(d->text ? d->text : "");
    c->remediation = d->remediation ? strdup(d->remediation) : NULL;
    for (size_t k = 0; k < d->atlas.count; k++)
      mg_strlist_add(&c->atlas, d->atlas.items[k]);
    for (size_t k = 0; k < d->mitigations.count; k++)
      mg_strlist_add(&c->mitigations, d->mitigations.items[k]);
    evaluate(&x, d, c);
  }
  if (!rc)
    rc = collect_atlas(&x);
  if (rc)
    return mg_fail(err, rc, "checklist: out of memory");
  return MG_OK;
}
