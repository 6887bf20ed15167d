/* The results of one scan, in memory: package identity, per-file registry
 * status, plugin outcomes, findings and control statuses. Every report
 * (XML, JUnit, HTML, JSON, SARIF) is a view of this one structure; enum
 * values go through the string tables here. See docs/results.md. */
#ifndef MG_RESULTS_H
#define MG_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <modelgate/plugin.h>

#include "base/diag.h"
#include "intake/inventory.h"

typedef enum mg_plugin_status {
  MG_PLUGIN_OK = 0,
  MG_PLUGIN_ERROR,
  MG_PLUGIN_TIMEOUT,
  MG_PLUGIN_SKIPPED
} mg_plugin_status;

typedef enum mg_control_status {
  MG_CONTROL_PASS = 0,
  MG_CONTROL_FAIL,
  MG_CONTROL_ATTESTED,
  MG_CONTROL_NOT_EVALUATED,
  MG_CONTROL_ERROR
} mg_control_status;

typedef enum mg_verdict { MG_VERDICT_PASS = 0, MG_VERDICT_FAIL, MG_VERDICT_ERROR } mg_verdict;

typedef struct mg_strlist {
  char **items;
  size_t count;
} mg_strlist;

/* A picture of one dataset row a finding names (src/report/thumbnails.c). */
typedef struct mg_result_thumb {
  uint64_t row;
  int32_t label; /* -1 when the dataset has no labels */
  unsigned char *png;
  size_t png_len;
} mg_result_thumb;

typedef struct mg_result_finding {
  char id[16];          /* "F0001", stable within one results document */
  char *plugin;         /* plugin name, or "core" */
  char *rule;           /* stable rule id, "<plugin>.<rule>" */
  mg_severity severity; /* after correlation */
  mg_severity reported; /* as the plugin reported it */
  char *title, *message, *artifact, *location;
  mg_strlist atlas, mitigations, controls;
  int32_t label; /* -1 when not about one class */
  char *dataset; /* the dataset indices refer to, or NULL */
  uint64_t *indices;
  size_t n_indices;
  double score;            /* NaN when none */
  json_t *evidence;        /* object or NULL */
  char *correlation;       /* why the severity was raised, or NULL */
  mg_result_thumb *thumbs; /* pictures of the first rows it names, for the HTML */
  size_t n_thumbs;
  int thumbs_ranked; /* 1: in the order the plugin ranked them, 0: by row index */
} mg_result_finding;

typedef struct mg_result_image {
  char *name, *caption;
  unsigned char *png;
  size_t png_len;
} mg_result_image;

typedef struct mg_result_plugin {
  char *name, *version, *description;
  mg_plugin_status status;
  double seconds;
  char *message;    /* why skipped / error detail, or NULL */
  json_t *evidence; /* object, never NULL once added */
  mg_result_image *images;
  size_t n_images;
  uint64_t peak_rss_kib;
  mg_strlist controls; /* controls it gives evidence for */
} mg_result_plugin;

typedef struct mg_result_control {
  char *id, *section, *title, *text;
  mg_control_status status;
  char *note;          /* how it was evaluated, or what would evidence it */
  char *remediation;   /* the checklist's advice when it fails, or NULL */
  mg_strlist findings; /* finding ids */
  mg_strlist evidence; /* plugins / "registry" / "attestation" that spoke */
  mg_strlist atlas, mitigations;
  json_t *attestation; /* the descriptor's attestation object, or NULL */
  int required;        /* the policy requires pass (or attested) */
  int attestable;
} mg_result_control;

typedef struct mg_result_file {
  const char *path; /* borrowed from the inventory */
  const char *role;
  const char *sha256;
  const char *note;
  const char *container;
  uint64_t size;
  uint32_t depth;
  mg_registry_status registry;
  const char *registry_name; /* the entry that matched, or NULL */
} mg_result_file;

/* Evidence for a checklist control that is not a finding: "the registry
 * records the training set", "a Neural Cleanse run completed". */
typedef struct mg_result_fact {
  char *control; /* CTL-NN */
  char *source;  /* "registry", a plugin name, ... */
  int pass;      /* 1 supports the control, 0 contradicts it, -1 only
                    explains why it could not be evaluated */
  char *note;
} mg_result_fact;

/* An ATLAS technique or mitigation referred to by the document. */
typedef struct mg_result_atlas {
  char *id, *name, *url;
  int is_mitigation;
} mg_result_atlas;

typedef struct mg_results {
  mg_verdict verdict;
  char *error;          /* why the scan could not complete, or NULL */
  int error_code;       /* mg_error of that */
  int error_is_verdict; /* error only explains an incomplete scan (decide wrote it) */
  char *tool_version;
  char *atlas_version;
  char *started; /* ISO 8601 UTC */
  double seconds;
  char *package_path, *package_name, *package_sha256;
  int package_is_directory;
  char *command; /* "scan" or "verify" */
  mg_severity fail_on;
  char *registry_path;      /* or NULL */
  char *registry_signature; /* "verified", "not-checked", "failed: ..." */
  mg_result_file *files;
  size_t n_files;
  mg_result_finding *findings;
  size_t n_findings, cap_findings;
  mg_result_plugin *plugins;
  size_t n_plugins, cap_plugins;
  mg_result_control *controls;
  size_t n_controls;
  mg_result_atlas *atlas;
  size_t n_atlas;
  mg_result_fact *facts;
  size_t n_facts;
} mg_results;

void mg_results_init(mg_results *r, const char *command);
void mg_results_free(mg_results *r);

/* Copies f (with the plugin's default ATLAS/mitigations/controls for NULL
 * lists) and assigns the next id. Returns the stored finding or NULL. */
mg_result_finding *mg_results_add_finding(mg_results *r, const char *plugin, const mg_finding *f,
                                          const char *const *default_atlas,
                                          const char *const *default_mitigations,
                                          const char *const *default_controls);
/* A finding of the core itself (plugin "core"); evidence is taken over. */
int mg_results_add_core(mg_results *r, mg_severity sev, const char *rule, const char *artifact,
                        const char *title, const char *message, const char *const *atlas,
                        const char *const *mitigations, const char *const *controls,
                        json_t *evidence);
mg_result_plugin *mg_results_add_plugin(mg_results *r, const char *name, const char *version,
                                        const char *description);
mg_result_plugin *mg_results_find_plugin(mg_results *r, const char *name);
int mg_results_add_fact(mg_results *r, const char *control, const char *source, int pass,
                        const char *note);
/* Records that the scan could not complete (first cause wins). */
void mg_results_set_error(mg_results *r, const mg_err *err);

int mg_strlist_add(mg_strlist *l, const char *s);
int mg_strlist_has(const mg_strlist *l, const char *s);
void mg_strlist_free(mg_strlist *l);

/* The worst severity among findings, or -1 when there are none. */
int mg_results_worst(const mg_results *r);
/* 1 when this control alone fails the gate: status fail, or required and
 * neither pass nor (when attestable) attested, unless its evidence errored
 * (that makes the scan incomplete instead). */
int mg_results_control_fails_gate(const mg_result_control *c);
/* Decides the verdict: error if the scan did not complete; fail if a
 * finding is at or above fail_on or a control failed; error if a plugin
 * ended in error/timeout; pass otherwise. */
void mg_results_decide(mg_results *r);
int mg_results_exit_code(const mg_results *r);

int mg_severity_parse(const char *s, mg_severity *out);
const char *mg_plugin_status_name(mg_plugin_status s);
const char *mg_control_status_name(mg_control_status s);
const char *mg_verdict_name(mg_verdict v);
const char *mg_registry_status_name(mg_registry_status s);

#endif
