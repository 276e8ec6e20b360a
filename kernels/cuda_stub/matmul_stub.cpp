#include "kernels/cuda_stub/stub.h"
#include "kernels/matmul/gemm_cuda.h"
#include "kernels/matmul/linear_cuda.h"

namespace kd {

template <class T>
void gemm_cuda(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, const T*, int64_t, T, T*, int64_t) {
  built_without_cuda("gemm_cuda");
}
template <class T>
void gemm_strided_batched_cuda(bool, bool, int64_t, int64_t, int64_t, T, const T*, int64_t, int64_t, const T*, int64_t,
                               int64_t, T, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("gemm_strided_batched_cuda");
}
template <class T>
void linear_bias_rows_cuda(const T*, T*, int64_t, int64_t) { built_without_cuda("linear_bias_rows_cuda"); }
template <class T>
void linear_bias_grad_cuda(const T*, T*, int64_t, int64_t) { built_without_cuda("linear_bias_grad_cuda"); }

KD_GEMM_CUDA_INSTANCES(float)
KD_GEMM_CUDA_INSTANCES(double)
KD_LINEAR_CUDA_INSTANCES(float)
KD_LINEAR_CUDA_INSTANCES(double)

void gemm_bf16_cuda(bool, bool, int64_t, int64_t, int64_t, float, const void*, int64_t, const void*, int64_t, float,
                    float*, int64_t) {
  built_without_cuda("gemm_bf16_cuda");
}

}  // namespace kd
