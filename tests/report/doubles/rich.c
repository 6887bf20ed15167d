/* Test plugin for the report views: emits findings that use every field a
 * report renders (class label, sample rows, score, nested evidence, several
 * ATLAS ids, an id missing from the catalog, text that needs escaping) and
 * attaches a 28x28 mask and a small colour picture, like the detectors do.
 * Built a second time with MGTEST_RICH_B as "mgtest-rich-b", a plugin that
 * implicates the same class and rows at low severity, so correlation raises
 * it and the reports show why. */
#include <stdint.h>
#include <stdio.h>

#include <modelgate/modelgate.h>

static const char *const atlas[] = {"AML.T0018.000", NULL};
static const char *const mitigations[] = {"AML.M0008", NULL};
static const char *const controls[] = {"CTL-10", NULL};

#ifdef MGTEST_RICH_B
#define NAME "mgtest-rich-b"
static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  uint64_t rows[20];
  for (size_t i = 0; i < 20; i++)
    rows[i] = 3 * i + 1;
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_LOW;
  f.rule = "cluster";
  f.title = "Class 7 splits into two activation clusters";
  f.artifact = "data/train-images.npy";
  f.label = 7;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = 20;
  f.score = 0.61;
  return svc->emit(ctx, &f);
}
#else
#define NAME "mgtest-rich"

/* Stands for a detector's reverse-engineered trigger: a bright square in
 * the bottom-right corner of a 28x28 mask. */
static void mask_28(float *px) {
  for (int y = 0; y < 28; y++)
    for (int x = 0; x < 28; x++)
      px[y * 28 + x] = x >= 22 && x < 26 && y >= 22 && y < 26 ? 1.0f : 0.0f;
}

static int backdoor_finding(const mg_services *svc, mg_plugin_ctx *ctx) {
  static const char *const f_atlas[] = {"AML.T0018.000", "AML.T0043.004", NULL};
  static const char *const f_mit[] = {"AML.M0008", NULL};
  static const char *const f_ctl[] = {"CTL-10", "CTL-06", NULL};
  uint64_t rows[40];
  for (size_t i = 0; i < 40; i++)
    rows[i] = 3 * i + 1;
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_CRITICAL;
  f.rule = "backdoor-class";
  f.title = "Class 7 behaves like a backdoor target";
  f.message = "A 4x4 patch flips 98% of clean inputs to class 7; anomaly index 4.2 > 2.";
  f.artifact = "data/train-images.npy";
  f.location = "rows 1..118 (every third row)";
  f.atlas = f_atlas;
  f.mitigations = f_mit;
  f.controls = f_ctl;
  f.label = 7;
  f.dataset = MG_DATASET_TRAIN;
  f.indices = rows;
  f.n_indices = 40;
  f.score = 4.2;
  f.evidence_json =
      "{\"anomaly_index\": 4.2, \"flip_rate\": 0.98,"
      " \"trigger\": {\"size\": [4, 4], \"position\": [22, 22], \"norm\": 3.5},"
      " \"per_class\": [{\"label\": 0, \"norm\": 14.1}, {\"label\": 7, \"norm\": 3.5}],"
      " \"confirmed\": true, \"baseline\": null}";
  return svc->emit(ctx, &f);
}

/* Text a report must escape, and an ATLAS id the catalog does not know. */
static int hostile_finding(const mg_services *svc, mg_plugin_ctx *ctx) {
  static const char *const f_atlas[] = {"AML.T9999", NULL};
  static const char *const f_ctl[] = {"CTL-17", NULL};
  mg_finding f = MG_FINDING_INIT;
  f.severity = MG_SEV_MEDIUM;
  f.rule = "escaping";
  f.title = "Odd <b>markup</b> & \"quotes\" in 'names'";
  f.message = "<script>alert(1)</script><img src=\"http://example.invalid/x.png\">";
  f.artifact = "weights <&>.bin";
  f.atlas = f_atlas;
  f.controls = f_ctl;
  f.evidence_json = "{\"raw\": \"<style>@import url(http://example.invalid/a.css)</style>\","
                    " \"empty_list\": [], \"empty_map\": {}}";
  return svc->emit(ctx, &f);
}

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  const char *quiet = svc->option(ctx, "quiet");
  if (quiet && quiet[0] == '1')
    return svc->evidence(ctx, "{\"classes\": 10, \"flagged\": []}");
  int rc = backdoor_finding(svc, ctx);
  if (!rc)
    rc = hostile_finding(svc, ctx);
  if (!rc)
    rc = svc->evidence(ctx, "{\"classes\": 10, \"anomaly_index\": {\"7\": 4.2, \"3\": 0.9},"
                            " \"flagged\": [7], \"median_norm\": 12.5}");
  float mask[28 * 28];
  mask_28(mask);
  if (!rc)
    rc = svc->attach_image(ctx, "class-7-mask", "reverse-engineered trigger mask for class 7", 1,
                           28, 28, mask);
  float rgb[3 * 8 * 8];
  for (int i = 0; i < 3 * 64; i++)
    rgb[i] = (float)((i / 64 == 0 ? i % 8 : i / 64 == 1 ? (i % 64) / 8 : 7 - i % 8)) / 7.0f;
  if (!rc)
    rc = svc->attach_image(ctx, "colour <8x8>", NULL, 3, 8, 8, rgb);
  return rc;
}
#endif

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    NAME,
    "1.0",
    "Test plugin whose findings use every report field",
    MG_NEED_FILES | MG_NEED_TRAIN, /* its findings name training rows */
    atlas,
    mitigations,
    controls,
    NULL,
    run,
    NULL,
};

const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
