/* TensorProto -> rt_tensor: dims and sizes checked, raw_data or the typed
 * field matching the data type, or external data through rt_extdata.c.
 * Integer types are widened to int64, double narrowed to float. */
#include "config.h"

#include "rt_internal.h"
#include "runtime/rt_onnx.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ONNX element type -> (bytes in raw_data, runtime dtype). */
static int onnx_elem(int32_t t, size_t *bytes, int *dtype) {
  switch (t) {
  case 1: /* FLOAT */
    *bytes = 4, *dtype = RT_F32;
    return 1;
  case 11: /* DOUBLE */
    *bytes = 8, *dtype = RT_F32;
    return 1;
  case 2: /* UINT8 */
  case 3: /* INT8 */
  case 9: /* BOOL */
    *bytes = 1, *dtype = RT_I64;
    return 1;
  case 4: /* UINT16 */
  case 5: /* INT16 */
    *bytes = 2, *dtype = RT_I64;
    return 1;
  case 6:  /* INT32 */
  case 12: /* UINT32 */
    *bytes = 4, *dtype = RT_I64;
    return 1;
  case 7:  /* INT64 */
  case 13: /* UINT64 */
    *bytes = 8, *dtype = RT_I64;
    return 1;
  default:
    return 0;
  }
}

static int64_t raw_int(int32_t t, const uint8_t *p) {
  switch (t) {
  case 2:
  case 9:
    return p[0];
  case 3:
    return (int8_t)p[0];
  case 4: {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case 5: {
    int16_t v;
    memcpy(&v, p, 2);
    return v;
  }
  case 6: {
    int32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  case 12: {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
  }
  default: {
    int64_t v;
    memcpy(&v, p, 8);
    return v;
  }
  }
}

/* Converts `count` raw little-endian elements into out->data. */
static int convert_raw(int32_t t, const uint8_t *src, int64_t count, rt_tensor *out,
                       const char *what, mg_err *err) {
  if (t == 1) {
    if (count)
      memcpy(out->data, src, (size_t)count * 4);
    return MG_OK;
  }
  if (t == 11) {
    float *d = out->data;
    for (int64_t i = 0; i < count; i++) {
      double v;
      memcpy(&v, src + i * 8, 8);
      d[i] = (float)v;
    }
    return MG_OK;
  }
  size_t es;
  int dt;
  onnx_elem(t, &es, &dt);
  int64_t *d = out->data;
  for (int64_t i = 0; i < count; i++) {
    if (t == 13) {
      uint64_t u;
      memcpy(&u, src + i * 8, 8);
      if (u > INT64_MAX)
        return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: uint64 value too large", what);
    }
    d[i] = raw_int(t, src + (size_t)i * es);
  }
  return MG_OK;
}

static int parse_i64(const char *s, int64_t *v) {
  if (!s || !*s || *s == '-' || *s == '+')
    return -1;
  char *end;
  errno = 0;
  long long x = strtoll(s, &end, 10);
  if (errno || *end)
    return -1;
  *v = x;
  return 0;
}

void rt_tensor_free(rt_tensor *t) {
  free(t->data);
  t->data = NULL;
}

int rt_tensor_from_proto(const Onnx__TensorProto *tp, const char *file, const char *base,
                         const mg_limits *lim, uint64_t *ext_bytes, rt_tensor *out, mg_err *err) {
  memset(out, 0, sizeof *out);
  const char *name = tp->name ? tp->name : "";
  char what[512];
  snprintf(what, sizeof what, "%s: tensor '%s'", file, name);
  size_t es;
  int dtype;
  int32_t t = tp->has_data_type ? tp->data_type : 0;
  if (!onnx_elem(t, &es, &dtype))
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: data type %d is not supported", what, (int)t);
  if (tp->n_dims > RT_MAX_RANK)
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: rank %zu exceeds %d", what, tp->n_dims,
                   RT_MAX_RANK);
  if (tp->segment)
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: segmented tensors are not supported", what);
  out->shape.rank = (uint32_t)tp->n_dims;
  for (size_t i = 0; i < tp->n_dims; i++) {
    if (tp->dims[i] < 0)
      return mg_fail(err, MG_ERR_FORMAT, "%s: negative dimension %" PRId64, what, tp->dims[i]);
    out->shape.d[i] = tp->dims[i];
  }
  int64_t count;
  if (rt_shape_count(&out->shape, &count) != 0 || (uint64_t)count > UINT64_MAX / 8)
    return mg_fail(err, MG_ERR_FORMAT, "%s: element count overflows", what);
  if (mg_limit_check(lim, MG_LIMIT_TENSOR_BYTES, (uint64_t)count * 8, what, err))
    return err ? err->code : MG_ERR_LIMIT;
  out->dtype = dtype;
  out->count = count;
  uint64_t raw_bytes = (uint64_t)count * es;
  out->data = malloc(count ? (size_t)count * rt_dtype_size(dtype) : 1);
  if (!out->data)
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", what);
  int rc = MG_OK;

  if (tp->has_data_location && tp->data_location == 1) {
    const char *loc = NULL;
    int64_t off = 0, len = -1;
    for (size_t i = 0; i < tp->n_external_data; i++) {
      const Onnx__StringStringEntryProto *kv = tp->external_data[i];
      if (!kv->key)
        continue;
      if (!strcmp(kv->key, "location"))
        loc = kv->value;
      else if (!strcmp(kv->key, "offset") && parse_i64(kv->value, &off))
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: external data offset '%s' is not a number", what,
                     kv->value ? kv->value : "");
      else if (!strcmp(kv->key, "length") && parse_i64(kv->value, &len))
        rc = mg_fail(err, MG_ERR_FORMAT, "%s: external data length '%s' is not a number", what,
                     kv->value ? kv->value : "");
    }
    if (rc)
      goto fail;
    if (!loc) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: external data without a location", what);
      goto fail;
    }
    if (len >= 0 && (uint64_t)len != raw_bytes) {
      rc = mg_fail(err, MG_ERR_FORMAT,
                   "%s: external data length %" PRId64 " does not match %" PRIu64 " bytes of dims",
                   what, len, raw_bytes);
      goto fail;
    }
    if (ext_bytes) {
      *ext_bytes += raw_bytes;
      if (mg_limit_check(lim, MG_LIMIT_MODEL_BYTES, *ext_bytes, what, err)) {
        rc = err ? err->code : MG_ERR_LIMIT;
        goto fail;
      }
    }
    uint8_t *tmp = es == rt_dtype_size(dtype) && t != 11 && t != 13 && t != 12 && t != 6
                       ? out->data
                       : malloc(raw_bytes ? (size_t)raw_bytes : 1);
    if (!tmp) {
      rc = mg_fail(err, MG_ERR_NOMEM, "%s: out of memory", what);
      goto fail;
    }
    rc = rt_ext_read(base, loc, (uint64_t)off, tmp, raw_bytes, err);
    if (rc)
      mg_fail_wrap(err, rc, "%s", what);
    else if (tmp != out->data)
      rc = convert_raw(t, tmp, count, out, what, err);
    if (tmp != out->data)
      free(tmp);
    if (rc)
      goto fail;
    return MG_OK;
  }
  if (tp->has_raw_data) {
    if (tp->raw_data.len != raw_bytes) {
      rc = mg_fail(err, MG_ERR_FORMAT, "%s: raw_data has %zu bytes, its dims need %" PRIu64, what,
                   tp->raw_data.len, raw_bytes);
      goto fail;
    }
    rc = convert_raw(t, tp->raw_data.data, count, out, what, err);
    if (rc)
      goto fail;
    return MG_OK;
  }
  /* Typed fields: the one ONNX assigns to this data type. */
  size_t have;
  switch (t) {
  case 1:
    have = tp->n_float_data;
    break;
  case 11:
    have = tp->n_double_data;
    break;
  case 7:
    have = tp->n_int64_data;
    break;
  case 12:
  case 13:
    have = tp->n_uint64_data;
    break;
  default:
    have = tp->n_int32_data;
    break;
  }
  if ((uint64_t)have != (uint64_t)count) {
    rc = mg_fail(err, MG_ERR_FORMAT, "%s: holds %zu values, dims need %" PRId64, what, have, count);
    goto fail;
  }
  for (int64_t i = 0; i < count; i++) {
    switch (t) {
    case 1:
      ((float *)out->data)[i] = tp->float_data[i];
      break;
    case 11:
      ((float *)out->data)[i] = (float)tp->double_data[i];
      break;
    case 7:
      ((int64_t *)out->data)[i] = tp->int64_data[i];
      break;
    case 12:
    case 13:
      if (tp->uint64_data[i] > INT64_MAX) {
        rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: uint64 value too large", what);
        goto fail;
      }
      ((int64_t *)out->data)[i] = (int64_t)tp->uint64_data[i];
      break;
    default:
      ((int64_t *)out->data)[i] = tp->int32_data[i];
      break;
    }
  }
  return MG_OK;
fail:
  rt_tensor_free(out);
  return rc ? rc : MG_ERR_FORMAT;
}
