/* mg-texthost: a stand-in host for the text plugins' tests. It loads a
 * plugin, serves JSON Lines files as text datasets through the public
 * mg_services table (fields mapped as TEXT-ABI.md says: text/sentence/
 * content, label, instruction, input, output/response, messages or
 * conversations as chat turns, prompt, chosen, rejected, annotator/
 * worker_id/rater), runs it, and prints what it reported as one JSON
 * object: {status, rc, findings: [{rule, severity, title, message, label,
 * dataset, indices, score, controls, evidence}], evidence, logs}. It lets
 * the plugins' statistics be tested on in-memory rows apart from the real
 * host's intake; the end-to-end tests use modelgate itself.
 *
 *   mg-texthost PLUGIN.so FILE.jsonl [--name NAME] [--untrusted]
 *       [--set KEY=VALUE]... [--rules DIR] [--descriptor FILE] [--seed N] */
#include "config.h"

#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <modelgate/plugin.h>

typedef struct row {
  int bad;
  char *f[9]; /* text label instruction input output prompt chosen rejected annotator */
} row;

struct mg_plugin_ctx {
  row *rows;
  size_t n;
  const char *name, *path;
  int untrusted;
  uint32_t fields;
  mg_text_kind kind;
  char **keys, **values;
  size_t n_opts;
  char *descriptor;
  uint64_t seed;
  json_t *findings, *evidence, *logs;
};

static char *scalar(json_t *v) {
  if (json_is_string(v))
    return strdup(json_string_value(v));
  if (json_is_number(v) || json_is_boolean(v))
    return json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);
  return NULL;
}

static char *field(json_t *o, const char *const *names) {
  for (; *names; names++) {
    json_t *v = json_object_get(o, *names);
    if (v && !json_is_null(v))
      return scalar(v);
  }
  return NULL;
}

static char *cat(char *a, const char *b) {
  size_t la = a ? strlen(a) : 0, lb = strlen(b);
  char *c = realloc(a, la + lb + 2);
  if (!c)
    return a;
  if (la)
    c[la++] = '\n';
  memcpy(c + la, b, lb + 1);
  return c;
}

static void chat(json_t *turns, row *r) {
  size_t last = (size_t)-1, i;
  json_t *t;
  json_array_foreach(turns, i, t) {
    const char *role = json_string_value(json_object_get(t, "role"));
    if (!role)
      role = json_string_value(json_object_get(t, "from"));
    if (role && (!strcmp(role, "assistant") || !strcmp(role, "gpt") || !strcmp(role, "bot")))
      last = i;
  }
  json_array_foreach(turns, i, t) {
    json_t *c = json_object_get(t, "content");
    if (!c)
      c = json_object_get(t, "value");
    const char *s = json_string_value(c);
    if (!s)
      continue;
    if (i < last || last == (size_t)-1)
      r->f[2] = cat(r->f[2], s);
    else if (i == last)
      r->f[4] = strdup(s);
  }
}

static const char *const F_TEXT[] = {"text", "sentence", "content", NULL};
static const char *const F_LABEL[] = {"label", NULL};
static const char *const F_INSTR[] = {"instruction", NULL};
static const char *const F_INPUT[] = {"input", NULL};
static const char *const F_OUTPUT[] = {"output", "response", NULL};
static const char *const F_PROMPT[] = {"prompt", NULL};
static const char *const F_CHOSEN[] = {"chosen", NULL};
static const char *const F_REJECTED[] = {"rejected", NULL};
static const char *const F_ANN[] = {"annotator", "worker_id", "rater", NULL};

static int load(mg_plugin_ctx *c, const char *path) {
  FILE *f = fopen(path, "r");
  if (!f)
    return -1;
  char *line = NULL;
  size_t cap = 0, rcap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) >= 0) {
    if (len <= 1 && (len == 0 || line[0] == '\n'))
      continue;
    if (c->n == rcap) {
      rcap = rcap ? rcap * 2 : 1024;
      c->rows = realloc(c->rows, rcap * sizeof *c->rows);
    }
    row *r = &c->rows[c->n++];
    memset(r, 0, sizeof *r);
    json_t *o = json_loads(line, 0, NULL);
    if (!json_is_object(o)) {
      r->bad = 1;
      json_decref(o);
      continue;
    }
    const char *const *names[] = {F_TEXT,   F_LABEL,  F_INSTR,    F_INPUT, F_OUTPUT,
                                  F_PROMPT, F_CHOSEN, F_REJECTED, F_ANN};
    for (int k = 0; k < 9; k++)
      r->f[k] = field(o, names[k]);
    json_t *turns = json_object_get(o, "messages");
    if (!turns)
      turns = json_object_get(o, "conversations");
    if (json_is_array(turns))
      chat(turns, r);
    for (int k = 0; k < 9; k++)
      if (r->f[k])
        c->fields |= 1u << k;
    json_decref(o);
  }
  free(line);
  fclose(f);
  if (c->fields & MG_TEXT_FIELD_PROMPT)
    c->kind = MG_TEXT_PREFERENCE;
  else if (c->fields & (MG_TEXT_FIELD_INSTRUCTION | MG_TEXT_FIELD_OUTPUT))
    c->kind = MG_TEXT_INSTRUCTION;
  else if (c->fields & MG_TEXT_FIELD_LABEL)
    c->kind = MG_TEXT_CLASSIFICATION;
  return 0;
}

static void s_log(mg_plugin_ctx *c, mg_log_level lvl, const char *fmt, ...) {
  char buf[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  static const char *const names[] = {"error", "warning", "info", "debug"};
  json_array_append_new(c->logs, json_sprintf("%s: %s", names[lvl & 3], buf));
}

static void s_progress(mg_plugin_ctx *c, const char *stage, uint64_t done, uint64_t total) {
  (void)c;
  (void)stage;
  (void)done;
  (void)total;
}

static json_t *list(const char *const *l) {
  json_t *a = json_array();
  for (; l && *l; l++)
    json_array_append_new(a, json_string(*l));
  return a;
}

static const mg_plugin *plugin;

static int s_emit(mg_plugin_ctx *c, const mg_finding *f) {
  if (!f->rule || !f->title || (unsigned)f->severity > MG_SEV_CRITICAL)
    return MG_ERR_ARGS;
  json_t *idx = json_array();
  for (size_t i = 0; i < f->n_indices; i++) {
    if (f->indices[i] >= c->n)
      return MG_ERR_ARGS; /* as the host: indices inside the dataset */
    json_array_append_new(idx, json_integer((json_int_t)f->indices[i]));
  }
  json_t *ev = f->evidence_json ? json_loads(f->evidence_json, 0, NULL) : json_object();
  if (!json_is_object(ev))
    return MG_ERR_ARGS;
  json_array_append_new(
      c->findings,
      json_pack("{s:s, s:s, s:s, s:s, s:s?, s:i, s:s?, s:o, s:f, s:o, s:o, s:o}", "plugin",
                plugin->name, "rule", f->rule, "severity", mg_severity_name(f->severity), "title",
                f->title, "message", f->message, "label", (int)f->label, "dataset", f->dataset,
                "indices", idx, "score", isfinite(f->score) ? f->score : -1.0, "controls",
                list(f->controls ? f->controls : plugin->controls), "atlas",
                list(f->atlas ? f->atlas : plugin->atlas), "evidence", ev));
  return MG_OK;
}

static int s_evidence(mg_plugin_ctx *c, const char *json) {
  json_t *o = json_loads(json, 0, NULL);
  if (!json_is_object(o))
    return MG_ERR_ARGS;
  json_object_update(c->evidence, o);
  json_decref(o);
  return MG_OK;
}

static const char *s_option(mg_plugin_ctx *c, const char *key) {
  for (size_t i = c->n_opts; i-- > 0;)
    if (!strcmp(c->keys[i], key))
      return c->values[i];
  return NULL;
}

static uint64_t s_seed(mg_plugin_ctx *c) {
  return c->seed;
}

static const char *s_descriptor(mg_plugin_ctx *c) {
  return c->descriptor;
}

static size_t s_text_count(mg_plugin_ctx *c) {
  (void)c;
  return 1;
}

static int s_text_info(mg_plugin_ctx *c, size_t index, mg_text_info *info) {
  if (index != 0 || info->struct_size < sizeof *info)
    return MG_ERR_NOT_FOUND;
  size_t bad = 0;
  for (size_t i = 0; i < c->n; i++)
    bad += c->rows[i].bad;
  *info = (mg_text_info){sizeof *info,           c->name,  c->path, "jsonl", c->kind, c->n, bad,
                         (uint32_t)c->untrusted, c->fields};
  return MG_OK;
}

static int s_text_read(mg_plugin_ctx *c, size_t index, uint64_t first, uint64_t count,
                       mg_text_row *rows) {
  if (index != 0 || first > c->n || count > c->n - first)
    return MG_ERR_ARGS;
  size_t stride = count ? rows[0].struct_size : sizeof *rows;
  if (stride < sizeof *rows)
    return MG_ERR_ARGS;
  for (uint64_t i = 0; i < count; i++) {
    mg_text_row *o = (mg_text_row *)((char *)rows + i * stride);
    const row *r = &c->rows[first + i];
    memset(o, 0, sizeof *o);
    o->struct_size = stride;
    o->index = first + i;
    o->bad = (uint32_t)r->bad;
    o->text = r->f[0];
    o->label = r->f[1];
    o->instruction = r->f[2];
    o->input = r->f[3];
    o->output = r->f[4];
    o->prompt = r->f[5];
    o->chosen = r->f[6];
    o->rejected = r->f[7];
    o->annotator = r->f[8];
  }
  return MG_OK;
}

static char *slurp(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
    free(s);
    s = NULL;
  }
  if (s)
    s[n] = '\0';
  fclose(f);
  return s;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: mg-texthost PLUGIN.so FILE.jsonl [options]\n");
    return 2;
  }
  mg_plugin_ctx c;
  memset(&c, 0, sizeof c);
  c.name = "train";
  c.path = argv[2];
  c.findings = json_array();
  c.evidence = json_object();
  c.logs = json_array();
  c.keys = calloc((size_t)argc, sizeof *c.keys);
  c.values = calloc((size_t)argc, sizeof *c.values);
  for (int i = 3; i < argc; i++) {
    if (!strcmp(argv[i], "--name") && i + 1 < argc) {
      c.name = argv[++i];
    } else if (!strcmp(argv[i], "--untrusted")) {
      c.untrusted = 1;
    } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
      c.seed = strtoull(argv[++i], NULL, 10);
    } else if (!strcmp(argv[i], "--descriptor") && i + 1 < argc) {
      c.descriptor = slurp(argv[++i]);
    } else if ((!strcmp(argv[i], "--set") || !strcmp(argv[i], "--rules")) && i + 1 < argc) {
      int rules = !strcmp(argv[i], "--rules");
      char *kv = argv[++i], *eq = strchr(kv, '=');
      if (rules) {
        c.keys[c.n_opts] = "rules-dir";
        c.values[c.n_opts++] = kv;
      } else if (eq) {
        *eq = '\0';
        c.keys[c.n_opts] = kv;
        c.values[c.n_opts++] = eq + 1;
      }
    } else {
      fprintf(stderr, "mg-texthost: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (load(&c, argv[2])) {
    fprintf(stderr, "mg-texthost: cannot read %s\n", argv[2]);
    return 2;
  }
  void *h = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
  mg_plugin_entry_fn entry = h ? (mg_plugin_entry_fn)dlsym(h, MG_PLUGIN_ENTRY_SYMBOL) : NULL;
  if (!entry) {
    fprintf(stderr, "mg-texthost: cannot load %s: %s\n", argv[1], dlerror());
    return 2;
  }
  plugin = entry();
  mg_services svc;
  memset(&svc, 0, sizeof svc);
  svc.abi_major = MG_PLUGIN_ABI_MAJOR;
  svc.abi_minor = MG_PLUGIN_ABI_MINOR;
  svc.struct_size = sizeof svc;
  svc.log = s_log;
  svc.progress = s_progress;
  svc.emit = s_emit;
  svc.evidence = s_evidence;
  svc.option = s_option;
  svc.seed = s_seed;
  svc.descriptor_json = s_descriptor;
  svc.text_count = s_text_count;
  svc.text_info = s_text_info;
  svc.text_read = s_text_read;
  void *state = NULL;
  int rc = plugin->init ? plugin->init(&svc, &state) : MG_OK;
  if (!rc)
    rc = plugin->run(state, &svc, &c);
  if (plugin->fini)
    plugin->fini(state);
  json_t *out = json_pack("{s:s, s:i, s:O, s:O, s:O}", "status", rc ? "error" : "ok", "rc", rc,
                          "findings", c.findings, "evidence", c.evidence, "logs", c.logs);
  json_dumpf(out, stdout, JSON_INDENT(1));
  fputc('\n', stdout);
  json_decref(out);
  json_decref(c.findings);
  json_decref(c.evidence);
  json_decref(c.logs);
  for (size_t i = 0; i < c.n; i++)
    for (int k = 0; k < 9; k++)
      free(c.rows[i].f[k]);
  free(c.rows);
  free(c.keys);
  free(c.values);
  free(c.descriptor);
  dlclose(h);
  return 0;
}
