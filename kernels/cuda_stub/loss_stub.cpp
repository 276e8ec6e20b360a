#include "kernels/cuda_stub/stub.h"
#include "kernels/loss/labels_cuda.h"
#include "kernels/loss/loss_cuda.h"

namespace kd {

template <class T>
void cross_entropy_forward_cuda(const T*, const int64_t*, double*, double*, T*, int64_t, int64_t) {
  built_without_cuda("cross_entropy_forward_cuda");
}
template <class T>
void cross_entropy_backward_cuda(const T*, const int64_t*, const double*, const T*, T*, int64_t, int64_t) {
  built_without_cuda("cross_entropy_backward_cuda");
}
template <class T>
void kl_div_forward_cuda(const T*, const T*, double*, T*, int64_t, int64_t) {
  built_without_cuda("kl_div_forward_cuda");
}
template <class T>
void kl_div_backward_cuda(const T*, const T*, const T*, T*, T*, int64_t, int64_t) {
  built_without_cuda("kl_div_backward_cuda");
}

KD_CROSS_ENTROPY_CUDA_INSTANCES(float)
KD_CROSS_ENTROPY_CUDA_INSTANCES(double)
KD_KL_DIV_CUDA_INSTANCES(float)
KD_KL_DIV_CUDA_INSTANCES(double)

int64_t first_bad_label_cuda(const int64_t*, int64_t, int64_t, int64_t*) {
  built_without_cuda("first_bad_label_cuda");
}

}  // namespace kd
