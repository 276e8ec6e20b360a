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

#define KD_INSTANTIATE(T)                                                                              \
  template void l2_normalize_forward_cuda<T>(const T*, T*, double*, int64_t, int64_t, double);         \
  template void l2_normalize_backward_cuda<T>(const T*, const double*, const T*, T*, int64_t, int64_t, double);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
