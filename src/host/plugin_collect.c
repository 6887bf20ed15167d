/* Turns the messages a plugin child sends into results. The child ran
 * code that processed hostile input, so every message is validated as if
 * it were hostile too: sizes, types, ranges, row indices. */
#include "config.h"

#include "plugin_collect.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plugin_wire.h"
#include "base/progress.h"

/* A NULL-terminated copy of a JSON string array, or NULL for null/absent.
 * *bad is set when the value is neither. */
static const char **string_list(json_t *v, int *bad) {
  if (!v || json_is_null(v))
    return NULL;
  if (!json_is_array(v) || json_array_size(v) > 64) {
    *bad = 1;
    return NULL;
  }
  size_t n = json_array_size(v);
  const char **out = calloc(n + 1, sizeof *out);
  if (!out) {
    *bad = 1;
    return NULL;
  }
  for (size_t i = 0; i < n; i++) {
    const char *s = json_string_value(json_array_get(v, i));
    if (!s || strlen(s) > 64) {
      free(out);
      *bad = 1;
      return NULL;
    }
    out[i] = s;
  }
  return out;
}

static const char *opt_string(json_t *o, const char *key, size_t max, int *bad) {
  json_t *v = json_object_get(o, key);
  if (!v || json_is_null(v))
    return NULL;
  const char *s = json_string_value(v);
  if (!s || strlen(s) > max)
    *bad = 1;
  return s;
}

static int valid_rule(const char *s) {
  if (!s)
    return 1;
  for (const char *c = s; *c; c++)
    if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '-' || *c == '.' ||
          *c == '_'))
      return 0;
  return *s != '\0';
}

static uint64_t limit(const mg_collector *c, mg_limit_id id) {
  return c->env->cfg->limits->value[id];
}

/* "<what> the <name> limit allows (N; --limit name)", kept in the collector. */
static const char *over(mg_collector *c, mg_limit_id id, const char *what) {
  snprintf(c->problem, sizeof c->problem,
           "%s the %s limit allows (%llu; raise it with --limit %s=N)", what, mg_limit_name(id),
           (unsigned long long)limit(c, id), mg_limit_name(id));
  return c->problem;
}

static const char *collect_finding(mg_collector *c, const uint8_t *payload, uint32_t len) {
  if (c->n_findings >= limit(c, MG_LIMIT_PLUGIN_FINDINGS)) {
    c->dropped++; /* reported in the plugin's message by the host */
    return NULL;
  }
  json_error_t jerr;
  json_t *o = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(o)) {
    json_decref(o);
    return "sent a finding that is not a JSON object";
  }
  int bad = 0;
  mg_finding f = MG_FINDING_INIT;
  json_t *sev = json_object_get(o, "severity");
  if (!json_is_integer(sev) || json_integer_value(sev) < 0 ||
      json_integer_value(sev) > MG_SEV_CRITICAL)
    bad = 1;
  else
    f.severity = (mg_severity)json_integer_value(sev);
  f.rule = opt_string(o, "rule", 64, &bad);
  f.title = opt_string(o, "title", MG_WIRE_TITLE_MAX, &bad);
  f.message = opt_string(o, "message", MG_WIRE_MESSAGE_MAX, &bad);
  f.artifact = opt_string(o, "artifact", MG_WIRE_ARTIFACT_MAX, &bad);
  f.location = opt_string(o, "location", MG_WIRE_LOCATION_MAX, &bad);
  f.dataset = opt_string(o, "dataset", 32, &bad);
  const char **atlas = string_list(json_object_get(o, "atlas"), &bad);
  const char **mit = string_list(json_object_get(o, "mitigations"), &bad);
  const char **ctl = string_list(json_object_get(o, "controls"), &bad);
  f.atlas = atlas;
  f.mitigations = mit;
  f.controls = ctl;
  json_t *label = json_object_get(o, "label");
  json_int_t lv = json_is_integer(label) ? json_integer_value(label) : -2;
  if (label && (lv < -1 || (lv >= 0 && (uint64_t)lv >= limit(c, MG_LIMIT_CLASSES))))
    bad = 1;
  f.label = label ? (int32_t)json_integer_value(label) : -1;
  json_t *score = json_object_get(o, "score");
  if (score && !json_is_number(score))
    bad = 1;
  f.score = score ? json_number_value(score) : NAN;
  json_t *idx = json_object_get(o, "indices");
  uint64_t *indices = NULL;
  size_t n = idx ? json_array_size(idx) : 0;
  uint64_t rows = 0;
  int has_rows = f.dataset && mg_env_dataset_rows(c->env, f.dataset, &rows);
  if (idx && !json_is_array(idx))
    bad = 1;
  if (!bad && n && !has_rows)
    bad = 2; /* row indices need a dataset they index */
  if (!bad && n && !(indices = malloc(n * sizeof *indices)))
    bad = 1;
  for (size_t i = 0; !bad && i < n; i++) {
    json_t *v = json_array_get(idx, i);
    if (!json_is_integer(v) || json_integer_value(v) < 0 || (uint64_t)json_integer_value(v) >= rows)
      bad = 3;
    else
      indices[i] = (uint64_t)json_integer_value(v);
  }
  f.indices = indices;
  f.n_indices = n;
  json_t *ev = json_object_get(o, "evidence");
  char *evtext = NULL;
  if (ev && !json_is_object(ev))
    bad = 1;
  else if (ev)
    evtext = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (!f.title)
    bad = 1;
  if (!valid_rule(f.rule))
    bad = 4;
  f.evidence_json = evtext;
  const char *problem = NULL;
  if (bad == 2)
    problem = "sent a finding with row indices but no dataset the package has";
  else if (bad == 3)
    problem = "sent a finding with a row index outside its dataset";
  else if (bad == 4)
    problem = "sent a finding whose rule id is not [a-z0-9._-]";
  else if (bad)
    problem = "sent a malformed finding";
  else if (!mg_results_add_finding(c->results, c->desc->name, &f, c->desc->atlas,
                                   c->desc->mitigations, c->desc->controls))
    problem = "out of memory storing a finding";
  else
    c->n_findings++;
  free(atlas);
  free(mit);
  free(ctl);
  free(indices);
  free(evtext);
  json_decref(o);
  return problem;
}

static const char *collect_evidence(mg_collector *c, const uint8_t *payload, uint32_t len) {
  c->evidence_bytes += len;
  if (c->evidence_bytes > limit(c, MG_LIMIT_PLUGIN_EVIDENCE_BYTES))
    return over(c, MG_LIMIT_PLUGIN_EVIDENCE_BYTES, "sent more evidence than");
  json_error_t jerr;
  json_t *o = json_loadb((const char *)payload, len, JSON_REJECT_DUPLICATES, &jerr);
  if (!json_is_object(o)) {
    json_decref(o);
    return "sent evidence that is not a JSON object";
  }
  json_object_update(c->plugin->evidence, o);
  json_decref(o);
  return NULL;
}

static const char *collect_image(mg_collector *c, const uint8_t *p, uint32_t len) {
  static const uint8_t png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  mg_result_plugin *rp = c->plugin;
  if (rp->n_images >= limit(c, MG_LIMIT_PLUGIN_IMAGES))
    return over(c, MG_LIMIT_PLUGIN_IMAGES, "attached more images than");
  if (len < 2)
    return "sent a malformed image";
  size_t nl = (size_t)p[0] | (size_t)p[1] << 8;
  if (len < 4 + nl)
    return "sent a malformed image";
  size_t cl = (size_t)p[2 + nl] | (size_t)p[3 + nl] << 8;
  if (len < 4 + nl + cl + 8 || memcmp(p + 4 + nl + cl, png_sig, 8))
    return "sent an image that is not a PNG";
  mg_result_image *grown = realloc(rp->images, (rp->n_images + 1) * sizeof *grown);
  if (!grown)
    return "out of memory storing an image";
  rp->images = grown;
  mg_result_image *img = &grown[rp->n_images];
  img->name = strndup((const char *)p + 2, nl);
  img->caption = strndup((const char *)p + 4 + nl, cl);
  img->png_len = len - 4 - nl - cl;
  img->png = malloc(img->png_len);
  if (!img->name || !img->caption || !img->png) {
    free(img->name);
    free(img->caption);
    free(img->png);
    return "out of memory storing an image";
  }
  memcpy(img->png, p + 4 + nl + cl, img->png_len);
  rp->n_images++;
  return NULL;
}

static void collect_log(mg_collector *c, const uint8_t *p, uint32_t len) {
  if (len < 1)
    return;
  int level = p[0] <= MG_LOG_DEBUG ? p[0] : MG_LOG_DEBUG;
  char text[1024];
  size_t n = len - 1 < sizeof text - 1 ? len - 1 : sizeof text - 1;
  for (size_t i = 0; i < n; i++) /* plugin text may carry hostile names */
    text[i] = (p[1 + i] >= 0x20 && p[1 + i] != 0x7f) || (p[1 + i] & 0x80) ? (char)p[1 + i] : '?';
  text[n] = '\0';
  if (level == MG_LOG_ERROR)
    snprintf(c->last_error, sizeof c->last_error, "%s", text);
  if (level <= MG_LOG_INFO)
    snprintf(c->last_note, sizeof c->last_note, "%s", text);
  static const int verbosity_for[] = {1, 1, 2, 3};
  if (mg_verbosity >= verbosity_for[level]) {
    mg_progress_end(&c->progress);
    fprintf(stderr, "modelgate: %s: %s%s\n", c->desc->name,
            level == MG_LOG_ERROR  ? "error: "
            : level == MG_LOG_WARN ? "warning: "
                                   : "",
            text);
  }
}

static void collect_progress(mg_collector *c, const uint8_t *p, uint32_t len) {
  json_error_t jerr;
  json_t *o = json_loadb((const char *)p, len, 0, &jerr);
  const char *stage = json_string_value(json_object_get(o, "stage"));
  json_int_t done = json_integer_value(json_object_get(o, "done"));
  json_int_t total = json_integer_value(json_object_get(o, "total"));
  if (stage && done >= 0 && total >= 0) {
    snprintf(c->progress_label, sizeof c->progress_label, "%s: %.60s", c->desc->name, stage);
    c->progress.label = c->progress_label;
    c->progress.total = (uint64_t)total;
    mg_progress_update(&c->progress, (uint64_t)done);
  }
  json_decref(o);
}

static void collect_done(mg_collector *c, const uint8_t *p, uint32_t len, int crash) {
  json_error_t jerr;
  json_t *o = json_loadb((const char *)p, len, 0, &jerr);
  if (crash) {
    c->crash_signal = (int)json_integer_value(json_object_get(o, "signal"));
    c->crash_vm_peak_kib = json_integer_value(json_object_get(o, "vm_peak_kib"));
    c->crash_vm_limit_kib = json_integer_value(json_object_get(o, "vm_limit_kib"));
  } else if (json_is_integer(json_object_get(o, "code"))) {
    c->done = 1;
    c->code = (int)json_integer_value(json_object_get(o, "code"));
    const char *stage = json_string_value(json_object_get(o, "stage"));
    snprintf(c->stage, sizeof c->stage, "%s", stage ? stage : "run");
  }
  json_decref(o);
}

const char *mg_collector_feed(mg_collector *c, uint8_t type, const uint8_t *payload, uint32_t len) {
  switch (type) {
  case MG_WIRE_LOG:
    collect_log(c, payload, len);
    return NULL;
  case MG_WIRE_PROGRESS:
    collect_progress(c, payload, len);
    return NULL;
  case MG_WIRE_FINDING:
    return collect_finding(c, payload, len);
  case MG_WIRE_EVIDENCE:
    return collect_evidence(c, payload, len);
  case MG_WIRE_IMAGE:
    return collect_image(c, payload, len);
  case MG_WIRE_DONE:
  case MG_WIRE_CRASH:
    collect_done(c, payload, len, type == MG_WIRE_CRASH);
    return NULL;
  default:
    return "sent a message of unknown type";
  }
}
