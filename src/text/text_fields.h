/* Which of a row's fields is the text, the label, the instruction...:
 * the names recognised for each (first found wins), the descriptor's
 * overrides, chat turns (messages / conversations) mapped onto instruction
 * and output, the values written into the cache as UTF-8 text, and the
 * dataset kind recognised from the fields its rows carry. */
#ifndef MG_TEXT_FIELDS_H
#define MG_TEXT_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <modelgate/plugin.h>

#include "text/text_cache.h"

/* Field indices: bit i of a fields mask is MG_TEXT_FIELD_* of field i. */
enum mg_text_field_index {
  MG_TF_TEXT,
  MG_TF_LABEL,
  MG_TF_INSTRUCTION,
  MG_TF_INPUT,
  MG_TF_OUTPUT,
  MG_TF_PROMPT,
  MG_TF_CHOSEN,
  MG_TF_REJECTED,
  MG_TF_ANNOTATOR
};
_Static_assert(MG_TF_ANNOTATOR + 1 == MG_TEXT_NFIELDS, "nine row fields");
_Static_assert((1u << MG_TF_ANNOTATOR) == MG_TEXT_FIELD_ANNOTATOR &&
                   (1u << MG_TF_OUTPUT) == MG_TEXT_FIELD_OUTPUT,
               "field indices follow the MG_TEXT_FIELD_* bits");

/* Name slots: the nine row fields (MG_TEXT_FIELD_* bit order), then the
 * chat-turns list, which fills instruction and output. */
enum { MG_TEXT_SLOT_CHAT = MG_TEXT_NFIELDS, MG_TEXT_SLOTS };

typedef struct mg_text_fieldmap {
  const char *name[MG_TEXT_SLOTS]; /* the descriptor's name for a slot, or NULL */
} mg_text_fieldmap;

/* The descriptor's key for a slot ("text" .. "annotator", "messages"). */
const char *mg_text_slot_key(int slot);
/* The slot a descriptor key names, or -1. */
int mg_text_slot_by_key(const char *key);

const char *mg_text_kind_name(mg_text_kind kind);
/* "classification", "instruction", "preference"; -1 for anything else. */
int mg_text_kind_parse(const char *s, mg_text_kind *kind);
/* The kind the fields present in the rows describe. */
mg_text_kind mg_text_kind_detect(uint32_t fields);

typedef struct mg_text_mapper {
  const mg_text_fieldmap *map;
  int column[MG_TEXT_NFIELDS]; /* CSV: the header column of each field, or -1 */
  char num[64];                /* a number as text */
} mg_text_mapper;

void mg_text_mapper_init(mg_text_mapper *m, const mg_text_fieldmap *map);
/* CSV: finds each field's column in the header (exact names first, then
 * ignoring ASCII case). */
void mg_text_map_header(mg_text_mapper *m, const char *const *names, const size_t *lens, size_t n);
/* Writes the row's fields (not row_end); *fields gets the bits written. */
int mg_text_map_json(mg_text_mapper *m, json_t *object, mg_text_cache_writer *w, uint32_t *fields,
                     mg_err *err);
int mg_text_map_csv(mg_text_mapper *m, const char *const *cells, const size_t *lens, size_t n,
                    mg_text_cache_writer *w, uint32_t *fields, mg_err *err);

#endif
