/* The model-format plugins' shared run loop (mfplugin.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "mfplugin.h"
#include "mgp.h"

const char *const mf_atlas_all[] = {"AML.T0011.000", "AML.T0010.003", "AML.T0018.002", "AML.T0076",
                                    NULL};
const char *const mf_mitigations_all[] = {"AML.M0016", "AML.M0011", "AML.M0014", NULL};
const char *const mf_controls_all[] = {"CTL-17", NULL};

static const char *const atlas_code[] = {"AML.T0011.000", "AML.T0018.002", "AML.T0010.003", NULL};
static const char *const atlas_malformed[] = {"AML.T0010.003", "AML.T0076", NULL};
static const char *const atlas_suspicious[] = {"AML.T0010.003", NULL};
static const char *const mitig_code[] = {"AML.M0016", "AML.M0011", NULL};
static const char *const mitig_verify[] = {"AML.M0014", "AML.M0016", NULL};

int mf_name_ends(const char *name, const char *suffix) {
  size_t n = strlen(name), s = strlen(suffix);
  return n >= s && !strcasecmp(name + n - s, suffix);
}

const char *mf_base(const char *path) {
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

typedef struct run {
  const mf_format *fmt;
  const mg_services *svc;
  mg_plugin_ctx *ctx;
  const mf_rules *rules;
  const char *container; /* depth-0 archive being walked */
  uint64_t files, members, issues, dropped, by_sev[5];
  int rc;
} run;

int mf_emit_list(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *format,
                 const char *artifact, const mf_list *l) {
  int rc = MG_OK;
  for (size_t i = 0; i < l->count && !rc; i++) {
    const mf_issue *it = &l->items[i];
    char title[700], msg[2600], loc[1200];
    snprintf(title, sizeof title, "%s: %s", format, it->construct);
    snprintf(msg, sizeof msg, "%s%s%s%s", it->message, it->cve ? " (the class of " : "",
             it->cve ? it->cve : "", it->cve ? ")" : "");
    loc[0] = '\0';
    if (it->member && it->offset >= 0)
      snprintf(loc, sizeof loc, "member %s, offset %lld", it->member, (long long)it->offset);
    else if (it->member)
      snprintf(loc, sizeof loc, "member %s", it->member);
    else if (it->offset >= 0)
      snprintf(loc, sizeof loc, "offset %lld", (long long)it->offset);
    /* The host prefixes the plugin's name: "gguf.tensor-range" is sent as
     * "tensor-range" and reported as the parser names it. */
    size_t pl = strlen(plugin);
    const char *rule =
        !strncmp(it->rule, plugin, pl) && it->rule[pl] == '.' ? it->rule + pl + 1 : it->rule;
    mg_finding f = mgp_finding(it->severity, rule, title, msg);
    f.artifact = artifact;
    f.location = loc[0] ? loc : NULL;
    f.atlas = it->kind == MF_CODE        ? atlas_code
              : it->kind == MF_MALFORMED ? atlas_malformed
                                         : atlas_suspicious;
    f.mitigations = it->kind == MF_CODE ? mitig_code : mitig_verify;
    f.controls = mf_controls_all;
    json_t *ev = json_pack("{s:s, s:s, s:s}", "format", format, "construct", it->construct, "kind",
                           it->kind == MF_CODE        ? "code"
                           : it->kind == MF_MALFORMED ? "malformed"
                                                      : "suspicious");
    if (ev && it->cve)
      json_object_set_new(ev, "cve", json_string(it->cve));
    if (ev && it->offset >= 0)
      json_object_set_new(ev, "offset", json_integer((json_int_t)it->offset));
    if (ev && it->member)
      json_object_set_new(ev, "member", json_string(it->member));
    rc = mgp_emit(svc, ctx, &f, ev, JSON_COMPACT | JSON_SORT_KEYS);
  }
  if (!rc && l->dropped) {
    char msg[600];
    snprintf(msg, sizeof msg,
             "%llu more problems of the %s parser in this file were counted but not listed.",
             (unsigned long long)l->dropped, format);
    mg_finding f =
        mgp_finding(MG_SEV_INFO, "format.more-problems", "More problems not listed", msg);
    f.artifact = artifact;
    f.controls = mf_controls_all;
    rc = mgp_emit(svc, ctx, &f, NULL, 0);
  }
  if (!rc && l->nomem)
    rc = MG_ERR_NOMEM;
  return rc;
}

static int emit_list(run *r, const char *artifact, const mf_list *l) {
  for (size_t i = 0; i < l->count; i++)
    if ((unsigned)l->items[i].severity <= MG_SEV_CRITICAL)
      r->by_sev[l->items[i].severity]++;
  r->issues += l->count;
  r->dropped += l->dropped;
  r->rc = mf_emit_list(r->svc, r->ctx, r->fmt->plugin, r->fmt->format, artifact, l);
  return r->rc;
}

typedef struct walk {
  run *r;
  mf_list *list;
  uint64_t seen;
} walk;

static int on_member(void *user, const char *member, const uint8_t *data, uint64_t size,
                     const char *note) {
  walk *w = user;
  (void)note;
  if (!w->r->fmt->wants(w->r->container, member, data, size))
    return 0;
  w->seen += !w->r->fmt->primary || w->r->fmt->primary(member);
  w->r->members++;
  w->list->member = member;
  w->r->fmt->scan(member, data, size, w->r->rules, w->list);
  w->list->member = NULL;
  return w->list->nomem;
}

int mf_load_list(const mg_services *svc, mg_plugin_ctx *ctx, const char *plugin, const char *file,
                 const char *option, mf_rules **out) {
  const char *dir = svc->option(ctx, "rules-dir");
  const char *over = svc->option(ctx, option);
  char path[4096], schema[4096], msg[1024];
  if (!dir)
    dir = ".";
  if (over)
    snprintf(path, sizeof path, "%s", over);
  else
    snprintf(path, sizeof path, "%s/%s", dir, file);
  snprintf(schema, sizeof schema, "%s/format-list.rng", dir);
  int rc = mf_rules_load(path, schema, out, msg, sizeof msg);
  if (rc)
    svc->log(ctx, MG_LOG_ERROR, "%s: %s", plugin, msg);
  return rc;
}

static int load_rules(run *r, mf_rules **rules) {
  *rules = NULL;
  if (!r->fmt->list_file)
    return MG_OK;
  return mf_load_list(r->svc, r->ctx, r->fmt->plugin, r->fmt->list_file, "rules", rules);
}

int mf_plugin_run(const mf_format *fmt, const mg_services *svc, mg_plugin_ctx *ctx) {
  run r;
  memset(&r, 0, sizeof r);
  r.fmt = fmt;
  r.svc = svc;
  r.ctx = ctx;
  mf_rules *rules = NULL;
  int rc = load_rules(&r, &rules);
  if (rc)
    return rc;
  r.rules = rules;
  size_t n = svc->file_count(ctx);
  for (size_t i = 0; i < n && !r.rc; i++) {
    mg_file_info fi;
    memset(&fi, 0, sizeof fi);
    fi.struct_size = sizeof fi;
    if (svc->file_info(ctx, i, &fi) || !fi.path || fi.depth)
      continue;
    svc->progress(ctx, fmt->plugin, i, n);
    const uint8_t *data = NULL;
    uint64_t size = 0;
    if (svc->file_map(ctx, i, &data, &size)) {
      data = NULL;
      size = 0;
    }
    int wanted = fmt->wants(NULL, fi.path, data, size);
    mf_list l;
    mf_init(&l, fmt->format);
    if (wanted && (!fi.is_archive || !fmt->archive_done)) {
      r.files++;
      if (!data && fi.size)
        mf_add(&l, MG_SEV_MEDIUM, MF_MALFORMED, "format.not-inspected", NULL, -1, fi.path,
               "%s could not be read, so it was not inspected.", fi.path);
      else
        fmt->scan(fi.path, data ? data : (const uint8_t *)"", size, rules, &l);
    }
    if (data)
      svc->file_unmap(ctx, i);
    if (fi.is_archive) {
      /* Members of every depth-0 archive: a model file inside a .nemo, a
       * .tar.gz package's nested archive, the config.json of a .keras. */
      walk w = {&r, &l, 0};
      r.container = fi.path;
      int wr = svc->archive_walk(ctx, i, on_member, &w);
      r.container = NULL;
      if (wr == MG_ERR_NOMEM)
        r.rc = wr;
      if (wanted && fmt->archive_done) {
        r.files++;
        fmt->archive_done(fi.path, w.seen, &l);
      }
    }
    if (!r.rc)
      emit_list(&r, fi.path, &l);
    mf_free(&l);
  }
  char key[128];
  snprintf(key, sizeof key, "%s", fmt->plugin);
  for (char *c = key; *c; c++)
    if (*c == '-')
      *c = '_';
  json_t *ev = json_pack("{s:{s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I}}}", key, "files",
                         (json_int_t)r.files, "members", (json_int_t)r.members, "problems",
                         (json_int_t)r.issues, "not_listed", (json_int_t)r.dropped, "by_severity",
                         "info", (json_int_t)r.by_sev[0], "low", (json_int_t)r.by_sev[1], "medium",
                         (json_int_t)r.by_sev[2], "high", (json_int_t)r.by_sev[3], "critical",
                         (json_int_t)r.by_sev[4]);
  if (ev && rules)
    json_object_set_new(json_object_get(ev, key), "rules", json_integer((json_int_t)rules->n));
  if (ev) {
    char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
    if (s)
      svc->evidence(ctx, s);
    free(s);
    json_decref(ev);
  }
  mf_rules_free(rules);
  return r.rc;
}
