/* Role assignment: overrides, then descriptor, then conventions. */
#include "config.h"

#include "package.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "intake/path.h"

void mg_package_init(mg_package *pkg) {
  memset(pkg, 0, sizeof *pkg);
  mg_inventory_init(&pkg->inv);
  mg_descriptor_init(&pkg->desc);
  mg_input_norm_default(&pkg->input);
}

void mg_package_free(mg_package *pkg) {
  mg_inventory_free(&pkg->inv);
  mg_descriptor_free(&pkg->desc);
  memset(pkg, 0, sizeof *pkg);
}

static int read_descriptor(mg_package *pkg, const mg_workspace *ws, const mg_limits *lim,
                           mg_err *err) {
  mg_file *f = mg_inventory_find(&pkg->inv, MG_DESCRIPTOR_NAME);
  if (!f)
    return MG_OK;
  pkg->descriptor = f;
  f->role = "descriptor";
  int rc = mg_limit_check(lim, MG_LIMIT_DESCRIPTOR_BYTES, f->size, MG_DESCRIPTOR_NAME, err);
  if (rc)
    return rc;
  int fd;
  if ((rc = mg_workspace_open(ws, f->ws_path, &fd, err)))
    return rc;
  char *text = malloc(f->size + 1);
  size_t got = 0;
  while (text && got < f->size) {
    ssize_t n = read(fd, text + got, f->size - got);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    got += (size_t)n;
  }
  close(fd);
  if (!text)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  if (got != f->size) {
    free(text);
    return mg_fail(err, MG_ERR_IO, "%s: short read", MG_DESCRIPTOR_NAME);
  }
  rc = mg_descriptor_parse(&pkg->desc, text, got, MG_DESCRIPTOR_NAME, lim, err);
  free(text);
  return rc;
}

/* Looks a path up in the package; `key` says where the name came from. */
static int lookup(mg_package *pkg, const char *path, const char *key, int from_cli,
                  const mg_limits *lim, mg_file **out, mg_err *err) {
  char *normal = NULL;
  mg_err perr;
  mg_err_clear(&perr);
  if (mg_path_normalize(path, lim, key, &normal, &perr))
    return mg_fail(err, MG_ERR_ARGS, "%s", perr.msg);
  *out = mg_inventory_find(&pkg->inv, normal);
  free(normal);
  if (*out)
    return MG_OK;
  if (from_cli)
    return mg_fail(err, MG_ERR_ARGS, "%s %s: not in the package", key, path);
  return mg_fail(err, MG_ERR_FORMAT, "%s: %s: '%s' is not in the package", MG_DESCRIPTOR_NAME, key,
                 path);
}

/* The single depth-0 file matching any of the patterns, tried in order;
 * several matches for the same pattern are ambiguous. */
static int convention(mg_package *pkg, const char *const *patterns, const char *what,
                      const char *flag, mg_file **out, mg_err *err) {
  *out = NULL;
  for (const char *const *p = patterns; *p; p++) {
    mg_file *found = NULL;
    for (size_t i = 0; i < pkg->inv.count; i++) {
      mg_file *f = &pkg->inv.files[i];
      if (f->depth || !mg_path_match(*p, mg_path_base(f->path)) || strcmp(f->role, "other"))
        continue;
      if (found)
        return mg_fail(err, MG_ERR_ARGS,
                       "%s: several files could be the %s ('%s', '%s'): name one with %s or in %s",
                       pkg->inv.name, what, found->path, f->path, flag, MG_DESCRIPTOR_NAME);
      found = f;
    }
    if (found) {
      *out = found;
      return MG_OK;
    }
  }
  return MG_OK;
}

static int pick(mg_package *pkg, const char *cli, const char *cli_flag, const char *desc,
                const char *desc_key, const char *const *patterns, const char *what,
                const char *role, const mg_limits *lim, mg_file **out, mg_err *err) {
  int rc;
  if (cli)
    rc = lookup(pkg, cli, cli_flag, 1, lim, out, err);
  else if (desc)
    rc = lookup(pkg, desc, desc_key, 0, lim, out, err);
  else if (!pkg->desc.present || !strcmp(role, "model"))
    rc = convention(pkg, patterns, what, cli_flag, out, err);
  else
    rc = MG_OK; /* a descriptor that omits a dataset means there is none */
  if (!rc && *out) {
    if (strcmp((*out)->role, "other"))
      return mg_fail(err, MG_ERR_ARGS, "%s: '%s' cannot be both the %s and the %s", pkg->inv.name,
                     (*out)->path, (*out)->role, role);
    (*out)->role = role;
  }
  return rc;
}

static int apply_norm_overrides(mg_package *pkg, const mg_package_overrides *ov, mg_err *err) {
  int rc = MG_OK;
  if (ov->scale) {
    uint32_t n = 0;
    rc = mg_input_norm_parse_list(ov->scale, &pkg->input.scale, &n, "--scale", err);
    if (!rc && (n != 1 || !(pkg->input.scale > 0)))
      rc = mg_fail(err, MG_ERR_ARGS, "--scale: expected one positive number");
    pkg->input.has_scale = 1;
  }
  if (!rc && ov->mean)
    rc = mg_input_norm_parse_list(ov->mean, pkg->input.mean, &pkg->input.n_mean, "--mean", err);
  if (!rc && ov->std) {
    rc = mg_input_norm_parse_list(ov->std, pkg->input.std, &pkg->input.n_std, "--std", err);
    for (uint32_t c = 0; !rc && c < pkg->input.n_std; c++)
      if (!(pkg->input.std[c] > 0))
        rc = mg_fail(err, MG_ERR_ARGS, "--std: every value must be positive");
  }
  return rc;
}

int mg_package_resolve(mg_package *pkg, const mg_package_overrides *ov, const mg_workspace *ws,
                       const mg_limits *lim, mg_err *err) {
  static const mg_package_overrides none;
  if (!ov)
    ov = &none;
  int rc = read_descriptor(pkg, ws, lim, err);
  if (rc)
    return rc;
  mg_descriptor *d = &pkg->desc;
  pkg->name = d->name ? d->name : pkg->inv.name;

  static const char *const model_pat[] = {"*.onnx", NULL};
  static const char *const train_in[] = {"train-images*", NULL};
  static const char *const train_lb[] = {"train-labels*", NULL};
  static const char *const ref_in[] = {"reference-images*", "t10k-images*", "test-images*", NULL};
  static const char *const ref_lb[] = {"reference-labels*", "t10k-labels*", "test-labels*", NULL};
  if ((rc = pick(pkg, ov->model, "--model", d->model, "model", model_pat, "model", "model", lim,
                 &pkg->model, err)) ||
      (rc = pick(pkg, ov->train_inputs, "--train-inputs", d->train.inputs, "train.inputs", train_in,
                 "training inputs", "train-inputs", lim, &pkg->train_inputs, err)) ||
      (rc = pick(pkg, ov->train_labels, "--train-labels", d->train.labels, "train.labels", train_lb,
                 "training labels", "train-labels", lim, &pkg->train_labels, err)) ||
      (rc = pick(pkg, ov->reference_inputs, "--reference-inputs", d->reference.inputs,
                 "reference.inputs", ref_in, "reference inputs", "reference-inputs", lim,
                 &pkg->reference_inputs, err)) ||
      (rc = pick(pkg, ov->reference_labels, "--reference-labels", d->reference.labels,
                 "reference.labels", ref_lb, "reference labels", "reference-labels", lim,
                 &pkg->reference_labels, err)))
    return rc;
  if (pkg->train_labels && !pkg->train_inputs)
    return mg_fail(err, MG_ERR_ARGS, "%s: training labels '%s' without training inputs",
                   pkg->inv.name, pkg->train_labels->path);
  if (pkg->reference_labels && !pkg->reference_inputs)
    return mg_fail(err, MG_ERR_ARGS, "%s: reference labels '%s' without reference inputs",
                   pkg->inv.name, pkg->reference_labels->path);
  pkg->input = d->input;
  if ((rc = apply_norm_overrides(pkg, ov, err)))
    return rc;
  pkg->feature_layer = ov->feature_layer ? ov->feature_layer : d->feature_layer;
  return MG_OK;
}
