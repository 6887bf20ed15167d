/* The run-time cap on the kernels' instruction set (simd.h). */
#include "config.h"

#include "runtime/ops/simd.h"

#include <stdlib.h>
#include <string.h>

/* -1 until read; every thread computes the same value, so a relaxed
 * store and load suffice. */
static int simd_floor = -1;

int rt_simd_floor(void) {
  int v = __atomic_load_n(&simd_floor, __ATOMIC_RELAXED);
  if (v >= 0)
    return v;
  const char *cap = getenv("MG_RUNTIME_SIMD");
  v = 0;
#ifdef RT_SIMD_X86
  if (cap && !strcmp(cap, "avx2"))
    v = 1;
#endif
  if (cap && !strcmp(cap, "generic"))
    v = RT_SIMD_VARIANTS - 1;
  __atomic_store_n(&simd_floor, v, __ATOMIC_RELAXED);
  return v;
}
