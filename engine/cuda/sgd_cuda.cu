// torch.optim.SGD's update on the device: the same arithmetic as sgd_update_cpu, element by
// element, in the parameter's dtype with the coefficients rounded to it first.
#include "engine/cuda/common.cuh"
#include "engine/optim/sgd.h"

namespace kd {
namespace {
using namespace cuda;

// mul_rn / add_rn / sub_rn (engine/cuda/rounding.cuh): nvcc would contract a * b + c into an
// fma, which does not round as the CPU rule does.
template <class T>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int64_t n, T lr,
                           T mom, T damp1, T wd, bool use_wd, bool use_mom, bool nesterov, bool first) {
  KD_GRID_STRIDE(i, n) {
    T d = g[i];
    if (use_wd) d = add_rn(d, mul_rn(wd, p[i]));
    if (use_mom) {
      T b = first ? d : add_rn(mul_rn(mom, buf[i]), mul_rn(damp1, d));
      buf[i] = b;
      d = nesterov ? add_rn(d, mul_rn(mom, b)) : b;
    }
    p[i] = sub_rn(p[i], mul_rn(lr, d));
  }
}

}  // namespace

template <class T>
void sgd_update_cuda(T* p, const T* g, T* buf, int64_t n, const SGDHyper& h, bool first) {
  if (n == 0) return;
  KD_LAUNCH(sgd_kernel<T>, grid_for(n), kThreads, 0, p, g, buf, n, T(h.lr), T(h.momentum), T(1.0 - h.dampening),
            T(h.weight_decay), h.weight_decay != 0.0, h.momentum != 0.0, h.nesterov, first);
}

KD_SGD_CUDA_INSTANCES(float)
KD_SGD_CUDA_INSTANCES(double)

}  // namespace kd
