/* `modelgate model inspect|run`: look at an ONNX model the way the built-in
 * runtime sees it, and run it on an NPY/IDX array so a user can compare
 * modelgate's outputs with their framework's. */
#include "config.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "data/dataset.h"
#include "base/diag.h"
#include "base/limit_table.h"
#include "package/descriptor.h"
#include "package/normalize.h"
#include "runtime/runtime.h"

static void usage_inspect(FILE *out) {
  fputs("usage: modelgate model inspect MODEL [--json] [--limit NAME=VALUE]...\n\n"
        "Prints what the built-in runtime sees in an ONNX model: IR version and opsets,\n"
        "producer, inputs and outputs with their shapes, the operator histogram, the\n"
        "operators the runtime does not implement, external data references and the\n"
        "feature layer (the input of the last Gemm/MatMul) detectors analyse.\n"
        "--json prints the loader's audit (docs/runtime.md) instead.\n"
        "Exit status: 0 the runtime can run the model, 2 it cannot (reason on stderr).\n",
        out);
}

static void usage_run(FILE *out) {
  fputs("usage: modelgate model run MODEL INPUTS --out OUT.npy [--layer NAME]\n"
        "                            [--scale S] [--mean M[,M...]] [--std S[,S...]]\n"
        "                            [--descriptor modelgate.json] [--limit NAME=VALUE]...\n\n"
        "Runs MODEL on every row of INPUTS (NPY or IDX, N x D, N x H x W or N x C x H x W)\n"
        "and writes the logits, or the tensor named by --layer, as a float32 NPY array.\n"
        "Inputs are normalised as the detectors see them: (x * scale - mean) / std, per\n"
        "channel; scale defaults to 1/255 for uint8 data and 1 otherwise. --descriptor\n"
        "reads scale/mean/std from the package descriptor's \"input\" object.\n",
        out);
}

static void usage(FILE *out) {
  fputs("usage: modelgate model inspect MODEL [--json]\n"
        "       modelgate model run MODEL INPUTS --out OUT.npy [options]\n\n"
        "'modelgate model inspect --help' and 'modelgate model run --help' say more.\n",
        out);
}

static int fail(const mg_err *err) {
  return mg_cli_error(err->msg);
}

/* The descriptor's "input" object, through the one descriptor parser, so
 * `model run --descriptor` and `scan` accept and read the same file. */
static int read_descriptor_norm(const char *path, const mg_limits *lim, mg_input_norm *n,
                                mg_err *err) {
  mg_descriptor d;
  mg_descriptor_init(&d);
  int rc = mg_descriptor_load_file(&d, path, lim, err);
  if (!rc && d.has_input)
    *n = d.input;
  mg_descriptor_free(&d);
  return rc;
}

/* A copy of path's directory: external data may come from there only. */
static char *model_dir(const char *path) {
  char *d = strdup(path);
  if (!d)
    return NULL;
  char *s = strrchr(d, '/');
  if (!s)
    strcpy(d, ".");
  else if (s == d)
    d[1] = '\0';
  else
    *s = '\0';
  return d;
}

static void print_shape(json_t *shape) {
  if (!json_is_array(shape)) {
    printf("?");
    return;
  }
  size_t i;
  json_t *d;
  printf("[");
  json_array_foreach(shape, i, d) {
    if (i)
      printf(", ");
    if (json_is_integer(d))
      printf("%" JSON_INTEGER_FORMAT, json_integer_value(d));
    else if (json_is_string(d))
      printf("%s", json_string_value(d));
    else
      printf("?");
  }
  printf("]");
}

static void print_values(const char *title, json_t *arr) {
  printf("%s:\n", title);
  size_t i;
  json_t *v;
  json_array_foreach(arr, i, v) {
    json_t *t = json_object_get(v, "elem_type");
    printf("  %s  %s ", json_string_value(json_object_get(v, "name")),
           t ? json_string_value(t) : "?");
    print_shape(json_object_get(v, "shape"));
    if (json_is_true(json_object_get(v, "has_initializer")))
      printf("  (shadowed by an initializer)");
    printf("\n");
  }
}

static int cmd_inspect(int argc, char **argv) {
  static const struct option opts[] = {{"json", no_argument, NULL, 'j'},
                                       {"limit", required_argument, NULL, 'l'},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  int json = 0, c;
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'h') {
      usage_inspect(stdout);
      return MG_EXIT_PASS;
    }
    if (c == 'j')
      json = 1;
    else if (c == 'l') {
      if (mg_limits_set(&lim, optarg, &err))
        return fail(&err);
    } else {
      usage_inspect(stderr);
      return MG_EXIT_ERROR;
    }
  }
  if (argc - optind != 1) {
    usage_inspect(stderr);
    return MG_EXIT_ERROR;
  }
  const char *path = argv[optind];
  char *root = model_dir(path);
  json_t *a = NULL;
  int rc = root ? mg_onnx_audit(path, root, &lim, &a, &err)
                : mg_fail(&err, MG_ERR_NOMEM, "out of memory");
  free(root);
  if (rc)
    return fail(&err);
  int loaded = json_is_true(json_object_get(a, "loaded"));
  if (json) {
    char *s = json_dumps(a, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (!s) {
      json_decref(a);
      return mg_cli_error("out of memory");
    }
    printf("%s\n", s);
    free(s);
  } else {
    printf("model:        %s\n", path);
    json_t *ir = json_object_get(a, "ir_version");
    if (json_is_integer(ir))
      printf("IR version:   %" JSON_INTEGER_FORMAT "\n", json_integer_value(ir));
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(a, "opset_imports"), i, v) {
      const char *d = json_string_value(json_object_get(v, "domain"));
      printf("opset:        %s %" JSON_INTEGER_FORMAT "\n", d && *d ? d : "ai.onnx",
             json_integer_value(json_object_get(v, "version")));
    }
    const char *pn = json_string_value(json_object_get(a, "producer_name"));
    if (pn && *pn)
      printf("producer:     %s %s\n", pn,
             json_string_value(json_object_get(a, "producer_version")));
    print_values("inputs", json_object_get(a, "inputs"));
    print_values("outputs", json_object_get(a, "outputs"));
    printf("operators:\n");
    const char *k;
    json_object_foreach(json_object_get(a, "op_histogram"), k, v)
        printf("  %-24s %" JSON_INTEGER_FORMAT "\n", k, json_integer_value(v));
    json_t *un = json_object_get(a, "unsupported_ops");
    printf("unsupported:  ");
    if (!json_array_size(un))
      printf("none");
    json_array_foreach(un, i, v) printf("%s%s", i ? ", " : "", json_string_value(v));
    printf("\n");
    json_array_foreach(json_object_get(a, "external_data"), i, v)
        printf("external:     %s -> %s (%s)\n", json_string_value(json_object_get(v, "tensor")),
               json_string_value(json_object_get(v, "location")),
               json_string_value(json_object_get(v, "status")));
    json_t *fl = json_object_get(a, "feature_layer");
    if (fl)
      printf("feature layer: %s\nclasses:      %" JSON_INTEGER_FORMAT "\n", json_string_value(fl),
             json_integer_value(json_object_get(a, "num_classes")));
  }
  if (!loaded) {
    const char *msg =
        json_string_value(json_object_get(json_object_get(a, "load_error"), "message"));
    mg_log_error("the runtime cannot run this model: %s", msg ? msg : "unknown error");
  }
  json_decref(a);
  return loaded ? MG_EXIT_PASS : MG_EXIT_ERROR;
}

static int cmd_run(int argc, char **argv) {
  enum { O_OUT = 256, O_LAYER, O_SCALE, O_MEAN, O_STD, O_DESC, O_LIMIT };
  static const struct option opts[] = {{"out", required_argument, NULL, O_OUT},
                                       {"layer", required_argument, NULL, O_LAYER},
                                       {"scale", required_argument, NULL, O_SCALE},
                                       {"mean", required_argument, NULL, O_MEAN},
                                       {"std", required_argument, NULL, O_STD},
                                       {"descriptor", required_argument, NULL, O_DESC},
                                       {"limit", required_argument, NULL, O_LIMIT},
                                       {"help", no_argument, NULL, 'h'},
                                       {NULL, 0, NULL, 0}};
  const char *out = NULL, *layer = NULL, *desc = NULL;
  mg_input_norm norm;
  mg_input_norm_default(&norm);
  int explicit_norm = 0, c;
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'h':
      usage_run(stdout);
      return MG_EXIT_PASS;
    case O_OUT:
      out = optarg;
      break;
    case O_LAYER:
      layer = optarg;
      break;
    case O_DESC:
      desc = optarg;
      break;
    case O_SCALE: {
      uint32_t n;
      if (mg_input_norm_parse_list(optarg, &norm.scale, &n, "--scale", &err))
        return fail(&err);
      if (n != 1 || !(norm.scale > 0))
        return mg_cli_error("--scale: expected one positive number");
      norm.has_scale = 1;
      explicit_norm = 1;
      break;
    }
    case O_MEAN:
      if (mg_input_norm_parse_list(optarg, norm.mean, &norm.n_mean, "--mean", &err))
        return fail(&err);
      explicit_norm = 1;
      break;
    case O_STD:
      if (mg_input_norm_parse_list(optarg, norm.std, &norm.n_std, "--std", &err))
        return fail(&err);
      explicit_norm = 1;
      break;
    case O_LIMIT:
      if (mg_limits_set(&lim, optarg, &err))
        return fail(&err);
      break;
    default:
      usage_run(stderr);
      return MG_EXIT_ERROR;
    }
  }
  if (argc - optind != 2 || !out) {
    usage_run(stderr);
    return MG_EXIT_ERROR;
  }
  if (desc && explicit_norm)
    return mg_cli_error("--descriptor and --scale/--mean/--std exclude each other");
  if (desc && read_descriptor_norm(desc, &lim, &norm, &err))
    return fail(&err);
  const char *mpath = argv[optind], *ipath = argv[optind + 1];
  char *root = model_dir(mpath);
  mg_model *m = NULL;
  int rc = root ? mg_model_load(mpath, root, &lim, &m, &err)
                : mg_fail(&err, MG_ERR_NOMEM, "out of memory");
  free(root);
  if (rc)
    return fail(&err);
  float *x = NULL, *y = NULL;
  mg_array_header h;
  uint32_t ch, hh, ww;
  mg_model_input_shape(m, &ch, &hh, &ww);
  uint64_t per = mg_model_input_floats(m), dim = mg_model_num_classes(m);
  if (layer && mg_model_tensor_dim(m, layer, &dim, &err)) {
    rc = fail(&err);
    goto done;
  }
  if ((rc = mg_input_norm_check(&norm, ch, &err))) {
    rc = fail(&err);
    goto done;
  }
  if (mg_array_load_f32(ipath, &lim, &x, &h, &err)) {
    rc = fail(&err);
    goto done;
  }
  uint64_t rows = h.ndim ? h.dims[0] : 0, row = 1;
  for (uint32_t i = 1; i < h.ndim; i++)
    row *= h.dims[i];
  int shape_ok = h.ndim >= 2 && row == per;
  if (shape_ok && h.ndim == 4)
    shape_ok = h.dims[1] == ch && h.dims[2] == hh && h.dims[3] == ww;
  if (shape_ok && h.ndim == 3)
    shape_ok = ch == 1 && h.dims[1] == hh && h.dims[2] == ww;
  if (!shape_ok || rows == 0) {
    char msg[256];
    snprintf(msg, sizeof msg,
             "%s: rows of %" PRIu64 " values do not fit the model input %ux%ux%u (or no rows)",
             ipath, row, ch, hh, ww);
    rc = mg_cli_error(msg);
    goto done;
  }
  float scale = mg_input_norm_scale(&norm, h.dtype == MG_DTYPE_U8);
  for (uint64_t i = 0; i < rows * per; i++)
    x[i] *= scale;
  mg_input_norm_apply(&norm, ch, (uint64_t)hh * ww, x, x, (size_t)rows);
  if (rows > SIZE_MAX / sizeof(float) / (dim ? dim : 1) ||
      mg_limit_check(&lim, MG_LIMIT_TENSOR_BYTES, rows * dim * sizeof(float), out, &err)) {
    rc = err.code ? fail(&err) : mg_cli_error("output too large");
    goto done;
  }
  y = malloc((size_t)(rows * dim) * sizeof(float) + 1);
  if (!y) {
    rc = mg_cli_error("out of memory");
    goto done;
  }
  if (layer)
    rc = mg_model_forward(m, x, (size_t)rows, NULL, layer, y, &err);
  else
    rc = mg_model_forward(m, x, (size_t)rows, y, NULL, NULL, &err);
  if (rc) {
    rc = fail(&err);
    goto done;
  }
  uint64_t dims[2] = {rows, dim};
  if (mg_npy_write_f32(out, y, 2, dims, &err)) {
    rc = fail(&err);
    goto done;
  }
  rc = MG_EXIT_PASS;
done:
  free(x);
  free(y);
  mg_model_free(m);
  return rc;
}

int mg_cmd_model(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? MG_EXIT_ERROR : MG_EXIT_PASS;
  }
  if (!strcmp(argv[1], "inspect"))
    return cmd_inspect(argc - 1, argv + 1);
  if (!strcmp(argv[1], "run"))
    return cmd_run(argc - 1, argv + 1);
  fprintf(stderr, "modelgate: error: unknown 'model' action '%s'\n", argv[1]);
  usage(stderr);
  return MG_EXIT_ERROR;
}
