/* mg-text-intake: the host's text intake alone, timed. Reads a text
 * dataset exactly as a scan does (stream, decompress, parse, map, cache in
 * a fresh directory, map read-only), then reads every row back through the
 * text_read service in batches as a plugin would, and prints rows/s, MiB/s
 * and peak RSS. bench/text-intake/run.sh compares it with a peer.
 *
 *   mg-text-intake FILE [FORMAT]      (FORMAT: jsonl, csv, tsv, json) */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/progress.h"
#include "text/text_env.h"

#define BATCH 1024

static void usage(void) {
  fprintf(stderr, "usage: mg-text-intake FILE [jsonl|csv|tsv|json]\n");
  exit(2);
}

int main(int argc, char **argv) {
  if (argc < 2 || argc > 3)
    usage();
  mg_limits lim;
  mg_limits_default(&lim);
  mg_text_options o = {0};
  if (argc == 3 && mg_text_format_parse(argv[2], &o.format))
    usage();
  char dir[] = "/tmp/mg-text-intake.XXXXXX";
  const char *tmp = getenv("TMPDIR");
  char *cache = NULL;
  if (tmp && asprintf(&cache, "%s/mg-text-intake.XXXXXX", tmp) < 0)
    return 2;
  if (!mkdtemp(cache ? cache : dir)) {
    perror("mkdtemp");
    return 2;
  }
  const char *cdir = cache ? cache : dir;
  mg_err err;
  mg_err_clear(&err);
  mg_text_env te = {0};
  double t0 = mg_now();
  int rc = mg_text_env_add(&te, "train", argv[1], argv[1], 0, &o, cdir, &lim, &err);
  double t1 = mg_now();
  if (rc) {
    fprintf(stderr, "mg-text-intake: %s\n", err.msg);
    rmdir(cdir);
    return 2;
  }
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  long rss_intake = ru.ru_maxrss;
  const mg_text_dataset *d = &te.sets[0].ds;
  /* One pass over every row through the service, as a plugin reads. */
  mg_text_row *rows = calloc(BATCH, sizeof *rows);
  uint64_t chars = 0;
  for (uint64_t at = 0; rows && at < d->rows; at += BATCH) {
    uint64_t n = d->rows - at < BATCH ? d->rows - at : BATCH;
    for (uint64_t k = 0; k < n; k++)
      rows[k].struct_size = sizeof rows[k];
    if (mg_text_env_read(&te, 0, at, n, rows) != MG_OK) {
      fprintf(stderr, "mg-text-intake: text_read failed at row %" PRIu64 "\n", at);
      return 2;
    }
    for (uint64_t k = 0; k < n; k++) {
      const char *f[] = {rows[k].text,   rows[k].label,    rows[k].instruction,
                         rows[k].input,  rows[k].output,   rows[k].prompt,
                         rows[k].chosen, rows[k].rejected, rows[k].annotator};
      for (int j = 0; j < 9; j++)
        chars += f[j] ? strlen(f[j]) : 0;
    }
  }
  double t2 = mg_now();
  getrusage(RUSAGE_SELF, &ru);
  double secs = t1 - t0, mib = (double)d->bytes / 1048576.0;
  printf("file               %s (%s%s%s, %s)\n", argv[1], mg_text_format_name(d->format),
         d->filter[0] ? ", " : "", d->filter, mg_text_kind_name(d->kind));
  printf("rows               %" PRIu64 " (%" PRIu64 " bad), %.1f MiB decompressed\n", d->rows,
         d->bad_rows, mib);
  printf("intake             %.2f s: %.0f rows/s, %.1f MiB/s\n", secs, (double)d->rows / secs,
         mib / secs);
  printf("read back          %.2f s: every row through text_read (%" PRIu64 " bytes of text)\n",
         t2 - t1, chars);
  printf("cache              %.1f MiB row table + %.1f MiB strings\n",
         (double)d->cache.rows_map_len / 1048576.0, (double)d->cache.arena_map_len / 1048576.0);
  printf("peak RSS           %.1f MiB after the intake, %.1f MiB after reading every row (the "
         "mapped cache's pages)\n",
         (double)rss_intake / 1024.0, (double)ru.ru_maxrss / 1024.0);
  free(rows);
  mg_text_env_free(&te);
  rmdir(cdir);
  free(cache);
  return 0;
}
