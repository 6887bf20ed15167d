/* Throttled stderr progress meter. */
#include "config.h"

#include "progress.h"

#include <stdio.h>
#include <time.h>

int mg_progress_enabled;

double mg_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void draw(mg_progress *p, double now) {
  double secs = now - p->started;
  if (p->is_bytes) {
    double mib = (double)p->done / 1048576.0;
    double rate = secs > 0 ? mib / secs : 0;
    if (p->total)
      fprintf(stderr, "\r\033[K%s: %.0f/%.0f MiB (%.0f MiB/s)", p->label, mib,
              (double)p->total / 1048576.0, rate);
    else
      fprintf(stderr, "\r\033[K%s: %.0f MiB (%.0f MiB/s)", p->label, mib, rate);
  } else if (p->total) {
    fprintf(stderr, "\r\033[K%s: %llu/%llu (%.0f%%)", p->label, (unsigned long long)p->done,
            (unsigned long long)p->total, 100.0 * (double)p->done / (double)p->total);
  } else {
    fprintf(stderr, "\r\033[K%s: %llu", p->label, (unsigned long long)p->done);
  }
  fflush(stderr);
  p->drawn = now;
}

void mg_progress_begin(mg_progress *p, const char *label, uint64_t total, int is_bytes) {
  p->label = label;
  p->total = total;
  p->done = 0;
  p->is_bytes = is_bytes;
  p->started = mg_now();
  p->drawn = 0;
}

void mg_progress_update(mg_progress *p, uint64_t done) {
  p->done = done;
  if (!mg_progress_enabled)
    return;
  double now = mg_now();
  if (now - p->drawn >= 0.1 && now - p->started >= 0.3)
    draw(p, now);
}

void mg_progress_end(mg_progress *p) {
  if (mg_progress_enabled && p->drawn > 0) {
    fputs("\r\033[K", stderr);
    fflush(stderr);
  }
  p->drawn = 0;
}
