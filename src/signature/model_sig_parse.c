/* Parsers for the Sigstore bundle of an OpenSSF model signature and the
 * in-toto statement it signs (model_signing v1.0, as written by
 * sigstore/model-transparency's signing.Payload and sign_ec_key.Signer).
 * Every field is type-checked; a missing or mistyped one is a one-line
 * reason, never a crash. JSON by jansson, base64 by OpenSSL. */
#include "config.h"

#include "model_sig.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/evp.h>

#include "shared/printable.h"

/* Digests in a signed manifest are at most SHA-512 sized. */
#define MAX_DIGEST 64

static mg_msig_problem say(char *why, size_t n, mg_msig_problem p, const char *fmt, ...)
    MG_FMT(4, 5);
static mg_msig_problem say(char *why, size_t n, mg_msig_problem p, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(why, n, fmt, ap);
  va_end(ap);
  return p;
}

unsigned char *mg_msig_base64(const char *s, size_t *out_len) {
  size_t n = strlen(s);
  if (n > (SIZE_MAX - 4) / 3 || n > INT32_MAX - 4)
    return NULL;
  /* EVP_DecodeBlock wants the standard alphabet in whole quanta. */
  char *std = malloc(n + 4);
  unsigned char *out = malloc(n / 4 * 3 + 3);
  if (!std || !out) {
    free(std);
    free(out);
    return NULL;
  }
  size_t pad = 0, k = 0;
  for (size_t i = 0; i < n; i++) {
    char c = s[i];
    if (c == '=') { /* only at the end, at most two */
      if (++pad > 2)
        goto bad;
      continue;
    }
    if (pad)
      goto bad;
    if (c == '-')
      c = '+';
    else if (c == '_')
      c = '/';
    else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/'))
      goto bad;
    std[k++] = c;
  }
  if (k % 4 == 1)
    goto bad;
  size_t fill = (4 - k % 4) % 4;
  for (size_t i = 0; i < fill; i++)
    std[k++] = '=';
  std[k] = '\0';
  int got = k ? EVP_DecodeBlock(out, (const unsigned char *)std, (int)k) : 0;
  if (got < 0 || (size_t)got < fill)
    goto bad;
  free(std);
  *out_len = (size_t)got - fill;
  return out;
bad:
  free(std);
  free(out);
  return NULL;
}

static const char *str_at(json_t *obj, const char *key) {
  json_t *v = json_object_get(obj, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* A printable, bounded rendering of untrusted text for a message. */
static void shown(char *dst, size_t n, const char *s) {
  printable_ascii_into(dst, n, s);
}

static int hex_decode(const char *s, unsigned char *out, size_t max, size_t *len) {
  size_t n = strlen(s);
  if (!n || n % 2 || n / 2 > max)
    return -1;
  for (size_t i = 0; i < n; i += 2) {
    unsigned v = 0;
    for (int j = 0; j < 2; j++) {
      char c = s[i + (size_t)j];
      unsigned d = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                   : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                   : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                          : 16u;
      if (d > 15)
        return -1;
      v = v * 16 + d;
    }
    out[i / 2] = (unsigned char)v;
  }
  *len = n / 2;
  return 0;
}

/* ---- the bundle ------------------------------------------------------ */

static mg_msig_problem decode_field(const char *b64, const char *what, unsigned char **out,
                                    size_t *len, char *why, size_t n) {
  *out = mg_msig_base64(b64, len);
  if (!*out)
    return say(why, n, MG_MSIG_MALFORMED, "%s is not valid base64", what);
  return MG_MSIG_OK;
}

static mg_msig_problem add_cert(mg_msig_bundle *b, json_t *c, char *why, size_t n) {
  const char *raw = str_at(c, "rawBytes");
  if (!raw)
    return say(why, n, MG_MSIG_MALFORMED, "a certificate has no rawBytes string");
  unsigned char **certs = realloc(b->certs, (b->n_certs + 1) * sizeof *certs);
  if (!certs)
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  b->certs = certs;
  size_t *lens = realloc(b->cert_len, (b->n_certs + 1) * sizeof *lens);
  if (!lens)
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  b->cert_len = lens;
  mg_msig_problem p = decode_field(raw, "a certificate's rawBytes", &b->certs[b->n_certs],
                                   &b->cert_len[b->n_certs], why, n);
  if (!p)
    b->n_certs++;
  return p;
}

static mg_msig_problem read_material(mg_msig_bundle *b, json_t *vm, char *why, size_t n) {
  if (!json_is_object(vm))
    return say(why, n, MG_MSIG_MALFORMED, "verificationMaterial is missing or not an object");
  json_t *pk = json_object_get(vm, "publicKey");
  if (pk && !json_is_object(pk))
    return say(why, n, MG_MSIG_MALFORMED, "verificationMaterial.publicKey is not an object");
  const char *hint = pk ? str_at(pk, "hint") : NULL;
  if (hint && !(b->key_hint = strdup(hint)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  json_t *chain = json_object_get(vm, "x509CertificateChain");
  json_t *one = json_object_get(vm, "certificate");
  if (chain) {
    json_t *certs = json_object_get(chain, "certificates");
    if (!json_is_array(certs) || !json_array_size(certs))
      return say(why, n, MG_MSIG_MALFORMED,
                 "x509CertificateChain.certificates is not a non-empty array");
    size_t i;
    json_t *c;
    json_array_foreach(certs, i, c) {
      mg_msig_problem p = add_cert(b, c, why, n);
      if (p)
        return p;
    }
  } else if (one) {
    mg_msig_problem p = add_cert(b, one, why, n);
    if (p)
      return p;
  }
  json_t *tlog = json_object_get(vm, "tlogEntries");
  if (tlog && !json_is_array(tlog))
    return say(why, n, MG_MSIG_MALFORMED, "verificationMaterial.tlogEntries is not an array");
  b->n_tlog = tlog ? json_array_size(tlog) : 0;
  return MG_MSIG_OK;
}

static mg_msig_problem read_envelope(mg_msig_bundle *b, json_t *env, char *why, size_t n) {
  if (!json_is_object(env))
    return say(why, n, MG_MSIG_MALFORMED,
               "no dsseEnvelope object (a message-signature bundle is not a model signature)");
  const char *payload = str_at(env, "payload"), *type = str_at(env, "payloadType");
  if (!payload || !type)
    return say(why, n, MG_MSIG_MALFORMED, "dsseEnvelope lacks payload or payloadType strings");
  if (!(b->payload_type = strdup(type)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  mg_msig_problem p =
      decode_field(payload, "dsseEnvelope.payload", &b->payload, &b->payload_len, why, n);
  if (p)
    return p;
  json_t *sigs = json_object_get(env, "signatures");
  if (!json_is_array(sigs) || !json_array_size(sigs))
    return say(why, n, MG_MSIG_MALFORMED, "dsseEnvelope.signatures is not a non-empty array");
  b->n_signatures = json_array_size(sigs);
  const char *sig = str_at(json_array_get(sigs, 0), "sig");
  if (!sig)
    return say(why, n, MG_MSIG_MALFORMED, "dsseEnvelope.signatures[0] has no sig string");
  p = decode_field(sig, "dsseEnvelope.signatures[0].sig", &b->sig, &b->sig_len, why, n);
  if (!p && !b->sig_len)
    p = say(why, n, MG_MSIG_MALFORMED, "dsseEnvelope.signatures[0].sig is empty");
  return p;
}

mg_msig_problem mg_msig_bundle_parse(const char *text, size_t len, mg_msig_bundle *b, char *why,
                                     size_t n) {
  memset(b, 0, sizeof *b);
  json_error_t je;
  json_t *doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
  if (!doc) {
    char msg[200];
    shown(msg, sizeof msg, je.text);
    return say(why, n, MG_MSIG_MALFORMED, "not JSON (line %d column %d: %s)", je.line, je.column,
               msg);
  }
  mg_msig_problem p = MG_MSIG_OK;
  const char *media = str_at(doc, "mediaType");
  if (!json_is_object(doc))
    p = say(why, n, MG_MSIG_MALFORMED, "not a JSON object");
  else if (!media || strncmp(media, "application/vnd.dev.sigstore.bundle", 35))
    p = say(why, n, MG_MSIG_MALFORMED, "mediaType is not a Sigstore bundle's");
  else if (!(b->media_type = strdup(media)))
    p = say(why, n, MG_MSIG_MALFORMED, "out of memory");
  if (!p)
    p = read_material(b, json_object_get(doc, "verificationMaterial"), why, n);
  if (!p)
    p = read_envelope(b, json_object_get(doc, "dsseEnvelope"), why, n);
  json_decref(doc);
  return p;
}

void mg_msig_bundle_free(mg_msig_bundle *b) {
  free(b->media_type);
  free(b->payload_type);
  free(b->payload);
  free(b->sig);
  free(b->key_hint);
  for (size_t i = 0; i < b->n_certs; i++)
    free(b->certs[i]);
  free(b->certs);
  free(b->cert_len);
  memset(b, 0, sizeof *b);
}

/* ---- the statement --------------------------------------------------- */

/* A JSON number that is a whole, positive byte count. Protobuf's Struct
 * stores numbers as doubles, so model_signing writes "shard_size": 8.0. */
static int whole_number(json_t *v, uint64_t *out) {
  double d;
  if (json_is_integer(v)) {
    if (json_integer_value(v) <= 0)
      return -1;
    *out = (uint64_t)json_integer_value(v);
    return 0;
  }
  if (!json_is_real(v))
    return -1;
  d = json_real_value(v);
  if (!(d >= 1 && d <= 9007199254740992.0) || d != (double)(uint64_t)d)
    return -1;
  *out = (uint64_t)d;
  return 0;
}

static int parse_u64(const char *s, size_t len, uint64_t *out) {
  if (!len || len > 19)
    return -1;
  uint64_t v = 0;
  for (size_t i = 0; i < len; i++) {
    if (s[i] < '0' || s[i] > '9')
      return -1;
    v = v * 10 + (uint64_t)(s[i] - '0');
  }
  *out = v;
  return 0;
}

/* "path:start:end", split from the right as the path may hold ':'. */
static int split_shard(mg_msig_resource *r) {
  const char *end_colon = strrchr(r->name, ':');
  if (!end_colon || end_colon == r->name)
    return -1;
  const char *start_colon = end_colon - 1;
  while (start_colon > r->name && *start_colon != ':')
    start_colon--;
  if (*start_colon != ':' || start_colon == r->name)
    return -1;
  if (parse_u64(start_colon + 1, (size_t)(end_colon - start_colon - 1), &r->start) ||
      parse_u64(end_colon + 1, strlen(end_colon + 1), &r->end) || r->start >= r->end)
    return -1;
  r->path = strndup(r->name, (size_t)(start_colon - r->name));
  return r->path ? 0 : -2;
}

static mg_msig_problem read_serialization(mg_msig_manifest *m, json_t *s, char *why, size_t n) {
  char shown_v[120];
  if (!json_is_object(s))
    return say(why, n, MG_MSIG_MALFORMED, "predicate.serialization is missing or not an object");
  const char *method = str_at(s, "method"), *hash = str_at(s, "hash_type");
  json_t *links = json_object_get(s, "allow_symlinks");
  if (!method || !hash || !json_is_boolean(links))
    return say(why, n, MG_MSIG_MALFORMED,
               "predicate.serialization needs method and hash_type strings and an "
               "allow_symlinks boolean");
  if (!(m->method = strdup(method)) || !(m->hash_type = strdup(hash)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  m->allow_symlinks = json_is_true(links);
  json_t *ignore = json_object_get(s, "ignore_paths");
  if (ignore && !json_is_array(ignore))
    return say(why, n, MG_MSIG_MALFORMED, "predicate.serialization.ignore_paths is not an array");
  size_t k = ignore ? json_array_size(ignore) : 0;
  if (k && !(m->ignore = calloc(k, sizeof *m->ignore)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  for (size_t i = 0; i < k; i++) {
    json_t *v = json_array_get(ignore, i);
    if (!json_is_string(v))
      return say(why, n, MG_MSIG_MALFORMED, "ignore_paths[%zu] is not a string", i);
    if (!(m->ignore[m->n_ignore++] = strdup(json_string_value(v))))
      return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  }
  if (!strcmp(method, "shards")) {
    if (whole_number(json_object_get(s, "shard_size"), &m->shard_size))
      return say(why, n, MG_MSIG_MALFORMED,
                 "predicate.serialization.shard_size is not a positive whole number");
  } else if (strcmp(method, "files")) {
    shown(shown_v, sizeof shown_v, method);
    return say(why, n, MG_MSIG_UNSUPPORTED,
               "serialization method '%s' is not supported (files and shards are)", shown_v);
  }
  if (strcmp(hash, "sha256")) {
    shown(shown_v, sizeof shown_v, hash);
    return say(why, n, MG_MSIG_UNSUPPORTED,
               "hash_type '%s' is not supported (only sha256: model_signing's default; blake2 "
               "and blake3 manifests are refused, not passed)",
               shown_v);
  }
  return MG_MSIG_OK;
}

static int by_name(const void *a, const void *b) {
  return strcmp((*(const mg_msig_resource *const *)a)->name,
                (*(const mg_msig_resource *const *)b)->name);
}

static mg_msig_problem read_resources(mg_msig_manifest *m, json_t *list, char *why, size_t n) {
  if (!json_is_array(list))
    return say(why, n, MG_MSIG_MALFORMED, "predicate.resources is missing or not an array");
  size_t k = json_array_size(list);
  if (k && !(m->res = calloc(k, sizeof *m->res)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  char expect[64];
  if (!strcmp(m->method, "shards"))
    snprintf(expect, sizeof expect, "%s-sharded-%llu", m->hash_type,
             (unsigned long long)m->shard_size);
  else
    snprintf(expect, sizeof expect, "%s", m->hash_type);
  char a[120], nm[300];
  for (size_t i = 0; i < k; i++) {
    json_t *o = json_array_get(list, i);
    const char *name = str_at(o, "name"), *alg = str_at(o, "algorithm"),
               *digest = str_at(o, "digest");
    if (!name || !alg || !digest)
      return say(why, n, MG_MSIG_MALFORMED,
                 "resources[%zu] needs name, algorithm and digest strings", i);
    mg_msig_resource *r = &m->res[m->n_res++];
    if (!(r->name = strdup(name)) || !(r->algorithm = strdup(alg)))
      return say(why, n, MG_MSIG_MALFORMED, "out of memory");
    shown(nm, sizeof nm, name);
    if (!name[0])
      return say(why, n, MG_MSIG_MALFORMED, "resources[%zu] has an empty name", i);
    if (hex_decode(digest, r->digest, MAX_DIGEST, &r->digest_len))
      return say(why, n, MG_MSIG_MALFORMED, "resource '%s': digest is not hexadecimal", nm);
    if (strcmp(alg, expect)) {
      shown(a, sizeof a, alg);
      return say(why, n, MG_MSIG_UNSUPPORTED,
                 "resource '%s': algorithm '%s' is not the serialisation's '%s'", nm, a, expect);
    }
    if (r->digest_len != 32)
      return say(why, n, MG_MSIG_MALFORMED, "resource '%s': a sha256 digest has 32 bytes, not %zu",
                 nm, r->digest_len);
    if (!strcmp(m->method, "shards")) {
      int rc = split_shard(r);
      if (rc == -2)
        return say(why, n, MG_MSIG_MALFORMED, "out of memory");
      if (rc)
        return say(why, n, MG_MSIG_MALFORMED,
                   "resource '%s': a shard's name is PATH:START:END with START < END", nm);
    }
  }
  /* A name signed twice would let one entry pass and the other go unread. */
  if (m->n_res > 1) {
    const mg_msig_resource **sorted = malloc(m->n_res * sizeof *sorted);
    if (!sorted)
      return say(why, n, MG_MSIG_MALFORMED, "out of memory");
    for (size_t i = 0; i < m->n_res; i++)
      sorted[i] = &m->res[i];
    qsort(sorted, m->n_res, sizeof *sorted, by_name);
    for (size_t i = 1; i < m->n_res; i++)
      if (!strcmp(sorted[i - 1]->name, sorted[i]->name)) {
        shown(nm, sizeof nm, sorted[i]->name);
        free(sorted);
        return say(why, n, MG_MSIG_MALFORMED, "resource '%s' is listed twice", nm);
      }
    free(sorted);
  }
  return MG_MSIG_OK;
}

/* The subject's sha256 is SHA-256 over the resources' digest bytes in the
 * order listed (signing.Payload). */
static mg_msig_problem check_subject(const mg_msig_manifest *m, const unsigned char want[32],
                                     char *why, size_t n) {
  unsigned char got[32];
  unsigned int glen = 0;
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
  for (size_t i = 0; ok && i < m->n_res; i++)
    ok = EVP_DigestUpdate(ctx, m->res[i].digest, m->res[i].digest_len) == 1;
  ok = ok && EVP_DigestFinal_ex(ctx, got, &glen) == 1 && glen == 32;
  EVP_MD_CTX_free(ctx);
  if (!ok)
    return say(why, n, MG_MSIG_MALFORMED, "cannot compute SHA-256 (OpenSSL)");
  if (memcmp(got, want, 32))
    return say(why, n, MG_MSIG_INCONSISTENT,
               "the subject's sha256 is not the digest of the listed resources (the manifest "
               "is inconsistent)");
  return MG_MSIG_OK;
}

static mg_msig_problem read_statement(mg_msig_manifest *m, json_t *doc, char *why, size_t n) {
  char v[200];
  if (!json_is_object(doc))
    return say(why, n, MG_MSIG_MALFORMED, "the statement is not a JSON object");
  const char *type = str_at(doc, "_type"), *pred = str_at(doc, "predicateType");
  if (!type || strcmp(type, MG_MSIG_STATEMENT_V1)) {
    shown(v, sizeof v, type ? type : "(none)");
    return say(why, n, MG_MSIG_STATEMENT_TYPE, "statement _type is '%s', not '%s'", v,
               MG_MSIG_STATEMENT_V1);
  }
  if (!pred || strcmp(pred, MG_MSIG_PREDICATE_V1)) {
    shown(v, sizeof v, pred ? pred : "(none)");
    return say(why, n, MG_MSIG_PREDICATE_TYPE, "predicateType is '%s', not '%s'%s", v,
               MG_MSIG_PREDICATE_V1,
               pred && !strcmp(pred, "https://model_signing/Digests/v0.1")
                   ? " (the pre-1.0 v0.2 format is not supported)"
                   : "");
  }
  json_t *subjects = json_object_get(doc, "subject");
  if (!json_is_array(subjects) || json_array_size(subjects) != 1)
    return say(why, n, MG_MSIG_MALFORMED, "the statement must have exactly one subject");
  json_t *subject = json_array_get(subjects, 0);
  const char *name = str_at(subject, "name");
  const char *root = str_at(json_object_get(subject, "digest"), "sha256");
  unsigned char want[32];
  size_t wlen = 0;
  if (!name || !root || hex_decode(root, want, sizeof want, &wlen) || wlen != 32)
    return say(why, n, MG_MSIG_MALFORMED,
               "the subject needs a name and a 64-hex-digit digest.sha256");
  if (!(m->model_name = strdup(name)))
    return say(why, n, MG_MSIG_MALFORMED, "out of memory");
  json_t *predicate = json_object_get(doc, "predicate");
  if (!json_is_object(predicate))
    return say(why, n, MG_MSIG_MALFORMED, "the statement has no predicate object");
  mg_msig_problem p = read_serialization(m, json_object_get(predicate, "serialization"), why, n);
  if (!p)
    p = read_resources(m, json_object_get(predicate, "resources"), why, n);
  if (!p)
    p = check_subject(m, want, why, n);
  return p;
}

mg_msig_problem mg_msig_manifest_parse(const unsigned char *payload, size_t len,
                                       mg_msig_manifest *m, char *why, size_t n) {
  memset(m, 0, sizeof *m);
  json_error_t je;
  json_t *doc = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &je);
  if (!doc) {
    char msg[200];
    shown(msg, sizeof msg, je.text);
    return say(why, n, MG_MSIG_MALFORMED, "the signed statement is not JSON (%s)", msg);
  }
  mg_msig_problem p = read_statement(m, doc, why, n);
  json_decref(doc);
  return p;
}

void mg_msig_manifest_free(mg_msig_manifest *m) {
  free(m->model_name);
  free(m->method);
  free(m->hash_type);
  for (size_t i = 0; i < m->n_ignore; i++)
    free(m->ignore[i]);
  free(m->ignore);
  for (size_t i = 0; i < m->n_res; i++) {
    free(m->res[i].name);
    free(m->res[i].algorithm);
    free(m->res[i].path);
  }
  free(m->res);
  memset(m, 0, sizeof *m);
}
