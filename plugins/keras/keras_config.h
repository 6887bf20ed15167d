/* A Keras model configuration (config.json of a .keras v3 zip, or the
 * model_config attribute of an HDF5 .h5) checked for what runs code when
 * Keras deserializes it: Lambda layers carrying marshalled bytecode, and
 * objects whose module/class_name/registered_name resolve outside Keras
 * (rules/keras-modules.xml). */
#ifndef MG_KERAS_CONFIG_H
#define MG_KERAS_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "mfissue.h"
#include "mflist.h"

/* Configurations above this are refused (Keras models are kilobytes). */
#define KERAS_MAX_CONFIG (64u << 20)

/* Checks the JSON text (n bytes); base is the offset reported for it. */
void keras_config_check(const char *json, size_t n, const mf_rules *rules, mf_list *out);

#endif
