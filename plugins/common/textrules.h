/* Rules files of the text plugins (rules/text-triggers.xml,
 * rules/domains.xml): loaded from the host's rules directory, validated
 * against their RELAX NG schema (NAME.rng beside NAME.xml) with libxml2,
 * and handed over as a flat list of entries: the element name and its
 * attributes. A missing or invalid file is an error naming the file and
 * line; the plugin decides what that means for its run. */
#ifndef MG_PLUGINS_TEXTRULES_H
#define MG_PLUGINS_TEXTRULES_H

#include <stddef.h>

#include <modelgate/modelgate.h>

#define TR_MAX_ATTRS 8

/* libcheck exports a tr_free of its own: the tests that link both (the
 * TorchScript check in pickle-code's tests) need another symbol name. */
#define tr_free mg_textrules_free

typedef struct tr_entry {
  char *element;
  char *names[TR_MAX_ATTRS];
  char *values[TR_MAX_ATTRS];
  size_t n_attrs;
  long line;
} tr_entry;

typedef struct tr_list {
  tr_entry *entries;
  size_t n;
  char *path; /* the file read */
} tr_list;

/* Reads DIR/NAME.xml (DIR: the "rules-dir" option), validated against
 * DIR/NAME.rng; every element below the root is an entry. On error, a
 * one-line message in msg ("rules/domains.xml:12: ...") and an mg_error. */
int tr_load(const mg_services *svc, mg_plugin_ctx *ctx, const char *name, tr_list *out, char *msg,
            size_t msg_size);
/* The same for a given file and schema (several lists may share one). */
int tr_load_file(const char *path, const char *schema, tr_list *out, char *msg, size_t msg_size);
/* The value of attribute name of e, or NULL. */
const char *tr_attr(const tr_entry *e, const char *name);
void tr_free(tr_list *l);

#endif
