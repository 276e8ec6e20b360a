#include "kernels/cuda_stub/stub.h"
#include "kernels/reduce/reduce_cuda.h"

namespace kd {

template <class T>
void sum_all_cuda(const T*, int64_t, double, double, double*, T*) { built_without_cuda("sum_all_cuda"); }
template <class T>
void fill_scaled_cuda(T*, int64_t, const T*, double) { built_without_cuda("fill_scaled_cuda"); }
template <class T>
void sum_dim_forward_cuda(const T*, T*, int64_t, int64_t, int64_t, double) {
  built_without_cuda("sum_dim_forward_cuda");
}
template <class T>
void sum_dim_backward_cuda(const T*, T*, int64_t, int64_t, int64_t, double) {
  built_without_cuda("sum_dim_backward_cuda");
}

KD_REDUCE_CUDA_INSTANCES(float)
KD_REDUCE_CUDA_INSTANCES(double)

}  // namespace kd
