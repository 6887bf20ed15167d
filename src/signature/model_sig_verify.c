/* See model_sig_verify.h. Mirrors sigstore/model-transparency's
 * sign_ec_key.Verifier and sign_certificate.Verifier, offline. */
#include "config.h"

#include "model_sig_verify.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const char *openssl_reason(void) {
  unsigned long e = ERR_get_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  ERR_clear_error();
  return r ? r : "no detail";
}

unsigned char *mg_msig_pae(const mg_msig_bundle *b, size_t *len) {
  char head[160];
  size_t tlen = strlen(b->payload_type);
  int h = snprintf(head, sizeof head, "DSSEv1 %zu ", tlen);
  char tail[40];
  int t = snprintf(tail, sizeof tail, " %zu ", b->payload_len);
  if (h < 0 || t < 0 || tlen > SIZE_MAX / 2 || b->payload_len > SIZE_MAX / 2)
    return NULL;
  size_t n = (size_t)h + tlen + (size_t)t + b->payload_len;
  unsigned char *out = malloc(n ? n : 1);
  if (!out)
    return NULL;
  memcpy(out, head, (size_t)h);
  memcpy(out + h, b->payload_type, tlen);
  memcpy(out + (size_t)h + tlen, tail, (size_t)t);
  if (b->payload_len)
    memcpy(out + (size_t)h + tlen + (size_t)t, b->payload, b->payload_len);
  *len = n;
  return out;
}

/* The curve's hash, as model_signing's get_ec_key_hash; NULL when the key
 * is not EC on P-256/P-384/P-521. */
static const char *hash_for(EVP_PKEY *key, char *curve, size_t n) {
  curve[0] = '\0';
  if (!EVP_PKEY_is_a(key, "EC"))
    return NULL;
  size_t glen = 0;
  if (EVP_PKEY_get_utf8_string_param(key, "group", curve, n, &glen) != 1)
    return NULL;
  if (!strcmp(curve, "prime256v1") || !strcmp(curve, "P-256"))
    return "SHA256";
  if (!strcmp(curve, "secp384r1") || !strcmp(curve, "P-384"))
    return "SHA384";
  if (!strcmp(curve, "secp521r1") || !strcmp(curve, "P-521"))
    return "SHA512";
  return NULL;
}

/* ECDSA over the PAE with key. 1 verified, 0 not, -1 OpenSSL failed. */
static int ecdsa_verify(const mg_msig_bundle *b, EVP_PKEY *key, const char *md) {
  size_t plen = 0;
  unsigned char *pae = mg_msig_pae(b, &plen);
  EVP_MD_CTX *ctx = pae ? EVP_MD_CTX_new() : NULL;
  int ok = -1;
  if (ctx && EVP_DigestVerifyInit_ex(ctx, NULL, md, NULL, NULL, key, NULL) == 1)
    ok = EVP_DigestVerify(ctx, b->sig, b->sig_len, pae, plen) == 1;
  ERR_clear_error();
  EVP_MD_CTX_free(ctx);
  free(pae);
  return ok;
}

/* The key's hint as model_signing computes it: SHA-256 (hex) of its
 * SubjectPublicKeyInfo PEM. */
static int key_hint(EVP_PKEY *key, char hex[65]) {
  BIO *bio = BIO_new(BIO_s_mem());
  char *pem = NULL;
  long n = 0;
  unsigned char md[32];
  unsigned int mdlen = 0;
  int ok = bio && PEM_write_bio_PUBKEY(bio, key) == 1 && (n = BIO_get_mem_data(bio, &pem)) > 0 &&
           EVP_Digest(pem, (size_t)n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32;
  BIO_free(bio);
  for (unsigned i = 0; ok && i < 32; i++)
    snprintf(hex + 2 * i, 3, "%02x", md[i]);
  return ok ? 0 : -1;
}

int mg_msig_verify_key(const mg_msig_bundle *b, const char *key_path, mg_msig_verdict *verdict,
                       char *why, size_t n, mg_err *err) {
  FILE *kf = fopen(key_path, "r");
  if (!kf)
    return mg_fail(err, MG_ERR_IO, "%s: %s", key_path, strerror(errno));
  EVP_PKEY *key = PEM_read_PUBKEY(kf, NULL, NULL, NULL);
  fclose(kf);
  if (!key)
    return mg_fail(err, MG_ERR_FORMAT, "%s: not a PEM public key (%s)", key_path, openssl_reason());
  char curve[64];
  const char *md = hash_for(key, curve, sizeof curve);
  if (!md) {
    EVP_PKEY_free(key);
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: model signatures use ECDSA keys on P-256, P-384 or P-521, not %s%s%s",
                   key_path, EVP_PKEY_get0_type_name(key) ? EVP_PKEY_get0_type_name(key) : "?",
                   curve[0] ? " on " : "", curve);
  }
  char hint[65] = "";
  int rc = MG_OK;
  if (key_hint(key, hint))
    rc = mg_fail(err, MG_ERR_CRYPTO, "%s: cannot encode the key (%s)", key_path, openssl_reason());
  else if (b->key_hint && strcmp(b->key_hint, hint)) {
    /* model_signing refuses on the hint alone; so do we, saying why. */
    char shown[80];
    snprintf(shown, sizeof shown, "%.64s", b->key_hint);
    for (char *p = shown; *p; p++)
      if (*p < 0x20 || *p > 0x7e)
        *p = '?';
    *verdict = MG_MSIG_OTHER_KEY;
    snprintf(why, n, "the bundle was signed with another key (its key hint %s is not %s's %s)",
             shown, key_path, hint);
  } else {
    int ok = ecdsa_verify(b, key, md);
    if (ok < 0)
      rc = mg_fail(err, MG_ERR_CRYPTO, "%s: cannot set up verification (%s)", key_path,
                   openssl_reason());
    *verdict = ok == 1 ? MG_MSIG_VERIFIED : MG_MSIG_BAD_SIGNATURE;
    if (ok == 0)
      snprintf(why, n,
               "the DSSE signature does not verify with %s (ECDSA %s over the pre-authentication "
               "encoding): the statement or the signature was altered, or another key signed it",
               key_path, md);
  }
  EVP_PKEY_free(key);
  return rc;
}

/* The leaf's notBefore as time_t: the verification time model_signing
 * uses (the signing time is not known offline). */
static int issued_at(X509 *leaf, time_t *t) {
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  if (ASN1_TIME_to_tm(X509_get0_notBefore(leaf), &tm) != 1)
    return -1;
  *t = timegm(&tm);
  return 0;
}

/* Key usage digitalSignature, else extended key usage codeSigning. */
static int may_sign(X509 *leaf) {
  uint32_t ku = X509_get_key_usage(leaf);
  if (ku != UINT32_MAX && (ku & KU_DIGITAL_SIGNATURE))
    return 1;
  uint32_t xku = X509_get_extended_key_usage(leaf);
  return xku != UINT32_MAX && (xku & XKU_CODE_SIGN);
}

/* A Fulcio certificate carries Sigstore's extensions (OID arc
 * 1.3.6.1.4.1.57264.1): chaining it to the Fulcio root proves only that
 * someone with some OIDC identity signed, so it is refused, not passed. */
static int fulcio_identity(X509 *leaf, char *why, size_t n) {
  for (int i = 0; i < X509_get_ext_count(leaf); i++) {
    char oid[80];
    X509_EXTENSION *e = X509_get_ext(leaf, i);
    if (OBJ_obj2txt(oid, sizeof oid, X509_EXTENSION_get_object(e), 1) > 0 &&
        !strncmp(oid, "1.3.6.1.4.1.57264.1.", 20)) {
      snprintf(why, n,
               "the bundle is a Sigstore keyless signature (a Fulcio certificate, extension %s): "
               "verifying it needs the Rekor transparency log and the signer's identity, which "
               "modelgate does not check offline; it is not passed",
               oid);
      return 1;
    }
  }
  return 0;
}

static X509 *der_cert(const unsigned char *der, size_t len) {
  if (len > LONG_MAX)
    return NULL;
  const unsigned char *p = der;
  X509 *c = d2i_X509(NULL, &p, (long)len);
  if (c && p != der + len) { /* trailing bytes */
    X509_free(c);
    c = NULL;
  }
  return c;
}

int mg_msig_verify_cert(const mg_msig_bundle *b, const char *ca_path, mg_msig_verdict *verdict,
                        char *why, size_t n, mg_err *err) {
  *verdict = MG_MSIG_BAD_CERTIFICATE;
  X509_STORE *store = X509_STORE_new();
  if (!store)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (X509_STORE_load_file(store, ca_path) != 1) {
    X509_STORE_free(store);
    return mg_fail(err, MG_ERR_FORMAT, "%s: no PEM CA certificate could be read (%s)", ca_path,
                   openssl_reason());
  }
  int rc = MG_OK;
  X509 *leaf = NULL;
  STACK_OF(X509) *chain = sk_X509_new_null();
  X509_STORE_CTX *ctx = X509_STORE_CTX_new();
  if (!chain || !ctx) {
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
    goto out;
  }
  if (!b->n_certs) {
    snprintf(why, n,
             "the bundle carries no certificate (verificationMaterial has no "
             "x509CertificateChain or certificate): it was not signed with the certificate "
             "method");
    goto out;
  }
  if (!(leaf = der_cert(b->certs[0], b->cert_len[0]))) {
    snprintf(why, n, "the bundle's signing certificate is not a DER X.509 certificate");
    ERR_clear_error();
    goto out;
  }
  if (fulcio_identity(leaf, why, n)) {
    *verdict = MG_MSIG_KEYLESS;
    goto out;
  }
  for (size_t i = 1; i < b->n_certs; i++) {
    X509 *c = der_cert(b->certs[i], b->cert_len[i]);
    if (!c || !sk_X509_push(chain, c)) {
      X509_free(c);
      snprintf(why, n, "the bundle's certificate %zu is not a DER X.509 certificate", i + 1);
      ERR_clear_error();
      goto out;
    }
  }
  time_t at;
  if (issued_at(leaf, &at) || X509_STORE_CTX_init(ctx, store, leaf, chain) != 1) {
    rc = mg_fail(err, MG_ERR_CRYPTO, "%s: cannot set up certificate verification (%s)", ca_path,
                 openssl_reason());
    goto out;
  }
  X509_STORE_CTX_set_time(ctx, 0, at);
  if (X509_verify_cert(ctx) != 1) {
    snprintf(why, n, "the signing certificate does not chain to the CA in %s (%s)", ca_path,
             X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    ERR_clear_error();
    goto out;
  }
  if (!may_sign(leaf)) {
    snprintf(why, n,
             "the signing certificate may not sign (neither key usage digitalSignature nor "
             "extended key usage codeSigning)");
    goto out;
  }
  EVP_PKEY *key = X509_get0_pubkey(leaf);
  char curve[64];
  const char *md = key ? hash_for(key, curve, sizeof curve) : NULL;
  if (!md) {
    snprintf(why, n, "the signing certificate's key is not ECDSA on P-256, P-384 or P-521");
    goto out;
  }
  int ok = ecdsa_verify(b, key, md);
  if (ok < 0) {
    rc = mg_fail(err, MG_ERR_CRYPTO, "cannot set up verification (%s)", openssl_reason());
    goto out;
  }
  *verdict = ok ? MG_MSIG_VERIFIED : MG_MSIG_BAD_SIGNATURE;
  if (!ok)
    snprintf(why, n,
             "the DSSE signature does not verify with the signing certificate's key (ECDSA %s "
             "over the pre-authentication encoding): the statement or the signature was altered",
             md);
out:
  X509_STORE_CTX_free(ctx);
  sk_X509_pop_free(chain, X509_free);
  X509_free(leaf);
  X509_STORE_free(store);
  return rc;
}
