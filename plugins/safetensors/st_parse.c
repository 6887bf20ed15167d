/* safetensors: 8-byte little-endian header length N, N bytes of JSON
 * (an object: tensor name -> {dtype, shape, data_offsets}, plus an optional
 * "__metadata__" of string -> string), then the data section, which the
 * tensors' [begin, end) offsets must tile exactly. jansson parses the JSON;
 * duplicate keys are refused because two JSON readers may keep different
 * copies (a parser differential). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "st_parse.h"

#define ST "safetensors"

typedef struct dtype {
  const char *name;
  unsigned bits;
} dtype;

/* huggingface/safetensors Dtype, with sizes in bits (F4/F6 are packed). */
static const dtype dtypes[] = {
    {"BOOL", 8},    {"U8", 8},   {"I8", 8},   {"F8_E5M2", 8}, {"F8_E4M3", 8},
    {"F8_E8M0", 8}, {"I16", 16}, {"U16", 16}, {"F16", 16},    {"BF16", 16},
    {"I32", 32},    {"U32", 32}, {"F32", 32}, {"F64", 64},    {"I64", 64},
    {"U64", 64},    {"C64", 64}, {"F4", 4},   {"F6_E2M3", 6}, {"F6_E3M2", 6},
};

int st_magic(const uint8_t *data, uint64_t size) {
  if (size < 10)
    return 0;
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | data[i];
  return n >= 2 && n <= size - 8 && data[8] == '{';
}

typedef struct span {
  uint64_t begin, end;
  const char *name;
} span;

static int by_begin(const void *a, const void *b) {
  const span *x = a, *y = b;
  return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : (x->end > y->end) - (x->end < y->end);
}

static const dtype *dtype_of(const char *s) {
  for (size_t i = 0; i < sizeof dtypes / sizeof *dtypes; i++)
    if (!strcmp(dtypes[i].name, s))
      return &dtypes[i];
  return NULL;
}

static char *tensor_label(const char *name) {
  char *q = mf_quote(name, strlen(name), 120);
  if (!q)
    return NULL;
  size_t l = strlen(q) + 16;
  char *s = malloc(l);
  if (s)
    snprintf(s, l, "tensor '%s'", q);
  free(q);
  return s;
}

static void check_metadata(json_t *meta, mf_list *out) {
  if (!json_is_object(meta)) {
    mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "safetensors.metadata", NULL, 8, "__metadata__",
           "__metadata__ is not an object of strings; the reference loader refuses the file.");
    return;
  }
  const char *k;
  json_t *v;
  json_object_foreach(meta, k, v) {
    if (!json_is_string(v)) {
      char *q = mf_quote(k, strlen(k), 120);
      mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "safetensors.metadata", NULL, 8, "__metadata__",
             "__metadata__ key '%s' holds a %s, not a string; the reference loader refuses the "
             "file, other readers may not.",
             q ? q : "?",
             json_is_object(v)  ? "object"
             : json_is_array(v) ? "array"
                                : "non-string");
      free(q);
    }
  }
}

/* One tensor entry; on success fills *sp and returns 1. */
static int check_tensor(const char *name, json_t *t, uint64_t data_len, mf_list *out, span *sp) {
  char *label = tensor_label(name);
  if (!label) {
    out->nomem = 1;
    return 0;
  }
  int ok = 0;
  json_t *jd = json_object_get(t, "dtype"), *js = json_object_get(t, "shape"),
         *jo = json_object_get(t, "data_offsets");
  if (!json_is_object(t) || !json_is_string(jd) || !json_is_array(js) || !json_is_array(jo) ||
      json_array_size(jo) != 2) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.tensor-entry", NULL, 8, label,
           "The entry must be an object with a string dtype, a shape array and two "
           "data_offsets; loaders disagree on what to do with anything else.");
    goto done;
  }
  if (json_object_size(t) != 3)
    mf_add(out, MG_SEV_LOW, MF_SUSPICIOUS, "safetensors.tensor-entry", NULL, 8, label,
           "The entry carries %zu keys besides dtype, shape and data_offsets.",
           json_object_size(t) - 3);
  const dtype *dt = dtype_of(json_string_value(jd));
  if (!dt) {
    char *q = mf_quote(json_string_value(jd), strlen(json_string_value(jd)), 60);
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.dtype", NULL, 8, label,
           "Unknown dtype '%s'.", q ? q : "?");
    free(q);
    goto done;
  }
  /* Element count with overflow checks: each dimension a non-negative
   * integer, the product below 2^64 / 8. */
  uint64_t elems = 1;
  size_t i;
  json_t *d;
  json_array_foreach(js, i, d) {
    if (!json_is_integer(d) || json_integer_value(d) < 0) {
      mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.shape", NULL, 8, label,
             "Dimension %zu of the shape is not a non-negative integer.", i);
      goto done;
    }
    uint64_t v = (uint64_t)json_integer_value(d);
    if (v && elems > (UINT64_MAX / 8) / v) {
      mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.shape", NULL, 8, label,
             "The shape's element count overflows 64 bits.");
      goto done;
    }
    elems *= v;
  }
  json_t *jb = json_array_get(jo, 0), *je = json_array_get(jo, 1);
  if (!json_is_integer(jb) || !json_is_integer(je) || json_integer_value(jb) < 0 ||
      json_integer_value(je) < 0) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.offsets", NULL, 8, label,
           "data_offsets are not two non-negative integers.");
    goto done;
  }
  uint64_t b = (uint64_t)json_integer_value(jb), e = (uint64_t)json_integer_value(je);
  if (b > e || e > data_len) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.out-of-range", NULL, 8, label,
           "data_offsets [%llu, %llu) %s the data section of %llu bytes.", (unsigned long long)b,
           (unsigned long long)e, b > e ? "are reversed, outside" : "reach past",
           (unsigned long long)data_len);
    goto done;
  }
  uint64_t bits = elems * dt->bits;
  if (bits % 8 || bits / 8 != e - b) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.size-mismatch", NULL, 8, label,
           "%s with %llu elements needs %llu%s bytes, but its data_offsets span %llu.", dt->name,
           (unsigned long long)elems, (unsigned long long)(bits / 8), bits % 8 ? ".x" : "",
           (unsigned long long)(e - b));
    goto done;
  }
  sp->begin = b;
  sp->end = e;
  sp->name = name;
  ok = 1;
done:
  free(label);
  return ok;
}

static void check_tiling(span *sp, size_t n, uint64_t data_len, mf_list *out) {
  qsort(sp, n, sizeof *sp, by_begin);
  uint64_t cursor = 0;
  for (size_t i = 0; i < n; i++) {
    char *label = tensor_label(sp[i].name);
    if (!label) {
      out->nomem = 1;
      return;
    }
    if (sp[i].begin < cursor)
      mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.overlap", NULL, 8, label,
             "Its bytes [%llu, %llu) overlap the previous tensor's: two tensors share storage, "
             "which the reference loader refuses and a hand-written reader may not.",
             (unsigned long long)sp[i].begin, (unsigned long long)sp[i].end);
    else if (sp[i].begin > cursor)
      mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "safetensors.gap", NULL, (int64_t)(sp[i].begin),
             label, "%llu bytes before it belong to no tensor: a hiding place for a payload.",
             (unsigned long long)(sp[i].begin - cursor));
    if (sp[i].end > cursor)
      cursor = sp[i].end;
    free(label);
  }
  if (cursor < data_len)
    mf_add(out, MG_SEV_MEDIUM, MF_MALFORMED, "safetensors.trailing-bytes", NULL, (int64_t)cursor,
           "data section",
           "%llu bytes after the last tensor belong to no tensor: a hiding place for a payload.",
           (unsigned long long)(data_len - cursor));
}

void st_check(const uint8_t *data, uint64_t size, mf_list *out, uint64_t *tensors) {
  *tensors = 0;
  if (size < 8) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.header-length", NULL, 0, "header length",
           "The file has %llu bytes, fewer than the 8-byte header length.",
           (unsigned long long)size);
    return;
  }
  uint64_t n = 0;
  for (int i = 7; i >= 0; i--)
    n = n << 8 | data[i];
  if (n < 2 || n > size - 8 || n > ST_MAX_HEADER) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.header-length", NULL, 0, "header length",
           "The header claims %llu bytes; the file has %llu after the length and loaders accept "
           "at most %u.",
           (unsigned long long)n, (unsigned long long)(size - 8), ST_MAX_HEADER);
    return;
  }
  json_error_t jerr;
  json_t *root = json_loadb((const char *)data + 8, (size_t)n, JSON_REJECT_DUPLICATES, &jerr);
  if (!root || data[8] != '{') {
    int dup = root == NULL && strstr(jerr.text, "duplicate") != NULL;
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED,
           dup ? "safetensors.duplicate-key" : "safetensors.header-json", NULL,
           root ? 8 : 8 + (int64_t)jerr.position, "header", "%s: %s.",
           dup ? "The header repeats a key (JSON readers keep different copies)"
               : "The header is not a JSON object",
           root ? "it does not start with '{'" : jerr.text);
    json_decref(root);
    return;
  }
  if (!json_is_object(root)) {
    mf_add(out, MG_SEV_HIGH, MF_MALFORMED, "safetensors.header-json", NULL, 8, "header",
           "The header is JSON but not an object.");
    json_decref(root);
    return;
  }
  uint64_t data_len = size - 8 - n;
  size_t cap = json_object_size(root);
  span *sp = calloc(cap ? cap : 1, sizeof *sp);
  if (!sp) {
    out->nomem = 1;
    json_decref(root);
    return;
  }
  size_t k = 0;
  const char *name;
  json_t *t;
  json_object_foreach(root, name, t) {
    if (!strcmp(name, "__metadata__")) {
      check_metadata(t, out);
      continue;
    }
    (*tensors)++;
    if (check_tensor(name, t, data_len, out, &sp[k]))
      k++;
  }
  /* Coverage only means something when every entry could be placed. */
  if (k == *tensors)
    check_tiling(sp, k, data_len, out);
  free(sp);
  json_decref(root);
}
