/* GGUF (ggml/docs/gguf.md): magic "GGUF", u32 version, tensor count and
 * key/value count (u64; u32 in version 1), the key/values (string key, u32
 * type, value; arrays are u32 element type + count + elements), the tensor
 * infos (name, u32 n_dims <= 4, dims, u32 ggml type, u64 offset), padding to
 * general.alignment (default 32), then the tensor data. Strings are a
 * length (u64; u32 in version 1) and bytes. Every read is checked against
 * the end of the file, and every count against the bytes left before
 * anything is allocated or looped over. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gguf_parse.h"

enum {
  T_U8 = 0,
  T_I8,
  T_U16,
  T_I16,
  T_U32,
  T_I32,
  T_F32,
  T_BOOL,
  T_STRING,
  T_ARRAY,
  T_U64,
  T_I64,
  T_F64,
  T_COUNT
};
static const unsigned scalar_size[T_COUNT] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

/* ggml_type: elements per block and bytes per block (0 = removed type). */
typedef struct gtype {
  const char *name;
  unsigned block, bytes;
} gtype;
static const gtype gtypes[] = {
    {"F32", 1, 4},        {"F16", 1, 2},       {"Q4_0", 32, 18},     {"Q4_1", 32, 20},
    {NULL, 0, 0},         {NULL, 0, 0},        {"Q5_0", 32, 22},     {"Q5_1", 32, 24},
    {"Q8_0", 32, 34},     {"Q8_1", 32, 36},    {"Q2_K", 256, 84},    {"Q3_K", 256, 110},
    {"Q4_K", 256, 144},   {"Q5_K", 256, 176},  {"Q6_K", 256, 210},   {"Q8_K", 256, 292},
    {"IQ2_XXS", 256, 66}, {"IQ2_XS", 256, 74}, {"IQ3_XXS", 256, 98}, {"IQ1_S", 256, 50},
    {"IQ4_NL", 32, 18},   {"IQ3_S", 256, 110}, {"IQ2_S", 256, 82},   {"IQ4_XS", 256, 136},
    {"I8", 1, 1},         {"I16", 1, 2},       {"I32", 1, 4},        {"I64", 1, 8},
    {"F64", 1, 8},        {"IQ1_M", 256, 56},  {"BF16", 1, 2},       {NULL, 0, 0},
    {NULL, 0, 0},         {NULL, 0, 0},        {"TQ1_0", 256, 54},   {"TQ2_0", 256, 66},
    {NULL, 0, 0},         {NULL, 0, 0},        {NULL, 0, 0},         {"MXFP4", 32, 17},
};
#define N_GTYPES (sizeof gtypes / sizeof *gtypes)

#define MAX_DIMS 4
#define MAX_ARRAY_DEPTH 4

typedef struct rd {
  const uint8_t *p;
  uint64_t size, pos;
  int be;     /* big-endian file */
  int v1;     /* version 1: 32-bit lengths and counts */
  int failed; /* a read went past the end: parsing stops */
  mf_list *out;
  const mf_rules *rules;
  uint64_t alignment;
  int alignment_set;
} rd;

static void truncated(rd *r, const char *what) {
  if (r->failed)
    return;
  r->failed = 1;
  mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.truncated", NULL, (int64_t)r->pos, what,
         "The file ends (or a length points) past its %llu bytes while reading the %s.",
         (unsigned long long)r->size, what);
}

static uint64_t get(rd *r, unsigned n, const char *what) {
  if (r->failed || n > r->size - r->pos) {
    truncated(r, what);
    r->pos = r->size;
    return 0;
  }
  uint64_t v = 0;
  for (unsigned i = 0; i < n; i++) {
    unsigned b = r->be ? i : n - 1 - i;
    v = v << 8 | r->p[r->pos + b];
  }
  r->pos += n;
  return v;
}

static uint64_t get_len(rd *r, const char *what) {
  return get(r, r->v1 ? 4 : 8, what);
}

/* A string in place: *s points into the file; 0 when it does not fit. */
static int get_str(rd *r, const char **s, uint64_t *n, const char *what) {
  uint64_t at = r->pos;
  uint64_t l = get_len(r, what);
  if (r->failed)
    return 0;
  if (l > r->size - r->pos) {
    r->pos = at;
    mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.string-length", NULL, (int64_t)at, what,
           "A string claims %llu bytes but only %llu remain in the file.", (unsigned long long)l,
           (unsigned long long)(r->size - r->pos - (r->v1 ? 4 : 8)));
    r->failed = 1;
    return 0;
  }
  *s = (const char *)r->p + r->pos;
  *n = l;
  r->pos += l;
  return 1;
}

static char *quoted(const char *s, uint64_t n, size_t cap) {
  return mf_quote(s, (size_t)(n < (uint64_t)cap * 2 ? n : (uint64_t)cap * 2), cap);
}

typedef struct tpl_hit {
  rd *r;
  const char *key;
  uint64_t at;
  const char *s;
  uint64_t n;
  int hits;
} tpl_hit;

static int on_template_rule(void *user, const mf_rule *rule, size_t at) {
  tpl_hit *h = user;
  /* Show the pattern with some context around it. */
  size_t from = at > 40 ? at - 40 : 0;
  size_t to = at + rule->len + 40 < h->n ? at + rule->len + 40 : (size_t)h->n;
  char *ctx = mf_quote(h->s + from, to - from, 200);
  char *key = quoted(h->key, strlen(h->key), 100);
  char construct[300];
  snprintf(construct, sizeof construct, "%s: '%s'", key ? key : "?", rule->value);
  int chat = !strncmp(h->key, "tokenizer.chat_template", 23);
  /* Outside a chat template nothing is known to render the string: worth a
   * look, not a verdict. */
  int sev = chat || rule->severity < MG_SEV_MEDIUM ? rule->severity : MG_SEV_MEDIUM;
  mf_add(h->r->out, (mg_severity)sev, chat ? MF_CODE : MF_SUSPICIOUS,
         chat ? "gguf.chat-template-injection" : "gguf.suspicious-metadata",
         rule->cve ? rule->cve
         : chat    ? "CVE-2024-34359"
                   : NULL,
         (int64_t)(h->at + at), construct, "%s holds '%s' (%s), in \"%s\". %s", key ? key : "?",
         rule->value, rule->why, ctx ? ctx : "?",
         chat ? "Chat templates are rendered with Jinja2 by llama.cpp bindings and servers; "
                "outside a sandbox such a template runs Python when the model is loaded or "
                "prompted."
              : "Metadata is read by tools that may render or evaluate it.");
  free(ctx);
  free(key);
  h->hits++;
  return 0;
}

static void check_string_value(rd *r, const char *key, const char *s, uint64_t n, uint64_t at) {
  if (!r->rules)
    return;
  int chat = !strncmp(key, "tokenizer.chat_template", 23);
  tpl_hit h = {r, key, at, s, n, 0};
  /* Every string is matched: a template may sit under another key that a
   * server renders too (tokenizer.chat_template.<name>, or a tool's own). */
  mf_rules_scan(r->rules, s, (size_t)n, on_template_rule, &h);
  if (!chat && !h.hits && n >= 2 &&
      (memmem(s, (size_t)n, "{%", 2) || memmem(s, (size_t)n, "{{", 2)) &&
      strncmp(key, "tokenizer.ggml.", 15)) {
    char *k = quoted(key, strlen(key), 100);
    mf_add(r->out, MG_SEV_LOW, MF_SUSPICIOUS, "gguf.template-outside-chat-template", NULL,
           (int64_t)at, k ? k : "?",
           "Metadata key %s holds Jinja markup outside tokenizer.chat_template; check which "
           "tool renders it.",
           k ? k : "?");
    free(k);
  }
}

static void skip_value(rd *r, uint32_t type, const char *key, unsigned depth);

static void read_array(rd *r, const char *key, unsigned depth) {
  uint64_t at = r->pos;
  uint32_t et = (uint32_t)get(r, 4, "array element type");
  uint64_t count = get_len(r, "array length");
  if (r->failed)
    return;
  char *k = quoted(key, strlen(key), 100);
  if (et >= T_COUNT) {
    mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.value-type", NULL, (int64_t)at, k ? k : "?",
           "Array of unknown element type %u.", et);
    r->failed = 1;
  } else if (et == T_ARRAY && depth + 1 >= MAX_ARRAY_DEPTH) {
    mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.array-nesting", NULL, (int64_t)at, k ? k : "?",
           "Arrays nested more than %d deep.", MAX_ARRAY_DEPTH);
    r->failed = 1;
  } else {
    /* Every element takes at least one byte (strings and arrays at least
     * their length field): a count beyond what is left is a lie. */
    uint64_t least = et == T_STRING  ? (r->v1 ? 4u : 8u)
                     : et == T_ARRAY ? (r->v1 ? 8u : 12u)
                                     : scalar_size[et];
    if (count > (r->size - r->pos) / least) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.array-length", NULL, (int64_t)at, k ? k : "?",
             "An array claims %llu elements; the %llu bytes left hold at most %llu.",
             (unsigned long long)count, (unsigned long long)(r->size - r->pos),
             (unsigned long long)((r->size - r->pos) / least));
      r->failed = 1;
    } else if (et == T_ARRAY && depth == 0) {
      mf_add(r->out, MG_SEV_LOW, MF_SUSPICIOUS, "gguf.array-nesting", NULL, (int64_t)at,
             k ? k : "?", "Array of arrays: ggml's reader refuses them, other readers may not.");
    }
    if (!r->failed) {
      if (et == T_STRING || et == T_ARRAY)
        for (uint64_t i = 0; i < count && !r->failed; i++)
          skip_value(r, et, key, depth + 1);
      else
        r->pos += count * scalar_size[et];
    }
  }
  free(k);
}

static void skip_value(rd *r, uint32_t type, const char *key, unsigned depth) {
  if (type == T_STRING) {
    const char *s;
    uint64_t n, at = r->pos;
    if (get_str(r, &s, &n, "string value") && depth == 0)
      check_string_value(r, key, s, n, at);
  } else if (type == T_ARRAY) {
    read_array(r, key, depth);
  } else {
    get(r, scalar_size[type], "value");
  }
}

typedef struct kv_key {
  const char *s;
  uint64_t n;
} kv_key;

static int key_cmp(const void *a, const void *b) {
  const kv_key *x = a, *y = b;
  uint64_t m = x->n < y->n ? x->n : y->n;
  int c = memcmp(x->s, y->s, (size_t)m);
  return c ? c : (x->n > y->n) - (x->n < y->n);
}

static void read_kvs(rd *r, uint64_t n_kv) {
  kv_key *keys = calloc(n_kv ? n_kv : 1, sizeof *keys);
  if (!keys) {
    r->out->nomem = 1;
    r->failed = 1;
    return;
  }
  uint64_t got = 0;
  for (uint64_t i = 0; i < n_kv && !r->failed && !r->out->nomem; i++) {
    uint64_t at = r->pos;
    const char *ks;
    uint64_t kn;
    if (!get_str(r, &ks, &kn, "metadata key"))
      break;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(kn < 255 ? kn : 255), ks);
    if (memchr(ks, 0, (size_t)kn) || kn == 0) {
      char *q = quoted(ks, kn, 100);
      mf_add(r->out, MG_SEV_MEDIUM, MF_MALFORMED, "gguf.key", NULL, (int64_t)at, q ? q : "?",
             "A metadata key is empty or holds a NUL byte: C and Python readers see different "
             "keys.");
      free(q);
    }
    keys[got].s = ks;
    keys[got++].n = kn;
    uint32_t type = (uint32_t)get(r, 4, "value type");
    if (r->failed)
      break;
    if (type >= T_COUNT) {
      char *q = quoted(ks, kn, 100);
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.value-type", NULL, (int64_t)at, q ? q : "?",
             "Unknown value type %u: the rest of the file cannot be read reliably.", type);
      free(q);
      r->failed = 1;
      break;
    }
    uint64_t vat = r->pos;
    if (kn == 17 && !memcmp(ks, "general.alignment", 17)) {
      if (type != T_U32) {
        mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.alignment", NULL, (int64_t)vat,
               "general.alignment", "general.alignment has type %u, not uint32.", type);
        skip_value(r, type, key, 0);
      } else {
        uint64_t a = get(r, 4, "alignment");
        if (!r->failed && (a == 0 || (a & (a - 1)))) {
          mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.alignment", NULL, (int64_t)vat,
                 "general.alignment",
                 "general.alignment is %llu, not a power of two: readers compute different "
                 "tensor addresses.",
                 (unsigned long long)a);
        } else if (!r->failed) {
          r->alignment = a;
          r->alignment_set = 1;
        }
      }
      continue;
    }
    skip_value(r, type, key, 0);
  }
  qsort(keys, got, sizeof *keys, key_cmp);
  for (uint64_t i = 1; i < got; i++)
    if (!key_cmp(&keys[i - 1], &keys[i])) {
      char *q = quoted(keys[i].s, keys[i].n, 100);
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.duplicate-key", NULL, -1, q ? q : "?",
             "The metadata key appears more than once: readers keep different values.");
      free(q);
    }
  free(keys);
}

typedef struct tinfo {
  const char *name;
  uint64_t name_len;
  uint64_t offset, bytes;
} tinfo;

static int by_offset(const void *a, const void *b) {
  const tinfo *x = a, *y = b;
  return (x->offset > y->offset) - (x->offset < y->offset);
}

static int by_name(const void *a, const void *b) {
  const tinfo *x = a, *y = b;
  kv_key p = {x->name, x->name_len}, q = {y->name, y->name_len};
  return key_cmp(&p, &q);
}

static void read_tensors(rd *r, uint64_t n_t) {
  tinfo *t = calloc(n_t ? n_t : 1, sizeof *t);
  if (!t) {
    r->out->nomem = 1;
    return;
  }
  uint64_t got = 0;
  for (uint64_t i = 0; i < n_t && !r->failed && !r->out->nomem; i++) {
    uint64_t at = r->pos;
    const char *ns;
    uint64_t nn;
    if (!get_str(r, &ns, &nn, "tensor name"))
      break;
    char *q = quoted(ns, nn, 100);
    char label[300];
    snprintf(label, sizeof label, "tensor '%s'", q ? q : "?");
    free(q);
    uint32_t nd = (uint32_t)get(r, 4, "tensor dimensions");
    if (r->failed)
      break;
    if (nd > MAX_DIMS) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-dims", NULL, (int64_t)at, label,
             "%u dimensions; ggml has at most %d.", nd, MAX_DIMS);
      r->failed = 1;
      break;
    }
    uint64_t dims[MAX_DIMS] = {1, 1, 1, 1}, elems = 1;
    int overflow = 0;
    for (uint32_t d = 0; d < nd; d++) {
      dims[d] = r->v1 ? get(r, 4, "tensor dimension") : get(r, 8, "tensor dimension");
      if (dims[d] > INT64_MAX || (dims[d] && elems > (uint64_t)INT64_MAX / dims[d]))
        overflow = 1;
      else
        elems *= dims[d];
    }
    uint32_t type = (uint32_t)get(r, 4, "tensor type");
    uint64_t off = get(r, 8, "tensor offset");
    if (r->failed)
      break;
    if (overflow) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-dims", NULL, (int64_t)at, label,
             "The element count overflows 63 bits (ggml's int64_t).");
      continue;
    }
    if (type >= N_GTYPES || !gtypes[type].name) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-type", NULL, (int64_t)at, label,
             "Unknown or removed ggml type %u.", type);
      continue;
    }
    const gtype *g = &gtypes[type];
    if (dims[0] % g->block) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-dims", NULL, (int64_t)at, label,
             "The first dimension, %llu, is not a multiple of %s's block of %u.",
             (unsigned long long)dims[0], g->name, g->block);
      continue;
    }
    t[got].name = ns;
    t[got].name_len = nn;
    t[got].offset = off;
    t[got++].bytes = elems / g->block * g->bytes;
  }
  if (r->failed || r->out->nomem) {
    free(t);
    return;
  }
  uint64_t align = r->alignment_set ? r->alignment : 32;
  uint64_t data_start = r->pos + (align - r->pos % align) % align;
  if (data_start > r->size) {
    if (got)
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.truncated", NULL, (int64_t)r->pos,
             "tensor data", "The file ends before its tensor data section.");
    free(t);
    return;
  }
  uint64_t avail = r->size - data_start;
  qsort(t, got, sizeof *t, by_name);
  for (uint64_t i = 1; i < got; i++)
    if (!by_name(&t[i - 1], &t[i])) {
      char *q = quoted(t[i].name, t[i].name_len, 100);
      char label[300];
      snprintf(label, sizeof label, "tensor '%s'", q ? q : "?");
      free(q);
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.duplicate-tensor", NULL, -1, label,
             "Two tensors have this name: loaders pick different ones.");
    }
  qsort(t, got, sizeof *t, by_offset);
  uint64_t end = 0;
  for (uint64_t i = 0; i < got; i++) {
    char *q = quoted(t[i].name, t[i].name_len, 100);
    char label[300];
    snprintf(label, sizeof label, "tensor '%s'", q ? q : "?");
    free(q);
    if (t[i].offset % align)
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-alignment", NULL, (int64_t)data_start,
             label, "Offset %llu is not a multiple of the alignment %llu.",
             (unsigned long long)t[i].offset, (unsigned long long)align);
    if (t[i].offset > avail || t[i].bytes > avail - t[i].offset) {
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-range", NULL, (int64_t)data_start,
             label, "Its %llu bytes at offset %llu reach past the %llu bytes of the data section.",
             (unsigned long long)t[i].bytes, (unsigned long long)t[i].offset,
             (unsigned long long)avail);
      continue;
    }
    if (t[i].offset < end)
      mf_add(r->out, MG_SEV_HIGH, MF_MALFORMED, "gguf.tensor-overlap", NULL,
             (int64_t)(data_start + t[i].offset), label,
             "Its bytes overlap the previous tensor's.");
    if (t[i].offset + t[i].bytes > end)
      end = t[i].offset + t[i].bytes;
  }
  /* Bytes past the last tensor beyond one alignment's worth of padding. */
  if (got && avail - end >= align && avail - end > 0)
    mf_add(r->out, MG_SEV_MEDIUM, MF_MALFORMED, "gguf.trailing-bytes", NULL,
           (int64_t)(data_start + end), "tensor data",
           "%llu bytes after the last tensor belong to no tensor: a hiding place for a payload.",
           (unsigned long long)(avail - end));
  free(t);
}

int gguf_magic(const uint8_t *data, uint64_t size) {
  return size >= 4 && !memcmp(data, "GGUF", 4);
}

void gguf_check(const uint8_t *data, uint64_t size, const mf_rules *rules, mf_list *out) {
  rd r;
  memset(&r, 0, sizeof r);
  r.p = data;
  r.size = size;
  r.out = out;
  r.rules = rules;
  if (!gguf_magic(data, size)) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "gguf.header", NULL, 0, "magic",
           "The file does not start with \"GGUF\".");
    return;
  }
  r.pos = 4;
  uint64_t version = get(&r, 4, "version");
  if (!r.failed && (version & 0xffff) == 0 && version) {
    r.be = 1; /* written on a big-endian host: the version reads swapped */
    r.pos = 4;
    version = get(&r, 4, "version");
  }
  if (r.failed)
    return;
  if (version < 1 || version > 3) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "gguf.header", NULL, 4, "version",
           "Version %llu: only GGUF 1 to 3 exist.", (unsigned long long)version);
    return;
  }
  r.v1 = version == 1;
  if (r.v1)
    mf_add(out, MG_SEV_LOW, MF_SUSPICIOUS, "gguf.header", NULL, 4, "version",
           "GGUF version 1 (32-bit counts) is obsolete; current llama.cpp refuses it.");
  uint64_t n_t = get_len(&r, "tensor count"), n_kv = get_len(&r, "metadata count");
  if (r.failed)
    return;
  /* A key/value takes at least 13 bytes, a tensor info at least 24. */
  uint64_t left = size - r.pos;
  if (n_kv > left / 13 || n_t > left / 24 || n_kv / 13 + n_t / 24 > left) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "gguf.counts", NULL, 8, "header counts",
           "The header claims %llu tensors and %llu metadata entries; the %llu bytes left cannot "
           "hold them.",
           (unsigned long long)n_t, (unsigned long long)n_kv, (unsigned long long)left);
    return;
  }
  read_kvs(&r, n_kv);
  if (!r.failed && !out->nomem)
    read_tensors(&r, n_t);
}
