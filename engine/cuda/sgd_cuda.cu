// torch.optim.SGD's update on the device: the same arithmetic as sgd_update_cpu, element by
// element, in the parameter's dtype with the coefficients rounded to it first.
#include <algorithm>

#include "engine/cuda/check_cuda.h"
#include "engine/optim/sgd.h"

namespace kd {
namespace {

// Multiply and add with round-to-nearest intrinsics: nvcc contracts a * b + c into an fma by
// default (one rounding instead of two), so the plain expressions would not round as the CPU
// rule does.
__device__ __forceinline__ float mul_rn(float a, float b) { return __fmul_rn(a, b); }
__device__ __forceinline__ double mul_rn(double a, double b) { return __dmul_rn(a, b); }
__device__ __forceinline__ float add_rn(float a, float b) { return __fadd_rn(a, b); }
__device__ __forceinline__ double add_rn(double a, double b) { return __dadd_rn(a, b); }
__device__ __forceinline__ float sub_rn(float a, float b) { return __fsub_rn(a, b); }
__device__ __forceinline__ double sub_rn(double a, double b) { return __dsub_rn(a, b); }

template <class T>
__global__ void sgd_kernel(T* __restrict__ p, const T* __restrict__ g, T* __restrict__ buf, int64_t n, T lr,
                           T mom, T damp1, T wd, bool use_wd, bool use_mom, bool nesterov, bool first) {
  for (int64_t i = int64_t(blockIdx.x) * blockDim.x + threadIdx.x; i < n; i += int64_t(gridDim.x) * blockDim.x) {
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
