/* What the runtime's hand-vectorised kernels (conv_direct.c,
 * gemm_packed.c) share: GCC vector types, the instruction sets a kernel
 * is compiled for and the run-time test of which this CPU has. Debian
 * builds for baseline x86-64, so each kernel is compiled once per
 * instruction set (a *_kernel.h template included several times) and the
 * best usable one is picked per call. */
#ifndef MG_RT_SIMD_H
#define MG_RT_SIMD_H

#include <stdint.h>

typedef float v4f __attribute__((vector_size(16)));
typedef float v8f __attribute__((vector_size(32)));
typedef float v16f __attribute__((vector_size(64)));
typedef int32_t v4si __attribute__((vector_size(16)));
typedef int32_t v8si __attribute__((vector_size(32)));
typedef int32_t v16si __attribute__((vector_size(64)));

/* Pastes names inside the kernel templates. */
#define KCAT(a, b) KCAT_(a, b)
#define KCAT_(a, b) a##b

/* The kernel variants, best first; every kernel file lists its
 * instances in this order. The last runs on any CPU. */
#if defined(__x86_64__) && defined(__GNUC__)
#define RT_SIMD_X86 1
#define RT_SIMD_VARIANTS 3 /* AVX-512 (F), AVX2 + FMA, baseline */
#else
#define RT_SIMD_VARIANTS 1 /* baseline */
#endif

/* Whether this CPU runs variant v. */
static inline int rt_simd_usable(int v) {
#ifdef RT_SIMD_X86
  if (v == 0)
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  if (v == 1)
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
  return v == RT_SIMD_VARIANTS - 1;
}

/* The lowest variant number MG_RUNTIME_SIMD allows ("avx2" or "generic"
 * caps the kernels below AVX-512, to measure what a CPU without it runs;
 * unset or anything else, no cap), read once. */
int rt_simd_floor(void);

/* The best variant this CPU runs, within MG_RUNTIME_SIMD's cap. */
static inline int rt_simd_best(void) {
  int v = rt_simd_floor();
  while (!rt_simd_usable(v))
    v++;
  return v;
}

/* A kernel's table of its instances, named P_avx512, P_avx2 and
 * P_generic, in rt_simd_usable's order. */
#ifdef RT_SIMD_X86
#define RT_SIMD_TABLE(P)                                                                           \
  { P##_avx512, P##_avx2, P##_generic }
#else
#define RT_SIMD_TABLE(P)                                                                           \
  { P##_generic }
#endif
/* Function attributes of each instance. */
#define RT_SIMD_AVX512 __attribute__((target("avx512f,fma")))
#define RT_SIMD_AVX2 __attribute__((target("avx2,fma")))

#endif
