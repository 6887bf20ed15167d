/* Test helpers: a text dataset read from memory into memfd caches, and
 * compressed copies of a buffer made with libarchive's raw writer. */
#ifndef MG_TEST_TEXT_LOAD_H
#define MG_TEST_TEXT_LOAD_H

#include <stddef.h>

#include "text/text_dataset.h"

/* Reads data as the file `name` (its extension gives the format unless
 * o says). Returns the mg_error; err holds the message. */
int tt_load(const void *data, size_t n, const char *name, const mg_text_options *o,
            const mg_limits *lim, mg_text_dataset *d, mg_err *err);
/* Row i's field k (MG_TF_*), NULL when absent; fails the test on a bad
 * entry. */
const char *tt_field(const mg_text_dataset *d, uint64_t i, int k);
int tt_bad(const mg_text_dataset *d, uint64_t i);
/* data compressed with filter "gzip", "xz" or "zstd"; malloc'd. */
void *tt_compress(const void *data, size_t n, const char *filter, size_t *out_len);

#endif
