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

#define KD_INSTANTIATE(T)                                                                                          \
  template void cross_entropy_forward_cuda<T>(const T*, const int64_t*, double*, double*, T*, int64_t, int64_t);  \
  template void cross_entropy_backward_cuda<T>(const T*, const int64_t*, const double*, const T*, T*, int64_t,    \
                                               int64_t);                                                          \
  template void kl_div_forward_cuda<T>(const T*, const T*, double*, T*, int64_t, int64_t);                        \
  template void kl_div_backward_cuda<T>(const T*, const T*, const T*, T*, T*, int64_t, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

int64_t first_bad_label_cuda(const int64_t*, int64_t, int64_t, int64_t*) {
  built_without_cuda("first_bad_label_cuda");
}

}  // namespace kd
