/* The registry of approved artifacts (docs/registry-format.md): a JSON
 * document, or a plain sha256sum listing, optionally signed. Loaded once,
 * read-only during a scan; `modelgate registry` edits the JSON form through
 * the functions at the end, keeping keys it does not know. */
#ifndef MG_REGISTRY_H
#define MG_REGISTRY_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "intake/sha256.h"

typedef enum mg_artifact_kind {
  MG_KIND_MODEL = 0,
  MG_KIND_DATASET,
  MG_KIND_SOURCE, /* a data source a dataset was built from */
  MG_KIND_PACKAGE,
  MG_KIND_OTHER
} mg_artifact_kind;

typedef struct mg_artifact {
  const char *name; /* borrowed from the JSON document */
  char sha256[MG_SHA256_HEX];
  uint64_t size;
  int has_size;
  mg_artifact_kind kind;
  const char *origin, *added, *reason; /* may be NULL */
  int revoked;
  char (*trained_on)[MG_SHA256_HEX]; /* dataset digests a model was trained on */
  size_t n_trained_on;
  char parent[MG_SHA256_HEX]; /* parent model digest (fine-tuning), or "" */
  const char *package;        /* the package it came from (its name in reports), or NULL */
} mg_artifact;

typedef struct mg_registry {
  char *path;
  int is_sha256sum; /* plain "digest  name" listing */
  json_t *doc;      /* the JSON document (NULL for sha256sum) */
  mg_artifact *items;
  size_t count;
} mg_registry;

void mg_registry_init(mg_registry *reg);
void mg_registry_free(mg_registry *reg);
/* Loads either format (decided by content), validating every entry; a
 * missing file is an error unless create is set, which starts empty. */
int mg_registry_load(mg_registry *reg, const char *path, const mg_limits *lim, int create,
                     mg_err *err);

/* Parses len bytes of text (NUL-terminated at text[len], modified in
 * place); reg->path must name the source for messages. For the fuzzer. */
int mg_registry_parse(mg_registry *reg, char *text, size_t len, mg_err *err);

/* Entries by digest (lowercase hex) or by name; NULL when none. `from`
 * continues a search after a previous hit (NULL to start). */
const mg_artifact *mg_registry_by_digest(const mg_registry *reg, const char *sha256,
                                         const mg_artifact *from);
const mg_artifact *mg_registry_by_name(const mg_registry *reg, const char *name,
                                       const mg_artifact *from);

const char *mg_artifact_kind_name(mg_artifact_kind k);
int mg_artifact_kind_parse(const char *s, mg_artifact_kind *out);

/* Verifies a detached signature (raw bytes, Ed25519 or ECDSA P-256 with
 * SHA-256) over the registry file's bytes with the PEM public key. */
int mg_registry_verify_signature(const char *registry_path, const char *sig_path,
                                 const char *pubkey_path, const mg_limits *lim, mg_err *err);

/* Editing (JSON registries only). */
typedef struct mg_artifact_new {
  const char *name;
  const char *sha256;
  uint64_t size;
  mg_artifact_kind kind;
  const char *origin;
  const char *const *trained_on; /* NULL-terminated digests, or NULL */
  const char *parent;            /* digest or NULL */
  const char *package;           /* the package it came from, or NULL */
} mg_artifact_new;

int mg_registry_add(mg_registry *reg, const mg_artifact_new *a, mg_err *err);
/* Marks every entry whose digest or name equals key as revoked, only those
 * of that package when package is not NULL (another vendor's file of the
 * same name stays approved); fails with MG_ERR_NOT_FOUND when nothing
 * matched. */
int mg_registry_revoke(mg_registry *reg, const char *key, const char *package, const char *reason,
                       size_t *revoked, mg_err *err);
/* 1 when the entry may describe a file of the package named package: it
 * records that package, or none (registries written before entries
 * recorded their package). */
int mg_artifact_of_package(const mg_artifact *a, const char *package);
/* Writes the document atomically. */
int mg_registry_save(const mg_registry *reg, mg_err *err);

#endif
