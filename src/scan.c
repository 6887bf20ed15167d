/* The scan pipeline. Each stage records what it found in s->results; a
 * stage that cannot complete records the error and the later stages that
 * depend on it are not run, but the results (and so the reports) keep
 * everything gathered so far. */
#include "config.h"

#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/paths.h"
#include "base/progress.h"
#include "intake/unpack.h"
#include "registry/registry_check.h"
#include "report/thumbnails.h"
#include "signature/model_sig_check.h"
#include "verdict/checklist.h"
#include "verdict/evidence.h"

void mg_scan_config_default(mg_scan_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  mg_limits_default(&cfg->limits);
  cfg->unknown_severity = MG_SEV_LOW;
  cfg->fail_on = MG_SEV_HIGH;
  cfg->run_plugins = 1;
  mg_host_config_default(&cfg->host);
}

/* Mirrors the inventory's file records into the results (borrowed
 * strings); again at the end, for the roles and registry verdicts the later
 * stages wrote on them. */
static void mirror_files(mg_results *r, const mg_inventory *inv) {
  for (size_t i = 0; i < inv->count && i < r->n_files; i++) {
    const mg_file *f = &inv->files[i];
    mg_result_file *rf = &r->files[i];
    rf->path = f->path ? f->path : f->ws_path;
    rf->role = f->role;
    rf->sha256 = f->sha256;
    rf->note = f->note;
    rf->container = f->container;
    rf->size = f->size;
    rf->depth = f->depth;
    rf->registry = f->registry;
    rf->registry_name = f->registry_name;
  }
}

static int record_files(mg_scan *s) {
  mg_results *r = &s->results;
  const mg_inventory *inv = &s->pkg.inv;
  r->package_name = strdup(s->pkg.name ? s->pkg.name : inv->name ? inv->name : "");
  r->package_sha256 = inv->sha256[0] ? strdup(inv->sha256) : NULL;
  r->package_is_directory = inv->is_directory;
  free(r->files);
  r->files = calloc(inv->count ? inv->count : 1, sizeof *r->files);
  if (!r->files || !r->package_name)
    return MG_ERR_NOMEM;
  r->n_files = inv->count;
  mirror_files(r, inv);
  return MG_OK;
}

/* Each refused entry is a critical finding; the scan cannot complete. */
static int record_refusals(mg_scan *s, mg_err *err) {
  static const char *const atlas[] = {"AML.T0010", "AML.T0011.000", NULL};
  static const char *const mitigations[] = {"AML.M0014", "AML.M0016", NULL};
  mg_inventory *inv = &s->pkg.inv;
  for (size_t i = 0; i < inv->n_refused; i++) {
    char title[700], msg[1400];
    snprintf(title, sizeof title, "Unsafe entry refused: %.600s", inv->refused[i].name);
    snprintf(msg, sizeof msg, "%.600s: entry '%.300s' was not unpacked: %.400s", inv->name,
             inv->refused[i].name, inv->refused[i].reason);
    mg_results_add_core(&s->results, MG_SEV_CRITICAL, "package.unsafe-entry", inv->refused[i].name,
                        title, msg, atlas, mitigations, NULL, NULL);
  }
  return mg_fail(err, MG_ERR_UNSAFE, "%s: %zu unsafe entr%s refused (first: '%s': %s)", inv->name,
                 inv->n_refused, inv->n_refused == 1 ? "y" : "ies", inv->refused[0].name,
                 inv->refused[0].reason);
}

static void record_unknown_keys(mg_scan *s) {
  const mg_descriptor *d = &s->pkg.desc;
  for (size_t i = 0; i < d->n_unknown; i++) {
    char title[300], msg[600];
    snprintf(title, sizeof title, "Unknown descriptor key '%.200s'", d->unknown_keys[i]);
    snprintf(msg, sizeof msg,
             "%s has a top-level key modelgate does not use ('%.200s'); it was kept and ignored.",
             MG_DESCRIPTOR_NAME, d->unknown_keys[i]);
    mg_results_add_core(&s->results, MG_SEV_INFO, "descriptor.unknown-key", MG_DESCRIPTOR_NAME,
                        title, msg, NULL, NULL, NULL, NULL);
  }
}

/* The registry stage: the package's file records get their verdicts. */
static int run_registry(mg_scan *s, const mg_scan_config *cfg, const mg_evidence_map *ev,
                        mg_err *err) {
  mg_registry_config rc = {cfg->registry, cfg->registry_key, cfg->registry_sig,
                           cfg->unknown_severity};
  return mg_registry_run(&rc, &cfg->limits, ev, &s->pkg, &s->results, err);
}

/* The model-signature stage: the package's files against an OpenSSF model
 * signature (docs/model-signatures.md). */
static int run_model_signature(mg_scan *s, const mg_scan_config *cfg, const mg_evidence_map *ev,
                               mg_err *err) {
  mg_msig_config mc = {cfg->model_signature, cfg->model_key, cfg->model_cert_chain};
  return mg_msig_run(&mc, &cfg->limits, ev, &s->ws, &s->pkg, &s->results, err);
}

/* The plugin stage: config, package and workspace in, results out. */
static int run_plugins(mg_scan *s, const mg_scan_config *cfg, mg_err *err) {
  mg_host_config host = cfg->host;
  host.rules_dir = mg_paths_rules(cfg->rules_dir);
  host.limits = &cfg->limits;
  return mg_host_run(&host, &s->pkg, &s->ws, &s->results, err);
}

/* The checklist stage: rules, package facts and results in, controls out. */
static int run_checklist(mg_scan *s, const mg_scan_config *cfg, mg_err *err) {
  unsigned run = (cfg->registry ? MG_CHECKLIST_REGISTRY : 0u) |
                 (cfg->run_plugins ? MG_CHECKLIST_PLUGINS : 0u) |
                 (cfg->model_signature ? MG_CHECKLIST_SIGNATURE : 0u);
  return mg_checklist_evaluate(&s->rules, &s->pkg, run, &s->results, err);
}

int mg_scan_config_check(const mg_scan_config *cfg, mg_err *err) {
  const struct {
    const char *opt, *path;
    int dir;
  } inputs[] = {{"PACKAGE", cfg->package, -1},
                {"--registry", cfg->registry, 0},
                {"--registry-key", cfg->registry_key, 0},
                /* an explicit one; a missing REGISTRY.sig is a finding */
                {"--registry-sig", cfg->registry_key ? cfg->registry_sig : NULL, 0},
                {"--model-signature", cfg->model_signature, 0},
                {"--model-key", cfg->model_key, 0},
                {"--model-cert-chain", cfg->model_cert_chain, 0},
                {"--rules", cfg->rules_dir, 1},
                {"--plugins", cfg->run_plugins ? cfg->host.plugin_dir : NULL, 1},
                {"--inputs", cfg->run_plugins ? cfg->host.inputs : NULL, 0}};
  /* Keyless Sigstore needs the network: offline, the user names the trust. */
  if (cfg->model_signature && !cfg->model_key == !cfg->model_cert_chain)
    return mg_fail(err, MG_ERR_ARGS,
                   "--model-signature needs exactly one of --model-key PEM or --model-cert-chain "
                   "PEM (keyless Sigstore signatures need the network and are not verified)");
  if (!cfg->model_signature && (cfg->model_key || cfg->model_cert_chain))
    return mg_fail(err, MG_ERR_ARGS, "%s needs --model-signature FILE",
                   cfg->model_key ? "--model-key" : "--model-cert-chain");
  for (size_t i = 0; i < sizeof inputs / sizeof *inputs; i++) {
    int rc = inputs[i].path
                 ? mg_paths_check_input(inputs[i].opt, inputs[i].path, inputs[i].dir, err)
                 : MG_OK;
    if (rc)
      return rc;
  }
  return cfg->run_plugins ? mg_host_check(&cfg->host, err) : MG_OK;
}

/* The reviewer's decisions: waivers before the checklist (a waived finding
 * does not fail its control), the baseline comparison once all findings
 * are in. Both start over when called again. */
static int apply_waivers(mg_scan *s, const mg_scan_config *cfg, mg_err *err) {
  char today[11];
  mg_waivers_today(today);
  if (mg_waivers_apply(cfg->waivers, today, &s->results))
    return mg_fail(err, MG_ERR_NOMEM, "waivers: out of memory");
  return MG_OK;
}

void mg_scan_run(mg_scan *s, const mg_scan_config *cfg, const char *command) {
  memset(s, 0, sizeof *s);
  s->started = mg_now();
  mg_results_init(&s->results, command);
  mg_package_init(&s->pkg);
  mg_results *r = &s->results;
  r->fail_on = cfg->fail_on;
  r->package_path = strdup(cfg->package);
  mg_err err;
  mg_err_clear(&err);

  int rc = mg_rules_load(mg_paths_rules(cfg->rules_dir), &cfg->limits, &s->rules, &err);
  if (rc)
    goto done;
  s->have_rules = 1;
  mg_evidence_map ev;
  mg_evidence_map_init(&ev, &s->rules);
  r->fail_on = cfg->fail_on_given ? cfg->fail_on : s->rules.policy.fail_on;
  rc = mg_workspace_create(&s->ws, cfg->keep_workspace, &err);
  if (rc)
    goto done;
  s->have_workspace = 1;
  mg_log_debug("workspace %s", s->ws.root);
  rc = mg_unpack(cfg->package, &s->ws, &cfg->limits, &s->pkg.inv, &err);
  if (record_files(s))
    rc = mg_fail(&err, MG_ERR_NOMEM, "out of memory");
  if (rc)
    goto done;
  if (s->pkg.inv.n_refused) {
    rc = record_refusals(s, &err);
    goto done;
  }
  rc = mg_package_resolve(&s->pkg, &cfg->overrides, &s->ws, &cfg->limits, &err);
  free(r->package_name);
  r->package_name = strdup(s->pkg.name ? s->pkg.name : "");
  if (rc)
    goto done;
  record_unknown_keys(s);
  if (cfg->registry && (rc = run_registry(s, cfg, &ev, &err)))
    goto done;
  if (cfg->model_signature && (rc = run_model_signature(s, cfg, &ev, &err)))
    goto done;
  if (cfg->run_plugins && (rc = run_plugins(s, cfg, &err))) {
    /* Plugins that could run have run; the checklist still reports on
     * what they found unless the user interrupted. */
    mg_results_set_error(r, &err);
    if (rc == MG_ERR_INTERRUPTED)
      goto done;
    mg_err_clear(&err);
  }
  rc = apply_waivers(s, cfg, &err);
  if (!rc)
    rc = run_checklist(s, cfg, &err);
  /* Pictures of the flagged rows, while the workspace still has the data. */
  mg_thumbnails_add(r, &s->pkg, &s->ws, &cfg->limits);
done:
  mirror_files(r, &s->pkg.inv);
  if (s->have_rules && !r->n_controls) {
    apply_waivers(s, cfg, NULL);
    run_checklist(s, cfg, NULL); /* the checklist still shows what was not evaluated */
  }
  /* Again, for the findings the checklist itself added. */
  int late = apply_waivers(s, cfg, &err);
  if (!late && mg_baseline_compare(cfg->baseline, r))
    late = mg_fail(&err, MG_ERR_NOMEM, "baseline: out of memory");
  rc = rc ? rc : late;
  if (rc)
    mg_results_set_error(r, &err);
  r->seconds = mg_now() - s->started;
  mg_results_decide(r);
}

void mg_scan_free(mg_scan *s) {
  if (s->have_rules)
    mg_rules_free(&s->rules);
  mg_results_free(&s->results);
  mg_package_free(&s->pkg);
  if (s->have_workspace)
    mg_workspace_destroy(&s->ws);
  memset(s, 0, sizeof *s);
}
