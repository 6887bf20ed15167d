/* Undoes the compression of a dataset file with libarchive's raw format
 * (every filter libarchive has, never a hand-written decoder), counting the
 * output against dataset-bytes as it goes so a bomb stops at the limit. */
#ifndef MG_DECOMPRESS_H
#define MG_DECOMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/diag.h"
#include "base/limit_table.h"

/* Reads in_fd from its current offset; name is used in messages. */
int mg_decompress_to_fd(int in_fd, int out_fd, const char *name, const mg_limits *lim,
                        uint64_t *out_bytes, mg_err *err);
/* *buf is malloc'd (never NULL on success, even for 0 bytes). */
int mg_decompress_to_mem(int in_fd, const char *name, const mg_limits *lim, uint8_t **buf,
                         size_t *len, mg_err *err);

#endif
