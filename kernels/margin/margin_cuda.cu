#include "kernels/margin/margin_cuda.h"

#include "engine/cuda/common.cuh"
#include "kernels/margin/margin_target.h"

namespace kd {
namespace {
using namespace cuda;

// One thread per element; the thread holding a row's target entry also writes dtarget, so
// every output is written exactly once.
template <class T>
__global__ void margin_forward_kernel(const T* __restrict__ cs, const int64_t* __restrict__ labels, T* __restrict__ y,
                                      double* __restrict__ dtarget, int64_t n, int64_t c, MarginKind kind, double s,
                                      double m) {
  KD_GRID_STRIDE(k, n * c) {
    const int64_t i = k / c;
    if (k - i * c == labels[i]) {
      double dt;
      y[k] = T(s * margin_target_value(double(cs[k]), kind, m, &dt));
      dtarget[i] = dt;
    } else {
      y[k] = T(s * double(cs[k]));
    }
  }
}

template <class T>
__global__ void margin_backward_kernel(const int64_t* __restrict__ labels, const double* __restrict__ dtarget,
                                       const T* __restrict__ gy, T* __restrict__ gcos, int64_t n, int64_t c,
                                       double s) {
  KD_GRID_STRIDE(k, n * c) {
    const int64_t i = k / c;
    gcos[k] = k - i * c == labels[i] ? T(s * dtarget[i] * double(gy[k])) : T(s * double(gy[k]));
  }
}

}  // namespace

template <class T>
void margin_forward_cuda(const T* cos, const int64_t* labels, T* y, double* dtarget, int64_t n, int64_t c,
                         const MarginParams& p) {
  if (n * c == 0) return;
  KD_LAUNCH(margin_forward_kernel<T>, grid_for(n * c), kThreads, 0, cos, labels, y, dtarget, n, c, p.kind, p.s, p.m);
}

template <class T>
void margin_backward_cuda(const int64_t* labels, const double* dtarget, const T* gy, T* gcos, int64_t n, int64_t c,
                          double s) {
  if (n * c == 0) return;
  KD_LAUNCH(margin_backward_kernel<T>, grid_for(n * c), kThreads, 0, labels, dtarget, gy, gcos, n, c, s);
}

KD_MARGIN_CUDA_INSTANCES(float)
KD_MARGIN_CUDA_INSTANCES(double)

}  // namespace kd
