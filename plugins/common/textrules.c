/* See textrules.h. */
#include "config.h"

#include "textrules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include "xmlerr.h"

static void quiet(void *user, xmlErrorPtr e) {
  (void)user;
  (void)e;
}

static char *dup_xml(const xmlChar *s) {
  return strdup(s ? (const char *)s : "");
}

static int add_entry(tr_list *l, xmlNodePtr n) {
  tr_entry *g = realloc(l->entries, (l->n + 1) * sizeof *g);
  if (!g)
    return MG_ERR_NOMEM;
  l->entries = g;
  tr_entry *e = &l->entries[l->n++];
  memset(e, 0, sizeof *e);
  e->line = xmlGetLineNo(n);
  e->element = dup_xml(n->name);
  if (!e->element)
    return MG_ERR_NOMEM;
  for (xmlAttrPtr a = n->properties; a && e->n_attrs < TR_MAX_ATTRS; a = a->next) {
    xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);
    e->names[e->n_attrs] = dup_xml(a->name);
    e->values[e->n_attrs] = dup_xml(v);
    xmlFree(v);
    if (!e->names[e->n_attrs] || !e->values[e->n_attrs])
      return MG_ERR_NOMEM;
    e->n_attrs++;
  }
  return MG_OK;
}

int tr_load(const mg_services *svc, mg_plugin_ctx *ctx, const char *name, tr_list *out, char *msg,
            size_t msg_size) {
  memset(out, 0, sizeof *out);
  const char *dir = svc->option(ctx, "rules-dir");
  char path[4096], schema[4096];
  if (!dir)
    dir = ".";
  if ((size_t)snprintf(path, sizeof path, "%s/%s.xml", dir, name) >= sizeof path ||
      (size_t)snprintf(schema, sizeof schema, "%s/%s.rng", dir, name) >= sizeof schema) {
    snprintf(msg, msg_size, "%s/%s.xml: path too long", dir, name);
    return MG_ERR_ARGS;
  }
  return tr_load_file(path, schema, out, msg, msg_size);
}

int tr_load_file(const char *path, const char *schema, tr_list *out, char *msg, size_t msg_size) {
  memset(out, 0, sizeof *out);
  out->path = strdup(path);
  mg_xml_errbuf eb = {msg, msg_size, 0, path};
  xmlSetStructuredErrorFunc(&eb, mg_xml_capture);
  xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
  xmlDocPtr sdoc = NULL;
  xmlRelaxNGParserCtxtPtr pctx = NULL;
  xmlRelaxNGPtr rng = NULL;
  xmlRelaxNGValidCtxtPtr vctx = NULL;
  int rc = MG_OK;
  if (!doc) {
    if (!eb.set)
      snprintf(msg, msg_size, "%s: cannot be read", path);
    rc = MG_ERR_FORMAT;
    goto done;
  }
  eb.file = schema;
  sdoc = xmlReadFile(schema, NULL, XML_PARSE_NONET);
  if (!sdoc || !(pctx = xmlRelaxNGNewDocParserCtxt(sdoc)) || !(rng = xmlRelaxNGParse(pctx)) ||
      !(vctx = xmlRelaxNGNewValidCtxt(rng))) {
    if (!eb.set)
      snprintf(msg, msg_size, "%s: not a usable RELAX NG schema", schema);
    rc = MG_ERR_FORMAT;
    goto done;
  }
  eb.file = path;
  xmlRelaxNGSetValidStructuredErrors(vctx, mg_xml_capture, &eb);
  if (xmlRelaxNGValidateDoc(vctx, doc) != 0) {
    if (!eb.set)
      snprintf(msg, msg_size, "%s: does not match %s", path, schema);
    rc = MG_ERR_FORMAT;
    goto done;
  }
  for (xmlNodePtr n = xmlDocGetRootElement(doc)->children; n && !rc; n = n->next)
    if (n->type == XML_ELEMENT_NODE)
      rc = add_entry(out, n);
  if (rc)
    snprintf(msg, msg_size, "%s: out of memory", path);
done:
  xmlSetStructuredErrorFunc(NULL, quiet);
  if (vctx)
    xmlRelaxNGFreeValidCtxt(vctx);
  if (rng)
    xmlRelaxNGFree(rng);
  if (pctx)
    xmlRelaxNGFreeParserCtxt(pctx);
  xmlFreeDoc(sdoc);
  xmlFreeDoc(doc);
  if (rc)
    tr_free(out);
  return rc;
}

const char *tr_attr(const tr_entry *e, const char *name) {
  for (size_t i = 0; i < e->n_attrs; i++)
    if (!strcmp(e->names[i], name))
      return e->values[i];
  return NULL;
}

void tr_free(tr_list *l) {
  for (size_t i = 0; i < l->n; i++) {
    free(l->entries[i].element);
    for (size_t k = 0; k < l->entries[i].n_attrs; k++) {
      free(l->entries[i].names[k]);
      free(l->entries[i].values[k]);
    }
  }
  free(l->entries);
  free(l->path);
  memset(l, 0, sizeof *l);
}
