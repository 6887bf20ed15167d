/* The MM-BD decision: is one class's maximum margin anomalously large next
 * to the other classes'? A leave-one-out robust z of the log-margins, with
 * the family-wise p-value of the largest of K simulated for the model's
 * actual number of classes. */
#ifndef MM_DECIDE_H
#define MM_DECIDE_H

#include <stddef.h>
#include <stdint.h>

/* Below this many classes the others are too few to estimate a spread. */
#define MM_MIN_CLASSES 4
/* Family-wise level: the chance that a clean model gets any flag. */
#define MM_ALPHA 0.05

typedef struct mm_decision {
  size_t k;
  double *log_margin; /* per class */
  double *z;          /* per class: robust z against the others (median, MAD) */
  double *p;          /* per class: family-wise p of z (largest of k) */
  double *ratio;      /* per class: margin / median of the other margins */
  size_t top;         /* class with the largest margin */
  size_t n_flagged;   /* classes with p <= MM_ALPHA and z > 0 */
  int *flagged;       /* per class */
} mm_decision;

int mm_decide(const double *margin, size_t k, uint64_t seed, mm_decision *d);
void mm_decision_free(mm_decision *d);

#endif
