/* Corpus generation and finding look-ups for the unsafe-artifact tests. */
#include "config.h"

#include "corpus_util.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *cu_srcdir(void) {
  const char *s = getenv("TOP_SRCDIR");
  return s && *s ? s : ".";
}

const char *cu_rules_dir(void) {
  static char buf[4096];
  snprintf(buf, sizeof buf, "%s/rules", cu_srcdir());
  return buf;
}

char *cu_make_corpus(void) {
  const char *py = getenv("DEBIAN_PYTHON3");
  if (!py || !*py)
    py = "/usr/bin/python3";
  if (access(py, X_OK))
    return NULL;
  char tmpl[] = "/tmp/mg-unsafe-XXXXXX";
  if (!mkdtemp(tmpl))
    return NULL;
  char script[4096];
  snprintf(script, sizeof script, "%s/tests/plugins/common/gen_corpus.py", cu_srcdir());
  pid_t pid = fork();
  if (pid == 0) {
    execl(py, py, script, tmpl, (char *)NULL);
    _exit(127);
  }
  int st = 0;
  if (pid < 0 || waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
    fprintf(stderr, "corpus generation failed (%s %s)\n", py, script);
    cu_remove_tree(tmpl);
    exit(1); /* a broken generator is a failure, not a skip */
  }
  return strdup(tmpl);
}

static int rm_one(const char *p, const struct stat *sb, int type, struct FTW *ftw) {
  (void)sb, (void)type, (void)ftw;
  return remove(p);
}

void cu_remove_tree(const char *dir) {
  if (dir && !getenv("MG_KEEP_CORPUS"))
    nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

int cu_rank(json_t *f) {
  static const char *const n[] = {"info", "low", "medium", "high", "critical"};
  const char *s = json_string_value(json_object_get(f, "severity"));
  for (int i = 0; i < 5; i++)
    if (s && !strcmp(s, n[i]))
      return i;
  return -1;
}

char *cu_dump(json_t *findings) {
  json_t *small = json_array();
  size_t i;
  json_t *f;
  json_array_foreach(findings, i, f) {
    json_array_append_new(
        small, json_pack("{s:O, s:O, s:O, s:O}", "severity", json_object_get(f, "severity"),
                         "artifact", json_object_get(f, "artifact"), "location",
                         json_object_get(f, "location"), "title", json_object_get(f, "title")));
  }
  char *s = json_dumps(small, JSON_COMPACT);
  json_decref(small);
  return s;
}
