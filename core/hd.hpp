#pragma once
// Functions shared by host code and CUDA kernels. core/ stays pure C++17: the macro is empty outside nvcc.
#if defined(__CUDACC__)
#define PB_HD __host__ __device__ __forceinline__
#else
#define PB_HD inline
#endif
