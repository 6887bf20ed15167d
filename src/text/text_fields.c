/* Field mapping for text rows. */
#include "config.h"

#include "text/text_fields.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Recognised names per slot, first found wins (TEXT-ABI.md). */
static const char *const defaults[MG_TEXT_SLOTS][4] = {
    {"text", "sentence", "content", NULL},
    {"label", NULL},
    {"instruction", NULL},
    {"input", NULL},
    {"output", "response", NULL},
    {"prompt", NULL},
    {"chosen", NULL},
    {"rejected", NULL},
    {"annotator", "worker_id", "rater", NULL},
    {"messages", "conversations", NULL},
};

static const char *const keys[MG_TEXT_SLOTS] = {"text",      "label",   "instruction", "input",
                                                "output",    "prompt",  "chosen",      "rejected",
                                                "annotator", "messages"};

const char *mg_text_slot_key(int slot) {
  return slot >= 0 && slot < MG_TEXT_SLOTS ? keys[slot] : "?";
}

int mg_text_slot_by_key(const char *key) {
  for (int i = 0; key && i < MG_TEXT_SLOTS; i++)
    if (!strcmp(key, keys[i]))
      return i;
  return -1;
}

static const char *const kind_names[] = {"unknown", "classification", "instruction", "preference"};

const char *mg_text_kind_name(mg_text_kind kind) {
  return (unsigned)kind <= MG_TEXT_PREFERENCE ? kind_names[kind] : "unknown";
}

int mg_text_kind_parse(const char *s, mg_text_kind *kind) {
  for (int k = MG_TEXT_CLASSIFICATION; s && k <= MG_TEXT_PREFERENCE; k++)
    if (!strcmp(s, kind_names[k])) {
      *kind = (mg_text_kind)k;
      return 0;
    }
  return -1;
}

mg_text_kind mg_text_kind_detect(uint32_t f) {
  if ((f & MG_TEXT_FIELD_CHOSEN) && (f & MG_TEXT_FIELD_REJECTED))
    return MG_TEXT_PREFERENCE;
  if ((f & MG_TEXT_FIELD_OUTPUT) && (f & (MG_TEXT_FIELD_INSTRUCTION | MG_TEXT_FIELD_INPUT)))
    return MG_TEXT_INSTRUCTION;
  if ((f & MG_TEXT_FIELD_TEXT) && (f & MG_TEXT_FIELD_LABEL))
    return MG_TEXT_CLASSIFICATION;
  return MG_TEXT_UNKNOWN;
}

void mg_text_mapper_init(mg_text_mapper *m, const mg_text_fieldmap *map) {
  memset(m, 0, sizeof *m);
  m->map = map;
  for (int k = 0; k < MG_TEXT_NFIELDS; k++)
    m->column[k] = -1;
}

static int column_of(const char *want, const char *const *names, const size_t *lens, size_t n,
                     int fold) {
  size_t wl = strlen(want);
  for (size_t i = 0; i < n && i <= INT32_MAX; i++)
    if (lens[i] == wl && (fold ? !strncasecmp(names[i], want, wl) : !memcmp(names[i], want, wl)))
      return (int)i;
  return -1;
}

void mg_text_map_header(mg_text_mapper *m, const char *const *names, const size_t *lens, size_t n) {
  for (int k = 0; k < MG_TEXT_NFIELDS; k++) {
    const char *one[2] = {m->map ? m->map->name[k] : NULL, NULL};
    const char *const *cands = one[0] ? one : defaults[k];
    m->column[k] = -1;
    for (int fold = 0; fold < 2 && m->column[k] < 0; fold++)
      for (int c = 0; cands[c] && m->column[k] < 0; c++)
        m->column[k] = column_of(cands[c], names, lens, n, fold);
  }
}

int mg_text_map_csv(mg_text_mapper *m, const char *const *cells, const size_t *lens, size_t n,
                    mg_text_cache_writer *w, uint32_t *fields, mg_err *err) {
  *fields = 0;
  for (int k = 0; k < MG_TEXT_NFIELDS; k++) {
    int c = m->column[k];
    if (c < 0 || (size_t)c >= n || lens[c] == 0)
      continue; /* an empty cell is a missing value */
    int rc = mg_text_cache_field_begin(w, k, err);
    if (!rc)
      rc = mg_text_cache_append(w, cells[c], lens[c], err);
    if (!rc)
      rc = mg_text_cache_field_end(w, err);
    if (rc)
      return rc;
    *fields |= 1u << k;
  }
  return MG_OK;
}

/* The value of a slot in a JSON row: the override, else the first default
 * name present and not null. */
static json_t *lookup(const mg_text_mapper *m, json_t *obj, int slot) {
  const char *over = m->map ? m->map->name[slot] : NULL;
  if (over) {
    json_t *v = json_object_get(obj, over);
    return json_is_null(v) ? NULL : v;
  }
  for (int i = 0; defaults[slot][i]; i++) {
    json_t *v = json_object_get(obj, defaults[slot][i]);
    if (v && !json_is_null(v))
      return v;
  }
  return NULL;
}

/* Chat turns. */
enum { TURN_OTHER, TURN_PROMPT, TURN_ASSISTANT };

static json_t *member2(json_t *o, const char *a, const char *b) {
  json_t *v = json_object_get(o, a);
  return v ? v : json_object_get(o, b);
}

static int turn_side(json_t *turn) {
  const char *role = json_string_value(member2(turn, "role", "from"));
  if (!role)
    return TURN_OTHER;
  static const char *const prompt[] = {"system", "user", "human", NULL};
  static const char *const assistant[] = {"assistant", "gpt", "bot", "model", "chatgpt", NULL};
  for (int i = 0; prompt[i]; i++)
    if (!strcasecmp(role, prompt[i]))
      return TURN_PROMPT;
  for (int i = 0; assistant[i]; i++)
    if (!strcasecmp(role, assistant[i]))
      return TURN_ASSISTANT;
  return TURN_OTHER; /* tool, function, observation...: neither side */
}

/* A non-empty array of objects that each carry a string role or from. */
static int is_chat(json_t *v) {
  if (!json_is_array(v) || json_array_size(v) == 0)
    return 0;
  size_t i;
  json_t *t;
  json_array_foreach(v, i, t) {
    if (!json_is_object(t) || !json_is_string(member2(t, "role", "from")))
      return 0;
  }
  return 1;
}

static int put_value(mg_text_mapper *m, json_t *v, mg_text_cache_writer *w, mg_err *err);

/* A turn's content: a string, or OpenAI-style parts whose text parts are
 * joined with "\n". */
static int put_content(mg_text_mapper *m, json_t *turn, mg_text_cache_writer *w, mg_err *err) {
  json_t *c = member2(turn, "content", "value");
  if (!json_is_array(c))
    return c && !json_is_null(c) ? put_value(m, c, w, err) : MG_OK;
  size_t i, parts = 0;
  json_t *part;
  int rc = MG_OK;
  json_array_foreach(c, i, part) {
    json_t *t = json_is_object(part) ? json_object_get(part, "text") : part;
    if (!json_is_string(t))
      continue;
    if (parts++ && (rc = mg_text_cache_append(w, "\n", 1, err)))
      return rc;
    if ((rc = mg_text_cache_append(w, json_string_value(t), json_string_length(t), err)))
      return rc;
  }
  return rc;
}

static size_t last_assistant(json_t *chat) {
  size_t last = SIZE_MAX, i;
  json_t *t;
  json_array_foreach(chat, i, t) {
    if (turn_side(t) == TURN_ASSISTANT)
      last = i;
  }
  return last;
}

/* want_assistant: the last assistant turn. Otherwise the system and user
 * turns before it (all of them when there is none), joined with "\n". */
static int put_chat(mg_text_mapper *m, json_t *chat, int want_assistant, mg_text_cache_writer *w,
                    mg_err *err) {
  size_t last = last_assistant(chat);
  if (want_assistant)
    return last == SIZE_MAX ? MG_OK : put_content(m, json_array_get(chat, last), w, err);
  size_t i, n = 0;
  json_t *t;
  int rc = MG_OK;
  json_array_foreach(chat, i, t) {
    if (i >= last)
      break;
    if (turn_side(t) != TURN_PROMPT)
      continue;
    if (n++ && (rc = mg_text_cache_append(w, "\n", 1, err)))
      return rc;
    if ((rc = put_content(m, t, w, err)))
      return rc;
  }
  return rc;
}

/* Has put_chat anything to write? */
static int chat_has(json_t *chat, int want_assistant) {
  size_t last = last_assistant(chat), i;
  if (want_assistant)
    return last != SIZE_MAX;
  json_t *t;
  json_array_foreach(chat, i, t) {
    if (i >= last)
      break;
    if (turn_side(t) == TURN_PROMPT)
      return 1;
  }
  return 0;
}

/* A value as text: strings as they are, numbers and booleans as their
 * JSON text, anything else as compact JSON. */
static int put_value(mg_text_mapper *m, json_t *v, mg_text_cache_writer *w, mg_err *err) {
  switch (json_typeof(v)) {
  case JSON_STRING:
    return mg_text_cache_append(w, json_string_value(v), json_string_length(v), err);
  case JSON_INTEGER:
    snprintf(m->num, sizeof m->num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
    return mg_text_cache_append(w, m->num, strlen(m->num), err);
  case JSON_REAL:
    /* The shortest of %.15g..%.17g that reads back as the same double, as
     * Python prints it: 0.1 is "0.1", not "0.10000000000000001". */
    for (int prec = 15; prec <= 17; prec++) {
      snprintf(m->num, sizeof m->num, "%.*g", prec, json_real_value(v));
      if (strtod(m->num, NULL) == json_real_value(v))
        break;
    }
    return mg_text_cache_append(w, m->num, strlen(m->num), err);
  case JSON_TRUE:
    return mg_text_cache_append(w, "true", 4, err);
  case JSON_FALSE:
    return mg_text_cache_append(w, "false", 5, err);
  case JSON_NULL:
    return MG_OK;
  default: {
    char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!s)
      return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", w->name);
    int rc = mg_text_cache_append(w, s, strlen(s), err);
    free(s);
    return rc;
  }
  }
}

/* Output-like fields take a chat list's last assistant turn. */
static int wants_assistant(int k) {
  return k == MG_TF_OUTPUT || k == MG_TF_CHOSEN || k == MG_TF_REJECTED;
}

int mg_text_map_json(mg_text_mapper *m, json_t *obj, mg_text_cache_writer *w, uint32_t *fields,
                     mg_err *err) {
  *fields = 0;
  json_t *chat = lookup(m, obj, MG_TEXT_SLOT_CHAT);
  if (!is_chat(chat))
    chat = NULL;
  for (int k = 0; k < MG_TEXT_NFIELDS; k++) {
    json_t *v = lookup(m, obj, k);
    json_t *turns = is_chat(v) ? v : NULL;
    /* Chat turns fill instruction and output when the row has neither. */
    if (!v && chat && (k == MG_TF_INSTRUCTION || k == MG_TF_OUTPUT)) {
      turns = chat;
      v = chat;
    }
    if (!v || (turns && !chat_has(turns, wants_assistant(k))))
      continue;
    int rc = mg_text_cache_field_begin(w, k, err);
    if (!rc)
      rc = turns ? put_chat(m, turns, wants_assistant(k), w, err) : put_value(m, v, w, err);
    if (!rc)
      rc = mg_text_cache_field_end(w, err);
    if (rc)
      return rc;
    *fields |= 1u << k;
  }
  return MG_OK;
}
