/* The source-provenance plugin: where the package's data came from, as its
 * descriptor's provenance records say (CTL-01, CTL-04, CTL-14).
 *   - Each record's origin URL against rules/domains.xml (docs/detectors/
 *     source-provenance.md): a host that is a listed domain or a name under
 *     one. Content from an expired or transferred domain must be excluded
 *     from training (CTL-04): high. An untrusted host (a URL shortener, a
 *     paste site, dynamic DNS, a reserved name): medium, high when the
 *     record's data is scanned with the stricter setting. An IP-address
 *     origin has no domain whose ownership history could be checked: low.
 *   - Each text dataset the descriptor names (training data too): named by
 *     no record while the package keeps records, it is untracked (CTL-01,
 *     high, as the core reports an untracked image training set); named by
 *     one that does not say whether the source is public, internal, vendor
 *     or user-submitted, the text plugins cannot know to apply the stricter
 *     setting (CTL-14, low). Untrusted datasets are listed with the setting
 *     the text plugins used for them.
 * A package with neither provenance records nor text datasets gives this
 * plugin nothing to read: it is skipped. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "textreport.h"
#include "textrules.h"
#include "mgp.h"
#include "textutil.h"

#define PLUGIN "source-provenance"
#define HOST_MAX 256

static const char *const atlas[] = {"AML.T0020", "AML.T0019", "AML.T0010.002", NULL};
static const char *const mitigations[] = {"AML.M0025", "AML.M0007", NULL};
static const char *const controls[] = {"CTL-01", "CTL-04", "CTL-14", NULL};
static const char *const ctl01[] = {"CTL-01", NULL};
static const char *const ctl04[] = {"CTL-04", NULL};
static const char *const ctl04_14[] = {"CTL-04", "CTL-14", NULL};
static const char *const ctl14[] = {"CTL-14", NULL};

typedef struct run {
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  tr_list domains;
  char domains_note[600];
  json_t *records; /* the descriptor's provenance array (borrowed) */
  json_t *desc;
  size_t n_text; /* text datasets the descriptor names */
} run;

static const tr_entry *listed(const run *r, const char *host) {
  const tr_entry *best = NULL;
  size_t best_len = 0;
  for (size_t i = 0; i < r->domains.n; i++) {
    const char *name = tr_attr(&r->domains.entries[i], "name");
    if (name && tu_host_under(host, name) && strlen(name) > best_len) {
      best = &r->domains.entries[i]; /* the most specific entry wins */
      best_len = strlen(name);
    }
  }
  return best;
}

/* Whether the text dataset a record names is scanned with the stricter
 * setting (its source is public or user-submitted). */
static int record_untrusted(const json_t *rec) {
  const char *src = json_string_value(json_object_get(rec, "source"));
  return src && (!strcmp(src, "public") || !strcmp(src, "user-submitted"));
}

static int check_origin(run *r, size_t i, const json_t *rec, json_t *checked) {
  const char *origin = json_string_value(json_object_get(rec, "origin"));
  const char *path = json_string_value(json_object_get(rec, "path"));
  char host[HOST_MAX];
  if (!origin || tu_url_host(origin, host, sizeof host))
    return MG_OK; /* an internal id, not a URL: nothing to look up */
  char shown[300], title[900], msg[2000];
  tu_excerpt(origin, 200, shown);
  const tr_entry *e = listed(r, host);
  json_t *item =
      json_pack("{s:I, s:s, s:s}", "record", (json_int_t)i, "origin", shown, "host", host);
  json_array_append_new(checked, item);
  if (e) {
    const char *status = tr_attr(e, "status"), *reason = tr_attr(e, "reason");
    const char *since = tr_attr(e, "since");
    int gone = status && (!strcmp(status, "expired") || !strcmp(status, "transferred"));
    mg_severity sev = gone ? MG_SEV_HIGH : record_untrusted(rec) ? MG_SEV_HIGH : MG_SEV_MEDIUM;
    json_object_set_new(item, "listed", json_string(status ? status : ""));
    snprintf(title, sizeof title, "Data source %s is listed as %s (%s)", host,
             status ? status : "listed", tr_attr(e, "name"));
    snprintf(msg, sizeof msg,
             "provenance[%zu]%s%s%s comes from %s, whose host %s is listed in %s as %s: %s%s%s. "
             "%s",
             i, path ? " (" : "", path ? path : "", path ? ")" : "", shown, host,
             r->domains.path ? r->domains.path : "rules/domains.xml", status ? status : "listed",
             reason ? reason : "", since ? ", since " : "", since ? since : "",
             gone ? "Content from an expired or transferred domain is whoever holds it now's, "
                    "not the source that was meant: exclude it from training (CTL-04)."
                  : "Its content can change after collection or comes from anyone: verify the "
                    "data against what was meant to be collected before training.");
    json_t *ev = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s}", "record", (json_int_t)i, "origin",
                           shown, "host", host, "domain", tr_attr(e, "name"), "status",
                           status ? status : "", "reason", reason ? reason : "");
    if (path)
      json_object_set_new(ev, "path", json_string(path));
    if (since)
      json_object_set_new(ev, "since", json_string(since));
    return txr_emit_file(r->svc, r->ctx, sev, "listed-domain", path, title, msg,
                         sev == MG_SEV_HIGH && !gone ? ctl04_14 : ctl04, ev);
  }
  if (tu_host_is_ip(host)) {
    json_object_set_new(item, "listed", json_string("ip-address"));
    snprintf(title, sizeof title, "Data source is an IP address (%s)", host);
    snprintf(msg, sizeof msg,
             "provenance[%zu]%s%s%s comes from %s: an address has no domain whose ownership "
             "history could be checked (CTL-04), and whoever holds the address now serves it. "
             "Record the source by its domain, or attest how it was verified.",
             i, path ? " (" : "", path ? path : "", path ? ")" : "", shown);
    return txr_emit_file(
        r->svc, r->ctx, MG_SEV_LOW, "ip-origin", path, title, msg, ctl04,
        json_pack("{s:I, s:s, s:s}", "record", (json_int_t)i, "origin", shown, "host", host));
  }
  return MG_OK;
}

/* The record naming path, or NULL. */
static const json_t *record_of(const run *r, const char *path) {
  size_t i;
  json_t *rec;
  json_array_foreach(r->records, i, rec) {
    const char *p = json_string_value(json_object_get(rec, "path"));
    if (p && path && !strcmp(p, path))
      return rec;
  }
  return NULL;
}

/* The text datasets the descriptor names (a package without a descriptor
 * has no provenance records to hold them against). The host loads text
 * only for plugins that need it, and this one must run on packages without
 * text too, so it reads the descriptor's "text" block itself. */
static int check_text(run *r, json_t *sets) {
  json_t *text = json_object_get(r->desc, "text"), *spec;
  const char *name;
  int rc = MG_OK;
  json_object_foreach(text, name, spec) {
    if (rc)
      break;
    const char *path = json_string_value(json_object_get(spec, "path"));
    if (!path)
      continue;
    const json_t *rec = record_of(r, path);
    int untrusted = rec && record_untrusted(rec);
    json_t *ds = json_pack("{s:s, s:s, s:b, s:s}", "name", name, "path", path, "untrusted",
                           untrusted, "setting",
                           untrusted ? "stricter (the text plugins' untrusted setting: high at "
                                       "adjusted p <= 1e-3, medium 1e-2, low 5e-2)"
                                     : "default");
    json_array_append_new(sets, ds);
    if (!json_array_size(r->records))
      continue; /* no records at all: the core says CTL-01 is not evaluated */
    char title[700], msg[1500];
    if (!rec) {
      json_object_set_new(ds, "record", json_string("none"));
      snprintf(title, sizeof title, "Untracked training data: no provenance record names %.300s",
               path);
      snprintf(msg, sizeof msg,
               "The package records where its data came from, but no provenance record names "
               "the text dataset %.100s (%.300s): its origin, digest and collection time are not "
               "logged (CTL-01), and whether it came from a public source cannot be known "
               "(CTL-14). Add a record with its path, origin, sha256, collected and source.",
               name, path);
      rc = txr_emit_file(r->svc, r->ctx, MG_SEV_HIGH, "untracked-text", path, title, msg, ctl01,
                         json_pack("{s:s, s:s}", "dataset", name, "path", path));
      continue;
    }
    const char *src = json_string_value(json_object_get(rec, "source"));
    json_object_set_new(ds, "record", json_string(src ? src : "no source"));
    if (src)
      continue;
    snprintf(title, sizeof title, "Provenance of %.300s does not say whether its source is public",
             path);
    snprintf(msg, sizeof msg,
             "The provenance record of the text dataset %.100s (%.300s) has no \"source\" "
             "(public, user-submitted, vendor or internal): the text plugins scanned it with the "
             "default setting, where a public or user-submitted source gets the stricter one "
             "(CTL-14). Record the source.",
             name, path);
    rc = txr_emit_file(r->svc, r->ctx, MG_SEV_LOW, "source-unstated", path, title, msg, ctl14,
                       json_pack("{s:s, s:s}", "dataset", name, "path", path));
  }
  return rc;
}

static void load_domains(run *r) {
  char msg[500];
  if (tr_load(r->svc, r->ctx, "domains", &r->domains, msg, sizeof msg)) {
    r->svc->log(r->ctx, MG_LOG_ERROR, "%s: %s", PLUGIN, msg);
    snprintf(r->domains_note, sizeof r->domains_note, "not loaded: %s", msg);
    return;
  }
  snprintf(r->domains_note, sizeof r->domains_note, "%zu domains from %s", r->domains.n,
           r->domains.path);
}

static int sp_run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  run r;
  memset(&r, 0, sizeof r);
  r.svc = svc;
  r.ctx = ctx;
  const char *djson = svc->descriptor_json(ctx);
  json_error_t jerr;
  r.desc = djson ? json_loads(djson, 0, &jerr) : NULL;
  r.records = json_object_get(r.desc, "provenance");
  if (!json_is_array(r.records))
    r.records = NULL;
  r.n_text = json_object_size(json_object_get(r.desc, "text"));
  if (!json_array_size(r.records) && !r.n_text) {
    json_decref(r.desc);
    svc->log(ctx, MG_LOG_INFO, "no provenance records and no text datasets in the package (%s)",
             PLUGIN);
    return MG_ERR_NEEDS;
  }
  load_domains(&r);
  /* A rules file that cannot be read leaves the origins unchecked: that is
   * an error, not a pass. */
  int rc = r.domains.path ? MG_OK : MG_ERR_FORMAT;
  json_t *checked = json_array(), *sets = json_array();
  size_t i;
  json_t *rec;
  json_array_foreach(r.records, i, rec) {
    if (rc)
      break;
    rc = check_origin(&r, i, rec, checked);
  }
  if (!rc)
    rc = check_text(&r, sets);
  json_t *ev =
      json_pack("{s:o, s:o, s:I, s:s}", "origins", checked, "text_datasets", sets, "records",
                (json_int_t)json_array_size(r.records), "domains", r.domains_note);
  if (!rc)
    rc = txr_evidence(svc, ctx, "source_provenance", ev);
  else
    json_decref(ev);
  tr_free(&r.domains);
  json_decref(r.desc);
  return rc;
}

static const mg_plugin_option option_table[] = {
    {NULL, 0, 0, 0, 0, NULL},
};

static const mg_plugin descriptor = {
    MG_PLUGIN_HEADER,
    PLUGIN,
    "0.1.0",
    "data sources from untrusted, expired or transferred domains, and untracked text datasets",
    MG_NEED_FILES,
    atlas,
    mitigations,
    controls,
    NULL,
    sp_run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &descriptor;
}
