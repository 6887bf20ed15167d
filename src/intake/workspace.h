/* The private directory a package is unpacked into. It is created 0700,
 * files in it are 0600 and never executable, nothing in it is followed as a
 * link, and it is removed at exit and on SIGINT/SIGTERM unless the user
 * asked to keep it. */
#ifndef MG_WORKSPACE_H
#define MG_WORKSPACE_H

#include "base/diag.h"

typedef struct mg_workspace {
  char *root;        /* absolute path of the workspace */
  char *package_dir; /* root/package: the unpacked package, nothing else */
  char *cache_dir;   /* root/cache: decompressed datasets and other scratch */
  int fd;            /* O_DIRECTORY descriptor of package_dir */
  int keep;          /* 1: leave it in place at exit (--keep-workspace) */
} mg_workspace;

/* keep_dir NULL: a fresh directory under $TMPDIR. Otherwise keep_dir, which
 * must not exist or be empty, and is left in place. */
int mg_workspace_create(mg_workspace *ws, const char *keep_dir, mg_err *err);
/* Paths below are relative to package_dir. Creates rel (and its parent
 * directories) for writing; refuses to reuse or
 * follow anything that exists. */
int mg_workspace_create_file(mg_workspace *ws, const char *rel, int *fd, mg_err *err);
int mg_workspace_mkdir(mg_workspace *ws, const char *rel, mg_err *err);
/* Opens rel for reading without following links. */
int mg_workspace_open(const mg_workspace *ws, const char *rel, int *fd, mg_err *err);
/* Absolute path of rel inside package_dir (malloc'd). */
char *mg_workspace_path(const mg_workspace *ws, const char *rel);
/* Removes it (unless keep) and releases the struct; safe to call twice. */
void mg_workspace_destroy(mg_workspace *ws);

#endif
