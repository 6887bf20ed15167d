/* TorchScript archives (pc_torchscript.h). torch.jit.save writes
 * ARCHIVE/data.pkl, ARCHIVE/constants.pkl, ARCHIVE/version and the source
 * under ARCHIVE/code/__torch__/...py (plus .debug_pkl). TorchScript is a
 * subset of Python, but what it calls is whatever operators the process
 * has: aten's from_file reads any file, RPC calls reach other hosts, and an
 * operator namespace other than aten/prim/quantized needs a native library
 * (torch.ops.load_library) the loading process provides. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mfplugin.h"
#include "pc_scan.h"
#include "pc_torchscript.h"
#include "zip_walk.h"

#define CVE_WEIGHTS_ONLY "CVE-2025-32434"
#define MAX_CLASSES 65536 /* more are left out: their imports stay unknown */
#define MAX_KEY 1024

typedef struct ts_walk {
  const mf_rules *rules;
  mf_list *out;
  mg_pc_ts_classes *classes;
  int constants, code, data_pkl, nomem;
  uint64_t sources;
} ts_walk;

static int ends(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && !memcmp(s + n - k, suffix, k);
}

/* "ARCHIVE/code/..." or "code/...": the archive's first directory is
 * free (torch names it after the file). Returns where "code/" starts, or
 * -1 when the member is not under it. */
static long code_at(const char *s, size_t n) {
  const char *slash = memchr(s, '/', n);
  if (n >= 5 && !memcmp(s, "code/", 5))
    return 0;
  if (slash && (size_t)(s + n - slash) > 6 && !memcmp(slash + 1, "code/", 5))
    return slash + 1 - s;
  return -1;
}

static int base_is(const char *s, size_t n, const char *base) {
  size_t k = strlen(base);
  return n >= k && !memcmp(s + n - k, base, k) && (n == k || s[n - k - 1] == '/');
}

static int ts_weights_name(const char *base) {
  static const char *const marks[] = {".bin",    ".pth",       ".ckpt",      ".safetensors",
                                      "weights", "state_dict", "checkpoint", NULL};
  for (const char *const *m = marks; *m; m++)
    if (strstr(base, *m))
      return 1;
  return 0;
}

typedef struct hit {
  ts_walk *w;
  const char *src;
  size_t n;
} hit;

static int on_rule(void *user, const mf_rule *r, size_t at) {
  hit *h = user;
  size_t from = at > 40 ? at - 40 : 0;
  size_t to = at + r->len + 40 < h->n ? at + r->len + 40 : h->n;
  char *ctx = mf_quote(h->src + from, to - from, 200);
  char construct[300];
  snprintf(construct, sizeof construct, "TorchScript code: '%s'", r->value);
  mf_add(h->w->out, (mg_severity)r->severity, r->cls == MF_DENY ? MF_CODE : MF_SUSPICIOUS,
         r->cls == MF_DENY ? "torchscript.denied-call" : "torchscript.review-call", r->cve,
         (int64_t)at, construct,
         "The TorchScript source calls '%s' (%s): \"%s\". It runs when "
         "the model is loaded with torch.jit.load and run.",
         r->value, r->why, ctx ? ctx : "?");
  free(ctx);
  return 0;
}

static int ident(char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

/* --- the classes the sources define ------------------------------------ */

static int add_class(ts_walk *w, const char *key) {
  mg_pc_ts_classes *c = w->classes;
  if (c->n == MAX_CLASSES)
    return 0;
  if (c->n == c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 64;
    char **g = realloc(c->keys, cap * sizeof *g);
    if (!g)
      return -1;
    c->keys = g;
    c->cap = cap;
  }
  if (!(c->keys[c->n] = strdup(key)))
    return -1;
  c->n++;
  return 0;
}

/* DIR/code/a/b.py holds module a.b (TorchScript's python printer writes a
 * file per qualifier); each line "class NAME(" or "class NAME:" at column
 * 0 defines a.b.NAME, recorded as "a.b.NAME\nDIR". */
static int collect_classes(ts_walk *w, const char *path, size_t n, long code, const char *src,
                           size_t len) {
  char module[MAX_KEY], key[MAX_KEY];
  size_t dir = (size_t)code, from = dir + 5, to = n - 3; /* "code/" ... ".py" */
  /* Only __torch__ modules are looked up; a directory a member path of
   * the scan could not name ("!/" joins containers) is left out. */
  if (to < from + 9 || memcmp(path + from, "__torch__", 9) ||
      (to > from + 9 && path[from + 9] != '/') || to - from + dir + 2 >= sizeof module ||
      memchr(path, '\0', dir) || memchr(path, '!', dir))
    return 0;
  size_t k = 0;
  for (size_t i = from; i < to; i++) {
    char ch = path[i] == '/' ? '.' : path[i];
    if (ch != '.' && !ident(ch))
      return 0; /* not a module a pickle can name */
    module[k++] = ch;
  }
  module[k] = '\0';
  for (size_t i = 0; i + 6 < len; i++) {
    if ((i && src[i - 1] != '\n') || memcmp(src + i, "class ", 6))
      continue;
    size_t j = i + 6, l = 0;
    while (j + l < len && ident(src[j + l]))
      l++;
    if (!l || j + l >= len || (src[j + l] != '(' && src[j + l] != ':'))
      continue;
    int kl = snprintf(key, sizeof key, "%s.%.*s\n%.*s", module, (int)l, src + j, (int)dir, path);
    if (kl > 0 && (size_t)kl < sizeof key && add_class(w, key))
      return -1;
  }
  return 0;
}

static int by_key(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Whether a key starts with want (the first at or after it in order). */
static int has_prefix(const mg_pc_ts_classes *c, const char *want) {
  size_t lo = 0, hi = c->n, l = strlen(want);
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (strcmp(c->keys[mid], want) < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo < c->n && !strncmp(c->keys[lo], want, l);
}

int mg_pc_ts_class_defined(const mg_pc_ts_classes *c, const char *member, const char *module,
                           const char *name) {
  if (!c || !c->n || !module || !name || strchr(name, '.') ||
      (strcmp(module, "__torch__") && strncmp(module, "__torch__.", 10)))
    return 0;
  char key[MAX_KEY];
  int l;
  if (!member) {
    /* The archive read as one pickle from its first byte: only Python reads
     * it so, and Python has no module __torch__ to import from. */
    l = snprintf(key, sizeof key, "%s.%s\n", module, name);
    return l > 0 && (size_t)l < sizeof key && has_prefix(c, key);
  }
  const char *slash = strrchr(member, '/');
  const char *base = slash ? slash + 1 : member;
  if (strstr(member, "!/") || (strcmp(base, "data.pkl") && strcmp(base, "constants.pkl")))
    return 0;
  l = snprintf(key, sizeof key, "%s.%s\n%.*s", module, name, (int)(base - member), member);
  const char *want = key;
  return l > 0 && (size_t)l < sizeof key &&
         bsearch(&want, c->keys, c->n, sizeof *c->keys, by_key) != NULL;
}

void mg_pc_ts_classes_free(mg_pc_ts_classes *c) {
  if (!c)
    return;
  for (size_t i = 0; i < c->n; i++)
    free(c->keys[i]);
  free(c->keys);
  memset(c, 0, sizeof *c);
}

/* Operator namespaces: "ops.NS.op(" with NS judged by the list as
 * "ops.NS" (aten, prim, quantized... allowed); every other namespace is a
 * custom operator whose native code is not in the file. */
static void check_namespaces(ts_walk *w, const char *s, size_t n) {
  char seen[16][64];
  size_t n_seen = 0;
  for (size_t i = 0; i + 4 < n; i++) {
    if (memcmp(s + i, "ops.", 4) || (i && (ident(s[i - 1]) && s[i - 1] != '.')))
      continue;
    if (i && s[i - 1] == '.' && !(i >= 6 && !memcmp(s + i - 6, "torch.", 6)))
      continue;
    size_t j = i + 4;
    while (j < n && ident(s[j]) && j - i - 4 < 60)
      j++;
    if (j == i + 4 || j >= n || s[j] != '.')
      continue;
    char ns[72];
    snprintf(ns, sizeof ns, "ops.%.*s", (int)(j - i - 4), s + i + 4);
    const mf_rule *r = w->rules ? mf_rules_classify(w->rules, ns, strlen(ns)) : NULL;
    if (r && r->cls == MF_ALLOW)
      continue;
    int dup = 0;
    for (size_t k = 0; k < n_seen; k++)
      dup |= !strcmp(seen[k], ns);
    if (dup)
      continue;
    if (n_seen < 16)
      snprintf(seen[n_seen++], sizeof seen[0], "%s", ns);
    char construct[200];
    snprintf(construct, sizeof construct, "TorchScript operator namespace '%s'", ns + 4);
    mf_add(w->out, r ? (mg_severity)r->severity : MG_SEV_MEDIUM,
           r && r->cls == MF_DENY ? MF_CODE : MF_SUSPICIOUS, "torchscript.custom-operator",
           r ? r->cve : NULL, (int64_t)i, construct,
           "The code calls operators of namespace '%s': native code registered by a library the "
           "loading process loads (torch.ops.load_library), not in this file.",
           ns + 4);
  }
}

static int on_member(void *user, const mg_zip_member *m) {
  ts_walk *w = user;
  const char *s = m->name;
  size_t n = m->name_len;
  if (base_is(s, n, "constants.pkl"))
    w->constants = 1;
  if (base_is(s, n, "data.pkl"))
    w->data_pkl = 1;
  long code = code_at(s, n);
  if (code >= 0 && ends(s, n, ".py")) {
    w->code = 1;
    w->sources++;
    if (m->data && m->data_len) {
      w->out->member = m->name;
      hit h = {w, (const char *)m->data, (size_t)m->data_len};
      if (w->rules)
        mf_rules_scan(w->rules, h.src, h.n, on_rule, &h);
      check_namespaces(w, h.src, h.n);
      w->out->member = NULL;
      if (w->classes && collect_classes(w, s, n, code, h.src, h.n))
        w->nomem = 1;
    }
  }
  return w->out->nomem || w->nomem;
}

int mg_pc_torchscript_check(const char *name, const uint8_t *data, size_t size,
                            uint64_t max_inflate, const mf_rules *rules, mf_list *out,
                            mg_pc_ts_classes *classes) {
  if (!mg_pc_zip_magic(data, size))
    return 0;
  ts_walk w = {rules, out, classes, 0, 0, 0, 0, 0};
  mg_zip_info zi;
  /* A first pass decides whether this is TorchScript before anything is
   * recorded: an ordinary checkpoint has data.pkl but no code/. */
  mf_list probe;
  mf_init(&probe, out->format);
  ts_walk pw = {NULL, &probe, NULL, 0, 0, 0, 0, 0};
  int rc = mg_zip_walk(data, size, 1, 1u << 20, on_member, &pw, &zi);
  mf_free(&probe);
  if (rc < 0)
    return -1;
  if (rc == 1 || !(pw.code && (pw.constants || pw.data_pkl)))
    return 0;
  rc = mg_zip_walk(data, size, max_inflate, 1u << 20, on_member, &w, &zi);
  if (rc < 0 || out->nomem || w.nomem)
    return -1;
  if (classes && classes->n)
    qsort(classes->keys, classes->n, sizeof *classes->keys, by_key);
  const char *base = strrchr(name, '/') ? strrchr(name, '/') + 1 : name;
  /* What torch.save writes is a weights file; a TorchScript archive under
   * such a name is what the weights_only bypass needs. */
  int weights = ts_weights_name(base);
  mf_add(out, weights ? MG_SEV_MEDIUM : MG_SEV_INFO, MF_CODE,
         weights ? "torchscript.weights-only-bypass" : "torchscript.archive",
         weights ? CVE_WEIGHTS_ONLY : NULL, -1, "TorchScript archive",
         "%s is a TorchScript archive (%llu code/ sources%s): loading it compiles and runs its "
         "code.%s",
         base, (unsigned long long)w.sources, w.constants ? ", constants.pkl" : "",
         weights ? " Its name says weights: torch.load(weights_only=True) of PyTorch 2.5.1 and "
                   "earlier passed TorchScript archives to torch.jit.load, so the weights-only "
                   "guarantee did not hold."
                 : "");
  return 1;
}

int mg_pc_torchscript_report(const mg_services *svc, mg_plugin_ctx *ctx, const char *artifact,
                             const uint8_t *data, size_t size, uint64_t max_inflate,
                             mf_rules **rules, mg_pc_ts_classes *classes) {
  mg_pc_ts_classes_free(classes);
  if (!mg_pc_zip_magic(data, size))
    return MG_OK;
  mf_list l;
  mf_init(&l, "TorchScript");
  int is = mg_pc_torchscript_check(artifact, data, size, max_inflate, *rules, &l, classes);
  if (is == 1 && !*rules) {
    /* First TorchScript archive of the run: load the list and read again. */
    int rc =
        mf_load_list(svc, ctx, "pickle-code", "torchscript-calls.xml", "torchscript-rules", rules);
    if (rc) {
      mf_free(&l);
      return rc;
    }
    mf_free(&l);
    mf_init(&l, "TorchScript");
    mg_pc_ts_classes_free(classes);
    is = mg_pc_torchscript_check(artifact, data, size, max_inflate, *rules, &l, classes);
  }
  int rc =
      is < 0 ? MG_ERR_NOMEM : mf_emit_list(svc, ctx, "pickle-code", "TorchScript", artifact, &l);
  mf_free(&l);
  return rc;
}
