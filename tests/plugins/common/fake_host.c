/* The test host behind fake_host.h: a sink behind the real service table.
 * The directory is unpacked by the real intake into a real workspace, the
 * plugin runs in this process with the host's own mg_services and context,
 * and what the services send down the wire is read back through the host's
 * own collector (the same validation a plugin child's messages get) and
 * turned into JSON for the tests. Only onnx_audit can be overridden, with
 * canned reports, and the descriptor text can be set without a file. */
#include "config.h"

#include "fake_host.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/limit_table.h"
#include "host/host.h"
#include "host/plugin_child.h"
#include "host/plugin_collect.h"
#include "host/plugin_wire.h"
#include "intake/unpack.h"
#include "verdict/results.h"

struct fh_host {
  mg_host_env env; /* first: the audit override finds the host from ctx->env */
  mg_limits lim;
  mg_workspace ws;
  mg_package pkg;
  mg_host_config cfg;
  json_t *options; /* plugin options, made --set strings at run time */
  char **audits;   /* canned onnx_audit() JSON by inventory index */
  size_t n_audits;
  mg_results results;
  json_t *findings, *evidence, *logs;
};

fh_host *fh_open(const char *dir) {
  fh_host *h = calloc(1, sizeof *h);
  if (!h)
    return NULL;
  mg_limits_default(&h->lim);
  mg_package_init(&h->pkg);
  mg_results_init(&h->results, "scan");
  mg_host_config_default(&h->cfg);
  h->cfg.limits = &h->lim;
  h->options = json_object();
  h->findings = json_array();
  h->evidence = json_object();
  h->logs = json_array();
  h->ws.fd = -1;
  mg_err err;
  if (mg_workspace_create(&h->ws, NULL, &err) ||
      mg_unpack(dir, &h->ws, &h->lim, &h->pkg.inv, &err) || h->pkg.inv.n_refused) {
    fprintf(stderr, "fake host: %s: %s\n", dir, h->pkg.inv.n_refused ? "entries refused" : err.msg);
    fh_close(h);
    return NULL;
  }
  /* Roles as the package stage gives them, without resolving a descriptor. */
  mg_file *d = mg_inventory_find(&h->pkg.inv, MG_DESCRIPTOR_NAME);
  if (d)
    d->role = "descriptor";
  return h;
}

void fh_close(fh_host *h) {
  if (!h)
    return;
  for (size_t i = 0; i < h->n_audits; i++)
    free(h->audits[i]);
  free(h->audits);
  mg_results_free(&h->results);
  mg_package_free(&h->pkg);
  mg_workspace_destroy(&h->ws);
  json_decref(h->options);
  json_decref(h->findings);
  json_decref(h->evidence);
  json_decref(h->logs);
  free(h);
}

static mg_file *find(fh_host *h, const char *path, size_t *index) {
  for (size_t i = 0; i < h->pkg.inv.count; i++)
    if (!strcmp(h->pkg.inv.files[i].path, path)) {
      if (index)
        *index = i;
      return &h->pkg.inv.files[i];
    }
  return NULL;
}

void fh_set_option(fh_host *h, const char *key, const char *value) {
  if (!strcmp(key, "rules-dir"))
    json_object_set_new(h->options, "\x01rules-dir", json_string(value));
  else if (!strcmp(key, "strict"))
    h->cfg.strict = value && strcmp(value, "0");
  else
    json_object_set_new(h->options, key, json_string(value));
}

void fh_set_descriptor(fh_host *h, const char *json) {
  free(h->pkg.desc.text);
  h->pkg.desc.text = json ? strdup(json) : NULL;
}

void fh_set_audit(fh_host *h, const char *path, const char *json) {
  size_t i;
  if (!find(h, path, &i))
    return;
  if (i >= h->n_audits) {
    char **grown = realloc(h->audits, (i + 1) * sizeof *grown);
    if (!grown)
      abort();
    memset(grown + h->n_audits, 0, (i + 1 - h->n_audits) * sizeof *grown);
    h->audits = grown;
    h->n_audits = i + 1;
  }
  free(h->audits[i]);
  h->audits[i] = strdup(json);
}

void fh_set_note(fh_host *h, const char *path, const char *note) {
  mg_file *f = find(h, path, NULL);
  if (f)
    mg_file_set_note(f, note);
}

void fh_set_mode(fh_host *h, const char *path, unsigned mode) {
  mg_file *f = find(h, path, NULL);
  if (f)
    f->mode = mode;
}

void fh_add_member(fh_host *h, const char *container, const char *member, const char *note) {
  mg_file *m = mg_inventory_add(&h->pkg.inv);
  if (!m)
    abort();
  size_t l = strlen(container) + strlen(member) + 3;
  m->path = malloc(l);
  snprintf(m->path, l, "%s!/%s", container, member);
  m->container = strdup(container);
  m->depth = 1;
  if (note)
    mg_file_set_note(m, note);
}

json_t *fh_findings(fh_host *h) {
  return h->findings;
}

json_t *fh_evidence(fh_host *h) {
  return h->evidence;
}

json_t *fh_logs(fh_host *h) {
  return h->logs;
}

static int canned_audit(mg_plugin_ctx *ctx, size_t i, const char **json) {
  fh_host *h = (fh_host *)(void *)ctx->env;
  if (i >= h->pkg.inv.count)
    return MG_ERR_ARGS;
  if (i >= h->n_audits || !h->audits[i])
    return MG_ERR_NOT_FOUND;
  *json = h->audits[i];
  return MG_OK;
}

static json_t *strings(const mg_strlist *l) {
  json_t *a = json_array();
  for (size_t i = 0; i < l->count; i++)
    json_array_append_new(a, json_string(l->items[i]));
  return a;
}

static json_t *str_or_null(const char *s) {
  return s ? json_string(s) : json_null();
}

/* A collected finding in the shape the tests read; the rule without the
 * "<plugin>." the results give it. */
static json_t *finding_json(const mg_result_finding *f) {
  size_t pl = strlen(f->plugin);
  const char *rule =
      !strncmp(f->rule, f->plugin, pl) && f->rule[pl] == '.' ? f->rule + pl + 1 : f->rule;
  json_t *o = json_object();
  json_object_set_new(o, "plugin", json_string(f->plugin));
  json_object_set_new(o, "severity", json_string(mg_severity_name(f->severity)));
  json_object_set_new(o, "rule", json_string(rule));
  json_object_set_new(o, "title", json_string(f->title));
  json_object_set_new(o, "message", str_or_null(f->message));
  json_object_set_new(o, "artifact", str_or_null(f->artifact));
  json_object_set_new(o, "location", str_or_null(f->location));
  json_object_set_new(o, "atlas", strings(&f->atlas));
  json_object_set_new(o, "mitigations", strings(&f->mitigations));
  json_object_set_new(o, "controls", strings(&f->controls));
  json_object_set_new(o, "evidence", f->evidence ? json_incref(f->evidence) : json_object());
  return o;
}

/* Reads back what the services wrote to fd, through the host's collector. */
static const char *collect(fh_host *h, const mg_plugin *p, int fd) {
  mg_result_plugin *rp = mg_results_add_plugin(&h->results, p->name, p->version, p->description);
  if (!rp)
    return "out of memory";
  mg_collector c;
  memset(&c, 0, sizeof c);
  c.results = &h->results;
  c.plugin = rp;
  c.desc = p;
  c.env = &h->env;
  snprintf(c.progress_label, sizeof c.progress_label, "%s", p->name);
  mg_progress_begin(&c.progress, c.progress_label, 0, 0);
  size_t first = h->results.n_findings;
  mg_wire_reader rd;
  memset(&rd, 0, sizeof rd);
  rd.max_message = h->lim.value[MG_LIMIT_PLUGIN_MESSAGE_BYTES];
  const char *problem = NULL;
  lseek(fd, 0, SEEK_SET);
  while (!problem && !rd.broken && mg_wire_fill(&rd, fd) > 0) {
    uint8_t type;
    const uint8_t *payload;
    uint32_t len;
    while (!problem && mg_wire_next(&rd, &type, &payload, &len)) {
      if (type == MG_WIRE_LOG && len >= 1) {
        static const char *const names[] = {"error", "warn", "info", "debug"};
        char line[4200];
        snprintf(line, sizeof line, "%s: %.*s", names[payload[0] & 3], (int)(len - 1),
                 (const char *)payload + 1);
        json_array_append_new(h->logs, json_string(line));
        if (getenv("FH_VERBOSE"))
          fprintf(stderr, "%s\n", line);
      }
      problem = mg_collector_feed(&c, type, payload, len);
    }
  }
  if (rd.broken)
    problem = "sent a message over the wire's limit";
  mg_wire_free(&rd);
  mg_progress_end(&c.progress);
  for (size_t i = first; i < h->results.n_findings; i++)
    json_array_append_new(h->findings, finding_json(&h->results.findings[i]));
  json_object_update(h->evidence, rp->evidence);
  return problem;
}

int fh_run(fh_host *h, const mg_plugin *p) {
  if (!p || p->abi_major != MG_PLUGIN_ABI_MAJOR || p->struct_size < sizeof *p)
    return MG_ERR_ABI;
  /* The options as --set would give them. */
  json_t *rules_dir = json_object_get(h->options, "\x01rules-dir");
  h->cfg.rules_dir = json_string_value(rules_dir);
  size_t n_sets = json_object_size(h->options) + 1;
  char **sets = calloc(n_sets, sizeof *sets);
  const char *key;
  json_t *v;
  size_t k = 0;
  json_object_foreach(h->options, key, v) {
    if (v == rules_dir)
      continue;
    size_t l = strlen(p->name) + strlen(key) + strlen(json_string_value(v)) + 3;
    sets[k] = malloc(l);
    snprintf(sets[k++], l, "%s.%s=%s", p->name, key, json_string_value(v));
  }
  h->cfg.sets = (const char *const *)sets;
  mg_err err;
  mg_env_prepare(&h->env, &h->cfg, &h->pkg, &h->ws, 0, &err);

  mg_loaded_plugin lp = {.path = "(in process)", .handle = NULL, .desc = p};
  FILE *sink = tmpfile();
  struct mg_plugin_ctx ctx;
  int rc = mg_plugin_ctx_init(&ctx, &lp, &h->env, sink ? fileno(sink) : -1);
  mg_services svc = *mg_plugin_services();
  if (h->n_audits)
    svc.onnx_audit = canned_audit;
  void *state = NULL;
  if (!sink)
    rc = MG_ERR_IO;
  if (!rc && p->init)
    rc = p->init(&svc, &state);
  if (!rc) {
    rc = p->run(state, &svc, &ctx);
    if (p->fini)
      p->fini(state);
  }
  const char *problem = sink ? collect(h, p, ctx.fd) : NULL;
  if (problem) {
    fprintf(stderr, "fake host: %s %s\n", p->name, problem);
    rc = rc ? rc : MG_ERR_FORMAT;
  }
  mg_plugin_ctx_free(&ctx);
  if (sink)
    fclose(sink);
  mg_env_free(&h->env);
  for (size_t i = 0; i < k; i++)
    free(sets[i]);
  free(sets);
  h->cfg.sets = NULL;
  return rc;
}
