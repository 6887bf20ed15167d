/* modelgate.json, the package descriptor (docs/package-format.md). Parsed
 * strictly: a key of the wrong type or a path that leaves the package is an
 * error naming the key; unknown keys are kept and reported as info. */
#ifndef MG_DESCRIPTOR_H
#define MG_DESCRIPTOR_H

#include <stddef.h>

#include <jansson.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "normalize.h"

#define MG_DESCRIPTOR_NAME "modelgate.json"

typedef struct mg_dataset_ref {
  char *inputs; /* normal package path, or NULL */
  char *labels;
} mg_dataset_ref;

typedef struct mg_descriptor {
  int present;  /* a modelgate.json was found */
  char *source; /* its package path, for messages */
  char *text;   /* the raw JSON, handed to plugins */
  char *name;
  char *model;
  char **classes;
  size_t n_classes;
  mg_input_norm input;
  int has_input; /* an "input" object was given */
  char *feature_layer;
  mg_dataset_ref train, reference;
  json_t *provenance;   /* array, or NULL */
  json_t *attestations; /* object keyed by control id, or NULL */
  json_t *training;     /* object, or NULL */
  char **unknown_keys;
  size_t n_unknown;
} mg_descriptor;

void mg_descriptor_init(mg_descriptor *d);
void mg_descriptor_free(mg_descriptor *d);
/* Parses len bytes of JSON; source names the file in messages. */
int mg_descriptor_parse(mg_descriptor *d, const char *text, size_t len, const char *source,
                        const mg_limits *lim, mg_err *err);
/* Reads and parses a descriptor file outside a package (`model run
 * --descriptor`); the file is named by path in messages. */
int mg_descriptor_load_file(mg_descriptor *d, const char *path, const mg_limits *lim, mg_err *err);

#endif
