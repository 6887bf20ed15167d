/* Temporary-file-then-rename writes. */
#include "config.h"

#include "atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int mg_atomic_open(mg_atomic *a, const char *path, mg_err *err) {
  memset(a, 0, sizeof *a);
  size_t n = strlen(path);
  a->path = strdup(path);
  a->tmp = malloc(n + 16);
  if (!a->path || !a->tmp) {
    mg_atomic_abort(a);
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", path);
  }
  memcpy(a->tmp, path, n);
  memcpy(a->tmp + n, ".tmp.XXXXXX", 12);
  int fd = mkstemp(a->tmp);
  if (fd < 0) {
    int e = errno;
    free(a->tmp);
    a->tmp = NULL;
    mg_atomic_abort(a);
    return mg_fail(err, MG_ERR_IO, "%s: cannot create a temporary file beside it: %s", path,
                   strerror(e));
  }
  /* mkstemp makes 0600; a report should get the usual umask'd mode. */
  mode_t um = umask(0);
  umask(um);
  if (fchmod(fd, 0666 & ~um) != 0 || !(a->fp = fdopen(fd, "w"))) {
    int e = errno;
    close(fd);
    mg_atomic_abort(a);
    return mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(e));
  }
  return MG_OK;
}

int mg_atomic_commit(mg_atomic *a, mg_err *err) {
  int rc = MG_OK;
  if (fflush(a->fp) != 0 || ferror(a->fp) || fsync(fileno(a->fp)) != 0)
    rc = mg_fail(err, MG_ERR_IO, "%s: write failed: %s", a->path, strerror(errno));
  if (fclose(a->fp) != 0 && !rc)
    rc = mg_fail(err, MG_ERR_IO, "%s: write failed: %s", a->path, strerror(errno));
  a->fp = NULL;
  if (!rc && rename(a->tmp, a->path) != 0)
    rc = mg_fail(err, MG_ERR_IO, "%s: rename failed: %s", a->path, strerror(errno));
  if (rc)
    unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  a->tmp = a->path = NULL;
  return rc;
}

void mg_atomic_abort(mg_atomic *a) {
  if (a->fp)
    fclose(a->fp);
  if (a->tmp)
    unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  memset(a, 0, sizeof *a);
}

int mg_atomic_write(const char *path, const void *data, size_t len, mg_err *err) {
  mg_atomic a;
  int rc = mg_atomic_open(&a, path, err);
  if (rc)
    return rc;
  if (len && fwrite(data, 1, len, a.fp) != len) {
    mg_atomic_abort(&a);
    return mg_fail(err, MG_ERR_IO, "%s: write failed", path);
  }
  return mg_atomic_commit(&a, err);
}
