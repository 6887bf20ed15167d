/* Error reports and logging. Every failing function fills an mg_err with a
 * stable code and one line naming the file and the problem; main() prints
 * that line and maps the code to an exit status. */
#ifndef MG_DIAG_H
#define MG_DIAG_H

#include <stdarg.h>

#include <modelgate/error.h>

typedef struct mg_err {
  int code;       /* mg_error; MG_OK when nothing failed */
  char msg[1024]; /* one line, no trailing newline */
} mg_err;

#if defined(__GNUC__)
#define MG_FMT(f, a) __attribute__((format(printf, f, a)))
#else
#define MG_FMT(f, a)
#endif

/* Sets err (when it is not NULL and not already set) and returns code. */
int mg_fail(mg_err *err, int code, const char *fmt, ...) MG_FMT(3, 4);
/* Like mg_fail, but always overwrites, prefixing the old message. */
int mg_fail_wrap(mg_err *err, int code, const char *fmt, ...) MG_FMT(3, 4);
void mg_err_clear(mg_err *err);
const char *mg_strerror(int code);

/* Log levels follow -q/-v: 0 quiet, 1 normal, 2 verbose, 3 debug. */
extern int mg_verbosity;
void mg_log_error(const char *fmt, ...) MG_FMT(1, 2);
void mg_log_warn(const char *fmt, ...) MG_FMT(1, 2);
void mg_log_info(const char *fmt, ...) MG_FMT(1, 2);
void mg_log_debug(const char *fmt, ...) MG_FMT(1, 2);
void mg_log_v(int level, const char *prefix, const char *fmt, va_list ap) MG_FMT(3, 0);

#endif
