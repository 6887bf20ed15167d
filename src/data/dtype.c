/* The dtype table. */
#include "config.h"

#include "data/dtype.h"

static const struct {
  const char *name;
  size_t size;
} dtypes[] = {
    [MG_DTYPE_U8] = {"uint8", 1},    [MG_DTYPE_I32] = {"int32", 4},   [MG_DTYPE_I64] = {"int64", 8},
    [MG_DTYPE_F32] = {"float32", 4}, [MG_DTYPE_F64] = {"float64", 8},
};

static int known(mg_dtype dt) {
  return (unsigned)dt < sizeof dtypes / sizeof dtypes[0] && dtypes[dt].name;
}

size_t mg_dtype_size(mg_dtype dt) {
  return known(dt) ? dtypes[dt].size : 0;
}

const char *mg_dtype_name(mg_dtype dt) {
  return known(dt) ? dtypes[dt].name : "?";
}
