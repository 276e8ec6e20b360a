#pragma once
// The cuBLAS handle of the current device, created on first use and kept for the process
// (destroying it at exit races the CUDA runtime's own teardown). Only for .cu files.
#include <cublas_v2.h>

#include "engine/check.h"

namespace kd {

cublasHandle_t cublas_handle();
const char* cublas_status_name(cublasStatus_t s);

}  // namespace kd

#define KD_CUBLAS_CHECK(expr)                                                                      \
  do {                                                                                             \
    cublasStatus_t kd_st_ = (expr);                                                                \
    if (kd_st_ != CUBLAS_STATUS_SUCCESS)                                                           \
      ::kd::throw_error(__FILE__, __LINE__, ::kd::str(#expr, ": ", ::kd::cublas_status_name(kd_st_))); \
  } while (0)
