/* libFuzzer harness for a whole dataset file: the input is written to a
 * temporary file and opened as images (and, when it is a 1-d array, as the
 * labels of a matching images file), every row is read back, and the same
 * file goes through mg_array_load_f32. Compressed inputs exercise the
 * libarchive path; dataset-bytes is small so bombs stop quickly. */
#include "config.h"

#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data/array_file.h"
#include "data/dataset.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64], input[128], images[128];
static mg_limits lim;

static void put(const char *path, const void *p, size_t n) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0 || (n && write(fd, p, n) != (ssize_t)n))
    abort();
  close(fd);
}

static void check_err(const mg_err *err, int rc, const char *name) {
  if (err->code != rc || !strstr(err->msg, name) || strchr(err->msg, '\n'))
    abort();
}

static void read_all(const mg_dataset *d) {
  uint32_t c, h, w;
  mg_dataset_shape(d, &c, &h, &w);
  size_t row = (size_t)c * h * w;
  uint64_t n = mg_dataset_count(d);
  if (row > (1u << 22))
    return;
  float *x = malloc(row * 4 * sizeof *x);
  int32_t y[4];
  for (uint64_t r = 0; r < n; r += 4) {
    mg_err err;
    mg_err_clear(&err);
    uint64_t k = n - r < 4 ? n - r : 4;
    if (mg_dataset_read(d, r, k, 0.5f, x, mg_dataset_has_labels(d) ? y : NULL, &err) != MG_OK)
      abort();
    for (uint64_t i = 0; mg_dataset_has_labels(d) && i < k; i++)
      if (y[i] < 0 || (uint32_t)y[i] >= mg_dataset_num_labels(d))
        abort();
  }
  mg_err err;
  mg_err_clear(&err);
  if (mg_dataset_read(d, n, 1, 1.0f, x, NULL, &err) != MG_ERR_ARGS)
    abort();
  free(x);
}

static void cleanup(void) {
  unlink(input);
  unlink(images);
  rmdir(dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!dir[0]) {
    snprintf(dir, sizeof dir, "/tmp/fuzz_dataset.XXXXXX");
    if (!mkdtemp(dir))
      abort();
    snprintf(input, sizeof input, "%s/input", dir);
    snprintf(images, sizeof images, "%s/images.idx", dir);
    mg_limits_default(&lim);
    lim.value[MG_LIMIT_DATASET_BYTES] = 1 << 20;
    atexit(cleanup);
  }
  put(input, data, size);
  mg_err err;
  mg_err_clear(&err);
  mg_dataset *d = NULL;
  int rc = mg_dataset_open(input, NULL, dir, &lim, &d, &err);
  if (rc == MG_OK) {
    read_all(d);
    mg_dataset_close(d);
  } else {
    check_err(&err, rc, input);
  }

  /* As labels: a 1-d array gets an images file with as many rows. */
  mg_array_header h;
  mg_err_clear(&err);
  if ((mg_npy_parse_header(data, size, "x", &lim, &h, &err) == MG_OK ||
       mg_idx_parse_header(data, size, "x", &h, &err) == MG_OK) &&
      h.ndim == 1 && h.dims[0] > 0 && h.dims[0] <= 4096) {
    uint8_t img[16 + 4096] = {0, 0, 8, 3};
    uint32_t n = (uint32_t)h.dims[0];
    uint8_t dims[12] = {n >> 24, n >> 16 & 0xff, n >> 8 & 0xff, n & 0xff, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(img + 4, dims, 12);
    put(images, img, 16 + n);
    mg_err_clear(&err);
    rc = mg_dataset_open(images, input, dir, &lim, &d, &err);
    if (rc == MG_OK) {
      read_all(d);
      mg_dataset_close(d);
    } else {
      check_err(&err, rc, input);
    }
  }

  float *all = NULL;
  mg_err_clear(&err);
  rc = mg_array_load_f32(input, &lim, &all, &h, &err);
  if (rc == MG_OK) {
    if (!all)
      abort();
    free(all);
  } else {
    check_err(&err, rc, input);
  }
  return 0;
}
