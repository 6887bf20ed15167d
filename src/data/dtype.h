/* The element types a dataset file may hold, with their sizes and names:
 * one table the NPY and IDX header parsers and the file reader all use. */
#ifndef MG_DTYPE_H
#define MG_DTYPE_H

#include <stddef.h>

typedef enum mg_dtype {
  MG_DTYPE_U8 = 1,
  MG_DTYPE_I32,
  MG_DTYPE_I64,
  MG_DTYPE_F32,
  MG_DTYPE_F64
} mg_dtype;

/* Bytes of one element of dt (0 for an unknown value). */
size_t mg_dtype_size(mg_dtype dt);
/* "uint8", "int32", ... for messages ("?" for an unknown value). */
const char *mg_dtype_name(mg_dtype dt);

#endif
