#pragma once
// PTX wrappers of design E (its mbarriers and bulk copies: variants/cuda/async_copy.cuh): the consumers' named
// barrier and the int8 wgmma (A from registers, B from shared memory through a matrix descriptor). sm_90a only: the
// callers compile them where __CUDA_ARCH_FEAT_SM90_ALL is defined.
#include "variants/cuda/async_copy.cuh"  // mbarriers, bulk copies
#include "variants/cuda/mma/ptx.cuh"    // mma16816, fp16 packing, gather_channel
#include "variants/cuda/wgmma/config.cuh"

namespace pb::cuda::wgmma {

// Generic-proxy writes to shared memory made visible to the async proxy (wgmma reads through it).
__device__ __forceinline__ void fence_proxy_async() { asm volatile("fence.proxy.async.shared::cta;\n" ::: "memory"); }

// The consumer warpgroup's own barrier (id 1): the producer warp never waits on it.
__device__ __forceinline__ void consumers_sync() { asm volatile("bar.sync 1, %0;\n" ::"n"(kConsumers) : "memory"); }

// Pins a register's definition to this point of the program (nvcc moves no instruction on it across the asm).
__device__ __forceinline__ void fence_operand(int& r) { asm volatile("" : "+r"(r)::"memory"); }
__device__ __forceinline__ void fence_operand(unsigned& r) { asm volatile("" : "+r"(r)::"memory"); }

__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;\n" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;\n" ::: "memory"); }
// Waits until at most N of this warpgroup's committed wgmma groups are still in flight.
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;\n" ::"n"(N) : "memory");
}

// Shared-memory matrix descriptor, no swizzle: core matrices of 8 rows x 16 bytes (128 contiguous bytes); lbo the
// byte distance between core matrices adjacent in K, sbo between those adjacent in M/N (PTX ISA, "Matrix
// Descriptor Format": 14-bit fields of byte offsets >> 4).
__device__ __forceinline__ uint64_t smem_desc(const void* p, uint32_t lbo, uint32_t sbo) {
  const uint64_t a = smem_addr(p);
  return ((a & 0x3FFFF) >> 4) | uint64_t((lbo & 0x3FFFF) >> 4) << 16 | uint64_t((sbo & 0x3FFFF) >> 4) << 32;
}

// D (64 x 48, s32) (+)= A (64 x 32, s8, registers) x B (32 x 48, u8, shared memory, K-major): the 48 columns of B
// are a chunk's 16 source rows of each of the three channels, so that one wgmma serves all three.
__device__ __forceinline__ void wgmma_s8u8_n48(int (&d)[24], const uint4& a, uint64_t bdesc, int accumulate) {
  asm volatile(
      "{\n"
      ".reg .pred p;\n"
      "setp.ne.b32 p, %29, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n48k32.s32.s8.u8 {%0,%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,%15,%16,%17,%18,%19,%20,%21,%22,%23}, {%24,%25,%26,%27}, %28, p;\n"
      "}\n"
      : "+r"(d[0]), "+r"(d[1]), "+r"(d[2]), "+r"(d[3]), "+r"(d[4]), "+r"(d[5]), "+r"(d[6]), "+r"(d[7]), "+r"(d[8]), "+r"(d[9]), "+r"(d[10]), "+r"(d[11]), "+r"(d[12]), "+r"(d[13]), "+r"(d[14]), "+r"(d[15]), "+r"(d[16]), "+r"(d[17]), "+r"(d[18]), "+r"(d[19]), "+r"(d[20]), "+r"(d[21]), "+r"(d[22]), "+r"(d[23])
      : "r"(a.x), "r"(a.y), "r"(a.z), "r"(a.w), "l"(bdesc), "r"(accumulate));
}

}  // namespace pb::cuda::wgmma
