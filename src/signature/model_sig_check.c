/* See model_sig_check.h. The order is model_signing's verifier's: the
 * bundle, its signature, the statement, then the manifest against the
 * files. A signature that does not verify stops there: an unverified
 * manifest says nothing about the files. */
#include "config.h"

#include "model_sig_check.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "intake/single_file.h"
#include "model_sig.h"
#include "model_sig_verify.h"
#include "shared/printable.h"

static const char *const atlas[] = {"AML.T0010.003", NULL};
static const char *const mitigations[] = {"AML.M0013", "AML.M0014", NULL};

/* model_signing's verifier ignores these even when the manifest does not
 * list them (hashing.Config's ignore_git_paths). */
static const char *const git_paths[] = {".git", ".gitattributes", ".github", ".gitignore", NULL};

typedef struct file_key {
  const char *key; /* the path the signer saw */
  size_t index;    /* into the inventory */
} file_key;

typedef struct check_ctx {
  const mg_msig_config *cfg;
  const mg_msig_manifest *m;
  const mg_workspace *ws;
  mg_inventory *inv;
  mg_results *r;
  const char *controls[3];
  file_key *keys; /* depth-0 files by key, sorted */
  size_t n_keys;
  unsigned char *listed; /* per inventory file */
  size_t *shards_seen;   /* per inventory file (shards) */
  char *self;            /* the signature's own path inside a directory package */
  int single;            /* a package of one file: the resource "." is it */
  size_t problems, matched;
} check_ctx;

static int emit(check_ctx *x, const char *rule, const char *artifact, const char *title,
                const char *message, json_t *evidence) {
  x->problems++;
  return mg_results_add_core(x->r, MG_SEV_CRITICAL, rule, artifact, title, message, atlas,
                             mitigations, x->controls, evidence);
}

/* ---- reading the bundle ---------------------------------------------- */

static int slurp(const char *path, const mg_limits *lim, char **out, size_t *len, mg_err *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  uint64_t max = lim->value[MG_LIMIT_MODEL_SIGNATURE_BYTES];
  char *buf = NULL;
  size_t n = 0, cap = 0;
  int rc = MG_OK;
  for (;;) {
    if (n == cap) {
      uint64_t want = cap ? (uint64_t)cap * 2 : 65536;
      if (want > max + 1)
        want = max + 1;
      if (want <= cap || want > SIZE_MAX - 1) {
        rc = mg_limit_check(lim, MG_LIMIT_MODEL_SIGNATURE_BYTES, (uint64_t)n, path, err);
        if (!rc)
          rc = mg_fail(err, MG_ERR_NOMEM, "%s: too large to read", path);
        break;
      }
      char *grown = realloc(buf, (size_t)want + 1);
      if (!grown) {
        rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
        break;
      }
      buf = grown;
      cap = (size_t)want;
    }
    size_t k = fread(buf + n, 1, cap - n, fp);
    n += k;
    if (k == 0) {
      if (ferror(fp))
        rc = mg_fail(err, MG_ERR_IO, "%s: read error", path);
      break;
    }
    if ((rc = mg_limit_check(lim, MG_LIMIT_MODEL_SIGNATURE_BYTES, (uint64_t)n, path, err)))
      break;
  }
  fclose(fp);
  if (rc) {
    free(buf);
    return rc;
  }
  *out = buf;
  *len = n;
  return MG_OK;
}

static const char *problem_rule(mg_msig_problem p) {
  switch (p) {
  case MG_MSIG_PAYLOAD_TYPE:
  case MG_MSIG_STATEMENT_TYPE:
    return "model-signature.statement-type";
  case MG_MSIG_PREDICATE_TYPE:
    return "model-signature.predicate-type";
  case MG_MSIG_INCONSISTENT:
    return "model-signature.inconsistent";
  case MG_MSIG_UNSUPPORTED:
    return "model-signature.unsupported";
  default:
    return "model-signature.malformed";
  }
}

static const char *problem_title(mg_msig_problem p) {
  switch (p) {
  case MG_MSIG_PAYLOAD_TYPE:
  case MG_MSIG_STATEMENT_TYPE:
    return "The model signature does not sign an in-toto statement";
  case MG_MSIG_PREDICATE_TYPE:
    return "The model signature is not a model_signing v1.0 signature";
  case MG_MSIG_INCONSISTENT:
    return "The model signature's manifest is inconsistent";
  case MG_MSIG_UNSUPPORTED:
    return "The model signature uses a form modelgate does not verify";
  default:
    return "The model signature is malformed";
  }
}

static int bundle_problem(check_ctx *x, mg_msig_problem p, const char *why) {
  char msg[1400];
  snprintf(msg, sizeof msg, "%.600s: %.700s.", x->cfg->signature, why);
  return emit(x, problem_rule(p), NULL, problem_title(p), msg,
              json_pack("{s:s}", "signature", x->cfg->signature));
}

/* ---- the package's files --------------------------------------------- */

static int by_key(const void *a, const void *b) {
  return strcmp(((const file_key *)a)->key, ((const file_key *)b)->key);
}

static const mg_file *lookup(check_ctx *x, const char *name, size_t *index) {
  if (x->single && !strcmp(name, ".") && x->n_keys == 1) {
    *index = x->keys[0].index;
    return &x->inv->files[*index];
  }
  file_key probe = {name, 0};
  const file_key *hit = bsearch(&probe, x->keys, x->n_keys, sizeof *x->keys, by_key);
  if (!hit)
    return NULL;
  *index = hit->index;
  return &x->inv->files[hit->index];
}

/* Directory packages are signed as the directory the user gave; archives
 * as their contents below the single top-level directory, if any. */
static const char *key_of(const check_ctx *x, const mg_file *f) {
  return x->inv->is_directory && f->ws_path ? f->ws_path : f->path;
}

static int index_files(check_ctx *x) {
  x->keys = calloc(x->inv->count ? x->inv->count : 1, sizeof *x->keys);
  x->listed = calloc(x->inv->count ? x->inv->count : 1, 1);
  x->shards_seen = calloc(x->inv->count ? x->inv->count : 1, sizeof *x->shards_seen);
  if (!x->keys || !x->listed || !x->shards_seen)
    return MG_ERR_NOMEM;
  for (size_t i = 0; i < x->inv->count; i++) {
    const mg_file *f = &x->inv->files[i];
    if (f->depth || !key_of(x, f))
      continue; /* members are covered by their container's digest */
    x->keys[x->n_keys].key = key_of(x, f);
    x->keys[x->n_keys++].index = i;
  }
  qsort(x->keys, x->n_keys, sizeof *x->keys, by_key);
  x->single = !x->inv->is_directory && x->inv->source && mg_single_file_package(x->inv->source);
  return MG_OK;
}

/* The signature file inside a directory package is not part of what it
 * signs (model_signing's CLI ignores it the same way). */
static void find_self(check_ctx *x) {
  if (!x->inv->is_directory || !x->inv->source)
    return;
  char *sig = realpath(x->cfg->signature, NULL), *dir = realpath(x->inv->source, NULL);
  size_t n = dir ? strlen(dir) : 0;
  if (sig && dir && !strncmp(sig, dir, n) && sig[n] == '/')
    x->self = strdup(sig + n + 1);
  free(sig);
  free(dir);
}

/* Under an ignore path: the path itself or anything below it. Entries
 * that are absolute or climb out of the model cannot name a file in it. */
static int under(const char *path, const char *entry) {
  while (entry[0] == '.' && entry[1] == '/')
    entry += 2;
  size_t n = strlen(entry);
  while (n && entry[n - 1] == '/')
    n--;
  if (!n || entry[0] == '/' || (n == 1 && entry[0] == '.'))
    return 0;
  return !strncmp(path, entry, n) && (path[n] == '\0' || path[n] == '/');
}

static int ignored(const check_ctx *x, const char *path) {
  if (x->self && !strcmp(path, x->self))
    return 1;
  for (size_t i = 0; i < x->m->n_ignore; i++)
    if (under(path, x->m->ignore[i]))
      return 1;
  for (const char *const *g = git_paths; *g; g++)
    if (under(path, *g))
      return 1;
  return 0;
}

static void to_hex(const unsigned char *d, size_t n, char *hex) {
  for (size_t i = 0; i < n; i++)
    snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

static int missing(check_ctx *x, const char *name) {
  char shown[400], title[512], msg[1024];
  printable_ascii_into(shown, sizeof shown, name);
  snprintf(title, sizeof title, "Signed file %s is missing", shown);
  snprintf(msg, sizeof msg,
           "The model signature lists '%s', but the package has no such file: it was removed or "
           "renamed after signing.",
           shown);
  return emit(x, "model-signature.missing-file", shown, title, msg,
              json_pack("{s:s}", "signature", x->cfg->signature));
}

static int mismatch(check_ctx *x, const mg_file *f, const char *expected, const char *detail) {
  char title[512], msg[1400];
  snprintf(title, sizeof title, "%.300s differs from the signed model", f->path);
  snprintf(msg, sizeof msg,
           "The model signature records %s for '%.300s'%s; the package's file has SHA-256 %s: it "
           "was altered after signing.",
           expected, f->path, detail, f->sha256);
  return emit(x, "model-signature.digest-mismatch", f->path, title, msg,
              json_pack("{s:s, s:s, s:s}", "signature", x->cfg->signature, "expected", expected,
                        "sha256", f->sha256));
}

static int unlisted(check_ctx *x, const mg_file *f) {
  char title[512], msg[1024];
  snprintf(title, sizeof title, "%.300s is not covered by the model signature", f->path);
  snprintf(msg, sizeof msg,
           "'%.300s' is in the package but neither in the signed manifest nor under its "
           "ignore_paths: it was added after signing.",
           f->path);
  return emit(x, "model-signature.unlisted-file", f->path, title, msg,
              json_pack("{s:s, s:s}", "signature", x->cfg->signature, "sha256", f->sha256));
}

/* method "files": each resource is a whole file's SHA-256, which the
 * unpacker already computed. */
static int check_files(check_ctx *x) {
  int rc = MG_OK;
  for (size_t i = 0; !rc && i < x->m->n_res; i++) {
    const mg_msig_resource *res = &x->m->res[i];
    size_t idx;
    const mg_file *f = lookup(x, res->name, &idx);
    if (!f) {
      rc = missing(x, res->name);
      continue;
    }
    x->listed[idx] = 1;
    char hex[2 * 64 + 1];
    to_hex(res->digest, res->digest_len, hex);
    if (strcmp(hex, f->sha256)) {
      char expected[200];
      snprintf(expected, sizeof expected, "sha256 %s", hex);
      rc = mismatch(x, f, expected, "");
    } else
      x->matched++;
  }
  return rc;
}

/* SHA-256 of bytes [start, end) of a workspace file. */
static int hash_range(check_ctx *x, const mg_file *f, uint64_t start, uint64_t end,
                      unsigned char out[32], mg_err *err) {
  int fd;
  int rc = mg_workspace_open(x->ws, f->ws_path, &fd, err);
  if (rc)
    return rc;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  unsigned char *buf = malloc(1 << 16);
  unsigned int len = 0;
  if (!ctx || !buf || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (uint64_t at = start; !rc && at < end;) {
    size_t want = end - at < (1 << 16) ? (size_t)(end - at) : (size_t)1 << 16;
    ssize_t k = pread(fd, buf, want, (off_t)at);
    if (k <= 0)
      rc = mg_fail(err, MG_ERR_IO, "%s: read error", f->path);
    else if (EVP_DigestUpdate(ctx, buf, (size_t)k) != 1)
      rc = mg_fail(err, MG_ERR_CRYPTO, "SHA-256 failed");
    else
      at += (uint64_t)k;
  }
  if (!rc && (EVP_DigestFinal_ex(ctx, out, &len) != 1 || len != 32))
    rc = mg_fail(err, MG_ERR_CRYPTO, "SHA-256 failed");
  EVP_MD_CTX_free(ctx);
  free(buf);
  close(fd);
  return rc;
}

/* method "shards": each resource is a shard [start, end) of shard_size
 * bytes (the last one shorter) of a non-empty file. A file is intact when
 * each of its shards is listed, in place, with its digest. */
static int check_shards(check_ctx *x, mg_err *err) {
  const uint64_t size = x->m->shard_size;
  int rc = MG_OK;
  unsigned char *bad = calloc(x->inv->count ? x->inv->count : 1, 1);
  if (!bad)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (size_t i = 0; !rc && i < x->m->n_res; i++) {
    const mg_msig_resource *res = &x->m->res[i];
    size_t idx;
    const mg_file *f = lookup(x, res->path, &idx);
    if (!f) {
      /* One finding per missing file (its shards are listed together). */
      if (!i || strcmp(x->m->res[i - 1].path, res->path))
        rc = missing(x, res->path);
      continue;
    }
    x->listed[idx] = 1;
    x->shards_seen[idx]++;
    if (bad[idx])
      continue;
    char expected[300];
    if (res->start % size ||
        res->end != (res->start + size < f->size ? res->start + size : f->size)) {
      snprintf(expected, sizeof expected, "a shard %llu:%llu", (unsigned long long)res->start,
               (unsigned long long)res->end);
      bad[idx] = 1;
      char detail[120];
      snprintf(detail, sizeof detail, " that does not fit its %llu bytes",
               (unsigned long long)f->size);
      rc = mismatch(x, f, expected, detail);
      continue;
    }
    unsigned char got[32];
    if ((rc = hash_range(x, f, res->start, res->end, got, err)))
      break;
    if (memcmp(got, res->digest, 32)) {
      char hex[65];
      to_hex(res->digest, 32, hex);
      snprintf(expected, sizeof expected, "sha256 %s for bytes %llu to %llu", hex,
               (unsigned long long)res->start, (unsigned long long)res->end);
      bad[idx] = 1;
      rc = mismatch(x, f, expected, "");
    }
  }
  /* Every shard of a listed file must be there: a file that grew has more. */
  for (size_t i = 0; !rc && i < x->inv->count; i++) {
    const mg_file *f = &x->inv->files[i];
    if (!x->listed[i] || bad[i])
      continue;
    uint64_t want = (f->size + size - 1) / size;
    if (x->shards_seen[i] != want) {
      char expected[120];
      snprintf(expected, sizeof expected, "%zu shard(s)", x->shards_seen[i]);
      char detail[120];
      snprintf(detail, sizeof detail, " where its %llu bytes make %llu",
               (unsigned long long)f->size, (unsigned long long)want);
      rc = mismatch(x, f, expected, detail);
    } else
      x->matched++;
  }
  free(bad);
  return rc;
}

static int check_unlisted(check_ctx *x, int shards) {
  int rc = MG_OK;
  for (size_t k = 0; !rc && k < x->n_keys; k++) {
    size_t i = x->keys[k].index;
    const mg_file *f = &x->inv->files[i];
    if (x->listed[i] || ignored(x, x->keys[k].key))
      continue;
    if (x->single && x->m->n_res == 1 && !strcmp(x->m->res[0].name, "."))
      continue;
    if (shards && f->size == 0)
      continue; /* an empty file has no shards to sign */
    rc = unlisted(x, f);
  }
  return rc;
}

/* ---- the stage ------------------------------------------------------- */

static int verify(check_ctx *x, const mg_msig_bundle *b, int *trusted, mg_err *err) {
  mg_msig_verdict v = MG_MSIG_BAD_SIGNATURE;
  char why[1024] = "";
  int rc = x->cfg->key ? mg_msig_verify_key(b, x->cfg->key, &v, why, sizeof why, err)
                       : mg_msig_verify_cert(b, x->cfg->ca, &v, why, sizeof why, err);
  *trusted = !rc && v == MG_MSIG_VERIFIED;
  if (rc || *trusted)
    return rc;
  static const char *const rules[] = {[MG_MSIG_BAD_SIGNATURE] = "model-signature.invalid",
                                      [MG_MSIG_OTHER_KEY] = "model-signature.wrong-key",
                                      [MG_MSIG_BAD_CERTIFICATE] = "model-signature.certificate",
                                      [MG_MSIG_KEYLESS] = "model-signature.keyless"};
  static const char *const titles[] = {
      [MG_MSIG_BAD_SIGNATURE] = "The model signature does not verify",
      [MG_MSIG_OTHER_KEY] = "The model was signed with another key",
      [MG_MSIG_BAD_CERTIFICATE] = "The model signature's certificate is not trusted",
      [MG_MSIG_KEYLESS] = "Keyless Sigstore model signatures cannot be verified offline"};
  char msg[1400];
  snprintf(msg, sizeof msg, "%.300s: %.1000s.", x->cfg->signature, why);
  return emit(x, rules[v], NULL, titles[v], msg,
              json_pack("{s:s, s:s}", "signature", x->cfg->signature, "method",
                        x->cfg->key ? "key" : "certificate"));
}

/* Transparency-log entries are not verified offline: said, not faked. */
static int tlog_note(check_ctx *x, const mg_msig_bundle *b) {
  if (!b->n_tlog)
    return MG_OK;
  char msg[1024];
  snprintf(msg, sizeof msg,
           "%.300s carries %zu Rekor transparency-log entr%s; modelgate verified the signature "
           "with the given %s but did not verify the log inclusion (that needs the log's keys "
           "and, for a fresh check, the network).",
           x->cfg->signature, b->n_tlog, b->n_tlog == 1 ? "y" : "ies", x->cfg->key ? "key" : "CA");
  return mg_results_add_core(x->r, MG_SEV_INFO, "model-signature.tlog-not-verified", NULL,
                             "The model signature's transparency-log entries were not verified",
                             msg, atlas, mitigations, NULL, NULL);
}

static int run(check_ctx *x, const mg_limits *lim, const mg_evidence_map *ev, mg_err *err) {
  char *text = NULL;
  size_t len = 0;
  int rc = slurp(x->cfg->signature, lim, &text, &len, err);
  if (rc)
    return rc;
  mg_msig_bundle b;
  mg_msig_manifest m;
  memset(&m, 0, sizeof m);
  char why[1024] = "";
  int trusted = 0, verified_files = 0;
  mg_msig_problem p = mg_msig_bundle_parse(text, len, &b, why, sizeof why);
  free(text);
  if (p)
    rc = bundle_problem(x, p, why);
  else if (!(rc = verify(x, &b, &trusted, err)) && trusted) {
    rc = tlog_note(x, &b);
    if (!rc && strcmp(b.payload_type, MG_MSIG_IN_TOTO_JSON)) {
      char shown[200], msg[400];
      printable_ascii_into(shown, sizeof shown, b.payload_type);
      snprintf(msg, sizeof msg, "the DSSE payloadType is '%s', not '%s'", shown,
               MG_MSIG_IN_TOTO_JSON);
      rc = bundle_problem(x, MG_MSIG_PAYLOAD_TYPE, msg);
    } else if (!rc && (p = mg_msig_manifest_parse(b.payload, b.payload_len, &m, why, sizeof why)))
      rc = bundle_problem(x, p, why);
    else if (!rc) {
      x->m = &m;
      find_self(x);
      int shards = !strcmp(m.method, "shards");
      if (index_files(x))
        rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
      if (!rc)
        rc = shards ? check_shards(x, err) : check_files(x);
      if (!rc)
        rc = check_unlisted(x, shards);
      verified_files = 1;
    }
  }
  char note[1400];
  const char *how = x->cfg->key ? x->cfg->key : x->cfg->ca;
  if (!rc && verified_files) {
    /* Altered, missing and extra files are the findings above, which fail
     * the control unless a reviewer waives them; this is the tally. */
    snprintf(note, sizeof note,
             "model signature %.300s verified with %.300s (%s method, %s serialisation); %zu of "
             "%zu signed %s match",
             x->cfg->signature, how, x->cfg->key ? "key" : "certificate", m.method, x->matched,
             m.n_res, strcmp(m.method, "shards") ? "files" : "shards' files");
    rc = mg_evidence_fact(x->r, ev, MG_EV_MODEL_SIGNATURE, 1, note);
  } else if (!rc) {
    snprintf(note, sizeof note, "model signature %.300s not verified with %.300s",
             x->cfg->signature, how);
    rc = mg_evidence_fact(x->r, ev, MG_EV_MODEL_SIGNATURE, 0, note);
  }
  if (x->m)
    mg_msig_manifest_free(&m);
  mg_msig_bundle_free(&b);
  return rc;
}

int mg_msig_run(const mg_msig_config *cfg, const mg_limits *lim, const mg_evidence_map *ev,
                const mg_workspace *ws, mg_package *pkg, mg_results *r, mg_err *err) {
  check_ctx x;
  memset(&x, 0, sizeof x);
  x.cfg = cfg;
  x.ws = ws;
  x.inv = &pkg->inv;
  x.r = r;
  mg_evidence_cite(ev, MG_EV_MODEL_SIGNATURE, MG_EV_COUNT, x.controls);
  int rc = run(&x, lim, ev, err);
  free(x.keys);
  free(x.listed);
  free(x.shards_seen);
  free(x.self);
  if (rc && !err->code)
    rc = mg_fail(err, rc, "model signature check: out of memory");
  return rc;
}
