/* A package after unpacking: the inventory, the descriptor, and which file
 * plays which role (model, training set, reference set), decided by the
 * command line, then modelgate.json, then naming conventions. */
#ifndef MG_PACKAGE_H
#define MG_PACKAGE_H

#include "descriptor.h"
#include "base/diag.h"
#include "intake/inventory.h"
#include "base/limit_table.h"
#include "normalize.h"
#include "intake/workspace.h"

/* Command-line overrides; NULL fields are not overridden. */
typedef struct mg_package_overrides {
  const char *model;
  const char *train_inputs, *train_labels;
  const char *reference_inputs, *reference_labels;
  const char *feature_layer;
  const char *scale, *mean, *std;
} mg_package_overrides;

typedef struct mg_package {
  mg_inventory inv;
  mg_descriptor desc;
  const char *name;    /* descriptor name, else the package file name */
  mg_file *descriptor; /* modelgate.json, or NULL */
  mg_file *model;      /* NULL when the package has no model */
  mg_file *train_inputs, *train_labels;
  mg_file *reference_inputs, *reference_labels;
  mg_input_norm input; /* descriptor, then overrides */
  const char *feature_layer;
} mg_package;

void mg_package_init(mg_package *pkg);
void mg_package_free(mg_package *pkg);
/* Reads the descriptor from the workspace and assigns roles. */
int mg_package_resolve(mg_package *pkg, const mg_package_overrides *ov, const mg_workspace *ws,
                       const mg_limits *lim, mg_err *err);

#endif
