#include "kernels/cuda_stub/stub.h"
#include "kernels/dropout/dropout_cuda.h"

namespace kd {

template <class T>
void dropout_apply_cuda(const T*, T*, int64_t, double, uint64_t) {
  built_without_cuda("dropout_apply_cuda");
}

template void dropout_apply_cuda<float>(const float*, float*, int64_t, double, uint64_t);
template void dropout_apply_cuda<double>(const double*, double*, int64_t, double, uint64_t);

}  // namespace kd
