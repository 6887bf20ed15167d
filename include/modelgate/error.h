/* Stable error numbers shared by the core and plugins. Never renumber:
 * plugins compiled against an older header return these values. */
#ifndef MODELGATE_ERROR_H
#define MODELGATE_ERROR_H

typedef enum mg_error {
  MG_OK = 0,
  MG_ERR_NOMEM = 1,        /* allocation failed */
  MG_ERR_IO = 2,           /* read/write/open failed */
  MG_ERR_FORMAT = 3,       /* malformed or inconsistent input */
  MG_ERR_LIMIT = 4,        /* a configured limit was exceeded */
  MG_ERR_UNSAFE = 5,       /* path escape, link, device node, ... */
  MG_ERR_UNSUPPORTED = 6,  /* valid input this version cannot handle */
  MG_ERR_ARGS = 7,         /* invalid argument or usage */
  MG_ERR_NOT_FOUND = 8,    /* a named file, tensor or key is absent */
  MG_ERR_SIGNATURE = 9,    /* a signature did not verify */
  MG_ERR_PLUGIN = 10,      /* a plugin failed */
  MG_ERR_ABI = 11,         /* plugin ABI mismatch */
  MG_ERR_CRYPTO = 12,      /* OpenSSL reported an error */
  MG_ERR_INTERNAL = 13,    /* a bug in modelgate */
  MG_ERR_INTERRUPTED = 14, /* SIGINT/SIGTERM */
  MG_ERR_NUMERIC = 15,     /* NaN/Inf or overflow in a computation */
  MG_ERR_NEEDS = 16        /* what a plugin needs is not in the package */
} mg_error;

#define MG_ERROR_COUNT 17

#endif
