/* Loading and applying rules/pickle-imports.xml (see pickle_rules.h and
 * docs/unsafe-artifacts.md). Every import is matched on its full dotted
 * path, module + "." + name, because protocol 4 resolves dotted names by
 * attribute walk: ("torch", "serialization.load") is torch.serialization.load. */
#include "config.h"

#include "pickle_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/xmlerror.h>

#include <modelgate/error.h>
#include <modelgate/plugin.h>

#include "xmlerr.h"

typedef enum { T_EXACT, T_GLOB, T_MODULE } rtype;

typedef struct rule {
  mg_pk_class cls;
  rtype type;
  int severity;
  char *pattern; /* dotted path; "module X" rules hold X */
  char *why;
  char *label; /* "global x.y" / "module x", for reports */
} rule;

typedef struct alias {
  char *from, *to;
} alias;

struct mg_pk_rules {
  rule *rules;
  size_t n;
  alias *aliases;
  size_t n_aliases;
  int unknown_severity;
};

/* --- errors ----------------------------------------------------------- */

static int fail(char *msg, size_t size, int code, const char *path, long line, const char *what) {
  if (line > 0)
    snprintf(msg, size, "%s:%ld: %s", path, line, what);
  else
    snprintf(msg, size, "%s: %s", path, what);
  return code;
}

/* --- parsing ---------------------------------------------------------- */

static int severity_of(const char *s) {
  for (int i = MG_SEV_INFO; i <= MG_SEV_CRITICAL; i++)
    if (s && !strcmp(s, mg_severity_name((mg_severity)i)))
      return i;
  return -1;
}

static char *prop(xmlNodePtr n, const char *name) {
  xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
  if (!v)
    return NULL;
  char *s = strdup((const char *)v);
  xmlFree(v);
  return s;
}

/* A dotted path of identifiers, '*' allowed only in the last component. */
static int valid_pattern(const char *p, int allow_glob) {
  if (!*p || *p == '.')
    return 0;
  const char *last = strrchr(p, '.');
  for (const char *c = p; *c; c++) {
    if (*c == '.' && (c[1] == '.' || !c[1]))
      return 0;
    if (*c == '*' && (!allow_glob || (last && c < last)))
      return 0;
    if (!(*c == '.' || *c == '_' || *c == '*' || (*c >= 'a' && *c <= 'z') ||
          (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9')))
      return 0;
  }
  return 1;
}

static int add_rule(mg_pk_rules *r, xmlNodePtr n, mg_pk_class cls, const char *path, char *msg,
                    size_t size) {
  long line = xmlGetLineNo(n);
  rule *g = realloc(r->rules, (r->n + 1) * sizeof *g);
  if (!g)
    return fail(msg, size, MG_ERR_NOMEM, path, line, "out of memory");
  r->rules = g;
  rule *e = &r->rules[r->n];
  memset(e, 0, sizeof *e);
  char *module = prop(n, "module"), *global = prop(n, "global"), *sev = prop(n, "severity");
  e->why = prop(n, "why");
  e->cls = cls;
  int rc = MG_OK;
  if ((!module) == (!global)) {
    rc = fail(msg, size, MG_ERR_FORMAT, path, line, "give exactly one of module= or global=");
  } else if (module) {
    e->type = T_MODULE;
    e->pattern = module;
    module = NULL;
    if (!valid_pattern(e->pattern, 0))
      rc = fail(msg, size, MG_ERR_FORMAT, path, line, "module= must be a dotted module name");
  } else {
    e->type = strchr(global, '*') ? T_GLOB : T_EXACT;
    e->pattern = global;
    global = NULL;
    if (!valid_pattern(e->pattern, 1) || !strchr(e->pattern, '.'))
      rc = fail(msg, size, MG_ERR_FORMAT, path, line,
                "global= must be module.name ('*' only in the last part)");
  }
  e->severity = cls == MG_PK_DENY ? MG_SEV_CRITICAL : cls == MG_PK_ALLOW ? MG_SEV_INFO : -1;
  if (!rc && cls == MG_PK_REVIEW) {
    e->severity = severity_of(sev);
    if (e->severity < 0)
      rc = fail(msg, size, MG_ERR_FORMAT, path, line, "review needs severity=");
  }
  if (!rc) {
    size_t l = strlen(e->pattern) + 8;
    e->label = malloc(l);
    if (!e->label)
      rc = fail(msg, size, MG_ERR_NOMEM, path, line, "out of memory");
    else
      snprintf(e->label, l, "%s %s", e->type == T_MODULE ? "module" : "global", e->pattern);
  }
  free(module);
  free(global);
  free(sev);
  r->n++; /* even on failure, so mg_pk_rules_free releases it */
  return rc;
}

static int add_alias(mg_pk_rules *r, xmlNodePtr n, const char *path, char *msg, size_t size) {
  long line = xmlGetLineNo(n);
  alias *g = realloc(r->aliases, (r->n_aliases + 1) * sizeof *g);
  if (!g)
    return fail(msg, size, MG_ERR_NOMEM, path, line, "out of memory");
  r->aliases = g;
  alias *a = &r->aliases[r->n_aliases++];
  a->from = prop(n, "from");
  a->to = prop(n, "to");
  if (!a->from || !a->to || !valid_pattern(a->from, 0) || !valid_pattern(a->to, 0))
    return fail(msg, size, MG_ERR_FORMAT, path, line, "alias from= and to= must be dotted names");
  return MG_OK;
}

static int read_tree(mg_pk_rules *r, xmlDocPtr doc, const char *path, char *msg, size_t size) {
  xmlNodePtr root = xmlDocGetRootElement(doc);
  r->unknown_severity = MG_SEV_MEDIUM;
  for (xmlNodePtr n = root ? root->children : NULL; n; n = n->next) {
    if (n->type != XML_ELEMENT_NODE)
      continue;
    const char *tag = (const char *)n->name;
    int rc = MG_OK;
    if (!strcmp(tag, "allow"))
      rc = add_rule(r, n, MG_PK_ALLOW, path, msg, size);
    else if (!strcmp(tag, "deny"))
      rc = add_rule(r, n, MG_PK_DENY, path, msg, size);
    else if (!strcmp(tag, "review"))
      rc = add_rule(r, n, MG_PK_REVIEW, path, msg, size);
    else if (!strcmp(tag, "alias"))
      rc = add_alias(r, n, path, msg, size);
    else if (!strcmp(tag, "unknown")) {
      char *sev = prop(n, "severity");
      r->unknown_severity = severity_of(sev);
      free(sev);
      if (r->unknown_severity < 0)
        rc = fail(msg, size, MG_ERR_FORMAT, path, xmlGetLineNo(n), "unknown needs severity=");
    }
    if (rc)
      return rc;
  }
  return MG_OK;
}

int mg_pk_rules_load(const char *path, const char *schema, uint64_t max_bytes, mg_pk_rules **out,
                     char *msg, size_t msg_size) {
  *out = NULL;
  struct stat sb;
  if (stat(path, &sb))
    return fail(msg, msg_size, MG_ERR_IO, path, 0, strerror(errno));
  if ((uint64_t)sb.st_size > max_bytes) {
    char what[160];
    snprintf(what, sizeof what,
             "rules-bytes limit exceeded (%llu > %llu; raise it with --limit rules-bytes=N)",
             (unsigned long long)sb.st_size, (unsigned long long)max_bytes);
    return fail(msg, msg_size, MG_ERR_LIMIT, path, 0, what);
  }

  mg_xml_errbuf eb = {msg, msg_size, 0, path};
  int rc = MG_OK;
  xmlDocPtr doc = NULL, sdoc = NULL;
  xmlRelaxNGParserCtxtPtr pctx = NULL;
  xmlRelaxNGPtr rng = NULL;
  xmlRelaxNGValidCtxtPtr vctx = NULL;
  mg_pk_rules *r = NULL;

  xmlSetStructuredErrorFunc(&eb, mg_xml_capture);
  doc = xmlReadFile(path, NULL, XML_PARSE_NONET | XML_PARSE_NOCDATA);
  if (!doc) {
    if (!eb.set)
      fail(msg, msg_size, MG_ERR_FORMAT, path, 0, "not well-formed XML");
    rc = MG_ERR_FORMAT;
    goto done;
  }
  eb.file = schema;
  sdoc = xmlReadFile(schema, NULL, XML_PARSE_NONET);
  if (!sdoc || !(pctx = xmlRelaxNGNewDocParserCtxt(sdoc))) {
    if (!eb.set)
      fail(msg, msg_size, MG_ERR_FORMAT, schema, 0, "cannot read the RELAX NG schema");
    rc = MG_ERR_FORMAT;
    goto done;
  }
  xmlRelaxNGSetParserStructuredErrors(pctx, mg_xml_capture, &eb);
  if (!(rng = xmlRelaxNGParse(pctx)) || !(vctx = xmlRelaxNGNewValidCtxt(rng))) {
    if (!eb.set)
      fail(msg, msg_size, MG_ERR_FORMAT, schema, 0, "invalid RELAX NG schema");
    rc = MG_ERR_FORMAT;
    goto done;
  }
  eb.file = path;
  xmlRelaxNGSetValidStructuredErrors(vctx, mg_xml_capture, &eb);
  if (xmlRelaxNGValidateDoc(vctx, doc) != 0) {
    if (!eb.set)
      fail(msg, msg_size, MG_ERR_FORMAT, path, 0, "does not match its schema");
    rc = MG_ERR_FORMAT;
    goto done;
  }
  r = calloc(1, sizeof *r);
  if (!r) {
    rc = fail(msg, msg_size, MG_ERR_NOMEM, path, 0, "out of memory");
    goto done;
  }
  rc = read_tree(r, doc, path, msg, msg_size);
done:
  xmlSetStructuredErrorFunc(NULL, NULL);
  xmlRelaxNGFreeValidCtxt(vctx);
  xmlRelaxNGFree(rng);
  xmlRelaxNGFreeParserCtxt(pctx);
  xmlFreeDoc(sdoc);
  xmlFreeDoc(doc);
  if (rc) {
    mg_pk_rules_free(r);
    return rc;
  }
  *out = r;
  return MG_OK;
}

void mg_pk_rules_free(mg_pk_rules *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++) {
    free(r->rules[i].pattern);
    free(r->rules[i].why);
    free(r->rules[i].label);
  }
  for (size_t i = 0; i < r->n_aliases; i++) {
    free(r->aliases[i].from);
    free(r->aliases[i].to);
  }
  free(r->rules);
  free(r->aliases);
  free(r);
}

int mg_pk_rules_unknown_severity(const mg_pk_rules *r) {
  return r->unknown_severity;
}

size_t mg_pk_rules_count(const mg_pk_rules *r) {
  return r->n;
}

/* --- classification --------------------------------------------------- */

/* '*' matches any run of characters except '.'. */
static int glob(const char *p, const char *s) {
  for (; *p; p++, s++) {
    if (*p == '*') {
      for (const char *t = s;; t++) {
        if (glob(p + 1, t))
          return 1;
        if (!*t || *t == '.')
          return 0;
      }
    }
    if (*p != *s)
      return 0;
  }
  return !*s;
}

static int under(const char *module, const char *full) {
  size_t l = strlen(module);
  return !strncmp(full, module, l) && (full[l] == '.' || !full[l]);
}

static int matches(const rule *e, const char *full) {
  switch (e->type) {
  case T_EXACT:
    return !strcmp(e->pattern, full);
  case T_GLOB:
    return glob(e->pattern, full);
  case T_MODULE:
    return under(e->pattern, full);
  }
  return 0;
}

/* Dunder components after the first dot of name: an attribute walk such as
 * _rebuild_tensor_v2.__globals__ or OrderedDict.__init__.__builtins__. */
static int walks_dunder(const char *name) {
  const char *dot = strchr(name, '.');
  if (!dot)
    return 0;
  for (const char *c = name; c && *c;) {
    const char *end = strchr(c, '.');
    size_t l = end ? (size_t)(end - c) : strlen(c);
    if (l >= 4 && c[0] == '_' && c[1] == '_' && c[l - 1] == '_' && c[l - 2] == '_')
      return 1;
    c = end ? end + 1 : NULL;
  }
  return 0;
}

static void set(mg_pk_verdict *v, mg_pk_class cls, int sev, const char *why, const char *label) {
  v->cls = cls;
  v->severity = sev;
  v->why = why;
  v->rule = label;
}

void mg_pk_rules_classify(const mg_pk_rules *r, const char *module, const char *name, int strict,
                          mg_pk_verdict *out) {
  memset(out, 0, sizeof *out);
  int unknown_sev = strict ? MG_SEV_CRITICAL : r->unknown_severity;
  int n = snprintf(out->target, sizeof out->target, "%s.%s", module, name);
  if (n < 0 || (size_t)n >= sizeof out->target) {
    set(out, MG_PK_DENY, MG_SEV_CRITICAL, "implausibly long import name", NULL);
    return;
  }
  /* The longest matching alias rewrites the prefix once. */
  const alias *best = NULL;
  for (size_t i = 0; i < r->n_aliases; i++)
    if (under(r->aliases[i].from, out->target) &&
        (!best || strlen(r->aliases[i].from) > strlen(best->from)))
      best = &r->aliases[i];
  if (best) {
    char tmp[sizeof out->target];
    n = snprintf(tmp, sizeof tmp, "%s%s", best->to, out->target + strlen(best->from));
    if (n < 0 || (size_t)n >= sizeof tmp) {
      set(out, MG_PK_DENY, MG_SEV_CRITICAL, "implausibly long import name", NULL);
      return;
    }
    memcpy(out->target, tmp, (size_t)n + 1);
    out->aliased = 1;
  }
  const char *full = out->target;

  /* An exact global beats everything; among exact ones deny wins. */
  const rule *hit = NULL;
  for (size_t i = 0; i < r->n; i++) {
    const rule *e = &r->rules[i];
    if (e->type == T_EXACT && matches(e, full) && (!hit || e->cls > hit->cls))
      hit = e;
  }
  if (!hit && walks_dunder(name)) {
    set(out, MG_PK_DENY, MG_SEV_CRITICAL,
        "qualified name walks through a dunder attribute, a known way to reach builtins", NULL);
    return;
  }
  static const mg_pk_class order[] = {MG_PK_DENY, MG_PK_ALLOW, MG_PK_REVIEW};
  for (size_t k = 0; !hit && k < 3; k++)
    for (size_t i = 0; i < r->n && !hit; i++)
      if (r->rules[i].cls == order[k] && r->rules[i].type != T_EXACT && matches(&r->rules[i], full))
        hit = &r->rules[i];
  if (!hit) {
    set(out, MG_PK_UNKNOWN, unknown_sev, "not in the allowlist", NULL);
    return;
  }
  set(out, hit->cls, hit->severity, hit->why, hit->label);
}
