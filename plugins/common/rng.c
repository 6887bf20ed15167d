/* xoshiro256** (Blackman & Vigna), seeded through splitmix64. Chosen over
 * libc rand() for reproducibility across platforms and libc versions. */
#include <math.h>

#include "mgd.h"

static uint64_t splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void mgd_rng_seed(mgd_rng *r, uint64_t seed, const char *stream) {
  uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a of the stream name */
  for (const char *c = stream ? stream : ""; *c; c++)
    h = (h ^ (unsigned char)*c) * 0x100000001b3ULL;
  uint64_t x = seed ^ h;
  for (int i = 0; i < 4; i++)
    r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

uint64_t mgd_rng_next(mgd_rng *r) {
  uint64_t *s = r->s;
  uint64_t result = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return result;
}

double mgd_rng_uniform(mgd_rng *r) {
  return (double)(mgd_rng_next(r) >> 11) * 0x1.0p-53;
}

uint64_t mgd_rng_below(mgd_rng *r, uint64_t n) {
  if (n <= 1)
    return 0;
  uint64_t limit = UINT64_MAX - UINT64_MAX % n; /* reject the biased tail */
  uint64_t x;
  do
    x = mgd_rng_next(r);
  while (x >= limit);
  return x % n;
}

double mgd_rng_normal(mgd_rng *r) {
  double u = mgd_rng_uniform(r), v = mgd_rng_uniform(r);
  if (u < 1e-300)
    u = 1e-300;
  return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

void mgd_rng_shuffle(mgd_rng *r, uint64_t *v, size_t n) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)mgd_rng_below(r, i);
    uint64_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}
