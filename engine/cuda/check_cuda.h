#pragma once
// Every CUDA runtime call and every launch is checked; the message carries file:line.
#include <cuda_runtime.h>

#include "engine/check.h"

#define KD_CUDA_CHECK(expr)                                                                 \
  do {                                                                                      \
    cudaError_t kd_err_ = (expr);                                                           \
    if (kd_err_ != cudaSuccess)                                                             \
      ::kd::throw_error(__FILE__, __LINE__, ::kd::str(#expr, ": ", cudaGetErrorString(kd_err_))); \
  } while (0)

// After a <<<>>> launch: catches bad configurations at once (and faults, in debug builds).
#ifdef KDFACE_SYNC_LAUNCHES
#define KD_CUDA_LAUNCH_CHECK() KD_CUDA_CHECK(cudaDeviceSynchronize())
#else
#define KD_CUDA_LAUNCH_CHECK() KD_CUDA_CHECK(cudaGetLastError())
#endif
