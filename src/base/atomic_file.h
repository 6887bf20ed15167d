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

/* MG_OK when path does not exist, is a regular file, or is a symbolic link
 * (replaced, not followed) to a regular file or nothing outside /dev, /proc
 * and /sys; else MG_ERR_ARGS ("PATH: is a FIFO, not a regular file:
 * refusing to replace it"). */
int mg_atomic_target_check(const char *path, mg_err *err);
/* Creates the temporary beside path (refused when path is not a regular
 * file, see above). */
int mg_atomic_open(mg_atomic *a, const char *path, mg_err *err);
/* Flushes, fsyncs and closes the temporary, naming the reason of a
 * failure ("No space left on device"); on failure removes it and releases
 * a. On success the target is untouched until mg_atomic_publish. */
int mg_atomic_sync(mg_atomic *a, mg_err *err);
/* Renames a synced temporary over the target; releases a in every case. */
int mg_atomic_publish(mg_atomic *a, mg_err *err);
/* mg_atomic_sync then mg_atomic_publish; releases a in every case. */
int mg_atomic_commit(mg_atomic *a, mg_err *err);
/* Removes the temporary; releases a. */
void mg_atomic_abort(mg_atomic *a);
int mg_atomic_write(const char *path, const void *data, size_t len, mg_err *err);

#endif
