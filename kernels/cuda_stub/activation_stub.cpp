#include "kernels/activation/activation_cuda.h"
#include "kernels/cuda_stub/stub.h"

namespace kd {

template <class T>
void relu_forward_cuda(const T*, T*, int64_t) { built_without_cuda("relu_forward_cuda"); }
template <class T>
void add_relu_forward_cuda(const T*, const T*, T*, int64_t) { built_without_cuda("add_relu_forward_cuda"); }
template <class T>
void relu_backward_cuda(const T*, const T*, T*, int64_t) { built_without_cuda("relu_backward_cuda"); }
template <class T>
void sigmoid_forward_cuda(const T*, T*, int64_t) { built_without_cuda("sigmoid_forward_cuda"); }
template <class T>
void sigmoid_backward_cuda(const T*, const T*, T*, int64_t) { built_without_cuda("sigmoid_backward_cuda"); }
template <class T>
void prelu_forward_cuda(const T*, const T*, T*, int64_t, int64_t, int64_t) { built_without_cuda("prelu_forward_cuda"); }
template <class T>
void prelu_backward_cuda(const T*, const T*, const T*, T*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("prelu_backward_cuda");
}

KD_ACTIVATION_CUDA_INSTANCES(float)
KD_ACTIVATION_CUDA_INSTANCES(double)

}  // namespace kd
