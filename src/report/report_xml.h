/* The canonical XML results document and the views made from it. */
#ifndef MG_REPORT_XML_H
#define MG_REPORT_XML_H

#include <jansson.h>
#include <libxml/tree.h>

#include "base/diag.h"
#include "verdict/results.h"

xmlDocPtr mg_report_xml_build(const mg_results *r);
/* Applies an XSLT stylesheet to doc into a malloc'd buffer (stylesheets
 * may not read or write files or the network), or writes the result
 * atomically. */
int mg_report_xslt_render(xmlDocPtr doc, const char *stylesheet, char **buf, size_t *len,
                          mg_err *err);
int mg_report_xslt_write(xmlDocPtr doc, const char *stylesheet, const char *path, mg_err *err);
/* The view ("junit", "html") through its stylesheet: --stylesheet
 * VIEW=FILE among stylesheets (the last wins), else the shipped one. */
int mg_report_view_render(xmlDocPtr doc, const char *view, const char *const *stylesheets,
                          size_t n_stylesheets, char **buf, size_t *len, mg_err *err);
/* doc itself, indented, into a malloc'd buffer. */
int mg_report_xml_render(xmlDocPtr doc, char **buf, size_t *len, mg_err *err);

/* SARIF 2.1.0 from the same results (report_sarif.c). */
json_t *mg_report_sarif_build(const mg_results *r);
int mg_report_sarif_write(const mg_results *r, const char *path, mg_err *err);

#endif
