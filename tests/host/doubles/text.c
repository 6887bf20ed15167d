/* Test plugin that needs text: reads every text dataset through the host's
 * services in batches and reports what it saw, so the end-to-end test can
 * check the host's intake, mapping and services through a real child. One
 * finding per dataset names the rows whose text, instruction or prompt
 * contains "TRIGGER"; the evidence holds each dataset's info, its first
 * good row, and what text_read answers past the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "mgtest.h"

#define BATCH 100

static json_t *opt(const char *s) {
  return s ? json_string(s) : json_null();
}

static int scan_set(const mg_services *svc, mg_plugin_ctx *ctx, size_t i, json_t *sets) {
  mg_text_info info = {.struct_size = sizeof info};
  int rc = svc->text_info(ctx, i, &info);
  if (rc)
    return rc;
  mg_text_row rows[BATCH];
  uint64_t *hits = malloc((info.count ? info.count : 1) * sizeof *hits);
  if (!hits)
    return MG_ERR_NOMEM;
  size_t n_hits = 0;
  uint64_t bad = 0;
  json_t *first = json_null();
  for (uint64_t at = 0; !rc && at < info.count; at += BATCH) {
    uint64_t n = info.count - at < BATCH ? info.count - at : BATCH;
    for (int k = 0; k < BATCH; k++)
      rows[k].struct_size = sizeof rows[k];
    rc = svc->text_read(ctx, i, at, n, rows);
    for (uint64_t k = 0; !rc && k < n; k++) {
      const mg_text_row *r = &rows[k];
      if (r->index != at + k)
        rc = MG_ERR_INTERNAL;
      bad += r->bad;
      const char *probe[] = {r->text, r->instruction, r->prompt};
      for (int p = 0; p < 3; p++)
        if (probe[p] && strstr(probe[p], "TRIGGER")) {
          hits[n_hits++] = r->index;
          break;
        }
      if (!r->bad && json_is_null(first))
        first =
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "text", opt(r->text),
                      "label", opt(r->label), "instruction", opt(r->instruction), "input",
                      opt(r->input), "output", opt(r->output), "prompt", opt(r->prompt), "chosen",
                      opt(r->chosen), "rejected", opt(r->rejected), "annotator", opt(r->annotator));
    }
  }
  int past = svc->text_read(ctx, i, info.count, 1, rows);
  json_array_append_new(sets, json_pack("{s:s, s:s, s:s, s:i, s:I, s:I, s:I, s:i, s:i, s:o, s:i}",
                                        "name", info.name, "path", info.path, "format", info.format,
                                        "kind", (int)info.kind, "count", (json_int_t)info.count,
                                        "bad_rows", (json_int_t)info.bad_rows, "bad_seen",
                                        (json_int_t)bad, "untrusted", (int)info.untrusted, "fields",
                                        (int)info.fields, "first", first, "past_end", past));
  if (!rc) {
    mg_finding f = MG_FINDING_INIT;
    f.severity = MG_SEV_LOW;
    f.rule = "trigger-rows";
    f.title = "Rows containing TRIGGER";
    f.dataset = info.name;
    f.indices = hits;
    f.n_indices = n_hits;
    rc = svc->emit(ctx, &f);
  }
  free(hits);
  return rc;
}

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  if (svc->struct_size < offsetof(mg_services, text_read) + sizeof svc->text_read)
    return MG_ERR_ABI;
  json_t *sets = json_array();
  int rc = MG_OK;
  for (size_t i = 0; !rc && i < svc->text_count(ctx); i++)
    rc = scan_set(svc, ctx, i, sets);
  mg_text_info none = {.struct_size = sizeof none};
  json_t *ev = json_pack("{s:o, s:i}", "sets", sets, "info_past_end",
                         svc->text_info(ctx, svc->text_count(ctx), &none));
  char *text = json_dumps(ev, JSON_COMPACT);
  if (!rc)
    rc = text ? svc->evidence(ctx, text) : MG_ERR_NOMEM;
  free(text);
  json_decref(ev);
  return rc;
}

MGTEST_PLUGIN("mgtest-text", "Test plugin that reads the text datasets", MG_NEED_TEXT, run)
