/* Thumbnails of the rows findings name, read from the package's datasets
 * while the workspace still exists (after the plugins, before the
 * reports). Bounded: MG_THUMBS_PER_FINDING per finding, MG_THUMBS_PER_REPORT
 * in all, each at most MG_THUMB_SIDE pixels a side. */
#include "config.h"

#include "thumbnails.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "data/dataset.h"
#include "host/png_encode.h"

/* One package dataset, opened on first use. */
typedef struct thumb_source {
  const char *name; /* "train" or "reference" */
  const mg_file *inputs, *labels;
  mg_dataset *ds;
  int tried;
} thumb_source;

static mg_dataset *source_open(thumb_source *s, const mg_workspace *ws, const mg_limits *lim) {
  if (s->tried)
    return s->ds;
  s->tried = 1;
  if (!s->inputs || !s->inputs->ws_path || (s->labels && !s->labels->ws_path))
    return NULL; /* absent, or a member of a nested archive */
  char *in = mg_workspace_path(ws, s->inputs->ws_path);
  char *lb = s->labels ? mg_workspace_path(ws, s->labels->ws_path) : NULL;
  mg_err err;
  mg_err_clear(&err);
  if (in && (lb || !s->labels) && mg_dataset_open(in, lb, ws->cache_dir, lim, &s->ds, &err))
    s->ds = NULL;
  free(in);
  free(lb);
  return s->ds;
}

/* The rows a plugin ranked: the first array in the evidence whose items
 * are objects with an integer "row" (rows_by_z, flagged_rows...), in its
 * order. Returns how many were written to rows. */
static size_t ranked_rows(json_t *ev, uint64_t n_rows, uint64_t *rows, size_t max) {
  const char *key;
  json_t *v;
  if (!json_is_object(ev))
    return 0;
  json_object_foreach(ev, key, v) {
    if (!json_is_array(v) || !json_array_size(v) ||
        !json_is_integer(json_object_get(json_array_get(v, 0), "row")))
      continue;
    size_t n = 0;
    for (size_t i = 0; i < json_array_size(v) && n < max; i++) {
      json_int_t row = json_integer_value(json_object_get(json_array_get(v, i), "row"));
      if (row >= 0 && (uint64_t)row < n_rows)
        rows[n++] = (uint64_t)row;
    }
    return n;
  }
  return 0;
}

/* Row pixels (raw values) to [0, 1] planes of 1 or 3 channels, subsampled
 * by a whole step so neither side exceeds MG_THUMB_SIDE. */
static void to_picture(const float *x, uint32_t c, uint32_t h, uint32_t w, double lo, double hi,
                       uint32_t step, uint32_t oc, uint32_t oh, uint32_t ow, float *out) {
  double span = hi > lo ? hi - lo : 1.0;
  size_t hw = (size_t)h * w;
  for (uint32_t k = 0; k < oc; k++)
    for (uint32_t y = 0; y < oh; y++)
      for (uint32_t xx = 0; xx < ow; xx++) {
        size_t at = (size_t)y * step * w + (size_t)xx * step;
        double v = 0;
        if (oc == c) {
          v = x[k * hw + at];
        } else {
          for (uint32_t ch = 0; ch < c; ch++)
            v += x[ch * hw + at];
          v /= c;
        }
        v = (v - lo) / span;
        out[(size_t)k * oh * ow + (size_t)y * ow + xx] = (float)(v < 0 ? 0 : v > 1 ? 1 : v);
      }
}

static void add_for_finding(mg_result_finding *f, mg_dataset *ds, size_t *budget) {
  uint64_t n_rows = mg_dataset_count(ds);
  uint32_t c, h, w;
  mg_dataset_shape(ds, &c, &h, &w);
  if (!h || !w || !c)
    return;
  uint64_t rows[MG_THUMBS_PER_FINDING];
  size_t want = MG_THUMBS_PER_FINDING < *budget ? MG_THUMBS_PER_FINDING : *budget;
  size_t n = ranked_rows(f->evidence, n_rows, rows, want);
  f->thumbs_ranked = n > 0;
  for (size_t i = 0; !f->thumbs_ranked && i < f->n_indices && n < want; i++)
    if (f->indices[i] < n_rows)
      rows[n++] = f->indices[i];
  if (!n)
    return;
  uint32_t side = h > w ? h : w, step = (side + MG_THUMB_SIDE - 1) / MG_THUMB_SIDE;
  uint32_t oc = c == 3 ? 3 : 1, oh = (h + step - 1) / step, ow = (w + step - 1) / step;
  double lo, hi;
  mg_dataset_raw_range(ds, &lo, &hi);
  size_t row_floats = (size_t)c * h * w;
  float *x = malloc(row_floats * sizeof *x), *pic = malloc((size_t)oc * oh * ow * sizeof *pic);
  f->thumbs = calloc(n, sizeof *f->thumbs);
  int has_labels = mg_dataset_has_labels(ds);
  for (size_t i = 0; x && pic && f->thumbs && i < n; i++) {
    int32_t label = -1;
    mg_err err;
    mg_err_clear(&err);
    if (mg_dataset_read(ds, rows[i], 1, 1.0f, x, has_labels ? &label : NULL, &err))
      continue;
    to_picture(x, c, h, w, lo, hi, step, oc, oh, ow, pic);
    mg_result_thumb *t = &f->thumbs[f->n_thumbs];
    if (mg_png_encode(pic, oc, oh, ow, MG_THUMB_SIDE, &t->png, &t->png_len, &err))
      continue;
    t->row = rows[i];
    t->label = label;
    f->n_thumbs++;
    (*budget)--;
  }
  free(x);
  free(pic);
  if (!f->n_thumbs) {
    free(f->thumbs);
    f->thumbs = NULL;
  }
}

void mg_thumbnails_add(mg_results *r, const mg_package *pkg, const mg_workspace *ws,
                       const mg_limits *lim) {
  thumb_source src[] = {
      {MG_DATASET_TRAIN, pkg->train_inputs, pkg->train_labels, NULL, 0},
      {MG_DATASET_REFERENCE, pkg->reference_inputs, pkg->reference_labels, NULL, 0}};
  size_t budget = MG_THUMBS_PER_REPORT;
  for (size_t i = 0; i < r->n_findings && budget; i++) {
    mg_result_finding *f = &r->findings[i];
    if (!f->dataset || !f->n_indices || f->thumbs)
      continue;
    for (size_t s = 0; s < sizeof src / sizeof *src; s++) {
      if (strcmp(f->dataset, src[s].name))
        continue;
      mg_dataset *ds = source_open(&src[s], ws, lim);
      if (ds)
        add_for_finding(f, ds, &budget);
    }
  }
  for (size_t s = 0; s < sizeof src / sizeof *src; s++)
    if (src[s].ds)
      mg_dataset_close(src[s].ds);
}
