/* The pickle import rules (rules/pickle-imports.xml): load, validate
 * against the RELAX NG schema, and classify a module.name import as
 * allowed, denied, to review, or unknown. */
#ifndef MG_PICKLE_RULES_H
#define MG_PICKLE_RULES_H

#include <stddef.h>
#include <stdint.h>

typedef enum mg_pk_class {
  MG_PK_ALLOW = 0,
  MG_PK_REVIEW = 1, /* known, worth a look: the rule's severity */
  MG_PK_UNKNOWN = 2,
  MG_PK_DENY = 3
} mg_pk_class;

typedef struct mg_pk_rules mg_pk_rules;

/* The verdict for one import. Strings are owned by the rules or by out. */
typedef struct mg_pk_verdict {
  mg_pk_class cls;
  int severity;     /* mg_severity for REVIEW/UNKNOWN/DENY */
  const char *why;  /* the rule's reason, or a built-in one */
  const char *rule; /* the matching pattern ("module os", "global x.y"), or NULL */
  char target[512]; /* module.name after aliasing */
  int aliased;      /* the module was rewritten by an alias */
} mg_pk_verdict;

/* Loads path (at most max_bytes: the host's rules-bytes limit), validated
 * against schema (RELAX NG). On failure returns an mg_error and writes one
 * line naming the file and line into msg. */
int mg_pk_rules_load(const char *path, const char *schema, uint64_t max_bytes, mg_pk_rules **out,
                     char *msg, size_t msg_size);
void mg_pk_rules_free(mg_pk_rules *r);

/* The severity given to unknown imports (strict makes them critical). */
int mg_pk_rules_unknown_severity(const mg_pk_rules *r);
size_t mg_pk_rules_count(const mg_pk_rules *r);

void mg_pk_rules_classify(const mg_pk_rules *r, const char *module, const char *name, int strict,
                          mg_pk_verdict *out);

#endif
