#pragma once
// Every CUDA runtime call is checked; the message carries file:line.
#include <cuda_runtime.h>

#include "engine/check.h"

#define KD_CUDA_CHECK(expr)                                                                 \
  do {                                                                                      \
    cudaError_t kd_err_ = (expr);                                                           \
    if (kd_err_ != cudaSuccess)                                                             \
      ::kd::throw_error(__FILE__, __LINE__, ::kd::str(#expr, ": ", cudaGetErrorString(kd_err_))); \
  } while (0)

// Launches are checked by KD_LAUNCH (engine/cuda/launch.cuh).
