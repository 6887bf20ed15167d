/* The test host behind fake_host.h: a directory served through the
 * plugin ABI, findings gathered as JSON. */
#include "config.h"

#include "fake_host.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>

typedef struct fh_file {
  char *path, *disk, *container, *note, *audit;
  uint32_t depth, is_archive, mode;
  uint64_t size;
  void *map;
  size_t map_len;
} fh_file;

struct fh_host {
  char *root;
  fh_file *files;
  size_t n, cap;
  json_t *options, *findings, *evidence, *logs;
  char *descriptor;
  const char *plugin;
};

static fh_host *g_building; /* nftw has no user pointer */

static struct archive *reader(void) {
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_7zip(a);
  archive_read_support_format_cpio(a);
  return a;
}

static fh_file *add(fh_host *h) {
  if (h->n == h->cap) {
    h->cap = h->cap ? h->cap * 2 : 32;
    h->files = realloc(h->files, h->cap * sizeof *h->files);
    if (!h->files)
      abort();
  }
  fh_file *f = &h->files[h->n++];
  memset(f, 0, sizeof *f);
  return f;
}

static int visit(const char *fpath, const struct stat *sb, int type, struct FTW *ftw) {
  (void)ftw;
  if (type != FTW_F || !S_ISREG(sb->st_mode))
    return 0;
  fh_host *h = g_building;
  fh_file *f = add(h);
  f->disk = strdup(fpath);
  f->path = strdup(fpath + strlen(h->root) + 1);
  f->size = (uint64_t)sb->st_size;
  f->mode = sb->st_mode & 07777;
  /* Members of archives, listed the way the host's unpacker lists them. */
  struct archive *a = reader();
  struct archive_entry *e;
  if (archive_read_open_filename(a, fpath, 65536) == ARCHIVE_OK &&
      archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
    size_t idx = h->n - 1;
    h->files[idx].is_archive = 1;
    do {
      if (archive_entry_filetype(e) != AE_IFREG)
        continue;
      fh_file *m = add(h);
      char *p = h->files[idx].path;
      size_t l = strlen(p) + strlen(archive_entry_pathname(e)) + 3;
      m->path = malloc(l);
      snprintf(m->path, l, "%s!/%s", p, archive_entry_pathname(e));
      m->container = strdup(p);
      m->depth = 1;
      m->size = (uint64_t)archive_entry_size(e);
      m->mode = archive_entry_perm(e);
    } while (archive_read_next_header(a, &e) >= ARCHIVE_WARN);
  }
  archive_read_free(a);
  return 0;
}

static int by_path(const void *a, const void *b) {
  const fh_file *x = a, *y = b;
  return strcmp(x->path, y->path);
}

fh_host *fh_open(const char *dir) {
  fh_host *h = calloc(1, sizeof *h);
  h->root = strdup(dir);
  size_t l = strlen(h->root);
  while (l > 1 && h->root[l - 1] == '/')
    h->root[--l] = '\0';
  h->options = json_object();
  h->findings = json_array();
  h->evidence = json_object();
  h->logs = json_array();
  g_building = h;
  if (nftw(h->root, visit, 16, FTW_PHYS)) {
    fh_close(h);
    return NULL;
  }
  qsort(h->files, h->n, sizeof *h->files, by_path);
  return h;
}

void fh_close(fh_host *h) {
  if (!h)
    return;
  for (size_t i = 0; i < h->n; i++) {
    fh_file *f = &h->files[i];
    if (f->map)
      munmap(f->map, f->map_len);
    free(f->path);
    free(f->disk);
    free(f->container);
    free(f->note);
    free(f->audit);
  }
  free(h->files);
  free(h->root);
  free(h->descriptor);
  json_decref(h->options);
  json_decref(h->findings);
  json_decref(h->evidence);
  json_decref(h->logs);
  free(h);
}

static fh_file *find(fh_host *h, const char *path) {
  for (size_t i = 0; i < h->n; i++)
    if (!strcmp(h->files[i].path, path))
      return &h->files[i];
  return NULL;
}

void fh_set_option(fh_host *h, const char *key, const char *value) {
  json_object_set_new(h->options, key, json_string(value));
}

void fh_set_descriptor(fh_host *h, const char *json) {
  free(h->descriptor);
  h->descriptor = json ? strdup(json) : NULL;
}

void fh_set_audit(fh_host *h, const char *path, const char *json) {
  fh_file *f = find(h, path);
  if (f) {
    free(f->audit);
    f->audit = strdup(json);
  }
}

void fh_set_note(fh_host *h, const char *path, const char *note) {
  fh_file *f = find(h, path);
  if (f) {
    free(f->note);
    f->note = strdup(note);
  }
}

void fh_set_mode(fh_host *h, const char *path, unsigned mode) {
  fh_file *f = find(h, path);
  if (f)
    f->mode = mode;
}

void fh_add_member(fh_host *h, const char *container, const char *member, const char *note) {
  fh_file *m = add(h);
  size_t l = strlen(container) + strlen(member) + 3;
  m->path = malloc(l);
  snprintf(m->path, l, "%s!/%s", container, member);
  m->container = strdup(container);
  m->depth = 1;
  m->note = note ? strdup(note) : NULL;
}

json_t *fh_findings(fh_host *h) {
  return h->findings;
}

json_t *fh_evidence(fh_host *h) {
  return h->evidence;
}

json_t *fh_logs(fh_host *h) {
  return h->logs;
}

/* --- services --------------------------------------------------------- */

#define HOST(ctx) ((fh_host *)(void *)(ctx))

static void s_log(mg_plugin_ctx *ctx, mg_log_level level, const char *fmt, ...) MG_PRINTF(3, 4);
static void s_log(mg_plugin_ctx *ctx, mg_log_level level, const char *fmt, ...) {
  static const char *const names[] = {"error", "warn", "info", "debug"};
  char line[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  char full[4200];
  snprintf(full, sizeof full, "%s: %s", names[level & 3], line);
  json_array_append_new(HOST(ctx)->logs, json_string(full));
  if (getenv("FH_VERBOSE"))
    fprintf(stderr, "%s\n", full);
}

static void s_progress(mg_plugin_ctx *ctx, const char *stage, uint64_t done, uint64_t total) {
  (void)ctx;
  (void)stage;
  (void)done;
  (void)total;
}

static json_t *strings(const char *const *v) {
  json_t *a = json_array();
  for (; v && *v; v++)
    json_array_append_new(a, json_string(*v));
  return a;
}

static int s_emit(mg_plugin_ctx *ctx, const mg_finding *f) {
  static const char *const sev[] = {"info", "low", "medium", "high", "critical"};
  fh_host *h = HOST(ctx);
  if (!f || f->struct_size < sizeof *f || (unsigned)f->severity > 4 || !f->title)
    return MG_ERR_ARGS;
  json_t *o = json_object();
  json_object_set_new(o, "plugin", json_string(h->plugin));
  json_object_set_new(o, "severity", json_string(sev[f->severity]));
  json_object_set_new(o, "rule", f->rule ? json_string(f->rule) : json_null());
  json_object_set_new(o, "title", json_string(f->title));
  json_object_set_new(o, "message", f->message ? json_string(f->message) : json_null());
  json_object_set_new(o, "artifact", f->artifact ? json_string(f->artifact) : json_null());
  json_object_set_new(o, "location", f->location ? json_string(f->location) : json_null());
  json_object_set_new(o, "atlas", strings(f->atlas));
  json_object_set_new(o, "mitigations", strings(f->mitigations));
  json_object_set_new(o, "controls", strings(f->controls));
  json_t *ev = NULL;
  if (f->evidence_json) {
    json_error_t je;
    ev = json_loads(f->evidence_json, 0, &je);
    if (!ev || !json_is_object(ev)) {
      fprintf(stderr, "fake host: evidence is not a JSON object: %s\n", f->evidence_json);
      json_decref(ev);
      json_decref(o);
      return MG_ERR_FORMAT;
    }
  }
  json_object_set_new(o, "evidence", ev ? ev : json_object());
  /* A title or message that is not valid UTF-8 makes jansson drop it. */
  if (!json_is_string(json_object_get(o, "title"))) {
    fprintf(stderr, "fake host: title is not UTF-8\n");
    json_decref(o);
    return MG_ERR_FORMAT;
  }
  json_array_append_new(h->findings, o);
  return MG_OK;
}

static int s_evidence(mg_plugin_ctx *ctx, const char *json) {
  json_error_t je;
  json_t *o = json_loads(json, 0, &je);
  if (!o || !json_is_object(o)) {
    json_decref(o);
    return MG_ERR_FORMAT;
  }
  json_object_update(HOST(ctx)->evidence, o);
  json_decref(o);
  return MG_OK;
}

static int s_attach(mg_plugin_ctx *ctx, const char *name, const char *caption, uint32_t c,
                    uint32_t hh, uint32_t w, const float *px) {
  (void)ctx, (void)name, (void)caption, (void)c, (void)hh, (void)w, (void)px;
  return MG_OK;
}

static const char *s_option(mg_plugin_ctx *ctx, const char *key) {
  return json_string_value(json_object_get(HOST(ctx)->options, key));
}

static uint64_t s_seed(mg_plugin_ctx *ctx) {
  (void)ctx;
  return 1;
}

static const char *s_descriptor(mg_plugin_ctx *ctx) {
  return HOST(ctx)->descriptor;
}

static size_t s_file_count(mg_plugin_ctx *ctx) {
  return HOST(ctx)->n;
}

static int s_file_info(mg_plugin_ctx *ctx, size_t i, mg_file_info *info) {
  fh_host *h = HOST(ctx);
  if (i >= h->n || !info)
    return MG_ERR_ARGS;
  fh_file *f = &h->files[i];
  memset(info, 0, sizeof *info);
  info->struct_size = sizeof *info;
  info->path = f->path;
  info->container = f->container;
  info->role = !strcmp(f->path, "modelgate.json") ? "descriptor" : "other";
  info->sha256 = "0000000000000000000000000000000000000000000000000000000000000000";
  info->note = f->note;
  info->size = f->size;
  info->depth = f->depth;
  info->is_archive = f->is_archive;
  info->mode = f->mode;
  return MG_OK;
}

static int s_file_map(mg_plugin_ctx *ctx, size_t i, const uint8_t **data, uint64_t *size) {
  fh_host *h = HOST(ctx);
  if (i >= h->n || h->files[i].depth)
    return MG_ERR_ARGS;
  fh_file *f = &h->files[i];
  if (!f->map) {
    int fd = open(f->disk, O_RDONLY);
    if (fd < 0)
      return MG_ERR_IO;
    struct stat sb;
    if (fstat(fd, &sb)) {
      close(fd);
      return MG_ERR_IO;
    }
    f->map_len = (size_t)sb.st_size;
    /* An empty file maps as a valid zero-length region. */
    f->map = mmap(NULL, f->map_len ? f->map_len : 1, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (f->map == MAP_FAILED) {
      f->map = NULL;
      return MG_ERR_IO;
    }
  }
  *data = f->map;
  *size = f->map_len;
  return MG_OK;
}

static void s_file_unmap(mg_plugin_ctx *ctx, size_t i) {
  fh_host *h = HOST(ctx);
  if (i >= h->n || !h->files[i].map)
    return;
  munmap(h->files[i].map, h->files[i].map_len ? h->files[i].map_len : 1);
  h->files[i].map = NULL;
}

static int s_archive_walk(mg_plugin_ctx *ctx, size_t i, mg_member_fn fn, void *user) {
  fh_host *h = HOST(ctx);
  if (i >= h->n || h->files[i].depth || !h->files[i].is_archive)
    return MG_ERR_ARGS;
  struct archive *a = reader();
  if (archive_read_open_filename(a, h->files[i].disk, 65536) != ARCHIVE_OK) {
    archive_read_free(a);
    return MG_ERR_FORMAT;
  }
  struct archive_entry *e;
  int rc = MG_OK;
  while (archive_read_next_header(a, &e) >= ARCHIVE_WARN) {
    if (archive_entry_filetype(e) != AE_IFREG)
      continue;
    size_t cap = 65536, len = 0;
    unsigned char *buf = malloc(cap);
    const char *note = NULL;
    for (;;) {
      if (len == cap)
        buf = realloc(buf, cap *= 2);
      la_ssize_t k = archive_read_data(a, buf + len, cap - len);
      if (k < 0)
        note = "damaged: read error";
      if (k <= 0)
        break;
      len += (size_t)k;
    }
    int stop = fn(user, archive_entry_pathname(e), buf, len, note);
    free(buf);
    if (stop)
      break;
  }
  archive_read_free(a);
  return rc;
}

static int s_onnx_audit(mg_plugin_ctx *ctx, size_t i, const char **json) {
  fh_host *h = HOST(ctx);
  if (i >= h->n)
    return MG_ERR_ARGS;
  if (!h->files[i].audit)
    return MG_ERR_NOT_FOUND;
  *json = h->files[i].audit;
  return MG_OK;
}

static const mg_services services = {
    MG_PLUGIN_ABI_MAJOR,
    MG_PLUGIN_ABI_MINOR,
    sizeof(mg_services),
    s_log,
    s_progress,
    s_emit,
    s_evidence,
    s_attach,
    s_option,
    s_seed,
    s_descriptor,
    s_file_count,
    s_file_info,
    s_file_map,
    s_file_unmap,
    s_archive_walk,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    NULL,
    s_onnx_audit,
};

int fh_run(fh_host *h, const mg_plugin *p) {
  if (!p || p->abi_major != MG_PLUGIN_ABI_MAJOR || p->struct_size < sizeof *p)
    return MG_ERR_ABI;
  h->plugin = p->name;
  void *state = NULL;
  int rc = p->init ? p->init(&services, &state) : MG_OK;
  if (rc)
    return rc;
  rc = p->run(state, &services, (mg_plugin_ctx *)(void *)h);
  if (p->fini)
    p->fini(state);
  return rc;
}
