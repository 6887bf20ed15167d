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

int mg_report_xslt_render(xmlDocPtr doc, const char *stylesheet, char **buf, size_t *len,
                          mg_err *err) {
  *buf = NULL;
  *len = 0;
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
  xmlChar *text = NULL;
  int n = 0;
  if (!out || tctx->state != XSLT_STATE_OK)
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: the stylesheet failed on the results", stylesheet);
  else if (xsltSaveResultToString(&text, &n, out, style) < 0 || n < 0)
    rc = mg_fail(err, MG_ERR_NOMEM, "%s: cannot serialise the result", stylesheet);
  else if (!(*buf = malloc((size_t)n + 1)))
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  else {
    if (n)
      memcpy(*buf, text, (size_t)n);
    (*buf)[n] = '\0';
    *len = (size_t)n;
  }
  xmlFree(text);
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

int mg_report_xslt_write(xmlDocPtr doc, const char *stylesheet, const char *path, mg_err *err) {
  char *buf;
  size_t len;
  int rc = mg_report_xslt_render(doc, stylesheet, &buf, &len, err);
  if (!rc)
    rc = mg_atomic_write(path, buf, len, err);
  free(buf);
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

int mg_report_xml_render(xmlDocPtr doc, char **buf, size_t *len, mg_err *err) {
  xmlChar *text = NULL;
  int n = 0;
  *buf = NULL;
  xmlDocDumpFormatMemoryEnc(doc, &text, &n, "UTF-8", 1);
  if (!text || n < 0 || !(*buf = malloc((size_t)n + 1))) {
    xmlFree(text);
    return mg_fail(err, MG_ERR_NOMEM, "cannot serialise the XML results: out of memory");
  }
  memcpy(*buf, text, (size_t)n);
  (*buf)[n] = '\0';
  *len = (size_t)n;
  xmlFree(text);
  return MG_OK;
}

int mg_report_view_render(xmlDocPtr doc, const char *view, const char *const *stylesheets,
                          size_t n_stylesheets, char **buf, size_t *len, mg_err *err) {
  char *sheet = stylesheet_for(view, stylesheets, n_stylesheets);
  int rc = sheet ? mg_report_xslt_render(doc, sheet, buf, len, err)
                 : mg_fail(err, MG_ERR_NOMEM, "out of memory");
  free(sheet);
  return rc;
}
