/* Loading and matching the model-format rules lists (mflist.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <modelgate/error.h>
#include <modelgate/plugin.h>

#include "mflist.h"
#include "textrules.h"

static int severity_of(const char *s) {
  for (int i = MG_SEV_INFO; i <= MG_SEV_CRITICAL; i++)
    if (s && !strcmp(s, mg_severity_name((mg_severity)i)))
      return i;
  return -1;
}

static char *dup_or(const char *s, const char *def) {
  return strdup(s ? s : def);
}

static int add_rule(mf_rules *r, const tr_entry *t, mf_class cls) {
  mf_rule *g = realloc(r->rules, (r->n + 1) * sizeof *g);
  if (!g)
    return MG_ERR_NOMEM;
  r->rules = g;
  mf_rule *e = &r->rules[r->n];
  memset(e, 0, sizeof *e);
  const char *match = tr_attr(t, "match"), *sev = tr_attr(t, "severity");
  e->cls = cls;
  e->match = !match || !strcmp(match, "exact") ? MF_EXACT
             : !strcmp(match, "prefix")        ? MF_PREFIX
                                               : MF_SUBSTRING;
  e->severity = cls == MF_ALLOW ? MG_SEV_INFO : sev ? severity_of(sev) : MG_SEV_CRITICAL;
  e->value = dup_or(tr_attr(t, "value"), "");
  e->why = dup_or(tr_attr(t, "why"), cls == MF_ALLOW ? "allowed" : "listed");
  e->cve = tr_attr(t, "cve") ? strdup(tr_attr(t, "cve")) : NULL;
  if (!e->value || !e->why || (tr_attr(t, "cve") && !e->cve)) {
    free(e->value);
    free(e->why);
    free(e->cve);
    return MG_ERR_NOMEM;
  }
  e->len = strlen(e->value);
  r->n++;
  return MG_OK;
}

int mf_rules_load(const char *path, const char *schema, mf_rules **out, char *msg, size_t size) {
  *out = NULL;
  msg[0] = '\0';
  tr_list list;
  int rc = tr_load_file(path, schema, &list, msg, size);
  if (rc)
    return rc;
  mf_rules *r = calloc(1, sizeof *r);
  rc = r ? MG_OK : MG_ERR_NOMEM;
  if (r)
    r->unknown_severity = -1;
  for (size_t i = 0; i < list.n && !rc; i++) {
    const tr_entry *t = &list.entries[i];
    if (!strcmp(t->element, "unknown"))
      r->unknown_severity = severity_of(tr_attr(t, "severity"));
    else if (!strcmp(t->element, "deny"))
      rc = add_rule(r, t, MF_DENY);
    else if (!strcmp(t->element, "allow"))
      rc = add_rule(r, t, MF_ALLOW);
    else if (!strcmp(t->element, "review"))
      rc = add_rule(r, t, MF_REVIEW);
  }
  tr_free(&list);
  if (rc) {
    snprintf(msg, size, "%s: out of memory", path);
    mf_rules_free(r);
    return rc;
  }
  *out = r;
  return MG_OK;
}

void mf_rules_free(mf_rules *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->rules[i].value);
    free(r->rules[i].why);
    free(r->rules[i].cve);
  }
  free(r->rules);
  free(r);
}

static const void *find(const char *s, size_t n, const char *v, size_t l) {
  if (!l || l > n)
    return l ? NULL : s;
  for (size_t i = 0; i + l <= n; i++)
    if (s[i] == v[0] && !memcmp(s + i, v, l))
      return s + i;
  return NULL;
}

const mf_rule *mf_rules_classify(const mf_rules *r, const char *s, size_t n) {
  static const mf_class order[] = {MF_DENY, MF_ALLOW, MF_REVIEW};
  for (size_t o = 0; o < 3; o++)
    for (size_t i = 0; i < r->n; i++) {
      const mf_rule *e = &r->rules[i];
      if (e->cls == order[o] && e->match == MF_EXACT && e->len == n && !memcmp(e->value, s, n))
        return e;
    }
  const mf_rule *best = NULL;
  for (size_t i = 0; i < r->n; i++) {
    const mf_rule *e = &r->rules[i];
    if (e->match == MF_PREFIX && e->len <= n && !memcmp(e->value, s, e->len) &&
        (!best || e->len > best->len || (e->len == best->len && e->cls > best->cls)))
      best = e;
  }
  if (best)
    return best;
  for (size_t o = 0; o < 3; o++)
    for (size_t i = 0; i < r->n; i++) {
      const mf_rule *e = &r->rules[i];
      if (e->cls == order[o] && e->match == MF_SUBSTRING && find(s, n, e->value, e->len))
        return e;
    }
  return NULL;
}

void mf_rules_scan(const mf_rules *r, const char *s, size_t n,
                   int (*fn)(void *user, const mf_rule *rule, size_t at), void *user) {
  for (size_t i = 0; i < r->n; i++) {
    const mf_rule *e = &r->rules[i];
    if (e->match != MF_SUBSTRING || e->cls == MF_ALLOW)
      continue;
    const char *at = find(s, n, e->value, e->len);
    if (at && fn(user, e, (size_t)(at - s)))
      return;
  }
}
