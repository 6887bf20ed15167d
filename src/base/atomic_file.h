/* Reports and registries are replaced atomically: written to a temporary
 * file beside the target, flushed to disk, then renamed over it, so a
 * reader never sees half a file and a crash leaves the old one intact. */
#ifndef MG_ATOMIC_FILE_H
#define MG_ATOMIC_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "diag.h"

typedef struct mg_atomic {
  char *path; /* the target */
  char *tmp;  /* the temporary beside it */
  FILE *fp;
} mg_atomic;

int mg_atomic_open(mg_atomic *a, const char *path, mg_err *err);
/* Flushes, fsyncs and renames; releases a in every case. */
int mg_atomic_commit(mg_atomic *a, mg_err *err);
/* Removes the temporary; releases a. */
void mg_atomic_abort(mg_atomic *a);
int mg_atomic_write(const char *path, const void *data, size_t len, mg_err *err);

#endif
