/* The canonical XML results document and the views made from it. */
#ifndef MG_REPORT_XML_H
#define MG_REPORT_XML_H

#include <libxml/tree.h>

#include "base/diag.h"
#include "verdict/results.h"

xmlDocPtr mg_report_xml_build(const mg_results *r);
/* Applies an XSLT stylesheet to doc and writes the result atomically. */
int mg_report_xslt_write(xmlDocPtr doc, const char *stylesheet, const char *path, mg_err *err);

/* SARIF 2.1.0 from the same results (report_sarif.c). */
int mg_report_sarif_write(const mg_results *r, const char *path, mg_err *err);

#endif
