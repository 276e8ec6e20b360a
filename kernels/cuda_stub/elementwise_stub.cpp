#include "kernels/cuda_stub/stub.h"
#include "kernels/elementwise/elementwise_cuda.h"

namespace kd {

template <class T>
void binary_forward_cuda(const BroadcastDims&, const T*, const T*, T*, BinaryOp) {
  built_without_cuda("binary_forward_cuda");
}
template <class T>
void binary_backward_cuda(const BroadcastDims&, const T*, const T*, T, T*, int64_t) {
  built_without_cuda("binary_backward_cuda");
}
template <class T>
void affine_cuda(const T*, T*, int64_t, double, double) { built_without_cuda("affine_cuda"); }
template <class T>
void square_forward_cuda(const T*, T*, int64_t) { built_without_cuda("square_forward_cuda"); }
template <class T>
void square_backward_cuda(const T*, const T*, T*, int64_t) { built_without_cuda("square_backward_cuda"); }

#define KD_INSTANTIATE(T)                                                                        \
  template void binary_forward_cuda<T>(const BroadcastDims&, const T*, const T*, T*, BinaryOp);  \
  template void binary_backward_cuda<T>(const BroadcastDims&, const T*, const T*, T, T*, int64_t); \
  template void affine_cuda<T>(const T*, T*, int64_t, double, double);                           \
  template void square_forward_cuda<T>(const T*, T*, int64_t);                                   \
  template void square_backward_cuda<T>(const T*, const T*, T*, int64_t);
KD_INSTANTIATE(float)
KD_INSTANTIATE(double)
#undef KD_INSTANTIATE

}  // namespace kd
