/* TensorFlow graphs: a SavedModel (saved_model.pb) or a frozen GraphDef
 * (.pb) decoded with protobuf-c (tf_graph.proto, a subset of TensorFlow's
 * protos), every node of every graph and function checked against
 * rules/tf-ops.xml for operations that touch the file system, the network
 * or run Python. */
#ifndef MG_TF_SCAN_H
#define MG_TF_SCAN_H

#include <stdint.h>

#include "mfissue.h"
#include "mflist.h"

/* protobuf messages are limited to 2 GiB. */
#define TF_MAX_PROTO ((uint64_t)2 << 30)

/* path decides which message is tried first (saved_model.pb: SavedModel). */
void tf_check(const char *path, const uint8_t *data, uint64_t size, const mf_rules *rules,
              mf_list *out);

#endif
