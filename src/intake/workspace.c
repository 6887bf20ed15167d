/* Workspace creation, confined file creation, and removal. */
#include "config.h"

#include "workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "path.h"
#include "base/signals.h"

static int dir_is_empty(const char *path) {
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return 0;
  DIR *d = fdopendir(fd);
  if (!d) {
    close(fd);
    return 0;
  }
  int empty = 1;
  struct dirent *e;
  while (empty && (e = readdir(d)))
    empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
  closedir(d);
  return empty;
}

int mg_workspace_create(mg_workspace *ws, const char *keep_dir, mg_err *err) {
  memset(ws, 0, sizeof *ws);
  ws->fd = -1;
  char *dir;
  if (keep_dir) {
    if (mkdir(keep_dir, 0700) != 0) {
      if (errno != EEXIST || !dir_is_empty(keep_dir))
        return mg_fail(err, MG_ERR_IO, "--keep-workspace %s: must be a new or empty directory (%s)",
                       keep_dir, errno == EEXIST ? "not empty" : strerror(errno));
    }
    dir = realpath(keep_dir, NULL);
    if (!dir)
      return mg_fail(err, MG_ERR_IO, "%s: %s", keep_dir, strerror(errno));
    ws->keep = 1;
  } else {
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp)
      tmp = "/tmp";
    char tmpl[4096];
    if (snprintf(tmpl, sizeof tmpl, "%s/modelgate.XXXXXX", tmp) >= (int)sizeof tmpl)
      return mg_fail(err, MG_ERR_ARGS, "TMPDIR is too long");
    if (!mkdtemp(tmpl))
      return mg_fail(err, MG_ERR_IO, "cannot create a workspace in %s: %s", tmp, strerror(errno));
    dir = realpath(tmpl, NULL);
    if (!dir) {
      rmdir(tmpl);
      return mg_fail(err, MG_ERR_IO, "%s: %s", tmpl, strerror(errno));
    }
  }
  ws->root = dir;
  ws->package_dir = mg_path_join(dir, "package");
  ws->cache_dir = mg_path_join(dir, "cache");
  if (!ws->package_dir || !ws->cache_dir || chmod(dir, 0700) != 0 ||
      mkdir(ws->package_dir, 0700) != 0 || mkdir(ws->cache_dir, 0700) != 0 ||
      (ws->fd = open(ws->package_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW)) < 0) {
    int e = errno;
    mg_workspace_destroy(ws);
    return mg_fail(err, MG_ERR_IO, "workspace %s: %s", dir, strerror(e));
  }
  if (!ws->keep)
    mg_signals_register_workspace(ws->root);
  return MG_OK;
}

/* Walks rel's parent components under the workspace, creating them, and
 * returns a descriptor of the last directory plus the leaf name. */
static int open_parent(mg_workspace *ws, const char *rel, int create, int *dirfd, const char **leaf,
                       mg_err *err) {
  int fd = dup(ws->fd);
  if (fd < 0)
    return mg_fail(err, MG_ERR_IO, "workspace: %s", strerror(errno));
  const char *p = rel;
  for (;;) {
    const char *slash = strchr(p, '/');
    if (!slash)
      break;
    char comp[256];
    size_t n = (size_t)(slash - p);
    if (n == 0 || n >= sizeof comp) {
      close(fd);
      return mg_fail(err, MG_ERR_UNSAFE, "%s: bad path component", rel);
    }
    memcpy(comp, p, n);
    comp[n] = '\0';
    if (create && mkdirat(fd, comp, 0700) != 0 && errno != EEXIST) {
      int e = errno;
      close(fd);
      return mg_fail(err, MG_ERR_IO, "%s: %s", rel, strerror(e));
    }
    int next = openat(fd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    int e = errno;
    close(fd);
    if (next < 0)
      return mg_fail(err, e == ENOTDIR || e == ELOOP ? MG_ERR_UNSAFE : MG_ERR_IO, "%s: '%s' %s",
                     rel, comp,
                     e == ENOTDIR || e == ELOOP ? "is a file, not a directory" : strerror(e));
    fd = next;
    p = slash + 1;
  }
  *dirfd = fd;
  *leaf = p;
  return MG_OK;
}

int mg_workspace_create_file(mg_workspace *ws, const char *rel, int *out, mg_err *err) {
  int dfd;
  const char *leaf;
  int rc = open_parent(ws, rel, 1, &dfd, &leaf, err);
  if (rc)
    return rc;
  int fd = openat(dfd, leaf, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int e = errno;
  close(dfd);
  if (fd < 0)
    return mg_fail(err, e == EEXIST ? MG_ERR_UNSAFE : MG_ERR_IO, "%s: %s", rel,
                   e == EEXIST ? "already exists (duplicate or colliding name)" : strerror(e));
  *out = fd;
  return MG_OK;
}

int mg_workspace_mkdir(mg_workspace *ws, const char *rel, mg_err *err) {
  int dfd;
  const char *leaf;
  int rc = open_parent(ws, rel, 1, &dfd, &leaf, err);
  if (rc)
    return rc;
  struct stat st;
  if (mkdirat(dfd, leaf, 0700) != 0 &&
      (errno != EEXIST || fstatat(dfd, leaf, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
       !S_ISDIR(st.st_mode))) {
    int e = errno;
    close(dfd);
    return mg_fail(err, MG_ERR_UNSAFE, "%s: cannot create directory (%s)", rel,
                   e == EEXIST ? "a file has that name" : strerror(e));
  }
  close(dfd);
  return MG_OK;
}

int mg_workspace_open(const mg_workspace *ws, const char *rel, int *out, mg_err *err) {
  int dfd;
  const char *leaf;
  int rc = open_parent((mg_workspace *)ws, rel, 0, &dfd, &leaf, err);
  if (rc)
    return rc;
  int fd = openat(dfd, leaf, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int e = errno;
  close(dfd);
  if (fd < 0)
    return mg_fail(err, e == ENOENT ? MG_ERR_NOT_FOUND : MG_ERR_IO, "%s: %s", rel, strerror(e));
  *out = fd;
  return MG_OK;
}

char *mg_workspace_path(const mg_workspace *ws, const char *rel) {
  return mg_path_join(ws->package_dir, rel);
}

void mg_workspace_destroy(mg_workspace *ws) {
  if (ws->fd >= 0)
    close(ws->fd);
  ws->fd = -1;
  if (ws->root && !ws->keep) {
    mg_remove_tree(ws->root);
    mg_signals_unregister_workspace(ws->root);
  }
  free(ws->root);
  free(ws->package_dir);
  free(ws->cache_dir);
  ws->root = ws->package_dir = ws->cache_dir = NULL;
}
