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

typedef struct ts_walk {
  const mf_rules *rules;
  mf_list *out;
  int constants, code, data_pkl;
  uint64_t sources;
} ts_walk;

static int ends(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && !memcmp(s + n - k, suffix, k);
}

/* "ARCHIVE/code/..." or "code/...": the archive's first directory is
 * free (torch names it after the file). */
static int in_code(const char *s, size_t n) {
  const char *slash = memchr(s, '/', n);
  if (n >= 5 && !memcmp(s, "code/", 5))
    return 1;
  return slash && (size_t)(s + n - slash) > 6 && !memcmp(slash + 1, "code/", 5);
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
  if (in_code(s, n) && ends(s, n, ".py")) {
    w->code = 1;
    w->sources++;
    if (m->data && m->data_len) {
      w->out->member = m->name;
      hit h = {w, (const char *)m->data, (size_t)m->data_len};
      if (w->rules)
        mf_rules_scan(w->rules, h.src, h.n, on_rule, &h);
      check_namespaces(w, h.src, h.n);
      w->out->member = NULL;
    }
  }
  return w->out->nomem;
}

int mg_pc_torchscript_check(const char *name, const uint8_t *data, size_t size,
                            uint64_t max_inflate, const mf_rules *rules, mf_list *out) {
  if (!mg_pc_zip_magic(data, size))
    return 0;
  ts_walk w = {rules, out, 0, 0, 0, 0};
  mg_zip_info zi;
  /* A first pass decides whether this is TorchScript before anything is
   * recorded: an ordinary checkpoint has data.pkl but no code/. */
  mf_list probe;
  mf_init(&probe, out->format);
  ts_walk pw = {NULL, &probe, 0, 0, 0, 0};
  int rc = mg_zip_walk(data, size, 1, 1u << 20, on_member, &pw, &zi);
  mf_free(&probe);
  if (rc < 0)
    return -1;
  if (rc == 1 || !(pw.code && (pw.constants || pw.data_pkl)))
    return 0;
  rc = mg_zip_walk(data, size, max_inflate, 1u << 20, on_member, &w, &zi);
  if (rc < 0 || out->nomem)
    return -1;
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
                             mf_rules **rules) {
  if (!mg_pc_zip_magic(data, size))
    return MG_OK;
  mf_list l;
  mf_init(&l, "TorchScript");
  int is = mg_pc_torchscript_check(artifact, data, size, max_inflate, *rules, &l);
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
    is = mg_pc_torchscript_check(artifact, data, size, max_inflate, *rules, &l);
  }
  int rc =
      is < 0 ? MG_ERR_NOMEM : mf_emit_list(svc, ctx, "pickle-code", "TorchScript", artifact, &l);
  mf_free(&l);
  return rc;
}
