/* The rules lists of the model-format plugins (rules/gguf-template.xml,
 * keras-modules.xml, tf-ops.xml, nemo-targets.xml, torchscript-calls.xml),
 * one schema for all: rules/format-list.rng. Each entry denies, allows or
 * asks a review of a value matched exactly, by prefix or as a substring. */
#ifndef MG_PLUGINS_MFLIST_H
#define MG_PLUGINS_MFLIST_H

#include <stddef.h>

typedef enum mf_class { MF_UNKNOWN = 0, MF_ALLOW, MF_REVIEW, MF_DENY } mf_class;
typedef enum mf_match { MF_EXACT = 0, MF_PREFIX, MF_SUBSTRING } mf_match;

typedef struct mf_rule {
  mf_class cls;
  mf_match match;
  int severity; /* mg_severity; allow: info */
  char *value;
  size_t len;
  char *why; /* never NULL */
  char *cve; /* NULL when none */
} mf_rule;

typedef struct mf_rules {
  mf_rule *rules;
  size_t n;
  int unknown_severity; /* <unknown severity=.../>, or -1 when unmatched values pass */
} mf_rules;

/* Loads path after validating it against schema (RELAX NG, libxml2, no
 * network); on error msg holds "FILE:LINE: problem" and the result is an
 * mg_error (MG_ERR_FORMAT for a bad file). */
int mf_rules_load(const char *path, const char *schema, mf_rules **out, char *msg, size_t size);
void mf_rules_free(mf_rules *r);
/* The rule deciding value s (n bytes): exact rules first (deny before
 * allow before review), then the longest prefix, then substrings; NULL when
 * none applies (the value is "unknown"). */
const mf_rule *mf_rules_classify(const mf_rules *r, const char *s, size_t n);
/* Calls fn for every substring deny/review rule whose value occurs in s,
 * with the offset of its first occurrence; stops when fn returns nonzero. */
void mf_rules_scan(const mf_rules *r, const char *s, size_t n,
                   int (*fn)(void *user, const mf_rule *rule, size_t at), void *user);

#endif
