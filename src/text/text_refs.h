/* Which files of a package are text datasets, under which names and with
 * which options: the descriptor's "text" block (docs/package-format.md),
 * or, in a package without a descriptor, naming conventions (a package of
 * one text file is the dataset "train"). A dataset whose file a provenance
 * record marks public or user-submitted is untrusted. */
#ifndef MG_TEXT_REFS_H
#define MG_TEXT_REFS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "base/diag.h"
#include "base/limit_table.h"
#include "text/text_dataset.h"

struct mg_file;
struct mg_package;

typedef struct mg_text_ref {
  char *name;           /* "train", or the descriptor's key */
  char *path;           /* normal package path */
  mg_text_options opt;  /* opt.fields.name[] are owned strings */
  struct mg_file *file; /* set when the package is resolved */
  uint32_t untrusted;   /* provenance says public or user-submitted */
} mg_text_ref;

typedef struct mg_text_refs {
  mg_text_ref *items;
  size_t count;
} mg_text_refs;

/* The descriptor's "text" object; messages name source and the key path. */
int mg_text_refs_parse(mg_text_refs *r, json_t *text, const char *source, const mg_limits *lim,
                       mg_err *err);
void mg_text_refs_free(mg_text_refs *r);
/* Fills pkg->text from the descriptor (which must name files in the
 * package) or the conventions, gives those files the role "text", and
 * marks untrusted datasets from the provenance records. */
int mg_text_package_resolve(struct mg_package *pkg, const mg_limits *lim, mg_err *err);

/* Provenance record sources (the descriptor's provenance[].source). */
int mg_text_source_valid(const char *source);
int mg_text_source_untrusted(const char *source);

#endif
