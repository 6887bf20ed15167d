/* PNG encoding (libpng) of the pictures plugins attach to the report. */
#ifndef MG_PNG_ENCODE_H
#define MG_PNG_ENCODE_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"

/* CHW floats in [0,1] (1 = grey, 3 = RGB channels) -> PNG bytes (malloc'd);
 * neither side may exceed max_side (the image-side limit). */
int mg_png_encode(const float *pixels, uint32_t channels, uint32_t height, uint32_t width,
                  uint64_t max_side, unsigned char **png, size_t *len, mg_err *err);

#endif
