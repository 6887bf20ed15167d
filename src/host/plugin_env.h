/* What the plugins share, prepared once by the host before any plugin
 * child is forked: the datasets (opened and memory-mapped, so children read
 * the same pages) and the model (first loaded in a throwaway child, so a
 * hostile model that crashed the loader would take only that child down,
 * then loaded in the host for the children to inherit). Read-only once
 * prepared. */
#ifndef MG_PLUGIN_ENV_H
#define MG_PLUGIN_ENV_H

#include <modelgate/plugin.h>

#include "data/dataset.h"
#include "package/normalize.h"
#include "host.h"
#include "runtime/runtime.h"

enum { MG_ENV_TRAIN = 0, MG_ENV_REFERENCE, MG_ENV_INPUTS, MG_ENV_DATASETS };

typedef struct mg_env_dataset {
  const char *name; /* "train", "reference", "inputs" */
  mg_dataset *ds;   /* NULL when absent or unusable */
  char *problem;    /* why it is unusable, or NULL */
  float scale;      /* raw -> image space */
  mg_dataset_info info;
  char *inputs_path, *labels_path; /* as shown to plugins */
} mg_env_dataset;

typedef struct mg_host_env {
  const mg_host_config *cfg;
  const mg_package *pkg;  /* the resolved package */
  const mg_workspace *ws; /* where it was unpacked */
  mg_env_dataset data[MG_ENV_DATASETS];
  mg_model *model;     /* NULL when absent or unusable */
  char *model_problem; /* why it is unusable, or NULL */
  mg_model_info model_info;
  char *feature_layer; /* owned copy for model_info */
  mg_input_norm norm;
  char seed_text[32];
} mg_host_env;

/* Opens the datasets and loads the model that `needs` (the union of the
 * selected plugins' needs) calls for. Problems with the package's own
 * files (malformed dataset, model the runtime cannot load, shapes that do
 * not fit) are recorded per item and reported through err as the scan's
 * error, but preparation goes on so unaffected plugins still run. */
int mg_env_prepare(mg_host_env *env, const mg_host_config *cfg, const mg_package *pkg,
                   const mg_workspace *ws, uint32_t needs, mg_err *err);
void mg_env_free(mg_host_env *env);
/* The dataset by plugin-facing name, or NULL. */
mg_env_dataset *mg_env_dataset_by_name(mg_host_env *env, const char *name);

#endif
