/* Detached-signature check of a registry file with OpenSSL EVP_DigestVerify:
 * Ed25519 (pure, over the file bytes) or ECDSA P-256 with SHA-256. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "registry.h"

/* Reads a whole small file (registry or signature) into memory, at most
 * the limit id allows. */
static int slurp(const char *path, const mg_limits *lim, mg_limit_id id, unsigned char **out,
                 size_t *len, mg_err *err) {
  FILE *fp = fopen(path, "rb");
  if (!fp)
    return mg_fail(err, errno == ENOENT ? MG_ERR_SIGNATURE : MG_ERR_IO, "%s: %s", path,
                   strerror(errno));
  uint64_t max = lim->value[id];
  unsigned char *buf = NULL;
  size_t n = 0, cap = 0;
  int rc = MG_OK;
  for (;;) {
    if (n == cap) {
      /* One byte past the limit is enough to know it is exceeded. */
      uint64_t want = cap ? (uint64_t)cap * 2 : 4096;
      if (want > max + 1)
        want = max + 1;
      if (want <= cap || want > SIZE_MAX) {
        rc = mg_limit_check(lim, id, (uint64_t)n, path, err);
        if (!rc)
          rc = mg_fail(err, MG_ERR_NOMEM, "%s: too large to read", path);
        break;
      }
      unsigned char *grown = realloc(buf, (size_t)want);
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
    if ((rc = mg_limit_check(lim, id, (uint64_t)n, path, err)))
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

static const char *openssl_reason(void) {
  unsigned long e = ERR_get_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  ERR_clear_error();
  return r ? r : "no detail";
}

int mg_registry_verify_signature(const char *registry_path, const char *sig_path,
                                 const char *pubkey_path, const mg_limits *lim, mg_err *err) {
  FILE *kf = fopen(pubkey_path, "r");
  if (!kf)
    return mg_fail(err, MG_ERR_IO, "%s: %s", pubkey_path, strerror(errno));
  EVP_PKEY *key = PEM_read_PUBKEY(kf, NULL, NULL, NULL);
  fclose(kf);
  if (!key)
    return mg_fail(err, MG_ERR_FORMAT, "%s: not a PEM public key (%s)", pubkey_path,
                   openssl_reason());
  const EVP_MD *md = NULL;
  int rc = MG_OK;
  if (EVP_PKEY_is_a(key, "ED25519")) {
    md = NULL; /* Ed25519 signs the message itself */
  } else if (EVP_PKEY_is_a(key, "EC")) {
    char group[64] = "";
    size_t glen = 0;
    if (EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, &glen) != 1 ||
        (strcmp(group, "prime256v1") && strcmp(group, "P-256")))
      rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: EC key on curve '%s'; only P-256 is accepted",
                   pubkey_path, group[0] ? group : "?");
    md = EVP_sha256();
  } else {
    rc =
        mg_fail(err, MG_ERR_UNSUPPORTED, "%s: key type %s is not accepted (Ed25519 or ECDSA P-256)",
                pubkey_path, EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?");
  }
  unsigned char *data = NULL, *sig = NULL;
  size_t dlen = 0, slen = 0;
  if (!rc)
    rc = slurp(registry_path, lim, MG_LIMIT_REGISTRY_BYTES, &data, &dlen, err);
  if (!rc)
    rc = slurp(sig_path, lim, MG_LIMIT_SIGNATURE_BYTES, &sig, &slen, err);
  if (!rc && slen == 0)
    rc = mg_fail(err, MG_ERR_SIGNATURE, "%s: empty signature", sig_path);
  EVP_MD_CTX *ctx = rc ? NULL : EVP_MD_CTX_new();
  if (!rc && !ctx)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (!rc && EVP_DigestVerifyInit_ex(ctx, NULL, md ? EVP_MD_get0_name(md) : NULL, NULL, NULL, key,
                                     NULL) != 1)
    rc = mg_fail(err, MG_ERR_CRYPTO, "%s: cannot set up verification (%s)", pubkey_path,
                 openssl_reason());
  if (!rc) {
    int ok = EVP_DigestVerify(ctx, sig, slen, data, dlen);
    if (ok != 1)
      rc = mg_fail(err, MG_ERR_SIGNATURE,
                   "%s: signature %s does not verify with %s (the registry was altered or signed "
                   "with another key)",
                   registry_path, sig_path, pubkey_path);
    ERR_clear_error();
  }
  EVP_MD_CTX_free(ctx);
  EVP_PKEY_free(key);
  free(data);
  free(sig);
  return rc;
}
