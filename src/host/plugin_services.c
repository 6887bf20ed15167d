/* The service table plugins call, running inside the plugin's child
 * process. Results are serialised to the host over the pipe; package files
 * are mapped read-only from the workspace; datasets and the model come from
 * the environment the host prepared before forking. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <jansson.h>

#include "plugin_child.h"
#include "plugin_wire.h"
#include "png_encode.h"
#include "base/progress.h"
#include "intake/unpack.h"

/* mg_finding as ABI 1.0 defined it ends with evidence_json. */
#define MG_FINDING_SIZE_1_0 (offsetof(mg_finding, evidence_json) + sizeof(const char *))

static void send_json(mg_plugin_ctx *ctx, uint8_t type, json_t *obj) {
  char *text = obj ? json_dumps(obj, JSON_COMPACT) : NULL;
  if (text)
    mg_wire_send(ctx->fd, type, text, (uint32_t)strlen(text));
  free(text);
  json_decref(obj);
}

static void svc_log(mg_plugin_ctx *ctx, mg_log_level level, const char *fmt, ...) MG_FMT(3, 4);
static void svc_log(mg_plugin_ctx *ctx, mg_log_level level, const char *fmt, ...) {
  char msg[2048];
  msg[0] = (char)(level > MG_LOG_DEBUG ? MG_LOG_DEBUG : level);
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg + 1, sizeof msg - 1, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  size_t len = 1 + ((size_t)n < sizeof msg - 1 ? (size_t)n : sizeof msg - 2);
  mg_wire_send(ctx->fd, MG_WIRE_LOG, msg, (uint32_t)len);
}

static void svc_progress(mg_plugin_ctx *ctx, const char *stage, uint64_t done, uint64_t total) {
  double now = mg_now();
  if (done < total && now - ctx->last_progress < 0.1)
    return; /* the host redraws at most ten times a second anyway */
  ctx->last_progress = now;
  send_json(ctx, MG_WIRE_PROGRESS,
            json_pack("{s:s, s:I, s:I}", "stage", stage ? stage : "", "done", (json_int_t)done,
                      "total", (json_int_t)total));
}

static json_t *str_list(const char *const *l) {
  if (!l)
    return json_null();
  json_t *a = json_array();
  for (size_t i = 0; l[i] && i < 64; i++)
    json_array_append_new(a, json_string(l[i]));
  return a;
}

static json_t *opt_str(const char *s) {
  return s ? json_string(s) : json_null();
}

/* s cut to at most max bytes at a character boundary, "..." marking the
 * cut: a plugin quoting a 1,000-byte crafted name still reports. */
static json_t *clipped(const char *s, size_t max) {
  if (!s)
    return json_null();
  size_t len = strlen(s);
  if (len <= max)
    return json_string(s);
  size_t keep = max - 3;
  while (keep && ((unsigned char)s[keep] & 0xc0) == 0x80)
    keep--; /* do not split a UTF-8 sequence */
  char *cut = malloc(keep + 4);
  if (!cut)
    return NULL;
  memcpy(cut, s, keep);
  memcpy(cut + keep, "...", 4);
  json_t *j = json_string(cut);
  free(cut);
  return j;
}

static int svc_emit(mg_plugin_ctx *ctx, const mg_finding *f) {
  if (!f || f->struct_size < MG_FINDING_SIZE_1_0)
    return MG_ERR_ABI;
  if (!f->title || (unsigned)f->severity > MG_SEV_CRITICAL ||
      f->n_indices > ctx->env->cfg->limits->value[MG_LIMIT_PLUGIN_INDICES] ||
      (f->n_indices && !f->indices))
    return MG_ERR_ARGS;
  json_t *o = json_pack("{s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o}", "severity",
                        (int)f->severity, "rule", opt_str(f->rule), "title",
                        clipped(f->title, MG_WIRE_TITLE_MAX), "message",
                        clipped(f->message, MG_WIRE_MESSAGE_MAX), "artifact",
                        clipped(f->artifact, MG_WIRE_ARTIFACT_MAX), "location",
                        clipped(f->location, MG_WIRE_LOCATION_MAX), "atlas", str_list(f->atlas),
                        "mitigations", str_list(f->mitigations), "controls", str_list(f->controls),
                        "label", (int)f->label, "dataset", opt_str(f->dataset));
  if (!o)
    return MG_ERR_ARGS; /* a string that is not UTF-8 */
  json_t *idx = json_array();
  for (size_t i = 0; i < f->n_indices; i++)
    json_array_append_new(idx, json_integer((json_int_t)f->indices[i]));
  json_object_set_new(o, "indices", idx);
  if (isfinite(f->score))
    json_object_set_new(o, "score", json_real(f->score));
  if (f->evidence_json) {
    json_error_t jerr;
    json_t *ev = json_loads(f->evidence_json, 0, &jerr);
    if (!json_is_object(ev)) {
      json_decref(ev);
      json_decref(o);
      return MG_ERR_FORMAT;
    }
    json_object_set_new(o, "evidence", ev);
  }
  send_json(ctx, MG_WIRE_FINDING, o);
  return MG_OK;
}

static int svc_evidence(mg_plugin_ctx *ctx, const char *text) {
  json_error_t jerr;
  json_t *ev = text ? json_loads(text, 0, &jerr) : NULL;
  if (!json_is_object(ev)) {
    json_decref(ev);
    return MG_ERR_FORMAT;
  }
  send_json(ctx, MG_WIRE_EVIDENCE, ev);
  return MG_OK;
}

static int svc_attach_image(mg_plugin_ctx *ctx, const char *name, const char *caption,
                            uint32_t channels, uint32_t height, uint32_t width, const float *px) {
  if (!name || !px)
    return MG_ERR_ARGS;
  unsigned char *png = NULL;
  size_t len = 0;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_png_encode(px, channels, height, width,
                         ctx->env->cfg->limits->value[MG_LIMIT_IMAGE_SIDE], &png, &len, &err);
  if (rc)
    return rc;
  size_t nl = strnlen(name, 200), cl = caption ? strnlen(caption, 2000) : 0;
  size_t total = 4 + nl + cl + len;
  unsigned char *msg =
      total <= ctx->env->cfg->limits->value[MG_LIMIT_PLUGIN_MESSAGE_BYTES] ? malloc(total) : NULL;
  if (!msg) {
    free(png);
    return MG_ERR_NOMEM;
  }
  msg[0] = (unsigned char)(nl & 0xff);
  msg[1] = (unsigned char)(nl >> 8);
  memcpy(msg + 2, name, nl);
  msg[2 + nl] = (unsigned char)(cl & 0xff);
  msg[3 + nl] = (unsigned char)(cl >> 8);
  memcpy(msg + 4 + nl, caption ? caption : "", cl);
  memcpy(msg + 4 + nl + cl, png, len);
  mg_wire_send(ctx->fd, MG_WIRE_IMAGE, msg, (uint32_t)total);
  free(msg);
  free(png);
  return MG_OK;
}

static const char *svc_option(mg_plugin_ctx *ctx, const char *key) {
  const mg_host_config *cfg = ctx->env->cfg;
  if (!key)
    return NULL;
  if (!strcmp(key, "rules-dir"))
    return ctx->env->cfg->rules_dir;
  if (!strcmp(key, "strict"))
    return cfg->strict ? "1" : NULL;
  if (!strcmp(key, "inputs"))
    return ctx->env->data[MG_ENV_INPUTS].ds ? "1" : NULL;
  if (!strncmp(key, "limit.", 6)) { /* the limits table, for caps inside plugins */
    int id = mg_limit_by_name(key + 6);
    if (id < 0)
      return NULL;
    snprintf(ctx->limit_text, sizeof ctx->limit_text, "%llu",
             (unsigned long long)cfg->limits->value[id]);
    return ctx->limit_text;
  }
  const char *name = ctx->plugin->desc->name;
  size_t nl = strlen(name), kl = strlen(key);
  const char *found = NULL;
  for (const char *const *s = cfg->sets; s && *s; s++)
    if (!strncmp(*s, name, nl) && (*s)[nl] == '.' && !strncmp(*s + nl + 1, key, kl) &&
        (*s)[nl + 1 + kl] == '=')
      found = *s + nl + 2 + kl; /* the last --set wins */
  return found;
}

static uint64_t svc_seed(mg_plugin_ctx *ctx) {
  return ctx->env->cfg->seed;
}

static const char *svc_descriptor_json(mg_plugin_ctx *ctx) {
  return ctx->env->pkg->desc.text;
}

static size_t svc_file_count(mg_plugin_ctx *ctx) {
  return ctx->n_files;
}

/* Fills the caller's struct up to the size it was compiled with, so a
 * plugin built against an older minor keeps working when the struct grows. */
static int copy_out(void *dst, const void *src, size_t host_size) {
  size_t caller = *(const size_t *)dst;
  if (caller < host_size) /* 1.0 is the smallest layout there is */
    return MG_ERR_ABI;
  memcpy(dst, src, host_size);
  return MG_OK;
}

static int svc_file_info(mg_plugin_ctx *ctx, size_t index, mg_file_info *info) {
  if (!info)
    return MG_ERR_ARGS;
  if (index >= ctx->n_files)
    return MG_ERR_NOT_FOUND;
  const mg_file *f = &ctx->env->pkg->inv.files[index];
  mg_file_info out;
  memset(&out, 0, sizeof out);
  out.struct_size = sizeof out;
  out.path = f->path;
  out.container = f->container;
  out.role = f->role;
  out.sha256 = f->sha256;
  out.note = f->note;
  out.size = f->size;
  out.depth = f->depth;
  out.is_archive = (uint32_t)f->is_archive;
  out.mode = f->mode;
  if (ctx->env->pkg->inv.registry_checked)
    out.flags |= MG_FILE_REGISTRY_CHECKED;
  if (f->registry == MG_REG_APPROVED)
    out.flags |= MG_FILE_REGISTERED;
  return copy_out(info, &out, sizeof out);
}

static int svc_file_map(mg_plugin_ctx *ctx, size_t index, const uint8_t **data, uint64_t *size) {
  static const uint8_t empty[1];
  if (index >= ctx->n_files || !data || !size)
    return MG_ERR_NOT_FOUND;
  const mg_file *f = &ctx->env->pkg->inv.files[index];
  if (!f->ws_path)
    return MG_ERR_UNSUPPORTED; /* a nested member: use archive_walk */
  if (ctx->maps[index]) {
    *data = ctx->maps[index];
    *size = ctx->map_len[index];
    return MG_OK;
  }
  if (f->size == 0) {
    *data = empty;
    *size = 0;
    return MG_OK;
  }
  int fd;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_workspace_open(ctx->env->ws, f->ws_path, &fd, &err);
  if (rc)
    return rc;
  void *m = mmap(NULL, f->size, PROT_READ, MAP_PRIVATE, fd, 0);
  close(fd);
  if (m == MAP_FAILED)
    return errno == ENOMEM ? MG_ERR_NOMEM : MG_ERR_IO;
  ctx->maps[index] = m;
  ctx->map_len[index] = f->size;
  *data = m;
  *size = f->size;
  return MG_OK;
}

static void svc_file_unmap(mg_plugin_ctx *ctx, size_t index) {
  if (index < ctx->n_files && ctx->maps[index]) {
    munmap((void *)ctx->maps[index], ctx->map_len[index]);
    ctx->maps[index] = NULL;
  }
}

typedef struct walk_adapter {
  mg_member_fn fn;
  void *user;
} walk_adapter;

static int walk_cb(void *user, const char *member, const unsigned char *data, uint64_t size,
                   const char *note) {
  walk_adapter *a = user;
  return a->fn(a->user, member, data, size, note);
}

static int svc_archive_walk(mg_plugin_ctx *ctx, size_t index, mg_member_fn fn, void *user) {
  if (index >= ctx->n_files || !fn)
    return MG_ERR_NOT_FOUND;
  const mg_file *f = &ctx->env->pkg->inv.files[index];
  if (!f->ws_path || !f->is_archive)
    return MG_ERR_UNSUPPORTED;
  char *path = mg_workspace_path(ctx->env->ws, f->ws_path);
  if (!path)
    return MG_ERR_NOMEM;
  walk_adapter a = {fn, user};
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_archive_members(path, ctx->env->cfg->limits, walk_cb, &a, &err);
  if (rc)
    svc_log(ctx, MG_LOG_WARN, "%s", err.msg);
  free(path);
  return rc;
}

static int svc_dataset_info(mg_plugin_ctx *ctx, const char *name, mg_dataset_info *info) {
  mg_env_dataset *d = mg_env_dataset_by_name(ctx->env, name);
  if (!info)
    return MG_ERR_ARGS;
  if (!d || !d->ds)
    return MG_ERR_NOT_FOUND;
  return copy_out(info, &d->info, sizeof d->info);
}

static int svc_dataset_read(mg_plugin_ctx *ctx, const char *name, uint64_t first, uint64_t count,
                            float *x, int32_t *labels) {
  mg_env_dataset *d = mg_env_dataset_by_name(ctx->env, name);
  if (!d || !d->ds)
    return MG_ERR_NOT_FOUND;
  if (!x)
    return MG_ERR_ARGS;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_dataset_read(d->ds, first, count, d->scale, x, labels, &err);
  if (rc)
    svc_log(ctx, MG_LOG_ERROR, "%s", err.msg);
  return rc;
}

static int svc_model_info(mg_plugin_ctx *ctx, mg_model_info *info) {
  if (!info)
    return MG_ERR_ARGS;
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  return copy_out(info, &ctx->env->model_info, sizeof ctx->env->model_info);
}

static int svc_model_layer_dim(mg_plugin_ctx *ctx, const char *layer, uint64_t *dim) {
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_model_tensor_dim(ctx->env->model, layer, dim, &err);
  if (rc)
    svc_log(ctx, MG_LOG_ERROR, "%s", err.msg);
  return rc;
}

/* The normalised copy of n image-space rows, in the context's buffer. */
static float *normalised(mg_plugin_ctx *ctx, const float *x, size_t n) {
  const mg_model_info *mi = &ctx->env->model_info;
  if (n > SIZE_MAX / sizeof(float) / mi->input_floats)
    return NULL;
  size_t need = n * (size_t)mi->input_floats;
  if (need > ctx->scratch_floats) {
    float *grown = realloc(ctx->scratch, need * sizeof *grown);
    if (!grown)
      return NULL;
    ctx->scratch = grown;
    ctx->scratch_floats = need;
  }
  mg_input_norm_apply(&ctx->env->norm, mi->channels, (uint64_t)mi->height * mi->width, x,
                      ctx->scratch, n);
  return ctx->scratch;
}

static int svc_model_forward(mg_plugin_ctx *ctx, const float *x, size_t n, float *logits,
                             const char *layer, float *features) {
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  float *in = x ? normalised(ctx, x, n) : NULL;
  if (!in)
    return x ? MG_ERR_NOMEM : MG_ERR_ARGS;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_model_forward(ctx->env->model, in, n, logits, layer, features, &err);
  if (rc)
    svc_log(ctx, MG_LOG_ERROR, "%s", err.msg);
  return rc;
}

static int svc_model_input_grad(mg_plugin_ctx *ctx, const float *x, size_t n,
                                const int32_t *targets, const float *dlogits, float *loss,
                                float *logits, float *grad) {
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  if (!grad || (!targets && !dlogits))
    return MG_ERR_ARGS;
  float *in = x ? normalised(ctx, x, n) : NULL;
  if (!in)
    return x ? MG_ERR_NOMEM : MG_ERR_ARGS;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_model_input_grad(ctx->env->model, in, n, targets, dlogits, loss, logits, grad, &err);
  if (rc) {
    svc_log(ctx, MG_LOG_ERROR, "%s", err.msg);
    return rc;
  }
  /* Chain rule through (x - mean) / std back to image space. */
  const mg_model_info *mi = &ctx->env->model_info;
  mg_input_norm_backward(&ctx->env->norm, mi->channels, (uint64_t)mi->height * mi->width, grad,
                         grad, n);
  return MG_OK;
}

static int svc_model_bn_count(mg_plugin_ctx *ctx, uint32_t *count) {
  if (!count)
    return MG_ERR_ARGS;
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  *count = mg_model_bn_count(ctx->env->model);
  return MG_OK;
}

/* The amplification lives in the child's copy of the model for one call:
 * every other service keeps seeing the model as loaded. */
static int svc_model_forward_bn(mg_plugin_ctx *ctx, const float *x, size_t n, uint32_t last,
                                float factor, float *logits) {
  if (!ctx->env->model)
    return MG_ERR_NOT_FOUND;
  if (!logits)
    return MG_ERR_ARGS;
  mg_err err;
  mg_err_clear(&err);
  int rc = mg_model_bn_amplify(ctx->env->model, last, factor, &err);
  if (rc) {
    svc_log(ctx, MG_LOG_ERROR, "%s", err.msg);
    return rc;
  }
  rc = svc_model_forward(ctx, x, n, logits, NULL, NULL);
  mg_model_bn_amplify(ctx->env->model, 0, 1.0f, NULL);
  return rc;
}

/* Removes every occurrence of prefix (and a following '/') from s. */
static void strip_all(char *s, const char *prefix) {
  size_t n = strlen(prefix);
  if (!n)
    return;
  char *out = s;
  for (const char *in = s; *in;) {
    if (!strncmp(in, prefix, n)) {
      in += n;
      if (*in == '/')
        in++;
    } else {
      *out++ = *in++;
    }
  }
  *out = '\0';
}

static int svc_onnx_audit(mg_plugin_ctx *ctx, size_t index, const char **json) {
  if (index >= ctx->n_files || !json)
    return MG_ERR_NOT_FOUND;
  const mg_file *f = &ctx->env->pkg->inv.files[index];
  if (!f->ws_path)
    return MG_ERR_UNSUPPORTED;
  char *path = mg_workspace_path(ctx->env->ws, f->ws_path);
  char *root = mg_workspace_path(ctx->env->ws, ctx->env->pkg->inv.root_prefix);
  json_t *report = NULL;
  mg_err err;
  mg_err_clear(&err);
  int rc =
      path && root ? mg_onnx_audit(path, root, ctx->env->cfg->limits, &report, &err) : MG_ERR_NOMEM;
  free(path);
  free(root);
  if (rc)
    return rc;
  free(ctx->audit);
  ctx->audit = json_dumps(report, JSON_COMPACT);
  json_decref(report);
  /* Paths in the report are the workspace copy's; show package paths. */
  char *prefix = mg_workspace_path(ctx->env->ws, ctx->env->pkg->inv.root_prefix);
  if (ctx->audit && prefix)
    strip_all(ctx->audit, prefix);
  free(prefix);
  if (!ctx->audit)
    return MG_ERR_NOMEM;
  *json = ctx->audit;
  return MG_OK;
}

static size_t svc_text_count(mg_plugin_ctx *ctx) {
  return mg_text_env_count(ctx->env->text);
}

static int svc_text_info(mg_plugin_ctx *ctx, size_t index, mg_text_info *info) {
  mg_text_info out;
  int rc = info ? mg_text_env_info(ctx->env->text, index, &out) : MG_ERR_ARGS;
  return rc ? rc : copy_out(info, &out, sizeof out);
}

static int svc_text_read(mg_plugin_ctx *ctx, size_t index, uint64_t first, uint64_t count,
                         mg_text_row *rows) {
  return mg_text_env_read(ctx->env->text, index, first, count, rows);
}

static const mg_services services = {
    .abi_major = MG_PLUGIN_ABI_MAJOR,
    .abi_minor = MG_PLUGIN_ABI_MINOR,
    .struct_size = sizeof(mg_services),
    .log = svc_log,
    .progress = svc_progress,
    .emit = svc_emit,
    .evidence = svc_evidence,
    .attach_image = svc_attach_image,
    .option = svc_option,
    .seed = svc_seed,
    .descriptor_json = svc_descriptor_json,
    .file_count = svc_file_count,
    .file_info = svc_file_info,
    .file_map = svc_file_map,
    .file_unmap = svc_file_unmap,
    .archive_walk = svc_archive_walk,
    .dataset_info = svc_dataset_info,
    .dataset_read = svc_dataset_read,
    .model_info = svc_model_info,
    .model_layer_dim = svc_model_layer_dim,
    .model_forward = svc_model_forward,
    .model_input_grad = svc_model_input_grad,
    .onnx_audit = svc_onnx_audit,
    .text_count = svc_text_count,
    .text_info = svc_text_info,
    .text_read = svc_text_read,
    .model_bn_count = svc_model_bn_count,
    .model_forward_bn = svc_model_forward_bn,
};

const mg_services *mg_plugin_services(void) {
  return &services;
}
