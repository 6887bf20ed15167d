/* Loading and validating the rules files with libxml2. Entities are never
 * expanded and nothing is fetched from the network; each file is read
 * within the rules-bytes limit and validated against its RELAX NG schema
 * before a single value is used. */
#include "config.h"

#include "rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>

#define XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOBLANKS)

/* The first libxml2 error, as "file:line: message". */
typedef struct xml_errors {
  char first[768];
} xml_errors;

static void on_xml_error(void *user, xmlErrorPtr e) {
  xml_errors *x = user;
  if (x->first[0] || !e)
    return;
  const char *msg = e->message ? e->message : "error";
  size_t n = strlen(msg);
  while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
    n--;
  snprintf(x->first, sizeof x->first, "%s:%d: %.*s", e->file ? e->file : "?", e->line, (int)n, msg);
}

static char *path_in(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *p = malloc(n);
  if (p)
    snprintf(p, n, "%s/%s", dir, name);
  return p;
}

/* Reads and validates dir/name against dir/schema. */
static int load_xml(const char *dir, const char *name, const char *schema, const mg_limits *lim,
                    xmlDocPtr *out, mg_err *err) {
  *out = NULL;
  char *path = path_in(dir, name), *rng = path_in(dir, schema);
  if (!path || !rng) {
    free(path);
    free(rng);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  int rc = MG_OK;
  struct stat st;
  if (stat(path, &st) != 0)
    rc = mg_fail(err, MG_ERR_IO, "%s: %s", path, strerror(errno));
  else if (!S_ISREG(st.st_mode))
    rc = mg_fail(err, MG_ERR_IO, "%s: not a regular file", path);
  else
    rc = mg_limit_check(lim, MG_LIMIT_RULES_BYTES, (uint64_t)st.st_size, path, err);
  xml_errors x = {""};
  xmlSetStructuredErrorFunc(&x, on_xml_error);
  xmlDocPtr doc = rc ? NULL : xmlReadFile(path, NULL, XML_OPTIONS);
  if (!rc && !doc)
    rc = mg_fail(err, MG_ERR_FORMAT, "%s", x.first[0] ? x.first : path);
  xmlRelaxNGParserCtxtPtr pctx = rc ? NULL : xmlRelaxNGNewParserCtxt(rng);
  xmlRelaxNGPtr grammar = pctx ? xmlRelaxNGParse(pctx) : NULL;
  if (!rc && !grammar)
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: cannot load the schema: %s", rng,
                 x.first[0] ? x.first : "unreadable");
  xmlRelaxNGValidCtxtPtr vctx = grammar ? xmlRelaxNGNewValidCtxt(grammar) : NULL;
  if (vctx) {
    xmlRelaxNGSetValidStructuredErrors(vctx, on_xml_error, &x);
    if (xmlRelaxNGValidateDoc(vctx, doc) != 0)
      rc = mg_fail(err, MG_ERR_FORMAT, "%s", x.first[0] ? x.first : "does not match its schema");
  }
  xmlRelaxNGFreeValidCtxt(vctx);
  xmlRelaxNGFree(grammar);
  xmlRelaxNGFreeParserCtxt(pctx);
  xmlSetStructuredErrorFunc(NULL, NULL);
  free(path);
  free(rng);
  if (rc) {
    xmlFreeDoc(doc);
    return rc;
  }
  *out = doc;
  return MG_OK;
}

static char *attr(xmlNodePtr n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  char *s = v ? strdup((const char *)v) : NULL;
  xmlFree(v);
  return s;
}

static char *text_of(xmlNodePtr n) {
  xmlChar *v = xmlNodeGetContent(n);
  char *s = strdup(v ? (const char *)v : "");
  xmlFree(v);
  return s;
}

static int is(xmlNodePtr n, const char *name) {
  return n->type == XML_ELEMENT_NODE && !xmlStrcmp(n->name, (const xmlChar *)name);
}

static int load_atlas(mg_rules *r, const mg_limits *lim, mg_err *err) {
  xmlDocPtr doc;
  int rc = load_xml(r->dir, "atlas.xml", "atlas.rng", lim, &doc, err);
  if (rc)
    return rc;
  xmlNodePtr root = xmlDocGetRootElement(doc);
  r->atlas_version = attr(root, "version");
  size_t n = 0;
  for (xmlNodePtr c = root->children; c; c = c->next)
    n += is(c, "technique") || is(c, "mitigation");
  r->atlas = calloc(n ? n : 1, sizeof *r->atlas);
  for (xmlNodePtr c = root->children; r->atlas && c; c = c->next) {
    if (!is(c, "technique") && !is(c, "mitigation"))
      continue;
    mg_atlas_entry *e = &r->atlas[r->n_atlas++];
    e->id = attr(c, "id");
    e->name = attr(c, "name");
    e->url = attr(c, "url");
    e->is_mitigation = is(c, "mitigation");
  }
  xmlFreeDoc(doc);
  return r->atlas ? MG_OK : mg_fail(err, MG_ERR_NOMEM, "out of memory");
}

static void add_attr_to(mg_strlist *l, xmlNodePtr n, const char *name) {
  char *v = attr(n, name);
  if (v && !mg_strlist_has(l, v))
    mg_strlist_add(l, v);
  free(v);
}

static int load_checklist(mg_rules *r, const mg_limits *lim, mg_err *err) {
  xmlDocPtr doc;
  int rc = load_xml(r->dir, "checklist.xml", "checklist.rng", lim, &doc, err);
  if (rc)
    return rc;
  xmlNodePtr root = xmlDocGetRootElement(doc);
  size_t n = 0;
  for (xmlNodePtr s = root->children; s; s = s->next)
    for (xmlNodePtr c = is(s, "section") ? s->children : NULL; c; c = c->next)
      n += is(c, "control");
  r->controls = calloc(n ? n : 1, sizeof *r->controls);
  if (!r->controls) {
    xmlFreeDoc(doc);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  char path[4096];
  snprintf(path, sizeof path, "%s/checklist.xml", r->dir);
  for (xmlNodePtr s = root->children; !rc && s; s = s->next) {
    if (!is(s, "section"))
      continue;
    for (xmlNodePtr c = s->children; !rc && c; c = c->next) {
      if (!is(c, "control"))
        continue;
      mg_control_def *d = &r->controls[r->n_controls++];
      d->id = attr(c, "id");
      d->title = attr(c, "title");
      d->section_id = attr(s, "id");
      d->section_title = attr(s, "title");
      if (mg_rules_control(r, d->id) != d)
        rc = mg_fail(err, MG_ERR_FORMAT, "%s:%ld: control %s is defined twice", path,
                     xmlGetLineNo(c), d->id);
      for (xmlNodePtr k = c->children; k; k = k->next) {
        if (is(k, "text"))
          d->text = text_of(k);
        else if (is(k, "how"))
          d->how = text_of(k);
        else if (is(k, "remediation"))
          d->remediation = text_of(k);
        else if (is(k, "atlas"))
          add_attr_to(&d->atlas, k, "technique");
        else if (is(k, "mitigation"))
          add_attr_to(&d->mitigations, k, "id");
        else if (is(k, "evidence")) {
          char *a = attr(k, "attestable");
          d->attestable = a && !strcmp(a, "yes");
          free(a);
          for (xmlNodePtr e = k->children; e; e = e->next) {
            if (is(e, "plugin"))
              add_attr_to(&d->plugins, e, "name");
            else if (is(e, "registry"))
              add_attr_to(&d->registry_checks, e, "check");
            else if (is(e, "core"))
              add_attr_to(&d->core_checks, e, "check");
          }
        }
      }
      /* Every id the checklist cites must be in the catalog it ships with. */
      for (size_t i = 0; !rc && i < d->atlas.count + d->mitigations.count; i++) {
        const char *id =
            i < d->atlas.count ? d->atlas.items[i] : d->mitigations.items[i - d->atlas.count];
        if (!mg_rules_atlas(r, id))
          rc = mg_fail(err, MG_ERR_FORMAT, "%s:%ld: %s cites %s, which atlas.xml does not list",
                       path, xmlGetLineNo(c), d->id, id);
      }
    }
  }
  xmlFreeDoc(doc);
  return rc;
}

static int load_policy(mg_rules *r, const mg_limits *lim, mg_err *err) {
  xmlDocPtr doc;
  int rc = load_xml(r->dir, "policy.xml", "policy.rng", lim, &doc, err);
  if (rc)
    return rc;
  mg_policy *p = &r->policy;
  p->max_epsilon = 10.0;
  char path[4096];
  snprintf(path, sizeof path, "%s/policy.xml", r->dir);
  for (xmlNodePtr c = xmlDocGetRootElement(doc)->children; !rc && c; c = c->next) {
    char *v;
    if (is(c, "fail-on")) {
      v = attr(c, "severity");
      mg_severity_parse(v, &p->fail_on); /* the schema admits only valid names */
      free(v);
    } else if (is(c, "require")) {
      mg_requirement *grown = realloc(p->required, (p->n_required + 1) * sizeof *grown);
      if (!grown) {
        rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
        break;
      }
      p->required = grown;
      mg_requirement *q = &grown[p->n_required++];
      q->control = attr(c, "control");
      v = attr(c, "when");
      q->when = !v                              ? MG_REQUIRE_ALWAYS
                : !strcmp(v, "registry")        ? MG_REQUIRE_REGISTRY
                : !strcmp(v, "scan")            ? MG_REQUIRE_SCAN
                : !strcmp(v, "model-signature") ? MG_REQUIRE_SIGNATURE
                                                : MG_REQUIRE_ALWAYS;
      free(v);
      if (!mg_rules_control(r, q->control))
        rc = mg_fail(err, MG_ERR_FORMAT, "%s:%ld: requires %s, which the checklist does not have",
                     path, xmlGetLineNo(c), q->control);
    } else if (is(c, "dp-sgd")) {
      v = attr(c, "max-epsilon");
      p->max_epsilon = strtod(v, NULL);
      free(v);
    } else if (is(c, "correlate")) {
      p->correlate = 1;
      v = attr(c, "min-plugins");
      p->min_plugins = (unsigned)strtoul(v, NULL, 10);
      free(v);
      v = attr(c, "min-overlap");
      p->min_overlap = strtod(v, NULL);
      free(v);
      v = attr(c, "raise-to");
      mg_severity_parse(v, &p->raise_to);
      free(v);
      v = attr(c, "class-raise-to");
      mg_severity_parse(v, &p->class_raise_to);
      free(v);
      for (xmlNodePtr f = c->children; f; f = f->next) {
        if (!is(f, "family"))
          continue;
        char *name = attr(f, "name"), *list = attr(f, "plugins");
        for (char *save = NULL, *tok = list ? strtok_r(list, " \t\n", &save) : NULL; tok;
             tok = strtok_r(NULL, " \t\n", &save)) {
          mg_strlist_add(&p->family_plugins, tok);
          mg_strlist_add(&p->families, name);
        }
        free(name);
        free(list);
      }
    }
  }
  xmlFreeDoc(doc);
  return rc;
}

int mg_rules_load(const char *dir, const mg_limits *lim, mg_rules *rules, mg_err *err) {
  memset(rules, 0, sizeof *rules);
  if (!(rules->dir = strdup(dir)))
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  int rc = load_atlas(rules, lim, err);
  if (!rc)
    rc = load_checklist(rules, lim, err);
  if (!rc)
    rc = load_policy(rules, lim, err);
  if (rc) /* the caller frees only what loaded */
    mg_rules_free(rules);
  return rc;
}

void mg_rules_free(mg_rules *r) {
  for (size_t i = 0; i < r->n_atlas; i++) {
    free(r->atlas[i].id);
    free(r->atlas[i].name);
    free(r->atlas[i].url);
  }
  for (size_t i = 0; i < r->n_controls; i++) {
    mg_control_def *d = &r->controls[i];
    free(d->id);
    free(d->title);
    free(d->text);
    free(d->how);
    free(d->remediation);
    free(d->section_id);
    free(d->section_title);
    mg_strlist_free(&d->plugins);
    mg_strlist_free(&d->registry_checks);
    mg_strlist_free(&d->core_checks);
    mg_strlist_free(&d->atlas);
    mg_strlist_free(&d->mitigations);
  }
  for (size_t i = 0; i < r->policy.n_required; i++)
    free(r->policy.required[i].control);
  free(r->policy.required);
  mg_strlist_free(&r->policy.family_plugins);
  mg_strlist_free(&r->policy.families);
  free(r->atlas);
  free(r->controls);
  free(r->atlas_version);
  free(r->dir);
  memset(r, 0, sizeof *r);
}

const char *mg_policy_witness(const mg_policy *p, const char *plugin) {
  for (size_t i = 0; i < p->family_plugins.count && i < p->families.count; i++)
    if (!strcmp(p->family_plugins.items[i], plugin))
      return p->families.items[i];
  return plugin;
}

const mg_atlas_entry *mg_rules_atlas(const mg_rules *r, const char *id) {
  for (size_t i = 0; i < r->n_atlas; i++)
    if (r->atlas[i].id && !strcmp(r->atlas[i].id, id))
      return &r->atlas[i];
  return NULL;
}

const mg_control_def *mg_rules_control(const mg_rules *r, const char *id) {
  for (size_t i = 0; i < r->n_controls; i++)
    if (r->controls[i].id && !strcmp(r->controls[i].id, id))
      return &r->controls[i];
  return NULL;
}
