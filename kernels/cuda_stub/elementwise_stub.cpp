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

KD_ELEMENTWISE_CUDA_INSTANCES(float)
KD_ELEMENTWISE_CUDA_INSTANCES(double)

}  // namespace kd
