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
/* A reviewer's waiver from the --waivers file (docs/waivers.md). It names
 * exactly one of fingerprint, rule or plugin. */
typedef struct mg_waiver {
  char *id;          /* the file's "id", or "waivers[N]" */
  char *fingerprint; /* a finding fingerprint (64 lowercase hex), or NULL */
  char *rule;        /* a rule id "<plugin>.<rule>", or NULL */
  char *plugin;      /* a plugin name, or NULL */
  int32_t label;     /* the class it is limited to, -1 for any */
  char *package_sha256, *reason, *approved_by;
  char approved_on[11], expires[11]; /* YYYY-MM-DD; expires is the last valid day */
} mg_waiver;

typedef enum mg_waiver_state {
  MG_WAIVER_APPLIED = 0,   /* waives at least one finding */
  MG_WAIVER_EXPIRED,       /* its expiry date has passed: waives nothing */
  MG_WAIVER_OTHER_PACKAGE, /* approved for another package digest: waives nothing */
  MG_WAIVER_UNMATCHED      /* valid, but no finding matches it */
} mg_waiver_state;

typedef enum mg_baseline_state {
  MG_BASELINE_NONE = 0, /* no --baseline */
  MG_BASELINE_NEW,
  MG_BASELINE_UNCHANGED
} mg_baseline_state;

/* Who decided a control's status when a person did rather than evidence. */
typedef enum mg_decided_by {
  MG_DECIDED_EVIDENCE = 0, /* findings, facts and plugins alone */
  MG_DECIDED_VENDOR,       /* the descriptor's attestation (status attested) */
  MG_DECIDED_REVIEWER      /* failing findings waived by the reviewer */
} mg_decided_by;

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
  /* sha256 over what identifies the finding across scans (docs/results.md
   * "Fingerprints"), set when the finding is added */
  char fingerprint[65];
  const mg_waiver *waived;    /* the applied waiver, or NULL (borrowed) */
  mg_baseline_state baseline; /* against --baseline */
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
  mg_decided_by decided_by;
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

/* What one waiver did in this scan. */
typedef struct mg_result_waiver {
  const mg_waiver *w; /* borrowed from the loaded waivers file */
  mg_waiver_state state;
  mg_strlist findings; /* ids it waived (applied), or would have (expired, other package) */
} mg_result_waiver;

/* A finding of the baseline that this scan no longer reports. */
typedef struct mg_result_gone {
  char *fingerprint, *id, *rule, *title, *artifact, *location;
  mg_severity severity;
  int32_t label;
} mg_result_gone;

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
  char *waivers_path; /* --waivers, or NULL */
  mg_result_waiver *waivers;
  size_t n_waivers;
  /* --baseline: its path (NULL without one), what it was a scan of, the
   * findings it had that this scan has not */
  char *baseline_path, *baseline_started, *baseline_package_name, *baseline_package_sha256;
  mg_result_gone *gone;
  size_t n_gone;
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
 * finding not waived is at or above fail_on or a control failed; error if a plugin
 * ended in error/timeout; pass otherwise. */
void mg_results_decide(mg_results *r);
int mg_results_exit_code(const mg_results *r);

/* 1 when f fails the gate: at or above fail-on and not waived. */
int mg_results_finding_fails_gate(const mg_results *r, const mg_result_finding *f);

int mg_severity_parse(const char *s, mg_severity *out);
const char *mg_waiver_state_name(mg_waiver_state s);
const char *mg_baseline_state_name(mg_baseline_state s); /* NULL for none */
const char *mg_decided_by_name(mg_decided_by d);         /* NULL for evidence */
const char *mg_plugin_status_name(mg_plugin_status s);
const char *mg_control_status_name(mg_control_status s);
const char *mg_verdict_name(mg_verdict v);
const char *mg_registry_status_name(mg_registry_status s);

#endif
