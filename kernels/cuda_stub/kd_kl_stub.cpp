#include "kernels/cuda_stub/stub.h"
#include "kernels/kd_kl/kd_kl_cuda.h"

namespace kd {

template <class T>
void kd_kl_forward_cuda(const T*, const T*, double, double, double*, double*, double*, T*, int64_t, int64_t) {
  built_without_cuda("kd_kl_forward_cuda");
}
template <class T>
void kd_kl_backward_cuda(const T*, const T*, double, const double*, const double*, const T*, double, T*, int64_t,
                         int64_t) {
  built_without_cuda("kd_kl_backward_cuda");
}

KD_KD_KL_CUDA_INSTANCES(float)
KD_KD_KL_CUDA_INSTANCES(double)

}  // namespace kd
