// torch.optim.SGD's update on the device: the same arithmetic as sgd_update_cpu, element by
// element, in the parameter's dtype with the coefficients rounded to it first.
#include <algorithm>

#include "engine/cuda/check_cuda.h"
#include "engine/optim/sgd.h"

namespace kd {
namespace {

template <class T>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int64_t n, T lr,
                           T mom, T damp1, T wd, bool use_wd, bool use_mom, bool nesterov, bool first) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
    T d = g[i];
    if (use_wd) d = d + wd * p[i];
    if (use_mom) {
      T b = first ? d : mom * buf[i] + damp1 * d;
      buf[i] = b;
      d = nesterov ? d + mom * b : b;
    }
    p[i] = p[i] - lr * d;
  }
}

}  // namespace

template <class T>
void sgd_update_cuda(T* p, const T* g, T* buf, int64_t n, const SGDHyper& h, bool first) {
  if (n == 0) return;
  const int threads = 256;
  const int64_t blocks = std::min<int64_t>((n + threads - 1) / threads, 4096);
  sgd_kernel<T><<<unsigned(blocks), threads>>>(p, g, buf, n, T(h.lr), T(h.momentum), T(1.0 - h.dampening),
                                                T(h.weight_decay), h.weight_decay != 0.0, h.momentum != 0.0,
                                                h.nesterov, first);
  KD_CUDA_LAUNCH_CHECK();
}

template void sgd_update_cuda<float>(float*, const float*, float*, int64_t, const SGDHyper&, bool);
template void sgd_update_cuda<double>(double*, const double*, double*, int64_t, const SGDHyper&, bool);

}  // namespace kd
