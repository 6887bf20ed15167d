/* Dataset layer tests: NPY and IDX files written by Debian's numpy (and a
 * corpus of broken ones) are read back, compared value by value, and each
 * broken file must fail with the right code and a message naming the file
 * and the problem. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>

#include "check_main.h"
#include "data/dataset.h"

static char fixtures[512]; /* made once by make_fixtures.py */
static char cache[600];    /* decompressed copies go here */
static const char *python;

static char *fx(const char *sub, const char *name) {
  static char buf[4][1024];
  static int k;
  char *b = buf[k++ % 4];
  snprintf(b, sizeof buf[0], "%s/%s/%s", fixtures, sub, name);
  return b;
}

static int run(char *const argv[]) {
  pid_t pid = fork();
  if (pid < 0)
    return -1;
  if (pid == 0) {
    execv(argv[0], argv);
    _exit(127);
  }
  int st;
  while (waitpid(pid, &st, 0) < 0)
    if (errno != EINTR)
      return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The .expect file beside a fixture: its values as little-endian float64. */
static double *load_expect(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  long sz = ftell(f);
  fseek(f, 0, SEEK_SET);
  double *v = malloc((size_t)sz + 8);
  ck_assert(v != NULL);
  ck_assert_int_eq(fread(v, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *n = (size_t)sz / 8;
  return v;
}

static size_t cache_entries(void) {
  DIR *d = opendir(cache);
  ck_assert(d != NULL);
  size_t n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (e->d_name[0] != '.')
      n++;
  closedir(d);
  return n;
}

static mg_dataset *open_ok(const char *inputs, const char *labels) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_dataset *d = NULL;
  int rc = mg_dataset_open(inputs, labels, cache, &lim, &d, &err);
  ck_assert_msg(rc == MG_OK, "%s: %s", inputs, err.msg);
  ck_assert(d != NULL);
  return d;
}

/* Reads every row with scale s and compares with the expectation computed
 * independently from numpy's values. */
static void check_values(const mg_dataset *d, const char *expect, float s) {
  size_t n;
  double *want = load_expect(expect, &n);
  uint32_t c, h, w;
  mg_dataset_shape(d, &c, &h, &w);
  size_t row = (size_t)c * h * w;
  ck_assert_uint_eq(mg_dataset_count(d) * row, n);
  float *x = malloc(n * sizeof *x);
  mg_err err;
  mg_err_clear(&err);
  /* Two batches, so a row offset bug shows. */
  uint64_t half = mg_dataset_count(d) / 2;
  ck_assert_int_eq(mg_dataset_read(d, 0, half, s, x, NULL, &err), MG_OK);
  ck_assert_int_eq(
      mg_dataset_read(d, half, mg_dataset_count(d) - half, s, x + half * row, NULL, &err), MG_OK);
  for (size_t i = 0; i < n; i++) {
    float e = (float)(want[i] * (double)s);
    ck_assert_msg(x[i] == e, "%s: element %zu is %.9g, numpy says %.9g", expect, i, (double)x[i],
                  (double)e);
  }
  free(x);
  free(want);
}

static void expect_of(char *out, size_t cap, const char *path) {
  snprintf(out, cap, "%s", path);
  char *dot = strrchr(out, '.');
  if (dot && strcmp(dot, ".data") == 0) { /* NAME.gz.data -> NAME.expect */
    *dot = '\0';
    dot = strrchr(out, '.');
  }
  snprintf(dot, cap - (size_t)(dot - out), ".expect");
}

START_TEST(npy_versions_dtypes_endianness) {
  static const char *kinds[] = {"u1", "i4", "i4be", "i8", "i8be", "f4", "f4be", "f8", "f8be"};
  static const mg_dtype dts[] = {MG_DTYPE_U8,  MG_DTYPE_I32, MG_DTYPE_I32,
                                 MG_DTYPE_I64, MG_DTYPE_I64, MG_DTYPE_F32,
                                 MG_DTYPE_F32, MG_DTYPE_F64, MG_DTYPE_F64};
  for (int major = 1; major <= 3; major++) {
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
      char name[64], expect[1024];
      snprintf(name, sizeof name, "v%d_%s.npy", major, kinds[k]);
      const char *path = fx("good", name);
      expect_of(expect, sizeof expect, path);
      mg_dataset *d = open_ok(path, NULL);
      ck_assert_int_eq(mg_dataset_dtype(d), dts[k]);
      ck_assert(!mg_dataset_has_labels(d));
      ck_assert_uint_eq(mg_dataset_num_labels(d), 0);
      uint32_t c, h, w;
      mg_dataset_shape(d, &c, &h, &w);
      /* make_fixtures.py alternates N x C x H x W and N x H x W. */
      ck_assert_uint_eq(c, (k + (size_t)major) % 2 ? 2 : 1);
      ck_assert_uint_eq(h, 3);
      ck_assert_uint_eq(w, 5);
      ck_assert_uint_eq(mg_dataset_count(d), 7);
      check_values(d, expect, 1.0f);
      check_values(d, expect, 1.0f / 255.0f);
      double lo, hi;
      mg_dataset_raw_range(d, &lo, &hi);
      if (dts[k] == MG_DTYPE_F32 || dts[k] == MG_DTYPE_F64) {
        size_t n;
        double *v = load_expect(expect, &n), mn = v[0], mx = v[0];
        for (size_t i = 1; i < n; i++)
          mn = fmin(mn, v[i]), mx = fmax(mx, v[i]);
        ck_assert_double_eq(lo, mn);
        ck_assert_double_eq(hi, mx);
        free(v);
      } else if (dts[k] == MG_DTYPE_U8) {
        ck_assert_double_eq(lo, 0);
        ck_assert_double_eq(hi, 255);
      } else {
        ck_assert(lo < 0 && hi > 0);
      }
      /* Uncompressed files are mapped in place: no copy in the cache. */
      ck_assert_uint_eq(cache_entries(), 0);
      mg_dataset_close(d);
    }
  }
}
END_TEST

START_TEST(labels_every_dtype) {
  static const char *kinds[] = {"u1", "i4", "i4be", "i8", "i8be", "f4", "f8be"};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    char name[64], expect[1024];
    snprintf(name, sizeof name, "labels_%s.npy", kinds[k]);
    const char *lab = fx("good", name);
    expect_of(expect, sizeof expect, lab);
    mg_dataset *d = open_ok(fx("good", "v1_u1.npy"), lab);
    ck_assert(mg_dataset_has_labels(d));
    size_t n;
    double *want = load_expect(expect, &n);
    ck_assert_uint_eq(n, mg_dataset_count(d));
    int32_t got[16];
    double mx = 0;
    mg_err err;
    mg_err_clear(&err);
    ck_assert_int_eq(mg_dataset_read(d, 0, n, 1.0f, NULL, got, &err), MG_OK);
    for (size_t i = 0; i < n; i++) {
      ck_assert_int_eq(got[i], (int32_t)want[i]);
      mx = fmax(mx, want[i]);
    }
    ck_assert_uint_eq(mg_dataset_num_labels(d), (uint32_t)mx + 1);
    /* Rows and labels stay paired in a batch that does not start at 0. */
    ck_assert_int_eq(mg_dataset_read(d, 3, 2, 1.0f, NULL, got, &err), MG_OK);
    ck_assert_int_eq(got[0], (int32_t)want[3]);
    ck_assert_int_eq(got[1], (int32_t)want[4]);
    free(want);
    mg_dataset_close(d);
  }
}
END_TEST

START_TEST(idx_files) {
  static const char *kinds[] = {"u1", "i4", "f4", "f8"};
  static const mg_dtype dts[] = {MG_DTYPE_U8, MG_DTYPE_I32, MG_DTYPE_F32, MG_DTYPE_F64};
  for (size_t k = 0; k < 4; k++) {
    char name[64], expect[1024];
    snprintf(name, sizeof name, "idx_%s.idx", kinds[k]);
    const char *path = fx("good", name);
    expect_of(expect, sizeof expect, path);
    mg_dataset *d = open_ok(path, fx("good", "idx_labels.idx"));
    ck_assert_int_eq(mg_dataset_dtype(d), dts[k]);
    uint32_t c;
    mg_dataset_shape(d, &c, NULL, NULL);
    ck_assert_uint_eq(c, dts[k] == MG_DTYPE_F32 ? 2 : 1);
    check_values(d, expect, 1.0f);
    check_values(d, expect, 0.5f);
    ck_assert(mg_dataset_num_labels(d) >= 1);
    mg_dataset_close(d);
  }
}
END_TEST

START_TEST(compressed_by_content) {
  static const char *bases[] = {"v1_u1", "v2_f4be", "idx_u1"};
  static const char *filters[] = {"gz", "xz", "bz2", "zst"};
  for (size_t b = 0; b < 3; b++) {
    for (size_t f = 0; f < 4; f++) {
      char name[64], expect[1024], labname[64];
      snprintf(name, sizeof name, "%s.%s.data", bases[b], filters[f]);
      snprintf(labname, sizeof labname, "labels_u1.%s.data", filters[f]);
      const char *path = fx("good", name);
      if (access(path, F_OK) != 0 && strcmp(filters[f], "zst") == 0)
        continue; /* no zstd tool where the fixtures were made */
      expect_of(expect, sizeof expect, path);
      mg_dataset *d = open_ok(path, fx("good", labname));
      check_values(d, expect, 1.0f / 255.0f);
      /* One decompressed copy per file, private to us. */
      ck_assert_uint_eq(cache_entries(), 2);
      DIR *dir = opendir(cache);
      struct dirent *e;
      while ((e = readdir(dir))) {
        if (e->d_name[0] == '.')
          continue;
        char p[1300];
        struct stat st;
        snprintf(p, sizeof p, "%s/%s", cache, e->d_name);
        ck_assert_int_eq(lstat(p, &st), 0);
        ck_assert(S_ISREG(st.st_mode));
        ck_assert_int_eq(st.st_mode & 07777, 0600);
      }
      closedir(dir);
      mg_dataset_close(d);
      ck_assert_uint_eq(cache_entries(), 0);
    }
  }
}
END_TEST

START_TEST(compressed_without_cache_dir) {
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_dataset *d = NULL;
  const char *path = fx("good", "idx_u1.xz.data");
  ck_assert_int_eq(mg_dataset_open(path, fx("good", "labels_u1.gz.data"), NULL, &lim, &d, &err),
                   MG_OK);
  char expect[1024];
  expect_of(expect, sizeof expect, path);
  check_values(d, expect, 1.0f);
  ck_assert_uint_eq(cache_entries(), 0);
  mg_dataset_close(d);
  lim.value[MG_LIMIT_DATASET_BYTES] = 1 << 20;
  ck_assert_int_eq(mg_dataset_open(fx("bad", "bomb.npy.gz"), NULL, NULL, &lim, &d, &err),
                   MG_ERR_LIMIT);
  ck_assert_ptr_nonnull(strstr(err.msg, "bomb.npy.gz"));
}
END_TEST

START_TEST(read_bounds) {
  mg_dataset *d = open_ok(fx("good", "v1_u1.npy"), fx("good", "labels_u1.npy"));
  float x[7 * 2 * 3 * 5];
  int32_t y[7];
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, 0, 0, 1.0f, x, y, &err), MG_OK);
  ck_assert_int_eq(mg_dataset_read(d, 7, 0, 1.0f, x, y, &err), MG_OK);
  ck_assert_int_eq(mg_dataset_read(d, 6, 2, 1.0f, x, y, &err), MG_ERR_ARGS);
  ck_assert_ptr_nonnull(strstr(err.msg, "v1_u1.npy"));
  ck_assert_ptr_nonnull(strstr(err.msg, "out of range"));
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, 8, 0, 1.0f, x, y, &err), MG_ERR_ARGS);
  mg_err_clear(&err);
  /* first + count wraps around 2^64. */
  ck_assert_int_eq(mg_dataset_read(d, 2, UINT64_MAX - 1, 1.0f, x, y, &err), MG_ERR_ARGS);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, UINT64_MAX, 2, 1.0f, x, y, &err), MG_ERR_ARGS);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, 0, 1, NAN, x, NULL, &err), MG_ERR_ARGS);
  mg_dataset_close(d);
  d = open_ok(fx("good", "v1_u1.npy"), NULL);
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, 0, 1, 1.0f, x, y, &err), MG_ERR_ARGS);
  ck_assert_ptr_nonnull(strstr(err.msg, "labels"));
  mg_dataset_close(d);
}
END_TEST

typedef struct reader_arg {
  const mg_dataset *d;
  const float *want;
  int ok;
} reader_arg;

static void *reader(void *p) {
  reader_arg *a = p;
  uint32_t c, h, w;
  mg_dataset_shape(a->d, &c, &h, &w);
  size_t row = (size_t)c * h * w;
  float *x = malloc(row * sizeof *x);
  a->ok = 1;
  for (int rep = 0; rep < 200; rep++) {
    for (uint64_t r = 0; r < mg_dataset_count(a->d); r++) {
      mg_err err;
      mg_err_clear(&err);
      if (mg_dataset_read(a->d, r, 1, 1.0f, x, NULL, &err) != MG_OK ||
          memcmp(x, a->want + r * row, row * sizeof *x) != 0)
        a->ok = 0;
    }
  }
  free(x);
  return NULL;
}

START_TEST(concurrent_threads_and_forked_children) {
  mg_dataset *d = open_ok(fx("good", "v2_f4be.gz.data"), NULL);
  uint64_t n = mg_dataset_count(d);
  uint32_t c, h, w;
  mg_dataset_shape(d, &c, &h, &w);
  size_t total = (size_t)n * c * h * w;
  float *want = malloc(total * sizeof *want);
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_read(d, 0, n, 1.0f, want, NULL, &err), MG_OK);
  pthread_t t[2];
  reader_arg a[2] = {{d, want, 0}, {d, want, 0}};
  for (int i = 0; i < 2; i++)
    ck_assert_int_eq(pthread_create(&t[i], NULL, reader, &a[i]), 0);
  for (int i = 0; i < 2; i++) {
    pthread_join(t[i], NULL);
    ck_assert(a[i].ok);
  }
  /* A plugin child reads the parent's mapping, and closing its inherited
   * handle does not remove the parent's decompressed copy. */
  pid_t pid = fork();
  ck_assert(pid >= 0);
  if (pid == 0) {
    reader_arg ca = {d, want, 0};
    reader(&ca);
    mg_dataset_close(d);
    _exit(ca.ok ? 0 : 1);
  }
  int st;
  ck_assert_int_eq(waitpid(pid, &st, 0), pid);
  ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0);
  ck_assert_uint_eq(cache_entries(), 1);
  free(want);
  mg_dataset_close(d);
  ck_assert_uint_eq(cache_entries(), 0);
}
END_TEST

typedef struct bad_case {
  const char *inputs, *labels; /* under bad/ (or good/ when prefixed "+") */
  uint64_t dataset_limit;      /* 0: default */
  int code;
  const char *problem;  /* must appear in the message */
  const char *problem2; /* and this too, when not NULL */
} bad_case;

static const bad_case bad_cases[] = {
    {"truncated.npy", NULL, 0, MG_ERR_FORMAT, "truncated", NULL},
    {"trailing.npy", NULL, 0, MG_ERR_FORMAT, "3 unexpected bytes", NULL},
    {"header_len.npy", NULL, 0, MG_ERR_FORMAT, "runs past the end", NULL},
    {"huge_dims.npy", NULL, 0, MG_ERR_FORMAT, "overflows", NULL},
    {"dim_u64.npy", NULL, 0, MG_ERR_FORMAT, "does not fit in 64 bits", NULL},
    {"fortran.npy", NULL, 0, MG_ERR_UNSUPPORTED, "Fortran order", NULL},
    {"object.npy", NULL, 0, MG_ERR_UNSAFE, "pickle", "'|O'"},
    {"nan.npy", NULL, 0, MG_ERR_FORMAT, "value nan at row 3", NULL},
    {"inf.npy", NULL, 0, MG_ERR_FORMAT, "value -inf at row 1", NULL},
    {"huge_f8.npy", NULL, 0, MG_ERR_FORMAT, "value 1e+300 at row 2", "float32"},
    {"images.npy", "labels4.npy", 0, MG_ERR_FORMAT, "has 5 rows", "has 4 labels"},
    {"images.npy", "negative.npy", 0, MG_ERR_FORMAT, "negative label -1 at row 2", NULL},
    {"images.npy", "big_label.npy", 0, MG_ERR_FORMAT, "2147483648 at row 3", "int32"},
    {"images.npy", "frac_label.npy", 0, MG_ERR_FORMAT, "1.5 at row 1 is not an integer", NULL},
    {"images.npy", "labels2d.npy", 0, MG_ERR_FORMAT, "1-dimensional", NULL},
    {"flat.npy", NULL, 0, MG_ERR_FORMAT, "N x H x W", "2 dimensions"},
    {"no_rows.npy", NULL, 0, MG_ERR_FORMAT, "no rows", NULL},
    {"bad_magic.npy", NULL, 0, MG_ERR_FORMAT, "bad magic", NULL},
    {"empty.npy", NULL, 0, MG_ERR_FORMAT, "empty file", NULL},
    {"bomb.npy.gz", NULL, 1 << 20, MG_ERR_LIMIT, "dataset-bytes", NULL},
    {"images.npy", "bomb.npy.gz", 1 << 20, MG_ERR_LIMIT, "dataset-bytes", NULL},
    /* Issue 14 item 5: with the default 32 GiB dataset cap, the archive
     * ratio limit stops the bomb while it decompresses. */
    {"bomb.npy.gz", NULL, 0, MG_ERR_LIMIT, "compression ratio limit exceeded", "--limit ratio"},
    {"images.npy", "bomb.npy.gz", 0, MG_ERR_LIMIT, "compression ratio limit exceeded", NULL},
    {"truncated.npy.gz", NULL, 0, MG_ERR_FORMAT, "damaged or truncated", "gzip"},
    {"garbage.gz", NULL, 0, MG_ERR_FORMAT, "gzip-decompressed content is not an NPY or IDX", NULL},
    {"dup_key.npy", NULL, 0, MG_ERR_FORMAT, "duplicate key 'descr'", NULL},
    {"unknown_key.npy", NULL, 0, MG_ERR_FORMAT, "unknown key 'extra'", NULL},
    {"missing_key.npy", NULL, 0, MG_ERR_FORMAT, "missing key 'shape'", NULL},
    {"junk.npy", NULL, 0, MG_ERR_FORMAT, "trailing data after the dict", NULL},
    {"no_newline.npy", NULL, 0, MG_ERR_FORMAT, "does not end in a newline", NULL},
    {"not_tuple.npy", NULL, 0, MG_ERR_FORMAT, "'(20)' is not a tuple", NULL},
    {"list_shape.npy", NULL, 0, MG_ERR_FORMAT, "shape is a list", NULL},
    {"negative_dim.npy", NULL, 0, MG_ERR_FORMAT, "negative dimension", NULL},
    {"native_order.npy", NULL, 0, MG_ERR_UNSUPPORTED, "byte order", "'=f4'"},
    {"float16.npy", NULL, 0, MG_ERR_UNSUPPORTED, "dtype '<f2' is not supported", NULL},
    {"structured.npy", NULL, 0, MG_ERR_UNSUPPORTED, "structured", NULL},
    {"fortran_int.npy", NULL, 0, MG_ERR_FORMAT, "True or False expected", NULL},
    {"non_ascii.npy", NULL, 0, MG_ERR_FORMAT, "non-ASCII", NULL},
    {"version4.npy", NULL, 0, MG_ERR_UNSUPPORTED, "version 4.0", NULL},
    {"sbyte.idx", NULL, 0, MG_ERR_UNSUPPORTED, "signed byte", NULL},
    {"short.idx", NULL, 0, MG_ERR_UNSUPPORTED, "int16", NULL},
    {"type07.idx", NULL, 0, MG_ERR_FORMAT, "unknown data type 0x07", NULL},
    {"truncated.idx", NULL, 0, MG_ERR_FORMAT, "truncated", NULL},
    {"ndim0.idx", NULL, 0, MG_ERR_FORMAT, "0 dimensions", NULL},
    {"overflow.idx", NULL, 0, MG_ERR_FORMAT, "overflow", NULL},
};

START_TEST(bad_inputs) {
  const bad_case *bc = &bad_cases[_i];
  char in[1024], lab[1024];
  snprintf(in, sizeof in, "%s", fx("bad", bc->inputs));
  if (bc->labels)
    snprintf(lab, sizeof lab, "%s", fx("bad", bc->labels));
  mg_limits lim;
  mg_limits_default(&lim);
  if (bc->dataset_limit)
    lim.value[MG_LIMIT_DATASET_BYTES] = bc->dataset_limit;
  mg_err err;
  mg_err_clear(&err);
  mg_dataset *d = (mg_dataset *)&err; /* must be reset to NULL on failure */
  int rc = mg_dataset_open(in, bc->labels ? lab : NULL, cache, &lim, &d, &err);
  ck_assert_msg(rc == bc->code, "%s: expected %s, got %s: %s", bc->inputs, mg_strerror(bc->code),
                mg_strerror(rc), err.msg);
  ck_assert_int_eq(err.code, rc);
  ck_assert_ptr_null(d);
  /* The message names the offending file (both, for a count mismatch). */
  const char *culprit =
      bc->labels && strcmp(bc->labels, bc->inputs) != 0 && strcmp(bc->inputs, "images.npy") == 0
          ? lab
          : in;
  ck_assert_msg(strstr(err.msg, culprit) != NULL, "message does not name %s: %s", culprit, err.msg);
  ck_assert_msg(strstr(err.msg, bc->problem) != NULL, "message lacks '%s': %s", bc->problem,
                err.msg);
  if (bc->problem2)
    ck_assert_msg(strstr(err.msg, bc->problem2) != NULL, "message lacks '%s': %s", bc->problem2,
                  err.msg);
  ck_assert_msg(strchr(err.msg, '\n') == NULL, "message is not one line: %s", err.msg);
  if (bc->labels && strstr(bc->problem, "has 5 rows"))
    ck_assert_ptr_nonnull(strstr(err.msg, in));
  /* A failed open leaves nothing behind in the cache. */
  ck_assert_uint_eq(cache_entries(), 0);
}
END_TEST

START_TEST(symlink_and_missing_refused) {
  char link[1024];
  snprintf(link, sizeof link, "%s/link.npy", cache);
  ck_assert_int_eq(symlink(fx("good", "v1_u1.npy"), link), 0);
  mg_limits lim;
  mg_limits_default(&lim);
  mg_err err;
  mg_err_clear(&err);
  mg_dataset *d;
  ck_assert_int_eq(mg_dataset_open(link, NULL, cache, &lim, &d, &err), MG_ERR_UNSAFE);
  ck_assert_ptr_nonnull(strstr(err.msg, "link.npy"));
  ck_assert_ptr_nonnull(strstr(err.msg, "symbolic link"));
  unlink(link);
  mg_err_clear(&err);
  ck_assert_int_eq(
      mg_dataset_open(fx("good", "v1_u1.npy"), fx("good", "nope.npy"), cache, &lim, &d, &err),
      MG_ERR_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(err.msg, "nope.npy"));
  mg_err_clear(&err);
  ck_assert_int_eq(mg_dataset_open(fixtures, NULL, cache, &lim, &d, &err), MG_ERR_UNSAFE);
  ck_assert_ptr_nonnull(strstr(err.msg, "not a regular file"));
}
END_TEST

START_TEST(write_then_numpy_reads_it) {
  static const uint32_t ndims[] = {0, 1, 2, 4};
  for (size_t k = 0; k < 4; k++) {
    uint64_t dims[4] = {3, 1, 4, 5};
    uint32_t nd = ndims[k];
    if (nd == 1)
      dims[0] = 11;
    uint64_t count = 1;
    for (uint32_t i = 0; i < nd; i++)
      count *= dims[i];
    float *v = malloc(count * sizeof *v);
    for (uint64_t i = 0; i < count; i++)
      v[i] = (float)i * 0.25f - 3.0f;
    char path[1024];
    snprintf(path, sizeof path, "%s/out%u.npy", cache, nd);
    mg_err err;
    mg_err_clear(&err);
    ck_assert_int_eq(mg_npy_write_f32(path, v, nd, dims, &err), MG_OK);
    /* numpy is the judge of the format. */
    char shape[128] = "(";
    for (uint32_t i = 0; i < nd; i++)
      snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%llu,",
               (unsigned long long)dims[i]);
    strcat(shape, ")");
    char code[1024];
    snprintf(code, sizeof code,
             "import numpy as np, sys\n"
             "a = np.load(sys.argv[1], allow_pickle=False)\n"
             "assert a.dtype == np.dtype('<f4'), a.dtype\n"
             "assert a.shape == %s, a.shape\n"
             "assert (a.ravel() == np.arange(a.size, dtype=np.float32) * np.float32(0.25)"
             " - np.float32(3)).all()\n"
             "assert open(sys.argv[1], 'rb').read(128).index(b'\\n') %% 64 == 63\n",
             shape);
    char *argv[] = {(char *)python, "-c", code, path, NULL};
    ck_assert_msg(run(argv) == 0, "numpy rejected %s", path);
    /* And it reads back through our own loader. */
    mg_limits lim;
    mg_limits_default(&lim);
    float *back = NULL;
    mg_array_header h;
    ck_assert_int_eq(mg_array_load_f32(path, &lim, &back, &h, &err), MG_OK);
    ck_assert_uint_eq(h.ndim, nd);
    ck_assert_uint_eq(h.count, count);
    ck_assert_int_eq(memcmp(back, v, count * sizeof *v), 0);
    free(back);
    free(v);
    unlink(path);
  }
  mg_err err;
  mg_err_clear(&err);
  char path[1024];
  snprintf(path, sizeof path, "%s/no-such-dir/x.npy", cache);
  uint64_t one = 1;
  float f = 1;
  ck_assert_int_eq(mg_npy_write_f32(path, &f, 1, &one, &err), MG_ERR_IO);
  ck_assert_ptr_nonnull(strstr(err.msg, "no-such-dir/x.npy"));
}
END_TEST

START_TEST(load_f32_any_format) {
  static const char *files[] = {"v3_i8be.npy",    "v2_f4be.gz.data", "idx_f8.idx",
                                "idx_u1.xz.data", "scalar.npy",      "v1_u1.bz2.data"};
  mg_limits lim;
  mg_limits_default(&lim);
  for (size_t k = 0; k < sizeof files / sizeof files[0]; k++) {
    const char *path = fx("good", files[k]);
    char expect[1024];
    expect_of(expect, sizeof expect, path);
    size_t n;
    double *want = load_expect(expect, &n);
    float *got = NULL;
    mg_array_header h;
    mg_err err;
    mg_err_clear(&err);
    ck_assert_msg(mg_array_load_f32(path, &lim, &got, &h, &err) == MG_OK, "%s", err.msg);
    ck_assert_uint_eq(h.count, n);
    for (size_t i = 0; i < n; i++)
      ck_assert_msg(got[i] == (float)want[i], "%s[%zu]", files[k], i);
    free(got);
    free(want);
  }
  /* No workspace here: compressed files go to memory, still within the limit. */
  ck_assert_uint_eq(cache_entries(), 0);
  lim.value[MG_LIMIT_DATASET_BYTES] = 1 << 20;
  float *got = NULL;
  mg_array_header h;
  mg_err err;
  mg_err_clear(&err);
  ck_assert_int_eq(mg_array_load_f32(fx("bad", "bomb.npy.gz"), &lim, &got, &h, &err), MG_ERR_LIMIT);
  ck_assert_ptr_null(got);
  ck_assert_ptr_nonnull(strstr(err.msg, "bomb.npy.gz"));
  mg_err_clear(&err);
  mg_limits_default(&lim);
  ck_assert_int_eq(mg_array_load_f32(fx("bad", "object.npy"), &lim, &got, &h, &err), MG_ERR_UNSAFE);
}
END_TEST

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

START_TEST(fashion_mnist) {
  static const char *dir = "/usr/share/datasets/fashion-mnist";
  static const struct {
    const char *images, *labels;
    uint64_t n;
  } sets[] = {{"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", 60000},
              {"t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", 10000}};
  char img[512], lab[512];
  snprintf(img, sizeof img, "%s/%s", dir, sets[0].images);
  if (access(img, R_OK) != 0) {
    fprintf(stderr, "fashion_mnist: %s absent, skipped\n", img);
    return;
  }
  for (int s = 0; s < 2; s++) {
    snprintf(img, sizeof img, "%s/%s", dir, sets[s].images);
    snprintf(lab, sizeof lab, "%s/%s", dir, sets[s].labels);
    double t0 = now();
    mg_dataset *d = open_ok(img, lab);
    double topen = now() - t0;
    ck_assert_uint_eq(mg_dataset_count(d), sets[s].n);
    uint32_t c, h, w;
    mg_dataset_shape(d, &c, &h, &w);
    ck_assert_uint_eq(c, 1);
    ck_assert_uint_eq(h, 28);
    ck_assert_uint_eq(w, 28);
    ck_assert_int_eq(mg_dataset_dtype(d), MG_DTYPE_U8);
    ck_assert_uint_eq(mg_dataset_num_labels(d), 10);
    /* Every label read back is in range, and numpy (reading the same gzip
     * with its own code) agrees on the histogram and the pixel sum. */
    uint64_t n = sets[s].n;
    int32_t *y = malloc(n * sizeof *y);
    float *x = malloc(12000 * 784 * sizeof *x);
    mg_err err;
    mg_err_clear(&err);
    unsigned long long hist[10] = {0};
    double pix = 0;
    for (uint64_t r = 0; r < n; r += 12000) {
      uint64_t k = n - r < 12000 ? n - r : 12000;
      ck_assert_int_eq(mg_dataset_read(d, r, k, 1.0f, x, y + r, &err), MG_OK);
      for (uint64_t i = 0; i < k * 784; i++)
        pix += x[i];
    }
    for (uint64_t i = 0; i < n; i++) {
      ck_assert(y[i] >= 0 && y[i] < 10);
      hist[y[i]]++;
    }
    char want[512], got[512] = "";
    char code[512];
    snprintf(code, sizeof code,
             "import numpy as np, gzip, sys\n"
             "y = np.frombuffer(gzip.open(sys.argv[2]).read()[8:], np.uint8)\n"
             "x = np.frombuffer(gzip.open(sys.argv[1]).read()[16:], np.uint8)\n"
             "open(sys.argv[3], 'w').write(' '.join(map(str, np.bincount(y, minlength=10))) + "
             "' %%d' %% x.astype(np.int64).sum())\n");
    char out[1024];
    snprintf(out, sizeof out, "%s/numpy.txt", cache);
    char *argv[] = {(char *)python, "-c", code, img, lab, out, NULL};
    ck_assert_int_eq(run(argv), 0);
    FILE *f = fopen(out, "r");
    ck_assert(f && fgets(want, sizeof want, f));
    fclose(f);
    unlink(out);
    for (int i = 0; i < 10; i++)
      snprintf(got + strlen(got), sizeof got - strlen(got), "%llu ", hist[i]);
    snprintf(got + strlen(got), sizeof got - strlen(got), "%.0f", pix);
    ck_assert_str_eq(got, want);

    /* The hot path: 12,000 rows of 784 uint8 pixels to float. */
    double best = 1e9;
    uint64_t rows = n < 12000 ? n : 12000;
    for (int rep = 0; rep < 5; rep++) {
      t0 = now();
      ck_assert_int_eq(mg_dataset_read(d, 0, rows, 1.0f / 255.0f, x, NULL, &err), MG_OK);
      double t = now() - t0;
      best = t < best ? t : best;
    }
    fprintf(stderr,
            "fashion_mnist %s: open (decompress + scan) %.3f s; read %llux784 u8->f32 %.2f ms "
            "(%.0f Mpixel/s)\n",
            sets[s].images, topen, (unsigned long long)rows, best * 1e3,
            (double)rows * 784 / best / 1e6);
    ck_assert_msg(best < 0.1, "reading %llu rows took %.3f s", (unsigned long long)rows, best);
    free(x);
    free(y);
    mg_dataset_close(d);
  }
}
END_TEST

static void make_cache(void) {
  snprintf(cache, sizeof cache, "%s/cache.XXXXXX", fixtures);
  ck_assert_ptr_nonnull(mkdtemp(cache));
}

static void remove_cache(void) {
  char *argv[] = {"/bin/rm", "-rf", cache, NULL};
  run(argv);
}

static Suite *suite(void) {
  Suite *s = suite_create("dataset");
  TCase *tc = tcase_create("dataset");
  tcase_add_checked_fixture(tc, make_cache, remove_cache);
  tcase_set_timeout(tc, 300); /* reading Fashion-MNIST under sanitizers */
  tcase_add_test(tc, npy_versions_dtypes_endianness);
  tcase_add_test(tc, labels_every_dtype);
  tcase_add_test(tc, idx_files);
  tcase_add_test(tc, compressed_by_content);
  tcase_add_test(tc, compressed_without_cache_dir);
  tcase_add_test(tc, read_bounds);
  tcase_add_test(tc, concurrent_threads_and_forked_children);
  tcase_add_loop_test(tc, bad_inputs, 0, (int)(sizeof bad_cases / sizeof bad_cases[0]));
  tcase_add_test(tc, symlink_and_missing_refused);
  tcase_add_test(tc, write_then_numpy_reads_it);
  tcase_add_test(tc, load_f32_any_format);
  tcase_add_test(tc, fashion_mnist);
  suite_add_tcase(s, tc);
  return s;
}

int main(void) {
  python = getenv("DEBIAN_PYTHON3");
  const char *top = getenv("TOP_SRCDIR");
  if (!python || !*python)
    python = "/usr/bin/python3";
  if (!top || access(python, X_OK) != 0) {
    fprintf(stderr, "skip: needs TOP_SRCDIR and Debian's python3 with numpy\n");
    return 77;
  }
  char *probe[] = {(char *)python, "-c", "import numpy", NULL};
  if (run(probe) != 0) {
    fprintf(stderr, "skip: %s has no numpy (apt-get install python3-numpy)\n", python);
    return 77;
  }
  const char *tmp = getenv("TMPDIR");
  snprintf(fixtures, sizeof fixtures, "%s/mg-dataset-test.XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(fixtures)) {
    perror("mkdtemp");
    return 99;
  }
  char script[1024];
  snprintf(script, sizeof script, "%s/tests/data/make_fixtures.py", top);
  char *gen[] = {(char *)python, script, fixtures, NULL};
  if (run(gen) != 0) {
    fprintf(stderr, "make_fixtures.py failed\n");
    return 99;
  }
  int rc = mg_check_run(suite());
  char *rm[] = {"/bin/rm", "-rf", fixtures, NULL};
  run(rm);
  return rc;
}
