/* Keras HDF5 models (.h5, and the model.weights.h5 of a .keras): the
 * model_config attribute of the root group, read from memory with Debian's
 * HDF5 library (core driver over a file image), then checked like a
 * config.json. */
#ifndef MG_KERAS_H5_H
#define MG_KERAS_H5_H

#include <stdint.h>

#include "mfissue.h"
#include "mflist.h"

/* The HDF5 signature at offset 0 (a user block moves it to 512, 1024...). */
int keras_h5_magic(const uint8_t *data, uint64_t size);
void keras_h5_check(const uint8_t *data, uint64_t size, const mf_rules *rules, mf_list *out);

#endif
