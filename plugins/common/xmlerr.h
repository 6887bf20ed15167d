/* libxml2's first error as one line "FILE:LINE: message", for the rules
 * loaders (textrules.c, pickle-code's pickle_rules.c). Install with
 * xmlSetStructuredErrorFunc(&buf, mg_xml_capture) and the RELAX NG
 * Set*StructuredErrors calls; file names the document when libxml2 does
 * not (a schema parsed from memory, a validation error). Header only: the
 * users link different convenience libraries. */
#ifndef MG_PLUGINS_XMLERR_H
#define MG_PLUGINS_XMLERR_H

#include <stdio.h>
#include <string.h>

#include <libxml/xmlerror.h>

typedef struct mg_xml_errbuf {
  char *msg;
  size_t size;
  int set; /* the first error is kept: later ones follow from it */
  const char *file;
} mg_xml_errbuf;

static inline void mg_xml_capture(void *user, xmlErrorPtr e) {
  mg_xml_errbuf *b = user;
  if (b->set || !e)
    return;
  b->set = 1;
  char text[400];
  snprintf(text, sizeof text, "%s", e->message ? e->message : "invalid");
  size_t l = strlen(text);
  while (l && (text[l - 1] == '\n' || text[l - 1] == ' '))
    text[--l] = '\0';
  snprintf(b->msg, b->size, "%s:%d: %s", e->file ? e->file : b->file, e->line, text);
}

#endif
