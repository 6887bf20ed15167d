/* The detector plugin ABI.
 *
 * A plugin is a shared object exporting one function, mg_plugin_entry(),
 * which returns a const descriptor. The host checks the descriptor's ABI
 * version and size before touching anything else, then calls init/run/fini
 * in a child process, handing the plugin a const table of services. The
 * table only ever grows at its end: a plugin built against minor N runs on
 * any host with the same major and minor >= N. See docs/plugin-abi.md. */
#ifndef MODELGATE_PLUGIN_H
#define MODELGATE_PLUGIN_H

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <modelgate/error.h>
#include <modelgate/version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define MG_PLUGIN_EXPORT __attribute__((visibility("default")))
#define MG_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define MG_PLUGIN_EXPORT
#define MG_PRINTF(f, a)
#endif

#define MG_PLUGIN_ENTRY_SYMBOL "mg_plugin_entry"

typedef enum mg_severity {
  MG_SEV_INFO = 0,
  MG_SEV_LOW = 1,
  MG_SEV_MEDIUM = 2,
  MG_SEV_HIGH = 3,
  MG_SEV_CRITICAL = 4
} mg_severity;

/* A severity as results, reports and rule files spell it ("info" to
 * "critical"); out of range reads as "info". Inline: a plugin links
 * nothing of the host. */
static inline const char *mg_severity_name(mg_severity s) {
  static const char *const names[] = {"info", "low", "medium", "high", "critical"};
  return (unsigned)s <= MG_SEV_CRITICAL ? names[s] : "info";
}

typedef enum mg_log_level {
  MG_LOG_ERROR = 0,
  MG_LOG_WARN = 1,
  MG_LOG_INFO = 2,
  MG_LOG_DEBUG = 3
} mg_log_level;

/* What a plugin needs from the package; unmet needs skip it with a reason. */
enum mg_need {
  MG_NEED_MODEL = 1u << 0,     /* an ONNX model the runtime loaded */
  MG_NEED_TRAIN = 1u << 1,     /* the training set (inputs + labels) */
  MG_NEED_REFERENCE = 1u << 2, /* a trusted clean reference set */
  MG_NEED_FILES = 1u << 3,     /* the raw package files */
  MG_NEED_TEXT = 1u << 4       /* a text dataset (JSONL, CSV/TSV, JSON array); ABI 1.1 */
};

/* Dataset names understood by dataset_info/dataset_read. */
#define MG_DATASET_TRAIN "train"
#define MG_DATASET_REFERENCE "reference"
#define MG_DATASET_INPUTS "inputs" /* extra rows given with --inputs */

typedef struct mg_plugin_ctx mg_plugin_ctx; /* opaque, one per run */

/* One result. Every pointer is borrowed for the duration of emit() only;
 * the host copies what it keeps. NULL atlas/mitigations/controls mean "the
 * plugin's defaults from its descriptor". */
typedef struct mg_finding {
  size_t struct_size; /* sizeof(mg_finding) as compiled */
  mg_severity severity;
  const char *rule;               /* stable id within the plugin */
  const char *title;              /* one line */
  const char *message;            /* what was found and why it matters */
  const char *artifact;           /* package-relative path, or NULL */
  const char *location;           /* "member data.pkl, offset 52", or NULL */
  const char *const *atlas;       /* NULL-terminated technique ids */
  const char *const *mitigations; /* NULL-terminated mitigation ids */
  const char *const *controls;    /* NULL-terminated checklist control ids */
  int32_t label;                  /* class index, or -1 */
  const char *dataset;            /* dataset the indices refer to, or NULL */
  const uint64_t *indices;        /* 0-based rows into that dataset */
  size_t n_indices;
  double score;              /* strength (z-score, index...), NaN if none */
  const char *evidence_json; /* a JSON object, or NULL */
} mg_finding;

#define MG_FINDING_INIT                                                                            \
  {                                                                                                \
    sizeof(mg_finding), MG_SEV_INFO, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, -1, NULL,     \
        NULL, 0, NAN, NULL                                                                         \
  }

/* A package file. Nested archive members have container != NULL and can be
 * read only through archive_walk() on their container. */
typedef struct mg_file_info {
  size_t struct_size;
  const char *path;      /* package-relative; "a.tar!/b/c.pkl" for members */
  const char *container; /* path of the archive holding it, or NULL */
  const char *role;      /* "model", "train-inputs", "train-labels",
                            "reference-inputs", "reference-labels",
                            "text" (1.1), "descriptor", "other" */
  const char *sha256;    /* lowercase hex */
  const char *note;      /* anomaly the unpacker recorded, or NULL */
  uint64_t size;
  uint32_t depth;      /* 0 = in the package, 1 = inside a nested archive */
  uint32_t is_archive; /* 1 when libarchive recognised it as an archive */
  uint32_t mode;       /* permission bits as recorded in the package */
  uint32_t flags;      /* MG_FILE_* bits */
} mg_file_info;

/* mg_file_info.flags */
#define MG_FILE_REGISTRY_CHECKED (1u << 0) /* a registry was given to the scan */
#define MG_FILE_REGISTERED (1u << 1)       /* an approved registry entry has its digest */

/* Called for each member by archive_walk(); return nonzero to stop. */
typedef int (*mg_member_fn)(void *user, const char *member, const uint8_t *data, uint64_t size,
                            const char *note);

/* A dataset as the model sees it: rows of channels x height x width floats
 * in image space, i.e. raw * scale from the descriptor (usually [0, 1]).
 * The model services apply (x - mean) / std themselves. */
typedef struct mg_dataset_info {
  size_t struct_size;
  uint64_t count; /* rows */
  uint32_t channels, height, width;
  uint32_t num_classes; /* from the model when there is one */
  uint64_t row_floats;  /* channels * height * width */
  int32_t has_labels;
  float value_min; /* smallest and largest value a pixel can take */
  float value_max;
  const char *inputs_path;
  const char *labels_path;
} mg_dataset_info;

typedef struct mg_model_info {
  size_t struct_size;
  uint32_t channels, height, width;
  uint32_t num_classes;
  uint64_t input_floats;     /* per row */
  const char *feature_layer; /* tensor analysed by default (penultimate) */
  uint64_t feature_dim;      /* floats per row of that tensor */
  const char *path;          /* package-relative path of the model */
} mg_model_info;

/* Text datasets (ABI 1.1): JSON Lines, CSV/TSV or JSON arrays of objects,
 * read by the host into a cache before the plugins run. Rows are numbered
 * from 0 in file order; findings name them through mg_finding.dataset (the
 * text dataset's name) and indices. */
typedef enum mg_text_kind {
  MG_TEXT_UNKNOWN = 0,
  MG_TEXT_CLASSIFICATION = 1, /* text + label */
  MG_TEXT_INSTRUCTION = 2,    /* instruction [+ input] + output, or chat turns */
  MG_TEXT_PREFERENCE = 3      /* prompt + chosen + rejected [+ annotator] */
} mg_text_kind;

typedef struct mg_text_info {
  size_t struct_size;
  const char *name;   /* dataset name: "train", "reference", or the descriptor's key */
  const char *path;   /* package-relative path of the file */
  const char *format; /* "jsonl", "csv", "tsv", "json" */
  mg_text_kind kind;
  uint64_t count;     /* rows, numbered from 0 in file order (bad rows included) */
  uint64_t bad_rows;  /* rows that could not be read; the host reports them itself */
  uint32_t untrusted; /* provenance marks the source public or user-submitted:
                         plugins apply their stricter setting and say so */
  uint32_t fields;    /* MG_TEXT_FIELD_* bits: which fields occur in any row */
} mg_text_info;

/* mg_text_info.fields and what a row may carry */
#define MG_TEXT_FIELD_TEXT (1u << 0)
#define MG_TEXT_FIELD_LABEL (1u << 1)
#define MG_TEXT_FIELD_INSTRUCTION (1u << 2)
#define MG_TEXT_FIELD_INPUT (1u << 3)
#define MG_TEXT_FIELD_OUTPUT (1u << 4)
#define MG_TEXT_FIELD_PROMPT (1u << 5)
#define MG_TEXT_FIELD_CHOSEN (1u << 6)
#define MG_TEXT_FIELD_REJECTED (1u << 7)
#define MG_TEXT_FIELD_ANNOTATOR (1u << 8)

typedef struct mg_text_row {
  size_t struct_size; /* set by the caller for every element */
  uint64_t index;     /* 0-based row in file order */
  uint32_t bad;       /* 1: the row could not be read; every field is NULL */
  /* UTF-8 (validated), NUL-terminated, valid until the plugin's run
   * returns; NULL when the row has no such field. */
  const char *text;        /* classification: text / sentence / content */
  const char *label;       /* classification label as text: 3 -> "3", "positive" */
  const char *instruction; /* Alpaca instruction; chat: the system and user
                              turns before the last assistant turn, joined
                              with "\n" */
  const char *input;       /* Alpaca input */
  const char *output;      /* Alpaca output; chat: the last assistant turn */
  const char *prompt;      /* preference */
  const char *chosen;
  const char *rejected;
  const char *annotator; /* annotator / worker_id / rater, as text */
} mg_text_row;

/* Services the host gives every plugin. Append only; check struct_size
 * before calling a member added after the minor you were built against.
 * Calls that fill a struct (file_info, dataset_info, model_info) read its
 * struct_size first: set it, e.g. mg_model_info mi = {.struct_size =
 * sizeof mi}. They return an mg_error: MG_ERR_NOT_FOUND when the package
 * has no such item. */
typedef struct mg_services {
  uint32_t abi_major;
  uint32_t abi_minor;
  size_t struct_size;

  /* Reporting. */
  void (*log)(mg_plugin_ctx *ctx, mg_log_level level, const char *fmt, ...) MG_PRINTF(3, 4);
  void (*progress)(mg_plugin_ctx *ctx, const char *stage, uint64_t done, uint64_t total);
  int (*emit)(mg_plugin_ctx *ctx, const mg_finding *finding);
  /* Merge the keys of a JSON object into this plugin's evidence. */
  int (*evidence)(mg_plugin_ctx *ctx, const char *json_object);
  /* Attach a picture (CHW floats in [0,1], 1 or 3 channels) to the report. */
  int (*attach_image)(mg_plugin_ctx *ctx, const char *name, const char *caption, uint32_t channels,
                      uint32_t height, uint32_t width, const float *pixels);

  /* Configuration. option() returns the plugin's own --set NAME.KEY=VALUE
   * settings, and these host-wide keys: "rules-dir" (directory of the
   * rules files), "strict" ("1" under --strict), "inputs" ("1" when an extra
   * dataset was given with --inputs). NULL when unset. */
  const char *(*option)(mg_plugin_ctx *ctx, const char *key);
  uint64_t (*seed)(mg_plugin_ctx *ctx);               /* --seed */
  const char *(*descriptor_json)(mg_plugin_ctx *ctx); /* modelgate.json or NULL */

  /* Package files. */
  size_t (*file_count)(mg_plugin_ctx *ctx);
  int (*file_info)(mg_plugin_ctx *ctx, size_t index, mg_file_info *info);
  int (*file_map)(mg_plugin_ctx *ctx, size_t index, const uint8_t **data, uint64_t *size);
  void (*file_unmap)(mg_plugin_ctx *ctx, size_t index);
  int (*archive_walk)(mg_plugin_ctx *ctx, size_t index, mg_member_fn fn, void *user);

  /* Datasets, read in batches so nobody holds two copies. */
  int (*dataset_info)(mg_plugin_ctx *ctx, const char *name, mg_dataset_info *info);
  int (*dataset_read)(mg_plugin_ctx *ctx, const char *name, uint64_t first, uint64_t count,
                      float *x, int32_t *labels);

  /* The model. x is image space (see mg_dataset_info), n rows. */
  int (*model_info)(mg_plugin_ctx *ctx, mg_model_info *info);
  int (*model_layer_dim)(mg_plugin_ctx *ctx, const char *layer, uint64_t *dim);
  /* logits: n x num_classes or NULL; layer NULL = the feature layer;
   * features: n x dim of that layer or NULL. */
  int (*model_forward)(mg_plugin_ctx *ctx, const float *x, size_t n, float *logits,
                       const char *layer, float *features);
  /* Gradient in image space of sum over rows of a loss on the logits:
   * cross-entropy to targets[i] when dlogits is NULL, else the caller's
   * dL/dlogits (n x num_classes). loss and logits may be NULL. */
  int (*model_input_grad)(mg_plugin_ctx *ctx, const float *x, size_t n, const int32_t *targets,
                          const float *dlogits, float *loss, float *logits, float *grad);
  /* The runtime loader's audit of an ONNX file as a JSON object (opset,
   * producer, ops, unsupported ops, external data, shadowed inputs, errors).
   * The string stays valid until the plugin's run returns. */
  int (*onnx_audit)(mg_plugin_ctx *ctx, size_t index, const char **json);

  /* Text datasets (ABI 1.1). */
  size_t (*text_count)(mg_plugin_ctx *ctx); /* text datasets in the package */
  int (*text_info)(mg_plugin_ctx *ctx, size_t index, mg_text_info *info);
  /* Rows [first, first + count) of text dataset `index` into rows[], each
   * element's struct_size set by the caller. Zero-copy: pointers into the
   * host's memory-mapped cache. MG_ERR_ARGS past the end. */
  int (*text_read)(mg_plugin_ctx *ctx, size_t index, uint64_t first, uint64_t count,
                   mg_text_row *rows);

  /* BatchNormalization amplification (ABI 1.3), for parameter-space tests
   * such as IBD-PSC. model_bn_count: the model's BatchNormalization layers
   * that run on the data, in graph order (fused ones included).
   * model_forward_bn: logits (n x num_classes) of the model whose last
   * `last` BatchNormalization layers have their scale and shift multiplied
   * by factor; the model is as loaded again when it returns. */
  int (*model_bn_count)(mg_plugin_ctx *ctx, uint32_t *count);
  int (*model_forward_bn)(mg_plugin_ctx *ctx, const float *x, size_t n, uint32_t last, float factor,
                          float *logits);
} mg_services;

/* The options a plugin reads with option() (ABI 1.2), declared so the host
 * refuses a misspelt key or a bad value before the scan starts and
 * `modelgate plugins` lists them (see mg_plugin_option_table below). The
 * layout of an entry is fixed for major 1: needing more is a new symbol. */
typedef enum mg_option_type {
  MG_OPTION_NUMBER = 1,  /* a finite decimal number in [min, max] */
  MG_OPTION_INTEGER = 2, /* a whole number in [min, max] */
  MG_OPTION_SIZE = 3,    /* bytes, optional K, M or G suffix, in [min, max] */
  MG_OPTION_BOOL = 4,    /* the text 0 or 1 */
  MG_OPTION_STRING = 5   /* any text (a tensor name, a path): the plugin checks it */
} mg_option_type;

typedef struct mg_plugin_option {
  const char *key; /* [a-z0-9_-]{1,64}, unique; NULL ends the table */
  mg_option_type type;
  double def;       /* the default (numeric types and bool; unused for strings) */
  double min, max;  /* inclusive range (numeric types) */
  const char *help; /* one printable line; for strings, say what unset means */
} mg_plugin_option;

/* A size: decimal digits and an optional K, M or G suffix (powers of
 * 1024), as --limit and size options take it: 0 and *out set, or -1. */
static inline int mg_size_parse(const char *text, uint64_t *out) {
  char *end = NULL;
  if (!text || text[0] < '0' || text[0] > '9')
    return -1;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  unsigned shift = 0;
  if (*end == 'K' || *end == 'k')
    shift = 10, end++;
  else if (*end == 'M' || *end == 'm')
    shift = 20, end++;
  else if (*end == 'G' || *end == 'g')
    shift = 30, end++;
  if (errno || *end || v > (UINT64_MAX >> shift))
    return -1;
  *out = (uint64_t)v << shift;
  return 0;
}

/* Parses text as option o takes it: 0 and *out set, or -1. Inline so the
 * host (which validates --set before a scan) and the plugin (which reads
 * the value) accept exactly the same text. Strings always parse (*out 0). */
static inline int mg_option_parse(const mg_plugin_option *o, const char *text, double *out) {
  char *end = NULL;
  double x;
  *out = 0;
  if (!text)
    return -1;
  if (o->type == MG_OPTION_STRING)
    return 0;
  if (o->type == MG_OPTION_BOOL) { /* exactly as plugins compare it */
    if ((text[0] != '0' && text[0] != '1') || text[1])
      return -1;
    *out = text[0] - '0';
    return 0;
  }
  errno = 0;
  if (o->type == MG_OPTION_SIZE) {
    uint64_t v;
    if (mg_size_parse(text, &v))
      return -1;
    x = (double)v;
  } else {
    x = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(x))
      return -1;
    if (o->type == MG_OPTION_INTEGER && x != floor(x))
      return -1;
  }
  if (x < o->min || x > o->max)
    return -1;
  *out = x;
  return 0;
}

typedef struct mg_plugin {
  uint32_t abi_major; /* MG_PLUGIN_ABI_MAJOR as compiled */
  uint32_t abi_minor;
  size_t struct_size; /* sizeof(mg_plugin) as compiled */
  const char *name;   /* [a-z0-9-]+, unique */
  const char *version;
  const char *description;        /* one line */
  uint32_t needs;                 /* enum mg_need bits */
  const char *const *atlas;       /* techniques it gives evidence for */
  const char *const *mitigations; /* mitigations its findings point to */
  const char *const *controls;    /* checklist controls it evidences */
  /* Once per process; *state is passed to run and fini. */
  int (*init)(const mg_services *svc, void **state);
  /* Once per scan. Returns MG_OK or an mg_error. */
  int (*run)(void *state, const mg_services *svc, mg_plugin_ctx *ctx);
  void (*fini)(void *state);
} mg_plugin;

typedef const mg_plugin *(*mg_plugin_entry_fn)(void);

/* Every plugin defines exactly this, returning a static descriptor. */
MG_PLUGIN_EXPORT const mg_plugin *mg_plugin_entry(void);

/* ABI 1.2, optional: a plugin that defines this returns its option table
 * (every key it reads with option(), ended by a NULL key; {NULL} when it
 * takes none). The host then refuses --set NAME.KEY=VALUE with an unknown
 * key or a value the entry does not accept before the scan starts. A
 * plugin without it gets any --set passed on unchecked, as under 1.1. */
#define MG_PLUGIN_OPTIONS_SYMBOL "mg_plugin_option_table"
typedef const mg_plugin_option *(*mg_plugin_options_fn)(void);
MG_PLUGIN_EXPORT const mg_plugin_option *mg_plugin_option_table(void);

#define MG_PLUGIN_HEADER MG_PLUGIN_ABI_MAJOR, MG_PLUGIN_ABI_MINOR, sizeof(mg_plugin)

#ifdef __cplusplus
}
#endif

#endif
