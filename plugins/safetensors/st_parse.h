/* A safetensors file checked against its own header, the way the
 * reference loader (huggingface/safetensors) validates it and stricter:
 * header length and JSON, dtypes, shapes, offsets, coverage of the data
 * section. Pure function of the bytes: the plugin and the fuzz harness
 * call the same code. */
#ifndef MG_ST_PARSE_H
#define MG_ST_PARSE_H

#include <stdint.h>

#include "mfissue.h"

/* The reference loader refuses headers above 100 MB. */
#define ST_MAX_HEADER 100000000u

/* 1 when the bytes look like safetensors (header length that fits, '{'). */
int st_magic(const uint8_t *data, uint64_t size);
/* Records every problem of the file in out; counts tensors in *tensors. */
void st_check(const uint8_t *data, uint64_t size, mf_list *out, uint64_t *tensors);

#endif
