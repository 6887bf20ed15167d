/* The signature of an OpenSSF model-signing bundle, checked with OpenSSL:
 * ECDSA over the DSSE pre-authentication encoding, with the hash the
 * curve implies (P-256 SHA-256, P-384 SHA-384, P-521 SHA-512), by a public
 * key the user trusts (`key` method) or by the bundle's signing
 * certificate once it chains to the user's CA (`certificate` method). */
#ifndef MG_MODEL_SIG_VERIFY_H
#define MG_MODEL_SIG_VERIFY_H

#include "model_sig.h"

typedef enum mg_msig_verdict {
  MG_MSIG_VERIFIED = 0,
  MG_MSIG_BAD_SIGNATURE,   /* the signature does not verify */
  MG_MSIG_OTHER_KEY,       /* the bundle names another key (publicKey.hint) */
  MG_MSIG_BAD_CERTIFICATE, /* no certificate, or it does not chain / may not sign */
  MG_MSIG_KEYLESS          /* a Sigstore keyless (Fulcio) certificate: needs Rekor and an
                              identity policy, which an offline check cannot give */
} mg_msig_verdict;

/* The DSSE v1 pre-authentication encoding of the bundle's payload:
 * "DSSEv1 <len type> <type> <len payload> <payload>". malloc'd. */
unsigned char *mg_msig_pae(const mg_msig_bundle *b, size_t *len);

/* With the PEM public key at key_path. A key that cannot be read or is not
 * an EC key on a supported curve is an error (MG_ERR_*, err set): the
 * user's trust anchor is wrong, not the vendor's bundle. Otherwise MG_OK
 * and *verdict, with a one-line reason in why. */
int mg_msig_verify_key(const mg_msig_bundle *b, const char *key_path, mg_msig_verdict *verdict,
                       char *why, size_t why_len, mg_err *err);

/* With the CA certificates (PEM, one or more) at ca_path: the bundle's
 * first certificate must chain to them (the others are untrusted
 * intermediates), at the time it was issued, be allowed to sign (key usage
 * digitalSignature or extended key usage codeSigning), and its key must
 * verify the signature. */
int mg_msig_verify_cert(const mg_msig_bundle *b, const char *ca_path, mg_msig_verdict *verdict,
                        char *why, size_t why_len, mg_err *err);

#endif
