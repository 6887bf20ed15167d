/* The runtime as runtime.h presents it: a single-input classifier with a
 * batch axis. Loads and probes the graph (shapes at batch 1 and 2 tell
 * which tensors carry the batch and whether rows are independent), picks
 * the feature layer, and runs batches in bounded sub-batches, split over
 * two threads (created per call, so a fork()ed host is safe) when rows are
 * independent, OpenBLAS then running single-threaded inside each. */
#include "config.h"

#include "runtime/runtime.h"
#include "runtime/rt_internal.h"
#include "runtime/ops/ops.h"

#include <cblas.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MODEL_THREADS 2
/* Work below which splitting over threads costs more than it saves: a
 * thread's start and join take tens of microseconds, as long as a small
 * MLP's whole forward pass on 64 rows. Measured by activation bytes. */
#define SPLIT_MIN_ROWS 8
#define SPLIT_MIN_BYTES (1u << 20)
/* Rows are handed to the threads in chunks, several per thread, so that
 * a thread the machine keeps waiting does not hold up the call (the
 * other takes its chunks); but not below MIN_CHUNK_ROWS rows, under
 * which planning a chunk starts to cost. */
#define CHUNKS_PER_THREAD 4
#define MIN_CHUNK_ROWS 16
/* Activation (and gradient) memory one sub-batch may use: small enough
 * that a layer's input and output stay in cache on their way to the
 * next layer. At 256 MiB (1024 rows) a whole-file `model run` of the
 * small ResNet took 15-20% more CPU time than at 4-8 MiB, where it is
 * lowest; below 2 MiB planning each sub-batch starts to cost. */
#define SUBBATCH_BYTES (8u << 20)

struct mg_model {
  rt_graph *g;
  int32_t in_v, out_v, feat_v;
  rt_shape in_decl;   /* dims after the batch axis are fixed */
  int64_t batch_decl; /* declared batch size, -1 when symbolic */
  uint32_t c, h, w;
  uint64_t in_floats, classes;
  int separable;
  uint8_t *batched;   /* per value: axis 0 is the batch */
  uint64_t *per_row;  /* per value: floats per row at batch 1 */
  uint64_t max_rows;  /* rows per sub-batch */
  uint64_t row_bytes; /* activations and their gradients, per row */
  rt_exec *ex[MODEL_THREADS];
};

/* Reads a whole regular file, refusing anything over the model limit. */
static int read_file(const char *path, const mg_limits *lim, uint8_t **buf, size_t *len,
                     mg_err *err) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return mg_fail(err, errno == ENOENT ? MG_ERR_NOT_FOUND : MG_ERR_IO, "%s: cannot open: %s", path,
                   strerror(errno));
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return mg_fail(err, MG_ERR_IO, "%s: not a regular file", path);
  }
  if (mg_limit_check(lim, MG_LIMIT_MODEL_BYTES, (uint64_t)st.st_size, path, err)) {
    close(fd);
    return err ? err->code : MG_ERR_LIMIT;
  }
  size_t n = (size_t)st.st_size;
  uint8_t *p = malloc(n ? n : 1);
  if (!p) {
    close(fd);
    return mg_fail(err, MG_ERR_NOMEM, "%s: out of memory reading %zu bytes", path, n);
  }
  size_t done = 0;
  while (done < n) {
    ssize_t r = read(fd, p + done, n - done);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0) {
      free(p);
      close(fd);
      return mg_fail(err, MG_ERR_IO, "%s: read failed", path);
    }
    done += (size_t)r;
  }
  close(fd);
  *buf = p;
  *len = n;
  return MG_OK;
}

/* The directory external data is read from: the model's own directory,
 * which must lie inside root. No root: no external data at all. */
int rt_model_base_dir(const char *path, const char *root, char **base, mg_err *err) {
  *base = NULL;
  if (!root)
    return MG_OK;
  char rp[PATH_MAX], rr[PATH_MAX];
  if (!realpath(path, rp))
    return mg_fail(err, MG_ERR_NOT_FOUND, "%s: cannot resolve path", path);
  if (!realpath(root, rr))
    return mg_fail(err, MG_ERR_NOT_FOUND, "%s: cannot resolve package root", root);
  char *slash = strrchr(rp, '/');
  if (slash == rp)
    rp[1] = '\0';
  else if (slash)
    *slash = '\0';
  size_t lr = strlen(rr);
  if (strcmp(rr, "/") != 0 && (strncmp(rp, rr, lr) != 0 || (rp[lr] != '\0' && rp[lr] != '/')))
    return mg_fail(err, MG_ERR_UNSAFE, "%s: the model lies outside the package root %s", path,
                   root);
  *base = strdup(rp);
  return *base ? MG_OK : mg_fail(err, MG_ERR_NOMEM, "out of memory");
}

void mg_model_free(mg_model *m) {
  if (!m)
    return;
  for (int i = 0; i < MODEL_THREADS; i++)
    rt_exec_free(m->ex[i]);
  free(m->batched);
  free(m->per_row);
  rt_graph_free(m->g);
  free(m);
}

static int make_input(const mg_model *m, const float *x, size_t n, rt_tensor *t) {
  memset(t, 0, sizeof *t);
  t->dtype = RT_F32;
  t->shape = m->in_decl;
  t->shape.d[0] = (int64_t)n;
  t->data = (void *)(uintptr_t)x;
  return rt_shape_count(&t->shape, &t->count);
}

/* Plans at batch n and records, per value, its shape facts. */
static int probe(mg_model *m, rt_exec *e, size_t n, rt_shape *shapes, mg_err *err) {
  rt_tensor in;
  make_input(m, NULL, n, &in);
  e->batch_from = m->batch_decl;
  e->batch_to = (int64_t)n;
  int rc = rt_exec_plan(e, &in, err);
  if (rc)
    return rc;
  for (uint32_t v = 0; v < m->g->n_values; v++)
    shapes[v] = e->t[v].shape;
  return MG_OK;
}

static int setup(mg_model *m, mg_err *err) {
  rt_graph *g = m->g;
  if (g->n_inputs != 1)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: the model has %u inputs; the runtime drives single-input classifiers",
                   g->file, g->n_inputs);
  m->in_v = g->inputs[0];
  const rt_shape *d = &g->in_shape[0];
  if (g->in_dtype[0] != RT_F32)
    return mg_fail(err, MG_ERR_UNSUPPORTED, "%s: input '%s' is not float", g->file,
                   g->values[m->in_v].name);
  if (d->rank == UINT32_MAX || d->rank < 2 || d->rank > 4)
    return mg_fail(err, MG_ERR_UNSUPPORTED,
                   "%s: input '%s' must be N x D, N x H x W or N x C x H x W", g->file,
                   g->values[m->in_v].name);
  m->in_decl = *d;
  m->batch_decl = d->d[0] > 0 ? d->d[0] : -1;
  for (uint32_t i = 1; i < d->rank; i++)
    if (d->d[i] <= 0 || d->d[i] > UINT32_MAX)
      return mg_fail(err, MG_ERR_UNSUPPORTED,
                     "%s: input '%s' dimension %u is not a fixed positive size", g->file,
                     g->values[m->in_v].name, i);
  m->c = d->rank == 4 ? (uint32_t)d->d[1] : 1;
  m->h = d->rank >= 3 ? (uint32_t)d->d[d->rank - 2] : 1;
  m->w = (uint32_t)d->d[d->rank - 1];
  m->in_floats = (uint64_t)m->c * m->h * m->w;
  m->out_v = g->outputs[0];
  for (int i = 0; i < MODEL_THREADS; i++)
    if (!(m->ex[i] = rt_exec_new(g)))
      return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  m->batched = calloc(g->n_values + 1, 1);
  m->per_row = calloc(g->n_values + 1, sizeof *m->per_row);
  rt_shape *s1 = calloc(g->n_values + 1, sizeof *s1);
  rt_shape *s2 = calloc(g->n_values + 1, sizeof *s2);
  int rc = MG_OK;
  if (!m->batched || !m->per_row || !s1 || !s2) {
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
    goto done;
  }
  if ((rc = probe(m, m->ex[0], 1, s1, err)))
    goto done;
  int mixes = m->ex[0]->mixes_batch;
  if ((rc = probe(m, m->ex[0], 2, s2, err)))
    goto done;
  mixes |= m->ex[0]->mixes_batch;
  rt_exec_reset(m->ex[0]);
  int sep = !mixes;
  uint64_t row_bytes = 0;
  for (uint32_t v = 0; v < g->n_values; v++) {
    if (g->values[v].cls != RT_DYN)
      continue;
    int b = s1[v].rank > 0 && s1[v].rank == s2[v].rank && s1[v].d[0] == 1 && s2[v].d[0] == 2;
    for (uint32_t k = 1; b && k < s1[v].rank; k++)
      b = s1[v].d[k] == s2[v].d[k];
    m->batched[v] = (uint8_t)b;
    if (!b)
      sep = 0;
    int64_t cnt = 1;
    for (uint32_t k = 1; k < s1[v].rank; k++)
      cnt *= s1[v].d[k];
    m->per_row[v] = (uint64_t)cnt;
    row_bytes += (uint64_t)cnt * 8;
  }
  m->separable = sep;
  m->row_bytes = row_bytes;
  m->max_rows = row_bytes ? SUBBATCH_BYTES / row_bytes : 1024;
  if (m->max_rows < 1)
    m->max_rows = 1;
  if (m->max_rows > 1024)
    m->max_rows = 1024;
  if (g->values[m->out_v].cls != RT_DYN || !m->batched[m->out_v])
    rc = mg_fail(err, MG_ERR_UNSUPPORTED,
                 "%s: output '%s' does not have the batch as its first axis", g->file,
                 g->values[m->out_v].name);
  else if (m->ex[0]->t[m->out_v].dtype != RT_F32)
    rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: output '%s' is not float", g->file,
                 g->values[m->out_v].name);
  if (rc)
    goto done;
  m->classes = m->per_row[m->out_v];
  if (m->classes == 0 || m->classes > UINT32_MAX) {
    rc = mg_fail(err, MG_ERR_UNSUPPORTED, "%s: output has %" PRIu64 " values per row", g->file,
                 m->classes);
    goto done;
  }
  m->feat_v = m->out_v;
  for (uint32_t i = g->n_nodes; i-- > 0;) {
    const rt_node *n = &g->nodes[i];
    if (n->cls == RT_DYN && (!strcmp(n->op_type, "Gemm") || !strcmp(n->op_type, "MatMul")) &&
        n->in[0] >= 0 && m->batched[n->in[0]]) {
      m->feat_v = n->in[0];
      break;
    }
  }
done:
  free(s1);
  free(s2);
  return rc;
}

int mg_model_load(const char *path, const char *root, const mg_limits *lim, mg_model **out,
                  mg_err *err) {
  *out = NULL;
  uint8_t *buf = NULL;
  size_t len = 0;
  int rc = read_file(path, lim, &buf, &len, err);
  if (rc)
    return rc;
  char *base = NULL;
  if ((rc = rt_model_base_dir(path, root, &base, err))) {
    free(buf);
    return rc;
  }
  mg_model *m = calloc(1, sizeof *m);
  if (!m) {
    free(buf);
    free(base);
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  }
  rc = rt_graph_load(buf, len, path, base, lim, &m->g, err);
  free(buf);
  free(base);
  if (!rc)
    rc = setup(m, err);
  if (rc) {
    mg_model_free(m);
    return rc;
  }
  *out = m;
  return MG_OK;
}

void mg_model_input_shape(const mg_model *m, uint32_t *channels, uint32_t *height,
                          uint32_t *width) {
  *channels = m->c;
  *height = m->h;
  *width = m->w;
}

uint64_t mg_model_input_floats(const mg_model *m) {
  return m->in_floats;
}

uint32_t mg_model_node_count(const mg_model *m) {
  return m->g->n_nodes;
}

/* A BatchNormalization node that runs on the data (not one folded away
 * with constant inputs at load). */
static int is_bn(const rt_node *n) {
  return n->op == &rt_op_batchnorm && n->cls == RT_DYN;
}

uint32_t mg_model_bn_count(const mg_model *m) {
  uint32_t c = 0;
  for (uint32_t i = 0; i < m->g->n_nodes; i++)
    c += is_bn(&m->g->nodes[i]);
  return c;
}

int mg_model_bn_amplify(mg_model *m, uint32_t last, float factor, mg_err *err) {
  uint32_t total = mg_model_bn_count(m);
  if (last > total)
    return mg_fail(err, MG_ERR_ARGS, "%s: %u BatchNormalization layers asked for, the model has %u",
                   m->g->file, last, total);
  if (!isfinite(factor))
    return mg_fail(err, MG_ERR_ARGS, "BatchNormalization factor %g is not finite", (double)factor);
  uint32_t seen = 0;
  for (uint32_t i = 0; i < m->g->n_nodes; i++)
    if (is_bn(&m->g->nodes[i]))
      rt_batchnorm_set_gain(&m->g->nodes[i], seen++ >= total - last ? factor : 1.0f);
  m->g->param_epoch++; /* weights packed with the old maps are stale */
  return MG_OK;
}

uint32_t mg_model_num_classes(const mg_model *m) {
  return (uint32_t)m->classes;
}

const char *mg_model_feature_layer(const mg_model *m) {
  return m->g->values[m->feat_v].name;
}

/* A per-row float tensor the caller may read. */
static int layer_value(const mg_model *m, const char *name, int32_t *v, mg_err *err) {
  if (!name) {
    *v = m->feat_v;
    return MG_OK;
  }
  int idx = rt_value_find(m->g, name);
  if (idx < 0)
    return mg_fail(err, MG_ERR_NOT_FOUND, "%s: no tensor named '%s'", m->g->file, name);
  if (m->g->values[idx].cls != RT_DYN || !m->batched[idx])
    return mg_fail(err, MG_ERR_ARGS,
                   "%s: tensor '%s' is not a per-row activation (constant, or its first axis "
                   "is not the batch)",
                   m->g->file, name);
  if (m->ex[0]->t[idx].dtype != RT_F32 && m->ex[0]->t[idx].dtype != RT_UNDEF)
    return mg_fail(err, MG_ERR_ARGS, "%s: tensor '%s' is not float", m->g->file, name);
  *v = idx;
  return MG_OK;
}

int mg_model_set_feature_layer(mg_model *m, const char *name, mg_err *err) {
  int32_t v;
  int rc = layer_value(m, name, &v, err);
  if (!rc)
    m->feat_v = v;
  return rc;
}

int mg_model_tensor_dim(const mg_model *m, const char *name, uint64_t *per_row, mg_err *err) {
  int32_t v;
  int rc = layer_value(m, name, &v, err);
  if (!rc)
    *per_row = m->per_row[v];
  return rc;
}

/* The chunks of a call's rows, taken in turn by its threads. */
typedef struct shared_rows {
  atomic_size_t next; /* first row not yet taken */
  size_t step;        /* rows per chunk */
  atomic_int failed;
} shared_rows;

/* The rows of a call through one execution state. */
typedef struct job {
  mg_model *m;
  shared_rows *rows;
  rt_exec *e;
  const float *x;
  size_t n;
  float *logits;
  int32_t layer_v;
  float *layer_out;
  /* gradient mode */
  int grad;
  const int32_t *targets;
  const float *dlogits;
  float *loss, *gx;
  mg_err err;
  int rc;
} job;

static int run_rows(job *j, const float *x, size_t n, size_t off) {
  mg_model *m = j->m;
  rt_exec *e = j->e;
  mg_err *err = &j->err;
  rt_tensor in;
  if (make_input(m, x, n, &in) != 0)
    return mg_fail(err, MG_ERR_ARGS, "batch too large");
  e->batch_from = m->batch_decl;
  e->batch_to = (int64_t)n;
  e->keep_all = j->grad;
  memset(e->keep, 0, m->g->n_values);
  if (j->layer_out)
    e->keep[j->layer_v] = 1;
  int rc = rt_exec_plan(e, &in, err);
  if (!rc)
    rc = rt_exec_forward(e, err);
  if (rc)
    goto done;
  uint64_t k = m->classes;
  const float *lg = e->t[m->out_v].data;
  if (j->logits)
    memcpy(j->logits + off * k, lg, n * k * sizeof(float));
  if (j->layer_out) {
    uint64_t d = m->per_row[j->layer_v];
    memcpy(j->layer_out + off * d, e->t[j->layer_v].data, n * d * sizeof(float));
  }
  if (!j->grad)
    goto done;
  float *dl = rt_pool_get(&e->pool, n * k * sizeof(float));
  if (!dl) {
    rc = mg_fail(err, MG_ERR_NOMEM, "out of memory");
    goto done;
  }
  for (size_t r = 0; r < n; r++) {
    const float *z = lg + r * k;
    float *d = dl + r * k;
    if (j->dlogits) {
      memcpy(d, j->dlogits + (off + r) * k, k * sizeof(float));
      if (j->loss) {
        double s = 0;
        for (uint64_t c = 0; c < k; c++)
          s += (double)d[c] * z[c];
        j->loss[off + r] = (float)s;
      }
      continue;
    }
    int32_t t = j->targets[off + r];
    if (t < 0 || (uint64_t)t >= k) {
      rt_pool_put(&e->pool, dl, n * k * sizeof(float));
      rc = mg_fail(err, MG_ERR_ARGS, "target %d of row %zu is outside [0, %" PRIu64 ")", (int)t,
                   off + r, k);
      goto done;
    }
    float mx = -INFINITY;
    for (uint64_t c = 0; c < k; c++)
      mx = z[c] > mx ? z[c] : mx;
    double s = 0;
    for (uint64_t c = 0; c < k; c++)
      s += exp((double)z[c] - mx);
    double lse = log(s) + mx;
    for (uint64_t c = 0; c < k; c++)
      d[c] = (float)exp((double)z[c] - lse);
    d[t] -= 1.0f;
    if (j->loss)
      j->loss[off + r] = (float)(lse - z[t]);
  }
  rc = rt_exec_backward(e, 0, dl, err);
  rt_pool_put(&e->pool, dl, n * k * sizeof(float));
  if (rc)
    goto done;
  if (e->grad[m->in_v])
    memcpy(j->gx + off * m->in_floats, e->grad[m->in_v], n * m->in_floats * sizeof(float));
  else
    memset(j->gx + off * m->in_floats, 0, n * m->in_floats * sizeof(float));
done:
  rt_exec_reset(e);
  return rc;
}

/* Takes chunks of rows from the shared counter until none are left (or
 * another thread failed), so that a thread the machine keeps waiting
 * leaves its share to the other instead of holding up the call. */
static void *run_job(void *arg) {
  job *j = arg;
  j->rc = MG_OK;
  for (;;) {
    size_t off = atomic_fetch_add(&j->rows->next, j->rows->step);
    if (off >= j->n || atomic_load(&j->rows->failed))
      break;
    size_t cnt = j->n - off < j->rows->step ? j->n - off : j->rows->step;
    if ((j->rc = run_rows(j, j->x + off * j->m->in_floats, cnt, off))) {
      atomic_store(&j->rows->failed, 1);
      break;
    }
  }
  return NULL;
}

/* Splits the rows over the execution states in chunks and runs them. */
static int run_split(mg_model *m, job *tmpl, size_t n, mg_err *err) {
  int parts = m->separable && n >= SPLIT_MIN_ROWS && n * m->row_bytes >= SPLIT_MIN_BYTES
                  ? MODEL_THREADS
                  : 1;
  /* Sub-batches, and at least CHUNKS_PER_THREAD per thread when that
   * leaves them MIN_CHUNK_ROWS rows. */
  size_t step = (n + (size_t)parts * CHUNKS_PER_THREAD - 1) / ((size_t)parts * CHUNKS_PER_THREAD);
  if (step < MIN_CHUNK_ROWS)
    step = MIN_CHUNK_ROWS;
  if (step > m->max_rows)
    step = (size_t)m->max_rows;
  shared_rows rows = {0, step, 0};
  job jobs[MODEL_THREADS];
  for (int i = 0; i < parts; i++) {
    jobs[i] = *tmpl;
    jobs[i].e = m->ex[i];
    jobs[i].n = n;
    jobs[i].rows = &rows;
    mg_err_clear(&jobs[i].err);
  }
  pthread_t th;
  int threaded = 0;
  if (parts > 1) {
    openblas_set_num_threads(1);
    threaded = pthread_create(&th, NULL, run_job, &jobs[1]) == 0;
    if (!threaded)
      run_job(&jobs[1]);
  } else {
    openblas_set_num_threads(MODEL_THREADS);
  }
  run_job(&jobs[0]);
  if (threaded)
    pthread_join(th, NULL);
  for (int i = 0; i < parts; i++)
    if (jobs[i].rc) {
      mg_fail(err, jobs[i].rc, "%s", jobs[i].err.msg);
      return jobs[i].rc;
    }
  return MG_OK;
}

int mg_model_forward(mg_model *m, const float *x, size_t n, float *logits, const char *layer,
                     float *layer_out, mg_err *err) {
  job t;
  memset(&t, 0, sizeof t);
  t.m = m;
  t.x = x;
  t.logits = logits;
  t.layer_out = layer_out;
  int rc = layer_value(m, layer, &t.layer_v, err);
  if (rc || n == 0)
    return rc;
  if (n > (size_t)INT32_MAX)
    return mg_fail(err, MG_ERR_ARGS, "too many rows");
  return run_split(m, &t, n, err);
}

int mg_model_input_grad(mg_model *m, const float *x, size_t n, const int32_t *targets,
                        const float *dlogits, float *loss, float *logits, float *grad,
                        mg_err *err) {
  if (!targets && !dlogits)
    return mg_fail(err, MG_ERR_ARGS, "input gradient needs targets or dL/dlogits");
  if (!grad)
    return mg_fail(err, MG_ERR_ARGS, "input gradient needs an output buffer");
  if (n == 0)
    return MG_OK;
  if (n > (size_t)INT32_MAX)
    return mg_fail(err, MG_ERR_ARGS, "too many rows");
  job t;
  memset(&t, 0, sizeof t);
  t.m = m;
  t.x = x;
  t.logits = logits;
  t.grad = 1;
  t.targets = dlogits ? NULL : targets;
  t.dlogits = dlogits;
  t.loss = loss;
  t.gx = grad;
  return run_split(m, &t, n, err);
}

const rt_graph *rt_model_graph(const mg_model *m) {
  return m->g;
}
