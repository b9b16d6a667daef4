#pragma once
// PTX wrappers and bit tricks of the tensor-core design: the m16n8k16 MMA, ldmatrix, fp16 packing, uint8 -> fp16
// widening, byte gathers.
#include <cuda_fp16.h>

#include "variants/cuda/mma/config.cuh"

namespace pb::cuda::mma {

__device__ __forceinline__ void mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0, uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0,%1,%2,%3}, {%4,%5,%6,%7}, {%8,%9}, {%0,%1,%2,%3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

__device__ __forceinline__ void ldsm_x4(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ void ldsm_x4_trans(uint32_t (&r)[4], const void* p) {
  const unsigned a = static_cast<unsigned>(__cvta_generic_to_shared(p));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0,%1,%2,%3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"(a) : "memory");
}

__device__ __forceinline__ uint32_t as_u32(__half2 h) { return *reinterpret_cast<uint32_t*>(&h); }
__device__ __forceinline__ __half2 as_h2(uint32_t u) { return *reinterpret_cast<__half2*>(&u); }

// Four uint8 (one word) to four fp16: prmt builds 0x64XX = 1024 + XX, the subtraction is exact.
__device__ __forceinline__ uint2 widen4(uint32_t v) {
  const __half2 k1024 = as_h2(0x64006400u);
  const uint32_t lo = __byte_perm(v, 0x64646464u, 0x4140), hi = __byte_perm(v, 0x64646464u, 0x4342);
  return make_uint2(as_u32(__hsub2(as_h2(lo), k1024)), as_u32(__hsub2(as_h2(hi), k1024)));
}

// Channel c's bytes 3k + c (k = 0..3) of three words holding four interleaved RGB pixels.
__device__ __forceinline__ uint32_t gather_channel(const uint32_t* w, int c) {
  return c == 0 ? __byte_perm(__byte_perm(w[0], w[1], 0x0630), w[2], 0x5210)    // bytes 0, 3, 6, 9
         : c == 1 ? __byte_perm(__byte_perm(w[0], w[1], 0x0741), w[2], 0x6210)  // bytes 1, 4, 7, 10
                  : __byte_perm(__byte_perm(w[0], w[1], 0x0052), w[2], 0x7410); // bytes 2, 5, 8, 11
}

// N words from byte address a, read as N + 1 aligned words realigned by prmt.
template <int N>
__device__ __forceinline__ void realigned_words(uintptr_t a, uint32_t* out) {
  const uint32_t* w = reinterpret_cast<const uint32_t*>(a & ~uintptr_t(3));
  const unsigned sel = 0x3210u + 0x1111u * unsigned(a & 3);
  uint32_t prev = __ldg(w);
#pragma unroll
  for (int i = 0; i < N; ++i) {
    const uint32_t next = __ldg(w + i + 1);
    out[i] = __byte_perm(prev, next, sel);
    prev = next;
  }
}

// N words from shared-memory byte p (any alignment), read as N + 1 aligned words realigned by prmt.
template <int N>
__device__ __forceinline__ void realigned_smem(const uint8_t* p, uint32_t* out) {
  const int o = int(reinterpret_cast<uintptr_t>(p) & 3);
  const uint32_t* w = reinterpret_cast<const uint32_t*>(p - o);
  const unsigned sel = 0x3210u + 0x1111u * unsigned(o);
  uint32_t prev = w[0];
#pragma unroll
  for (int k = 0; k < N; ++k) {
    const uint32_t next = w[k + 1];
    out[k] = __byte_perm(prev, next, sel);
    prev = next;
  }
}

}  // namespace pb::cuda::mma
