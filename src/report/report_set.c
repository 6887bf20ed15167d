/* See report_set.h. */
#include "config.h"

#include "report_set.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/atomic_file.h"
#include "report.h"
#include "report_xml.h"

static const struct {
  const char *option, *name;
} kinds[MG_REPORT_KINDS] = {{"--json", "JSON"},
                            {"--xml", "XML"},
                            {"--junit", "JUnit"},
                            {"--html", "HTML"},
                            {"--sarif", "SARIF"}};

const char *mg_report_option(mg_report_kind k) {
  return (unsigned)k < MG_REPORT_KINDS ? kinds[k].option : "?";
}

static int is_stdout(const char *path) {
  return path && !strcmp(path, "-");
}

int mg_report_set_uses_stdout(const mg_report_set *s) {
  for (int k = 0; k < MG_REPORT_KINDS; k++)
    if (is_stdout(s->path[k]))
      return 1;
  return 0;
}

/* The report's directory exists: else the scan would run for nothing. */
static int check_dir(const char *opt, const char *path, mg_err *err) {
  const char *slash = strrchr(path, '/');
  if (!slash)
    return MG_OK;
  size_t n = slash == path ? 1 : (size_t)(slash - path);
  char *dir = strndup(path, n);
  struct stat st;
  int rc = MG_OK;
  if (!dir)
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  else if (stat(dir, &st) != 0)
    rc = mg_fail(err, MG_ERR_ARGS, "%s %s: directory %s: %s", opt, path, dir, strerror(errno));
  else if (!S_ISDIR(st.st_mode))
    rc = mg_fail(err, MG_ERR_ARGS, "%s %s: %s is not a directory", opt, path, dir);
  free(dir);
  return rc;
}

int mg_report_set_check(const mg_report_set *s, mg_err *err) {
  for (int k = 0; k < MG_REPORT_KINDS; k++) {
    const char *p = s->path[k], *opt = kinds[k].option;
    if (!p)
      continue;
    if (!*p)
      return mg_fail(err, MG_ERR_ARGS, "%s: empty path", opt);
    for (int j = 0; j < k; j++)
      if (s->path[j] && !strcmp(s->path[j], p))
        return mg_fail(err, MG_ERR_ARGS, "%s %s and %s %s: two reports cannot share %s",
                       kinds[j].option, p, opt, p, is_stdout(p) ? "standard output" : "one file");
    if (is_stdout(p))
      continue;
    mg_err why;
    mg_err_clear(&why);
    if (mg_atomic_target_check(p, &why))
      return mg_fail(err, MG_ERR_ARGS, "%s %s%s", opt, why.msg,
                     !strncmp(p, "/dev/std", 8) ? " (use - for standard output)" : "");
    if (check_dir(opt, p, err))
      return MG_ERR_ARGS;
  }
  return MG_OK;
}

/* One pass: each report rendered into memory. why[k] is set for a report
 * that could not be rendered. */
static void render_all(const mg_results *r, const mg_report_set *s, char **buf, size_t *len,
                       mg_err *why) {
  xmlDocPtr doc = NULL;
  if (s->path[MG_REPORT_XML] || s->path[MG_REPORT_JUNIT] || s->path[MG_REPORT_HTML])
    doc = mg_report_xml_build(r);
  for (int k = 0; k < MG_REPORT_KINDS; k++) {
    if (!s->path[k])
      continue;
    if (!doc && (k == MG_REPORT_XML || k == MG_REPORT_JUNIT || k == MG_REPORT_HTML)) {
      mg_fail(&why[k], MG_ERR_NOMEM, "out of memory building the XML results");
      continue;
    }
    switch (k) {
    case MG_REPORT_JSON:
      mg_report_json_render(mg_report_json_build(r), "JSON", &buf[k], &len[k], &why[k]);
      break;
    case MG_REPORT_SARIF:
      mg_report_json_render(mg_report_sarif_build(r), "SARIF", &buf[k], &len[k], &why[k]);
      break;
    case MG_REPORT_XML:
      mg_report_xml_render(doc, &buf[k], &len[k], &why[k]);
      break;
    default:
      mg_report_view_render(doc, k == MG_REPORT_JUNIT ? "junit" : "html", s->stylesheets,
                            s->n_stylesheets, &buf[k], &len[k], &why[k]);
    }
  }
  xmlFreeDoc(doc);
}

/* Writes a staged temporary (not yet over the target). */
static int stage(mg_atomic *a, const char *path, const char *buf, size_t len, mg_err *err) {
  int rc = mg_atomic_open(a, path, err);
  if (rc)
    return rc;
  errno = 0;
  if (len && fwrite(buf, 1, len, a->fp) != len) {
    int e = errno ? errno : EIO;
    mg_atomic_abort(a);
    return mg_fail(err, MG_ERR_IO, "%s: write failed: %s", path, strerror(e));
  }
  return mg_atomic_sync(a, err);
}

static int write_stdout(FILE *out, const char *buf, size_t len, mg_err *err) {
  errno = 0;
  if ((len && fwrite(buf, 1, len, out) != len) || fflush(out) != 0 || ferror(out))
    return mg_fail(err, MG_ERR_IO, "standard output: write failed: %s",
                   strerror(errno ? errno : EIO));
  return MG_OK;
}

/* The scan's error gains "could not write the HTML report: ...". */
static void record_failure(mg_results *r, mg_report_kind k, const mg_err *why) {
  char line[1400];
  snprintf(line, sizeof line, "could not write the %s report: %s", kinds[k].name, why->msg);
  if (!r->error) {
    mg_err e;
    mg_err_clear(&e);
    mg_fail(&e, why->code ? why->code : MG_ERR_IO, "%s", line);
    mg_results_set_error(r, &e);
  } else if (!strstr(r->error, line)) {
    size_t n = strlen(r->error) + strlen(line) + 3;
    char *joined = malloc(n);
    if (joined) {
      snprintf(joined, n, "%s; %s", r->error, line);
      free(r->error);
      r->error = joined;
    }
  }
  mg_results_decide(r);
}

int mg_report_set_write(mg_results *r, const mg_report_set *s, FILE *out) {
  int not_written = 0;
  /* The second pass runs only when the first failed: the reports then say
   * why, and whatever still fails is only counted. */
  for (int pass = 0; pass < 2; pass++) {
    char *buf[MG_REPORT_KINDS] = {0};
    size_t len[MG_REPORT_KINDS] = {0};
    mg_err why[MG_REPORT_KINDS];
    mg_atomic staged[MG_REPORT_KINDS];
    int have[MG_REPORT_KINDS] = {0}, failed = 0;
    for (int k = 0; k < MG_REPORT_KINDS; k++)
      mg_err_clear(&why[k]);
    render_all(r, s, buf, len, why);
    for (int k = 0; k < MG_REPORT_KINDS; k++)
      if (buf[k] && !is_stdout(s->path[k]))
        have[k] = !stage(&staged[k], s->path[k], buf[k], len[k], &why[k]);
    for (int k = 0; k < MG_REPORT_KINDS; k++)
      failed += s->path[k] && why[k].code;
    /* Standard output cannot be taken back: it is written once the files
     * are known to be writable, and before they are published. */
    for (int k = 0; k < MG_REPORT_KINDS; k++)
      if (buf[k] && is_stdout(s->path[k]) && (!failed || pass))
        failed += write_stdout(out, buf[k], len[k], &why[k]) != MG_OK;
    int retry = failed && pass == 0;
    not_written = 0;
    for (int k = 0; k < MG_REPORT_KINDS; k++) {
      if (have[k] && retry)
        mg_atomic_abort(&staged[k]);
      else if (have[k] && mg_atomic_publish(&staged[k], &why[k]))
        have[k] = 0;
      if (s->path[k] && why[k].code)
        record_failure(r, (mg_report_kind)k, &why[k]);
      not_written += s->path[k] && (why[k].code || (!have[k] && !is_stdout(s->path[k])));
      free(buf[k]);
    }
    if (!retry)
      break;
  }
  return not_written;
}
