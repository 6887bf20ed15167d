/* Resolution of the data directories. */
#include "config.h"

#include "paths.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* 1 when the running executable lives in the build tree (make, make check
 * and the README's demo run it from there, before `make install`). */
static int running_from_build_tree(void) {
  static int cached = -1;
  if (cached >= 0)
    return cached;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  cached = 0;
  if (n > 0) {
    exe[n] = '\0';
    size_t b = strlen(MG_BUILD_DIR);
    cached = strncmp(exe, MG_BUILD_DIR, b) == 0 && exe[b] == '/';
  }
  return cached;
}

static const char *pick(const char *flag, const char *env, const char *build,
                        const char *installed) {
  if (flag)
    return flag;
  const char *e = getenv(env);
  if (e && *e)
    return e;
  return running_from_build_tree() ? build : installed;
}

const char *mg_paths_plugins(const char *flag) {
  return pick(flag, "MODELGATE_PLUGIN_DIR", MG_BUILD_DIR "/plugins/.libs", MG_PLUGIN_DIR);
}

const char *mg_paths_rules(const char *flag) {
  return pick(flag, "MODELGATE_RULES_DIR", MG_SOURCE_DIR "/rules", MG_RULES_DIR);
}

const char *mg_paths_reports(const char *flag) {
  return pick(flag, "MODELGATE_REPORTS_DIR", MG_SOURCE_DIR "/reports", MG_REPORTS_DIR);
}

int mg_paths_check_input(const char *opt, const char *path, int dir, mg_err *err) {
  struct stat st;
  if (stat(path, &st) != 0)
    return mg_fail(err, MG_ERR_ARGS, "%s %s: %s", opt, path, strerror(errno));
  if (dir == 1 && !S_ISDIR(st.st_mode))
    return mg_fail(err, MG_ERR_ARGS, "%s %s: not a directory", opt, path);
  if (dir == 0 && S_ISDIR(st.st_mode))
    return mg_fail(err, MG_ERR_ARGS, "%s %s: is a directory", opt, path);
  if (access(path, R_OK) != 0)
    return mg_fail(err, MG_ERR_ARGS, "%s %s: %s", opt, path, strerror(errno));
  return MG_OK;
}
