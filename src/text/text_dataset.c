/* Reading a text dataset into its cache. */
#include "config.h"

#include "text/text_dataset.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/progress.h"
#include "text/text_parse.h"

static const char *const format_names[] = {"auto", "jsonl", "csv", "tsv", "json"};

const char *mg_text_format_name(mg_text_format f) {
  return (unsigned)f <= MG_TEXT_FORMAT_JSON ? format_names[f] : "auto";
}

int mg_text_format_parse(const char *s, mg_text_format *f) {
  for (int i = MG_TEXT_FORMAT_JSONL; s && i <= MG_TEXT_FORMAT_JSON; i++)
    if (!strcmp(s, format_names[i])) {
      *f = (mg_text_format)i;
      return 0;
    }
  return -1;
}

static int ends_with(const char *s, size_t n, const char *suffix) {
  size_t k = strlen(suffix);
  return n >= k && !strncasecmp(s + n - k, suffix, k);
}

mg_text_format mg_text_format_of_name(const char *path) {
  static const char *const compressed[] = {".gz", ".xz", ".zst", ".zstd", ".bz2", NULL};
  static const struct {
    const char *ext;
    mg_text_format f;
  } exts[] = {{".jsonl", MG_TEXT_FORMAT_JSONL}, {".ndjson", MG_TEXT_FORMAT_JSONL},
              {".csv", MG_TEXT_FORMAT_CSV},     {".tsv", MG_TEXT_FORMAT_TSV},
              {".tab", MG_TEXT_FORMAT_TSV},     {".json", MG_TEXT_FORMAT_JSON}};
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  for (int i = 0; compressed[i]; i++)
    if (ends_with(base, n, compressed[i])) {
      n -= strlen(compressed[i]);
      break;
    }
  for (size_t i = 0; i < sizeof exts / sizeof *exts; i++)
    if (ends_with(base, n, exts[i].ext) && n > strlen(exts[i].ext))
      return exts[i].f;
  return MG_TEXT_FORMAT_AUTO;
}

/* Where parsed rows go: mapped, then written to the cache. */
typedef struct sink {
  mg_text_dataset *d;
  mg_text_input *in;
  const mg_limits *lim;
  mg_text_mapper map;
  mg_text_cache_writer w;
  mg_progress progress;
} sink;

static int count_row(sink *s, mg_err *err) {
  s->d->rows++;
  if ((s->d->rows & 4095) == 0)
    mg_progress_update(&s->progress, s->in->offset + s->in->pos);
  return mg_limit_check(s->lim, MG_LIMIT_TEXT_ROWS, s->d->rows, s->in->name, err);
}

/* Keeps the first reasons, printable ASCII for every report: they may
 * quote the row (jansson's "near '...'"). */
static void note_bad(mg_text_dataset *d, const char *reason) {
  if (d->n_bad < MG_TEXT_BAD_EXAMPLES) {
    mg_text_bad_row *b = &d->bad[d->n_bad++];
    b->row = d->rows;
    size_t i = 0;
    for (; reason[i] && i < sizeof b->reason - 1; i++)
      b->reason[i] = reason[i] >= 0x20 && reason[i] < 0x7f ? reason[i] : '?';
    b->reason[i] = '\0';
  }
  d->bad_rows++;
}

static int on_bad(void *user, const char *reason, mg_err *err) {
  sink *s = user;
  int over;
  int rc = mg_text_cache_row_end(&s->w, 1, &over, err);
  if (rc)
    return rc;
  note_bad(s->d, reason);
  return count_row(s, err);
}

static int row_done(sink *s, uint32_t fields, mg_err *err) {
  int over;
  int rc = mg_text_cache_row_end(&s->w, 0, &over, err);
  if (rc)
    return rc;
  if (over) { /* the writer stored it as bad */
    char reason[160];
    snprintf(reason, sizeof reason,
             "the row's text, as mapped, is over twice the text-row-bytes limit (%" PRIu64 ")",
             s->lim->value[MG_LIMIT_TEXT_ROW_BYTES]);
    note_bad(s->d, reason);
  } else {
    s->d->fields |= fields;
  }
  return count_row(s, err);
}

static int on_json(void *user, json_t *object, mg_err *err) {
  sink *s = user;
  uint32_t fields;
  int rc = mg_text_map_json(&s->map, object, &s->w, &fields, err);
  return rc ? rc : row_done(s, fields, err);
}

static int on_header(void *user, const char *const *names, const size_t *lens, size_t n,
                     mg_err *err) {
  sink *s = user;
  mg_text_map_header(&s->map, names, lens, n);
  return MG_OK;
}

static int on_csv(void *user, const char *const *cells, const size_t *lens, size_t n, mg_err *err) {
  sink *s = user;
  uint32_t fields;
  int rc = mg_text_map_csv(&s->map, cells, lens, n, &s->w, &fields, err);
  return rc ? rc : row_done(s, fields, err);
}

/* AUTO after the name: a JSON array starts with '[', JSON Lines with '{'. */
static int sniff(mg_text_input *in, mg_text_format *f, mg_err *err) {
  int rc = mg_text_skip_bom(in, err);
  while (!rc) {
    while (in->pos < in->len && strchr(" \t\r\n", in->data[in->pos]))
      in->pos++;
    in->mark = in->pos; /* leading whitespace means nothing in either */
    if (in->pos < in->len || in->eof)
      break;
    rc = mg_text_input_fill(in, err);
  }
  if (rc)
    return rc;
  int c = in->pos < in->len ? in->data[in->pos] : -1;
  if (c == '[')
    *f = MG_TEXT_FORMAT_JSON;
  else if (c == '{' || c < 0)
    *f = MG_TEXT_FORMAT_JSONL;
  else
    return mg_fail(err, MG_ERR_FORMAT,
                   "%s: cannot tell the text format (not a JSON array or JSON Lines); give it "
                   "with \"format\" in the descriptor (jsonl, csv, tsv, json)",
                   in->name);
  return MG_OK;
}

int mg_text_dataset_read(mg_text_dataset *d, mg_text_input *in, int rows_fd, int arena_fd,
                         const mg_text_options *o, const mg_limits *lim, mg_err *err) {
  sink s;
  memset(&s, 0, sizeof s);
  s.d = d;
  s.in = in;
  s.lim = lim;
  mg_text_mapper_init(&s.map, &o->fields);
  uint64_t row_limit = lim->value[MG_LIMIT_TEXT_ROW_BYTES];
  /* Mapped text is about as long as the row it came from; numbers printed
   * back (1e300 as 1.0000000000000001e+300) can make it longer. Twice the
   * row limit bounds the one row the writer holds in memory. */
  uint64_t mapped_limit = row_limit < UINT64_MAX / 4 ? 2 * row_limit + 64 : UINT64_MAX;
  int rc = mg_text_cache_writer_init(&s.w, rows_fd, arena_fd, in->name, mapped_limit, err);
  mg_text_format f =
      o->format != MG_TEXT_FORMAT_AUTO ? o->format : mg_text_format_of_name(in->name);
  /* A .json file holding one object per line is JSON Lines. */
  if (!rc && o->format == MG_TEXT_FORMAT_AUTO &&
      (f == MG_TEXT_FORMAT_AUTO || f == MG_TEXT_FORMAT_JSON))
    rc = sniff(in, &f, err);
  mg_progress_begin(&s.progress, in->name, 0, 1);
  mg_text_parse p = {in, row_limit, &s, on_json, on_header, on_csv, on_bad};
  if (!rc) {
    d->format = f;
    switch (f) {
    case MG_TEXT_FORMAT_CSV:
      rc = mg_text_parse_csv(&p, ',', err);
      break;
    case MG_TEXT_FORMAT_TSV:
      rc = mg_text_parse_csv(&p, '\t', err);
      break;
    case MG_TEXT_FORMAT_JSON:
      rc = mg_text_parse_json(&p, err);
      break;
    default:
      rc = mg_text_parse_jsonl(&p, err);
      break;
    }
  }
  mg_progress_end(&s.progress);
  if (!rc)
    rc = mg_text_cache_writer_finish(&s.w, err);
  mg_text_cache_writer_free(&s.w);
  if (!rc)
    rc = mg_text_cache_map(&d->cache, rows_fd, arena_fd, in->name, err);
  if (!rc && d->cache.count != d->rows)
    rc = mg_fail(err, MG_ERR_INTERNAL, "%s: the text cache holds %" PRIu64 " rows, not %" PRIu64,
                 in->name, d->cache.count, d->rows);
  if (rc)
    return rc;
  d->kind = o->kind != MG_TEXT_UNKNOWN ? o->kind : mg_text_kind_detect(d->fields);
  d->bytes = in->offset + in->len;
  snprintf(d->filter, sizeof d->filter, "%s", in->filter ? in->filter : "");
  return MG_OK;
}

/* A new file in cache_dir, created exclusively, never through a link. */
static int create_cache(const char *cache_dir, const char *what, char **path, int *fd,
                        mg_err *err) {
  size_t n = strlen(cache_dir) + 64;
  char *p = malloc(n);
  if (!p)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  for (unsigned i = 0; i < 100000; i++) {
    snprintf(p, n, "%s/text-%u.%s", cache_dir, i, what);
    *fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (*fd >= 0) {
      *path = p;
      return MG_OK;
    }
    if (errno != EEXIST)
      break;
  }
  int rc = mg_fail(err, MG_ERR_IO, "cannot create a text cache file in %s: %s", cache_dir,
                   strerror(errno));
  free(p);
  return rc;
}

int mg_text_dataset_load(mg_text_dataset *d, const char *path, const char *shown,
                         const char *cache_dir, const mg_text_options *o, const mg_limits *lim,
                         mg_err *err) {
  memset(d, 0, sizeof *d);
  d->owner = getpid();
  int in_fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in_fd < 0)
    return mg_fail(err, MG_ERR_IO, "%s: cannot open: %s", shown, strerror(errno));
  struct stat st;
  if (fstat(in_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(in_fd);
    return mg_fail(err, MG_ERR_FORMAT, "%s: not a regular file", shown);
  }
  int rows_fd = -1, arena_fd = -1;
  mg_text_input in;
  memset(&in, 0, sizeof in);
  int rc = create_cache(cache_dir, "rows", &d->rows_path, &rows_fd, err);
  if (!rc)
    rc = create_cache(cache_dir, "strings", &d->arena_path, &arena_fd, err);
  if (!rc)
    rc = mg_text_input_open_fd(&in, in_fd, shown, lim, err);
  if (!rc)
    rc = mg_text_dataset_read(d, &in, rows_fd, arena_fd, o, lim, err);
  mg_text_input_close(&in);
  close(in_fd);
  if (rows_fd >= 0)
    close(rows_fd);
  if (arena_fd >= 0)
    close(arena_fd);
  return rc;
}

int mg_text_dataset_bad_indices(const mg_text_dataset *d, uint64_t **rows, size_t *n, mg_err *err) {
  *rows = NULL;
  *n = 0;
  if (!d->bad_rows)
    return MG_OK;
  if (d->bad_rows > SIZE_MAX / sizeof **rows)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  uint64_t *r = malloc((size_t)d->bad_rows * sizeof *r);
  if (!r)
    return mg_fail(err, MG_ERR_NOMEM, "out of memory");
  size_t k = 0;
  for (uint64_t i = 0; i < d->cache.count && k < d->bad_rows; i++)
    if (d->cache.rows[i].flags & MG_TEXT_ROW_BAD)
      r[k++] = i;
  *rows = r;
  *n = k;
  return MG_OK;
}

void mg_text_dataset_free(mg_text_dataset *d) {
  mg_text_cache_unmap(&d->cache);
  /* A plugin child inherits the dataset but never removes its files. */
  if (d->rows_path && d->owner == getpid())
    unlink(d->rows_path);
  if (d->arena_path && d->owner == getpid())
    unlink(d->arena_path);
  free(d->rows_path);
  free(d->arena_path);
  memset(d, 0, sizeof *d);
}
