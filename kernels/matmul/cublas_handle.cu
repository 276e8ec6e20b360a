#include "kernels/matmul/cublas_handle.h"

#include "engine/cuda/device_handles.h"
#include "kernels/matmul/tf32.h"

namespace kd {

const char* cublas_status_name(cublasStatus_t s) {
  switch (s) {
    case CUBLAS_STATUS_SUCCESS: return "CUBLAS_STATUS_SUCCESS";
    case CUBLAS_STATUS_NOT_INITIALIZED: return "CUBLAS_STATUS_NOT_INITIALIZED";
    case CUBLAS_STATUS_ALLOC_FAILED: return "CUBLAS_STATUS_ALLOC_FAILED";
    case CUBLAS_STATUS_INVALID_VALUE: return "CUBLAS_STATUS_INVALID_VALUE";
    case CUBLAS_STATUS_ARCH_MISMATCH: return "CUBLAS_STATUS_ARCH_MISMATCH";
    case CUBLAS_STATUS_MAPPING_ERROR: return "CUBLAS_STATUS_MAPPING_ERROR";
    case CUBLAS_STATUS_EXECUTION_FAILED: return "CUBLAS_STATUS_EXECUTION_FAILED";
    case CUBLAS_STATUS_INTERNAL_ERROR: return "CUBLAS_STATUS_INTERNAL_ERROR";
    case CUBLAS_STATUS_NOT_SUPPORTED: return "CUBLAS_STATUS_NOT_SUPPORTED";
    case CUBLAS_STATUS_LICENSE_ERROR: return "CUBLAS_STATUS_LICENSE_ERROR";
    default: return "unknown cuBLAS status";
  }
}

cublasHandle_t cublas_handle() {
  // Leaked on purpose, handles and cache: see the header and engine/cuda/device_handles.h.
  static auto* handles = new cuda::PerDeviceHandles<cublasHandle_t>;
  cublasHandle_t h = handles->get([] {
    cublasHandle_t created = nullptr;
    KD_CUBLAS_CHECK(cublasCreate(&created));
    // Kernels all run on the default stream; the handle must too, so results are ordered.
    KD_CUBLAS_CHECK(cublasSetStream(created, nullptr));
    return created;
  });
  // Full float32 unless TF32 was allowed (kernels/matmul/tf32.h); a host-side setting, cheap
  // enough to apply on every call so a switch takes effect at once.
  KD_CUBLAS_CHECK(cublasSetMathMode(h, allow_tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
  return h;
}

}  // namespace kd
