/* Streaming SHA-256 over OpenSSL EVP, so every file is hashed in the same
 * pass that reads it. */
#ifndef MG_SHA256_H
#define MG_SHA256_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

#define MG_SHA256_HEX 65 /* 64 hex digits and a NUL */

typedef struct mg_sha256 {
  void *ctx; /* EVP_MD_CTX */
} mg_sha256;

int mg_sha256_init(mg_sha256 *h, mg_err *err);
int mg_sha256_update(mg_sha256 *h, const void *data, size_t len, mg_err *err);
/* Writes lowercase hex and frees the context. */
int mg_sha256_final(mg_sha256 *h, char hex[MG_SHA256_HEX], mg_err *err);
void mg_sha256_free(mg_sha256 *h);

int mg_sha256_file(const char *path, char hex[MG_SHA256_HEX], uint64_t *size, mg_err *err);
int mg_sha256_buffer(const void *data, size_t len, char hex[MG_SHA256_HEX], mg_err *err);
/* 1 when s is exactly 64 hex digits. */
int mg_sha256_is_hex(const char *s);

#endif
