/* Writing the XML results and its XSLT views (JUnit, HTML). Stylesheets
 * are data a team may replace (--stylesheet junit=FILE), so they run with
 * libxslt's security preferences forbidding file reads (document()),
 * file writes and network access: a stylesheet can shape the report,
 * nothing else. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "base/atomic_file.h"
#include "base/paths.h"
#include "report.h"
#include "report_xml.h"

static void quiet(void *ctx, const char *msg, ...) {
  (void)ctx;
  (void)msg;
}

int mg_report_xslt_write(xmlDocPtr doc, const char *stylesheet, const char *path, mg_err *err) {
  xsltSecurityPrefsPtr prefs = xsltNewSecurityPrefs();
  if (!prefs)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_FILE, xsltSecurityForbid);
  xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid);
  xsltSetSecurityPrefs(prefs, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid);
  xsltSetSecurityPrefs(prefs, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid);
  xsltSetSecurityPrefs(prefs, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid);
  /* Our message below names the file; libxml2's own would be noise. */
  xmlSetGenericErrorFunc(NULL, quiet);
  xsltSetGenericErrorFunc(NULL, quiet);
  xsltStylesheetPtr style = xsltParseStylesheetFile(BAD_CAST stylesheet);
  int rc = MG_OK;
  if (!style) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: not a usable XSLT stylesheet", stylesheet);
    goto done;
  }
  xsltTransformContextPtr tctx = xsltNewTransformContext(style, doc);
  if (!tctx) {
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
    goto done;
  }
  xsltSetCtxtSecurityPrefs(prefs, tctx);
  xmlDocPtr out = xsltApplyStylesheetUser(style, doc, NULL, NULL, NULL, tctx);
  if (!out || tctx->state != XSLT_STATE_OK) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: the stylesheet failed on the results", stylesheet);
  } else {
    mg_atomic a;
    rc = mg_atomic_open(&a, path, err);
    if (!rc && xsltSaveResultToFile(a.fp, out, style) < 0) {
      mg_atomic_abort(&a);
      rc = mg_fail(err, MG_ERR_IO, "%s: write failed", path);
    } else if (!rc) {
      rc = mg_atomic_commit(&a, err);
    }
  }
  xmlFreeDoc(out);
  xsltFreeTransformContext(tctx);
done:
  xmlSetGenericErrorFunc(NULL, NULL);
  xsltSetGenericErrorFunc(NULL, NULL);
  if (style)
    xsltFreeStylesheet(style);
  xsltFreeSecurityPrefs(prefs);
  return rc;
}

/* The stylesheet for a view: --stylesheet NAME=FILE, else the shipped one. */
static char *stylesheet_for(const char *view, const char *const *overrides, size_t n) {
  size_t vl = strlen(view);
  for (size_t i = n; i-- > 0;)
    if (!strncmp(overrides[i], view, vl) && overrides[i][vl] == '=')
      return strdup(overrides[i] + vl + 1);
  const char *dir = mg_paths_reports(NULL);
  size_t len = strlen(dir) + vl + 6;
  char *p = malloc(len);
  if (p)
    snprintf(p, len, "%s/%s.xsl", dir, view);
  return p;
}

static int write_xml(xmlDocPtr doc, const char *path, mg_err *err) {
  mg_atomic a;
  int rc = mg_atomic_open(&a, path, err);
  if (rc)
    return rc;
  if (xmlDocFormatDump(a.fp, doc, 1) < 0) {
    mg_atomic_abort(&a);
    return mg_fail(err, MG_ERR_IO, "%s: write failed", path);
  }
  return mg_atomic_commit(&a, err);
}

int mg_reports_write_extra(const mg_results *r, const char *rules_dir, const char *xml,
                           const char *junit, const char *html, const char *sarif,
                           const char *const *stylesheets, size_t n_stylesheets, mg_err *err) {
  (void)rules_dir;
  for (size_t i = 0; i < n_stylesheets; i++)
    if (strncmp(stylesheets[i], "junit=", 6) && strncmp(stylesheets[i], "html=", 5))
      return mg_fail(err, MG_ERR_ARGS, "--stylesheet %s: expected junit=FILE or html=FILE",
                     stylesheets[i]);
  int first = MG_OK;
  if (xml || junit || html) {
    xmlDocPtr doc = mg_report_xml_build(r);
    if (!doc)
      return mg_fail(err, MG_ERR_NOMEM, "out of memory building the XML results");
    const struct { const char *view, *path; } views[] = {{"junit", junit}, {"html", html}};
    if (xml)
      first = write_xml(doc, xml, err);
    for (size_t i = 0; i < 2; i++) {
      if (!views[i].path)
        continue;
      char *sheet = stylesheet_for(views[i].view, stylesheets, n_stylesheets);
      int rc = sheet ? mg_report_xslt_write(doc, sheet, views[i].path, err)
                     : mg_fail(err, MG_ERR_NOMEM, "out of memory");
      free(sheet);
      first = first ? first : rc;
    }
    xmlFreeDoc(doc);
  }
  if (sarif) {
    int rc = mg_report_sarif_write(r, sarif, err);
    first = first ? first : rc;
  }
  return first;
}
