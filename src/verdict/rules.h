/* The rules directory (docs/checklist.md): the ATLAS catalog, the
 * checklist and the gate policy, each XML validated against its RELAX NG
 * schema in rules/ when loaded. Loaded once per scan and read-only afterwards. */
#ifndef MG_RULES_H
#define MG_RULES_H

#include <stddef.h>

#include <modelgate/plugin.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "results.h"

typedef struct mg_atlas_entry {
  char *id, *name, *url;
  int is_mitigation;
} mg_atlas_entry;

typedef struct mg_control_def {
  char *id, *title, *text, *how;
  char *remediation; /* what to do when it fails, or NULL */
  char *section_id, *section_title;
  int attestable;
  mg_strlist plugins;         /* any one that ran is evidence */
  mg_strlist registry_checks; /* "digests", "lineage", "parent" */
  mg_strlist core_checks;     /* "provenance", "dp-sgd" */
  mg_strlist atlas, mitigations;
} mg_control_def;

typedef enum mg_require_when {
  MG_REQUIRE_ALWAYS = 0,
  MG_REQUIRE_SCAN,     /* when detectors run (scan, not verify) */
  MG_REQUIRE_REGISTRY, /* when a registry is given */
  MG_REQUIRE_SIGNATURE /* when a model signature is given */
} mg_require_when;

typedef struct mg_requirement {
  char *control;
  mg_require_when when;
} mg_requirement;

typedef struct mg_policy {
  mg_severity fail_on;
  mg_requirement *required;
  size_t n_required;
  double max_epsilon;   /* DP-SGD epsilon above this fails CTL-08 */
  int correlate;        /* a <correlate> rule is present */
  unsigned min_plugins; /* plugins that must agree */
  double min_overlap;   /* of their rows, over the smaller set */
  mg_severity raise_to, class_raise_to;
  /* Plugins that share their evidence count as one witness: families[i]
   * names the family of family_plugins[i]. */
  mg_strlist family_plugins, families;
} mg_policy;

/* The witness a plugin counts as for corroboration: its family, or itself. */
const char *mg_policy_witness(const mg_policy *p, const char *plugin);

typedef struct mg_rules {
  char *dir;
  char *atlas_version;
  mg_atlas_entry *atlas;
  size_t n_atlas;
  mg_control_def *controls;
  size_t n_controls;
  mg_policy policy;
} mg_rules;

int mg_rules_load(const char *dir, const mg_limits *lim, mg_rules *rules, mg_err *err);
void mg_rules_free(mg_rules *rules);
const mg_atlas_entry *mg_rules_atlas(const mg_rules *rules, const char *id);
const mg_control_def *mg_rules_control(const mg_rules *rules, const char *id);

#endif
