/* A one-line progress meter on stderr for long steps. It is drawn only
 * when stderr is a terminal and -q was not given, at most ten times a
 * second, and erased when the step ends. */
#ifndef MG_PROGRESS_H
#define MG_PROGRESS_H

#include <stdint.h>

typedef struct mg_progress {
  const char *label;
  uint64_t total; /* 0 when unknown */
  uint64_t done;
  int is_bytes;   /* format as MiB rather than a count */
  double started; /* monotonic seconds */
  double drawn;   /* last redraw */
} mg_progress;

/* Decided once by main(): isatty(2) && !quiet. */
extern int mg_progress_enabled;

void mg_progress_begin(mg_progress *p, const char *label, uint64_t total, int is_bytes);
void mg_progress_update(mg_progress *p, uint64_t done);
void mg_progress_end(mg_progress *p);
double mg_now(void); /* monotonic seconds */

#endif
