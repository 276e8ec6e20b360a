#include "kernels/cuda_stub/stub.h"
#include "kernels/margin/margin_ce_cuda.h"
#include "kernels/margin/margin_cuda.h"

namespace kd {

template <class T>
void margin_forward_cuda(const T*, const int64_t*, T*, double*, int64_t, int64_t, const MarginParams&) {
  built_without_cuda("margin_forward_cuda");
}
template <class T>
void margin_backward_cuda(const int64_t*, const double*, const T*, T*, int64_t, int64_t, double) {
  built_without_cuda("margin_backward_cuda");
}
template <class T>
void margin_ce_forward_cuda(const T*, const int64_t*, double*, double*, T*, int64_t, int64_t, const MarginParams&) {
  built_without_cuda("margin_ce_forward_cuda");
}
template <class T>
void margin_ce_backward_cuda(const T*, const int64_t*, const double*, const T*, T*, int64_t, int64_t,
                             const MarginParams&) {
  built_without_cuda("margin_ce_backward_cuda");
}

KD_MARGIN_CUDA_INSTANCES(float)
KD_MARGIN_CUDA_INSTANCES(double)
KD_MARGIN_CE_CUDA_INSTANCES(float)
KD_MARGIN_CE_CUDA_INSTANCES(double)

}  // namespace kd
