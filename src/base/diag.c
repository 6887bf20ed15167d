/* Error records and stderr logging shared by every subsystem. */
#include "config.h"

#include "diag.h"

#include <stdio.h>
#include <string.h>

int mg_verbosity = 1;

static const char *const error_names[MG_ERROR_COUNT] = {
    [MG_OK] = "success",
    [MG_ERR_NOMEM] = "out of memory",
    [MG_ERR_IO] = "input/output error",
    [MG_ERR_FORMAT] = "malformed input",
    [MG_ERR_LIMIT] = "limit exceeded",
    [MG_ERR_UNSAFE] = "unsafe content refused",
    [MG_ERR_UNSUPPORTED] = "unsupported",
    [MG_ERR_ARGS] = "invalid arguments",
    [MG_ERR_NOT_FOUND] = "not found",
    [MG_ERR_SIGNATURE] = "signature verification failed",
    [MG_ERR_PLUGIN] = "plugin failed",
    [MG_ERR_ABI] = "plugin ABI mismatch",
    [MG_ERR_CRYPTO] = "cryptography error",
    [MG_ERR_INTERNAL] = "internal error",
    [MG_ERR_INTERRUPTED] = "interrupted",
    [MG_ERR_NUMERIC] = "numeric error",
    [MG_ERR_NEEDS] = "requirements not met",
};

const char *mg_strerror(int code) {
  if (code < 0 || code >= MG_ERROR_COUNT || !error_names[code])
    return "unknown error";
  return error_names[code];
}

void mg_err_clear(mg_err *err) {
  if (err) {
    err->code = MG_OK;
    err->msg[0] = '\0';
  }
}

int mg_fail(mg_err *err, int code, const char *fmt, ...) {
  if (!err || err->code != MG_OK)
    return code; /* keep the first, most specific, cause */
  va_list ap;
  va_start(ap, fmt);
  err->code = code;
  vsnprintf(err->msg, sizeof err->msg, fmt, ap);
  va_end(ap);
  return code;
}

int mg_fail_wrap(mg_err *err, int code, const char *fmt, ...) {
  if (!err)
    return code;
  char head[512], old[sizeof err->msg];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(head, sizeof head, fmt, ap);
  va_end(ap);
  snprintf(old, sizeof old, "%s", err->msg);
  err->code = code;
  /* Truncation is acceptable: the message is one line for a human. */
  size_t n = strlen(head);
  memcpy(err->msg, head, n + 1);
  if (old[0] && n + 2 < sizeof err->msg) {
    size_t room = sizeof err->msg - n - 3, k = strlen(old);
    memcpy(err->msg + n, ": ", 2);
    memcpy(err->msg + n + 2, old, k < room ? k : room);
    err->msg[n + 2 + (k < room ? k : room)] = '\0';
  }
  return code;
}

void mg_log_v(int level, const char *prefix, const char *fmt, va_list ap) {
  if (level > mg_verbosity)
    return;
  fprintf(stderr, "modelgate: %s", prefix);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
}

#define DEFINE_LOG(fn, level, prefix)                                                              \
  void fn(const char *fmt, ...) {                                                                  \
    va_list ap;                                                                                    \
    va_start(ap, fmt);                                                                             \
    mg_log_v(level, prefix, fmt, ap);                                                              \
    va_end(ap);                                                                                    \
  }

/* Errors print even under -q: they explain a non-zero exit. */
DEFINE_LOG(mg_log_error, 0, "error: ")
DEFINE_LOG(mg_log_warn, 1, "warning: ")
DEFINE_LOG(mg_log_info, 1, "")
DEFINE_LOG(mg_log_debug, 3, "debug: ")
