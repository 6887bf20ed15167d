/* Temporary-file-then-rename writes. */
#include "config.h"

#include "atomic_file.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m) {
  return S_ISDIR(m)                 ? "a directory"
         : S_ISFIFO(m)              ? "a FIFO"
         : S_ISCHR(m) || S_ISBLK(m) ? "a device"
         : S_ISSOCK(m)              ? "a socket"
                                    : "not a regular file";
}

/* 1 when path's directory is (after links) in /dev, /proc or /sys: a
 * report renamed there would replace a node of the system. */
static int in_system_dir(const char *path) {
  const char *slash = strrchr(path, '/');
  char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  char *real = dir ? realpath(dir, NULL) : NULL;
  int sys = 0;
  for (const char *const *p = (const char *const[]){"/dev", "/proc", "/sys", NULL}; real && *p; p++)
    sys |= !strncmp(real, *p, strlen(*p)) && (real[strlen(*p)] == '/' || !real[strlen(*p)]);
  free(real);
  free(dir);
  return sys;
}

int mg_atomic_target_check(const char *path, mg_err *err) {
  struct stat st, target;
  if (lstat(path, &st) != 0)
    return errno == ENOENT ? MG_OK : mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  if (S_ISREG(st.st_mode))
    return MG_OK;
  if (!S_ISLNK(st.st_mode))
    return mg_fail(err, MG_ERR_ARGS, "%s: is %s, not a regular file: refusing to replace it", path,
                   kind_of(st.st_mode));
  /* A link is replaced by the rename, never written through; only one to
   * a regular file (or nothing) outside the system's directories. */
  if (in_system_dir(path))
    return mg_fail(err, MG_ERR_ARGS,
                   "%s: is a symbolic link in a system directory: refusing to "
                   "replace it",
                   path);
  if (stat(path, &target) == 0 && !S_ISREG(target.st_mode))
    return mg_fail(err, MG_ERR_ARGS, "%s: is a symbolic link to %s: refusing to replace it", path,
                   kind_of(target.st_mode));
  return MG_OK;
}

int mg_atomic_open(mg_atomic *a, const char *path, mg_err *err) {
  memset(a, 0, sizeof *a);
  /* The rename would replace whatever the name is: never a device, FIFO,
   * directory or a link to one (as root, --json /dev/null would delete
   * the node). */
  int rc = mg_atomic_target_check(path, err);
  if (rc)
    return rc;
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

int mg_atomic_sync(mg_atomic *a, mg_err *err) {
  int rc = MG_OK;
  errno = 0;
  if (fflush(a->fp) != 0 || ferror(a->fp) || fsync(fileno(a->fp)) != 0)
    rc = mg_fail(err, MG_ERR_IO, "%s: write failed: %s", a->path, strerror(errno ? errno : EIO));
  if (fclose(a->fp) != 0 && !rc)
    rc = mg_fail(err, MG_ERR_IO, "%s: write failed: %s", a->path, strerror(errno));
  a->fp = NULL;
  if (rc)
    mg_atomic_abort(a);
  return rc;
}

int mg_atomic_publish(mg_atomic *a, mg_err *err) {
  int rc = mg_atomic_target_check(a->path, err); /* it may have appeared meanwhile */
  if (!rc && rename(a->tmp, a->path) != 0)
    rc = mg_fail(err, MG_ERR_IO, "%s: rename failed: %s", a->path, strerror(errno));
  if (rc)
    unlink(a->tmp);
  free(a->tmp);
  free(a->path);
  a->tmp = a->path = NULL;
  return rc;
}

int mg_atomic_commit(mg_atomic *a, mg_err *err) {
  int rc = mg_atomic_sync(a, err);
  return rc ? rc : mg_atomic_publish(a, err);
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
  errno = 0;
  if (len && fwrite(data, 1, len, a.fp) != len) {
    int e = errno ? errno : EIO;
    mg_atomic_abort(&a);
    return mg_fail(err, MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
  }
  return mg_atomic_commit(&a, err);
}
