/* In-memory PNG writer over libpng. */
#include "config.h"

#include "png_encode.h"

#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>

typedef struct membuf {
  unsigned char *data;
  size_t len, cap;
  int failed;
} membuf;

static void write_cb(png_structp png, png_bytep data, png_size_t n) {
  membuf *b = png_get_io_ptr(png);
  if (b->failed)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 4096;
    while (cap < b->len + n)
      cap *= 2;
    unsigned char *grown = realloc(b->data, cap);
    if (!grown) {
      b->failed = 1;
      return;
    }
    b->data = grown;
    b->cap = cap;
  }
  memcpy(b->data + b->len, data, n);
  b->len += n;
}

static void flush_cb(png_structp png) {
  (void)png;
}

static unsigned char to_byte(float v) {
  if (!(v > 0.0f)) /* also NaN */
    return 0;
  if (v >= 1.0f)
    return 255;
  return (unsigned char)lrintf(v * 255.0f);
}

int mg_png_encode(const float *pixels, uint32_t channels, uint32_t height, uint32_t width,
                  uint64_t max_side, unsigned char **out, size_t *len, mg_err *err) {
  if ((channels != 1 && channels != 3) || !height || !width)
    return mg_fail(err, MG_ERR_ARGS, "image must have 1 or 3 channels and a size");
  if (height > max_side || width > max_side)
    return mg_fail(err, MG_ERR_LIMIT,
                   "image of %ux%u: image-side limit exceeded (%llu; raise it "
                   "with --limit image-side=N)",
                   height, width, (unsigned long long)max_side);
  size_t row_bytes = (size_t)width * channels;
  unsigned char *rows = malloc(row_bytes * height);
  if (!rows)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  size_t plane = (size_t)height * width;
  for (uint32_t y = 0; y < height; y++)
    for (uint32_t x = 0; x < width; x++)
      for (uint32_t c = 0; c < channels; c++)
        rows[y * row_bytes + x * channels + c] = to_byte(pixels[c * plane + (size_t)y * width + x]);
  membuf b = {0};
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  int rc = MG_OK;
  if (!png || !info) {
    rc = mg_fail(err, MG_ERR_NOMEM, "libpng: cannot allocate");
  } else if (setjmp(png_jmpbuf(png))) {
    rc = mg_fail(err, MG_ERR_INTERNAL, "libpng: encoding failed");
  } else {
    png_set_write_fn(png, &b, write_cb, flush_cb);
    png_set_IHDR(png, info, width, height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    for (uint32_t y = 0; y < height; y++)
      png_write_row(png, rows + y * row_bytes);
    png_write_end(png, NULL);
    if (b.failed)
      rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
  free(rows);
  if (rc) {
    free(b.data);
    return rc;
  }
  *out = b.data;
  *len = b.len;
  return MG_OK;
}
