/* Preparation of the shared plugin environment. */
#include "config.h"

#include "plugin_env.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>

#include "plugin_wire.h"
#include "base/progress.h"
#include "base/signals.h"

static int set_problem(char **slot, mg_err *err, int code, const char *fmt, ...) MG_FMT(4, 5);
static int set_problem(char **slot, mg_err *err, int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (!*slot)
    *slot = strdup(msg);
  mg_fail(err, code, "%s", msg);
  return code;
}

/* Loads the model in a child first: if the loader crashes or hangs on a
 * hostile file, only the child is lost. Returns MG_OK when the child
 * loaded it, else fills why. */
static int probe_model(const char *path, const char *root, const mg_limits *lim, const char *layer,
                       double timeout, char *why, size_t whylen) {
  int fds[2];
  if (pipe(fds) != 0) {
    snprintf(why, whylen, "pipe: %s", strerror(errno));
    return MG_ERR_IO;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    snprintf(why, whylen, "fork: %s", strerror(errno));
    return MG_ERR_IO;
  }
  if (pid == 0) {
    close(fds[0]);
    mg_model *m = NULL;
    mg_err e;
    mg_err_clear(&e);
    int rc = mg_model_load(path, root, lim, &m, &e);
    if (!rc && layer)
      rc = mg_model_set_feature_layer(m, layer, &e);
    const char *msg = rc ? e.msg : "";
    mg_wire_send(fds[1], MG_WIRE_DONE, msg, (uint32_t)strlen(msg));
    _exit(rc ? 1 : 0);
  }
  close(fds[1]);
  mg_wire_reader rd;
  memset(&rd, 0, sizeof rd);
  double deadline = mg_now() + timeout;
  int got = 0;
  char message[1024] = "";
  for (;;) {
    struct pollfd p = {fds[0], POLLIN, 0};
    int wait_ms = (int)((deadline - mg_now()) * 1000);
    if (wait_ms <= 0 || mg_interrupted())
      break;
    int pr = poll(&p, 1, wait_ms > 200 ? 200 : wait_ms);
    if (pr < 0 && errno == EINTR)
      continue;
    if (pr < 0)
      break;
    if (pr == 0)
      continue;
    int r = mg_wire_fill(&rd, fds[0]);
    uint8_t type;
    const uint8_t *payload;
    uint32_t len;
    while (mg_wire_next(&rd, &type, &payload, &len))
      if (type == MG_WIRE_DONE) {
        got = 1;
        snprintf(message, sizeof message, "%.*s", (int)(len < 1000 ? len : 1000),
                 (const char *)payload);
      }
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
      break;
  }
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  close(fds[0]);
  mg_wire_free(&rd);
  if (got && WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return MG_OK;
  if (got && message[0])
    snprintf(why, whylen, "%s", message);
  else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL)
    snprintf(why, whylen,
             "%s: the model loader crashed (signal %d); this is a modelgate bug, "
             "please report it with the file",
             path, WTERMSIG(status));
  else
    snprintf(why, whylen, "%s: loading the model did not finish within %.0f s", path, timeout);
  return MG_ERR_FORMAT;
}

static int prepare_model(mg_host_env *env, mg_err *err) {
  const mg_package *pkg = env->pkg;
  const mg_file *f = pkg->model;
  if (!f)
    return MG_OK;
  char *path = mg_workspace_path(env->ws, f->ws_path);
  char *root = mg_workspace_path(env->ws, pkg->inv.root_prefix);
  if (!path || !root) {
    free(path);
    free(root);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  char why[1024];
  const mg_limits *lim = env->cfg->limits;
  int rc = probe_model(path, root, lim, pkg->feature_layer, env->cfg->timeout, why, sizeof why);
  mg_err e;
  mg_err_clear(&e);
  if (!rc) {
    rc = mg_model_load(path, root, lim, &env->model, &e);
    if (!rc && pkg->feature_layer)
      rc = mg_model_set_feature_layer(env->model, pkg->feature_layer, &e);
    if (rc)
      snprintf(why, sizeof why, "%s", e.msg);
  }
  /* Messages name the workspace copy; the user knows the package path. */
  size_t pl = strlen(path);
  char shown[1024];
  if (!strncmp(why, path, pl))
    snprintf(shown, sizeof shown, "%s%s", f->path, why + pl);
  else
    snprintf(shown, sizeof shown, "%s", why);
  free(path);
  free(root);
  if (rc) {
    mg_model_free(env->model);
    env->model = NULL;
    return set_problem(&env->model_problem, err, rc, "%s", shown);
  }
  mg_model_info *mi = &env->model_info;
  mi->struct_size = sizeof *mi;
  mg_model_input_shape(env->model, &mi->channels, &mi->height, &mi->width);
  mi->input_floats = mg_model_input_floats(env->model);
  mi->num_classes = mg_model_num_classes(env->model);
  env->feature_layer = strdup(mg_model_feature_layer(env->model));
  mi->feature_layer = env->feature_layer;
  mi->path = f->path;
  if (!env->feature_layer || mg_model_tensor_dim(env->model, NULL, &mi->feature_dim, &e) != MG_OK) {
    rc = set_problem(&env->model_problem, err, MG_ERR_FORMAT, "%s: feature layer: %s", f->path,
                     e.msg[0] ? e.msg : "out of memory");
    mg_model_free(env->model);
    env->model = NULL;
    return rc;
  }
  if ((rc = mg_input_norm_check(&env->norm, mi->channels, &e))) {
    mg_model_free(env->model);
    env->model = NULL;
    return set_problem(&env->model_problem, err, rc, "%s: %s", MG_DESCRIPTOR_NAME, e.msg);
  }
  return MG_OK;
}

/* Opens one dataset and checks it against the model. */
static int prepare_dataset(mg_host_env *env, mg_env_dataset *d, const char *inputs,
                           const char *labels, const char *shown_inputs, const char *shown_labels,
                           mg_err *err) {
  d->inputs_path = strdup(shown_inputs);
  d->labels_path = shown_labels ? strdup(shown_labels) : NULL;
  mg_err e;
  mg_err_clear(&e);
  int rc = mg_dataset_open(inputs, labels, env->ws->cache_dir, env->cfg->limits, &d->ds, &e);
  if (rc)
    return set_problem(&d->problem, err, rc, "%s", e.msg);
  mg_dataset_info *info = &d->info;
  info->struct_size = sizeof *info;
  info->count = mg_dataset_count(d->ds);
  mg_dataset_shape(d->ds, &info->channels, &info->height, &info->width);
  info->row_floats = (uint64_t)info->channels * info->height * info->width;
  info->has_labels = mg_dataset_has_labels(d->ds);
  info->inputs_path = d->inputs_path;
  info->labels_path = d->labels_path;
  d->scale = mg_input_norm_scale(&env->norm, mg_dataset_dtype(d->ds) == MG_DTYPE_U8);
  double lo, hi;
  mg_dataset_raw_range(d->ds, &lo, &hi);
  info->value_min = (float)(lo * d->scale);
  info->value_max = (float)(hi * d->scale);
  uint32_t labels_seen = mg_dataset_num_labels(d->ds);
  info->num_classes = env->model ? env->model_info.num_classes : labels_seen;
  if (env->model) {
    const mg_model_info *mi = &env->model_info;
    if (info->row_floats != mi->input_floats)
      rc = set_problem(&d->problem, err, MG_ERR_FORMAT,
                       "%s holds rows of %ux%ux%u values but the model takes %ux%ux%u",
                       shown_inputs, info->channels, info->height, info->width, mi->channels,
                       mi->height, mi->width);
    else if (labels_seen > mi->num_classes)
      rc = set_problem(
          &d->problem, err, MG_ERR_FORMAT, "%s has label %u but the model has only %u classes",
          shown_labels ? shown_labels : shown_inputs, labels_seen - 1, mi->num_classes);
  }
  if (rc) {
    mg_dataset_close(d->ds);
    d->ds = NULL;
  }
  return rc;
}

static int prepare_package_dataset(mg_host_env *env, int which, const mg_file *in,
                                   const mg_file *lb, mg_err *err) {
  if (!in)
    return MG_OK;
  char *ip = mg_workspace_path(env->ws, in->ws_path);
  char *lp = lb ? mg_workspace_path(env->ws, lb->ws_path) : NULL;
  int rc = ip && (lp || !lb) ? prepare_dataset(env, &env->data[which], ip, lp, in->path,
                                               lb ? lb->path : NULL, err)
                             : mg_fail(err, MG_ERR_NOMEM, "out of memory");
  free(ip);
  free(lp);
  return rc;
}

int mg_env_prepare(mg_host_env *env, const mg_host_config *cfg, const mg_package *pkg,
                   const mg_workspace *ws, uint32_t needs, mg_err *err) {
  memset(env, 0, sizeof *env);
  env->cfg = cfg;
  env->pkg = pkg;
  env->ws = ws;
  env->norm = pkg->input;
  snprintf(env->seed_text, sizeof env->seed_text, "%llu", (unsigned long long)cfg->seed);
  env->data[MG_ENV_TRAIN].name = MG_DATASET_TRAIN;
  env->data[MG_ENV_REFERENCE].name = MG_DATASET_REFERENCE;
  env->data[MG_ENV_INPUTS].name = MG_DATASET_INPUTS;
  /* Each step records its own problem; the first becomes the scan error. */
  int first = needs & MG_NEED_MODEL ? prepare_model(env, err) : MG_OK;
  int rc = needs & MG_NEED_TRAIN ? prepare_package_dataset(env, MG_ENV_TRAIN, pkg->train_inputs,
                                                           pkg->train_labels, err)
                                 : MG_OK;
  first = first ? first : rc;
  rc = needs & MG_NEED_REFERENCE
           ? prepare_package_dataset(env, MG_ENV_REFERENCE, pkg->reference_inputs,
                                     pkg->reference_labels, err)
           : MG_OK;
  first = first ? first : rc;
  if (cfg->inputs && (needs & MG_NEED_MODEL)) {
    rc = prepare_dataset(env, &env->data[MG_ENV_INPUTS], cfg->inputs, NULL, cfg->inputs, NULL, err);
    first = first ? first : rc;
  }
  return first;
}

void mg_env_free(mg_host_env *env) {
  for (int i = 0; i < MG_ENV_DATASETS; i++) {
    mg_dataset_close(env->data[i].ds);
    free(env->data[i].problem);
    free(env->data[i].inputs_path);
    free(env->data[i].labels_path);
  }
  mg_model_free(env->model);
  free(env->model_problem);
  free(env->feature_layer);
  memset(env, 0, sizeof *env);
}

mg_env_dataset *mg_env_dataset_by_name(mg_host_env *env, const char *name) {
  for (int i = 0; i < MG_ENV_DATASETS; i++)
    if (name && !strcmp(env->data[i].name, name))
      return &env->data[i];
  return NULL;
}
