#include "kernels/cuda_stub/stub.h"
#include "kernels/dropout/dropout_cuda.h"

namespace kd {

template <class T>
void dropout_apply_cuda(const T*, T*, int64_t, double, uint64_t) {
  built_without_cuda("dropout_apply_cuda");
}

KD_DROPOUT_CUDA_INSTANCES(float)
KD_DROPOUT_CUDA_INSTANCES(double)

}  // namespace kd
