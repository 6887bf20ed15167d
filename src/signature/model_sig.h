/* OpenSSF model signatures (sigstore/model-transparency, `model_signing`
 * v1): the Sigstore bundle that carries them, the in-toto statement inside
 * its DSSE envelope, and the manifest of resources that statement signs.
 * See docs/model-signatures.md. The parsers here read untrusted bytes and
 * never touch files or keys; model_sig_verify.c checks the signature and
 * model_sig_check.c compares the manifest with the package. */
#ifndef MG_MODEL_SIG_H
#define MG_MODEL_SIG_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define MG_MSIG_IN_TOTO_JSON "application/vnd.in-toto+json"
#define MG_MSIG_STATEMENT_V1 "https://in-toto.io/Statement/v1"
#define MG_MSIG_PREDICATE_V1 "https://model_signing/signature/v1.0"

/* What is wrong with a bundle or statement: each is its own finding. */
typedef enum mg_msig_problem {
  MG_MSIG_OK = 0,
  MG_MSIG_MALFORMED,      /* not a bundle / statement of the documented shape */
  MG_MSIG_PAYLOAD_TYPE,   /* the DSSE payload is not an in-toto statement */
  MG_MSIG_STATEMENT_TYPE, /* the statement is not in-toto Statement v1 */
  MG_MSIG_PREDICATE_TYPE, /* not a model_signing v1.0 signature */
  MG_MSIG_INCONSISTENT,   /* the subject digest is not the resources' digest */
  MG_MSIG_UNSUPPORTED     /* valid, but a serialisation modelgate does not check */
} mg_msig_problem;

/* The Sigstore bundle (JSON, protobuf-specs naming). */
typedef struct mg_msig_bundle {
  char *media_type;
  char *payload_type;
  unsigned char *payload; /* the statement's bytes, as signed */
  size_t payload_len;
  unsigned char *sig; /* the first DSSE signature (DER ECDSA) */
  size_t sig_len;
  size_t n_signatures;
  char *key_hint;        /* verificationMaterial.publicKey.hint, or NULL */
  unsigned char **certs; /* DER, the signing certificate first */
  size_t *cert_len;
  size_t n_certs;
  size_t n_tlog; /* transparency-log entries (not verified offline) */
} mg_msig_bundle;

typedef struct mg_msig_resource {
  char *name;      /* as signed: a path, or "path:start:end" for shards */
  char *algorithm; /* "sha256" or "sha256-sharded-N" */
  unsigned char digest[64];
  size_t digest_len;
  char *path; /* shards: the file's path part */
  uint64_t start, end;
} mg_msig_resource;

typedef struct mg_msig_manifest {
  char *model_name;
  char *method;    /* "files" or "shards" */
  char *hash_type; /* "sha256" */
  uint64_t shard_size;
  int allow_symlinks;
  char **ignore; /* ignore_paths, as signed */
  size_t n_ignore;
  mg_msig_resource *res;
  size_t n_res;
} mg_msig_manifest;

/* Parses a bundle of len bytes; what names it in messages. MG_MSIG_OK, or
 * the problem with a one-line reason in why (which is always set on
 * failure). Returns MG_MSIG_MALFORMED with "out of memory" on OOM. */
mg_msig_problem mg_msig_bundle_parse(const char *text, size_t len, mg_msig_bundle *b, char *why,
                                     size_t why_len);
void mg_msig_bundle_free(mg_msig_bundle *b);

/* Parses the statement (the bundle's payload) into a manifest: statement
 * and predicate type, the subject's digest over the resources, the
 * serialisation (files or shards, sha256) and every resource. */
mg_msig_problem mg_msig_manifest_parse(const unsigned char *payload, size_t len,
                                       mg_msig_manifest *m, char *why, size_t why_len);
void mg_msig_manifest_free(mg_msig_manifest *m);

/* Decodes standard or URL-safe base64, padded or not (protobuf JSON
 * accepts all four) with OpenSSL. Returns a malloc'd buffer, or NULL. */
unsigned char *mg_msig_base64(const char *s, size_t *out_len);

#endif
