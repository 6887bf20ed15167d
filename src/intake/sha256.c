/* SHA-256 helpers; every OpenSSL return value is checked. */
#include "config.h"

#include "sha256.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

int mg_sha256_init(mg_sha256 *h, mg_err *err) {
  EVP_MD_CTX *ctx = EVP_MD_CTX_new();
  if (!ctx)
    return mg_fail(err, MG_ERR_NOMEM, "SHA-256: cannot allocate a digest context");
  if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(ctx);
    return mg_fail(err, MG_ERR_CRYPTO, "SHA-256: EVP_DigestInit_ex failed");
  }
  h->ctx = ctx;
  return MG_OK;
}

int mg_sha256_update(mg_sha256 *h, const void *data, size_t len, mg_err *err) {
  if (len && EVP_DigestUpdate(h->ctx, data, len) != 1)
    return mg_fail(err, MG_ERR_CRYPTO, "SHA-256: EVP_DigestUpdate failed");
  return MG_OK;
}

int mg_sha256_final(mg_sha256 *h, char hex[MG_SHA256_HEX], mg_err *err) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  int ok = EVP_DigestFinal_ex(h->ctx, md, &n) == 1 && n == 32;
  mg_sha256_free(h);
  if (!ok)
    return mg_fail(err, MG_ERR_CRYPTO, "SHA-256: EVP_DigestFinal_ex failed");
  static const char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < 32; i++) {
    hex[2 * i] = digits[md[i] >> 4];
    hex[2 * i + 1] = digits[md[i] & 15];
  }
  hex[64] = '\0';
  return MG_OK;
}

void mg_sha256_free(mg_sha256 *h) {
  EVP_MD_CTX_free(h->ctx);
  h->ctx = NULL;
}

int mg_sha256_buffer(const void *data, size_t len, char hex[MG_SHA256_HEX], mg_err *err) {
  mg_sha256 h;
  int rc = mg_sha256_init(&h, err);
  if (rc)
    return rc;
  if ((rc = mg_sha256_update(&h, data, len, err))) {
    mg_sha256_free(&h);
    return rc;
  }
  return mg_sha256_final(&h, hex, err);
}

int mg_sha256_file(const char *path, char hex[MG_SHA256_HEX], uint64_t *size, mg_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  mg_sha256 h;
  int rc = mg_sha256_init(&h, err);
  if (rc) {
    close(fd);
    return rc;
  }
  static __thread unsigned char buf[1 << 17];
  uint64_t total = 0;
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      rc = mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
      break;
    }
    if (n == 0)
      break;
    total += (uint64_t)n;
    if ((rc = mg_sha256_update(&h, buf, (size_t)n, err)))
      break;
  }
  close(fd);
  if (rc) {
    mg_sha256_free(&h);
    return rc;
  }
  if (size)
    *size = total;
  return mg_sha256_final(&h, hex, err);
}

int mg_sha256_is_hex(const char *s) {
  if (!s)
    return 0;
  for (int i = 0; i < 64; i++)
    if (!isxdigit((unsigned char)s[i]))
      return 0;
  return s[64] == '\0';
}
