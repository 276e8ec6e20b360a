#include "kernels/cuda_stub/stub.h"
#include "kernels/softmax/softmax_cuda.h"

namespace kd {

template <class T>
void softmax_forward_cuda(const T*, T*, int64_t, int64_t, double, bool) { built_without_cuda("softmax_forward_cuda"); }
template <class T>
void softmax_backward_cuda(const T*, const T*, T*, int64_t, int64_t, double) {
  built_without_cuda("softmax_backward_cuda");
}
template <class T>
void log_softmax_backward_cuda(const T*, const T*, T*, int64_t, int64_t, double) {
  built_without_cuda("log_softmax_backward_cuda");
}

KD_SOFTMAX_CUDA_INSTANCES(float)
KD_SOFTMAX_CUDA_INSTANCES(double)

}  // namespace kd
