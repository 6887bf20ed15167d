/* Problems the model-format parsers find (safetensors, GGUF, Keras,
 * TensorFlow graphs, NeMo, TorchScript), collected as plain records so a
 * parser runs the same in a plugin and in a fuzz harness, and emitted as
 * findings in one way: format, construct, CVE, ATLAS and the checklist. */
#ifndef MG_PLUGINS_MFISSUE_H
#define MG_PLUGINS_MFISSUE_H

#include <stddef.h>
#include <stdint.h>

#include <modelgate/plugin.h>

/* What a problem means, which decides its ATLAS techniques. */
typedef enum mf_kind {
  MF_CODE = 0,      /* runs code when loaded: AML.T0011.000, AML.T0018.002 */
  MF_MALFORMED = 1, /* structure loaders may read differently: AML.T0010.003, AML.T0076 */
  MF_SUSPICIOUS = 2 /* unusual content worth a review: AML.T0010.003 */
} mf_kind;

typedef struct mf_issue {
  mg_severity severity;
  mf_kind kind;
  const char *rule; /* static, "<format>.<what>" */
  const char *cve;  /* static, or NULL */
  char *construct;  /* the offending thing: "tensor 'w'", "Lambda layer 'x'" */
  char *message;    /* one or two sentences */
  int64_t offset;   /* byte offset in the file or member, -1 when none */
  char *member;     /* archive member it sits in, or NULL */
} mf_issue;

/* The problems of one file, in the order found. Past max_issues (default
 * 200) records are counted in `dropped` instead, so a hostile file cannot
 * make the report unbounded. A failed allocation sets nomem. */
typedef struct mf_list {
  const char *format; /* "safetensors", "gguf", ... (static) */
  mf_issue *items;
  size_t count, cap, max_issues;
  uint64_t dropped;
  int nomem;
  const char *member; /* member the next records are attributed to, or NULL */
} mf_list;

void mf_init(mf_list *l, const char *format);
void mf_free(mf_list *l);
/* Records a problem; construct and the message are printf formats (the
 * message's arguments follow the construct's, which takes none: pass the
 * construct already formatted with mf_str). Strings are made printable. */
void mf_add(mf_list *l, mg_severity sev, mf_kind kind, const char *rule, const char *cve,
            int64_t offset, const char *construct, const char *fmt, ...) MG_PRINTF(8, 9);
/* Highest severity recorded, or -1 when none. */
int mf_worst(const mf_list *l);
/* Number of records whose rule is rule (tests, evidence). */
size_t mf_count_rule(const mf_list *l, const char *rule);

/* A printable, length-capped copy of n bytes (control bytes as \xNN), to
 * free; NULL only when out of memory. */
char *mf_quote(const char *s, size_t n, size_t cap);

#endif
