/* Element conversion and validation loops over raw NPY/IDX data: the hot
 * input path of every detector, so each dtype and byte order gets its own
 * tight loop. Loads go through memcpy: IDX data need not be aligned. */
#ifndef MG_CONVERT_H
#define MG_CONVERT_H

#include <stddef.h>
#include <stdint.h>

#include "data/dataset.h"

/* dst[i] = raw[i] * scale, rounded to float. */
void mg_convert_f32(const uint8_t *src, mg_dtype dt, int big_endian, size_t n, float scale,
                    float *dst);
/* Labels already checked by mg_labels_check. */
void mg_convert_labels(const uint8_t *src, mg_dtype dt, int big_endian, size_t n, int32_t *dst);

/* Observed range of float data; returns 0, or 1 with *bad the index and
 * *value the value of the first NaN, infinity or number beyond float32. */
int mg_scan_floats(const uint8_t *src, mg_dtype dt, int big_endian, size_t n, double *lo,
                   double *hi, size_t *bad, double *value);

typedef enum mg_label_problem {
  MG_LABEL_OK = 0,
  MG_LABEL_NEGATIVE,
  MG_LABEL_TOO_LARGE,   /* beyond int32 */
  MG_LABEL_NOT_INTEGER, /* a float label with a fraction, NaN or infinity */
} mg_label_problem;

/* Checks every label; on a problem *bad is its index and *value the label. */
mg_label_problem mg_labels_check(const uint8_t *src, mg_dtype dt, int big_endian, size_t n,
                                 int32_t *max, size_t *bad, double *value);

#endif
