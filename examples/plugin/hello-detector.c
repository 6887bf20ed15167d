/* An out-of-tree modelgate plugin: reference-set accuracy of the model.
 * Built with only the installed headers (pkg-config --cflags modelgate). */
#include <stdio.h>
#include <stdlib.h>

#include <modelgate/modelgate.h>

static const char *const atlas[] = {"AML.T0018.000", NULL};
static const char *const mitigations[] = {"AML.M0008", NULL};

/* The options it reads (plugin ABI 1.2): the host refuses any other key
 * or a value outside [0, 1] before the scan; `modelgate plugins` lists it. */
static const mg_plugin_option option_table[] = {
    {"min_accuracy", MG_OPTION_NUMBER, 0.5, 0, 1, "accuracy below which the finding is medium"},
    {NULL, 0, 0, 0, 0, NULL},
};

static int run(void *state, const mg_services *svc, mg_plugin_ctx *ctx) {
  (void)state;
  mg_model_info mi = {.struct_size = sizeof mi};
  mg_dataset_info di = {.struct_size = sizeof di};
  int rc = svc->model_info(ctx, &mi);
  if (!rc)
    rc = svc->dataset_info(ctx, MG_DATASET_REFERENCE, &di);
  if (rc)
    return rc;
  const size_t batch = 128;
  float *x = malloc(batch * di.row_floats * sizeof *x);
  float *logits = malloc(batch * mi.num_classes * sizeof *logits);
  int32_t *labels = malloc(batch * sizeof *labels);
  uint64_t correct = 0, seen = 0;
  if (!x || !logits || !labels)
    rc = MG_ERR_NOMEM;
  for (uint64_t i = 0; !rc && di.has_labels && i < di.count; i += batch) {
    size_t n = di.count - i < batch ? (size_t)(di.count - i) : batch;
    rc = svc->dataset_read(ctx, MG_DATASET_REFERENCE, i, n, x, labels);
    if (!rc)
      rc = svc->model_forward(ctx, x, n, logits, NULL, NULL);
    for (size_t r = 0; !rc && r < n; r++) {
      const float *row = logits + r * mi.num_classes;
      uint32_t best = 0;
      for (uint32_t k = 1; k < mi.num_classes; k++)
        if (row[k] > row[best])
          best = k;
      correct += (int32_t)best == labels[r];
      seen++;
    }
    svc->progress(ctx, "reference accuracy", i + n, di.count);
  }
  free(x);
  free(logits);
  free(labels);
  if (rc || !seen)
    return rc ? rc : MG_ERR_NEEDS;
  double accuracy = (double)correct / (double)seen;
  /* The host has checked the value against the table before the scan. */
  double min = option_table[0].def;
  const char *min_text = svc->option(ctx, "min_accuracy");
  if (min_text && mg_option_parse(&option_table[0], min_text, &min))
    return MG_ERR_ARGS;
  char evidence[128], title[128];
  snprintf(evidence, sizeof evidence, "{\"accuracy\": %.4f, \"rows\": %llu}", accuracy,
           (unsigned long long)seen);
  snprintf(title, sizeof title, "Reference accuracy %.1f%%", 100.0 * accuracy);
  svc->evidence(ctx, evidence);
  mg_finding f = MG_FINDING_INIT;
  f.severity = accuracy < min ? MG_SEV_MEDIUM : MG_SEV_INFO;
  f.rule = "reference-accuracy";
  f.title = title;
  f.message = "Top-1 agreement between the model and the reference labels.";
  f.score = accuracy;
  f.evidence_json = evidence;
  return svc->emit(ctx, &f);
}

static const mg_plugin plugin = {
    MG_PLUGIN_HEADER,
    "hello-detector",
    "1.0",
    "Example out-of-tree plugin: the model's accuracy on the reference set",
    MG_NEED_MODEL | MG_NEED_REFERENCE,
    atlas,
    mitigations,
    NULL,
    NULL,
    run,
    NULL,
};

MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void) {
  return option_table;
}

MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void) {
  return &plugin;
}
