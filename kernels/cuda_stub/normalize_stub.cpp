#include "kernels/cuda_stub/stub.h"
#include "kernels/normalize/l2_normalize_cuda.h"

namespace kd {

template <class T>
void l2_normalize_forward_cuda(const T*, T*, double*, int64_t, int64_t, double) {
  built_without_cuda("l2_normalize_forward_cuda");
}
template <class T>
void l2_normalize_backward_cuda(const T*, const double*, const T*, T*, int64_t, int64_t, double) {
  built_without_cuda("l2_normalize_backward_cuda");
}

KD_L2_NORMALIZE_CUDA_INSTANCES(float)
KD_L2_NORMALIZE_CUDA_INSTANCES(double)

}  // namespace kd
