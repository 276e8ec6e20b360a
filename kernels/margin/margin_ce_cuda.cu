#include <type_traits>

#include "engine/cuda/common.cuh"
#include "kernels/kd_kl/online_lse.h"
#include "kernels/loss/batch_mean.cuh"
#include "kernels/margin/margin_ce_cuda.h"
#include "kernels/margin/margin_target.h"

namespace kd {
namespace {
using namespace cuda;

// Every thread computes the row's target logit up front (one broadcast load of cos[i, y] and
// a few double-precision flops), so the streaming loop only swaps it in at j == y instead of
// evaluating the margin formula inside the loop.
__device__ __forceinline__ double target_logit(double t, double s, MarginKind kind, double m, double* dt) {
  return s * margin_target_value(t, kind, m, dt);
}

// One block per row: each thread runs the online log-sum-exp (online_lse.h) of its columns,
// then a block max and a block sum (engine/cuda/reduce.cuh: fixed tree, no atomics) merge them.
// Thread 0 writes lse[i] and row_loss[i]; batch_mean_kernel then sums the rows in a fixed
// order. Columns: float4 loads where kVec (float, 16-byte aligned rows), else one per step.
template <class T, bool kVec>
__global__ void __launch_bounds__(kRowThreadsMax)
    margin_ce_forward_kernel(const T* __restrict__ cos, const int64_t* __restrict__ labels, double* __restrict__ lse,
                             double* __restrict__ row_loss, int64_t n, int64_t c, double s, MarginKind kind,
                             double m) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* ci = cos + i * c;  // (c)
    const int64_t y = labels[i];
    double dt;
    const double zt = target_logit(double(ci[y]), s, kind, m, &dt);
    OnlineLse a;
    if constexpr (kVec) {
      const float4* c4 = reinterpret_cast<const float4*>(ci);
      for (int64_t q = threadIdx.x; q < c / 4; q += blockDim.x) {
        const float4 v = c4[q];
        const int64_t j = 4 * q;
        lse_add(a, j + 0 == y ? zt : s * double(v.x));
        lse_add(a, j + 1 == y ? zt : s * double(v.y));
        lse_add(a, j + 2 == y ? zt : s * double(v.z));
        lse_add(a, j + 3 == y ? zt : s * double(v.w));
      }
    } else {
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x) lse_add(a, j == y ? zt : s * double(ci[j]));
    }
    const double mx = block_max(a.m, -HUGE_VAL);
    const double sum = block_sum(a.s * lse_merge_scale(a.m, a.s, mx));
    if (threadIdx.x == 0) {
      const double l = mx + log(sum);
      lse[i] = l;
      row_loss[i] = l - zt;
    }
  }
}

// One block per row: g = scale s p_ij, the target column (p - 1) times the margin's slope.
// scale = g[0] / n is read on the device.
template <class T, bool kVec>
__global__ void __launch_bounds__(kRowThreadsMax)
    margin_ce_backward_kernel(const T* __restrict__ cos, const int64_t* __restrict__ labels,
                              const double* __restrict__ lse, const T* __restrict__ g, T* __restrict__ g_cos,
                              int64_t n, int64_t c, double s, MarginKind kind, double m) {
  const double ss = double(g[0]) / double(n) * s;
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* ci = cos + i * c;  // (c)
    T* gi = g_cos + i * c;      // (c)
    const int64_t y = labels[i];
    const double l = lse[i];
    double dt;
    const double zt = target_logit(double(ci[y]), s, kind, m, &dt);
    const double gt = ss * dt * (exp(zt - l) - 1.0);  // p - 1 formed in double
    if constexpr (kVec) {
      const float4* c4 = reinterpret_cast<const float4*>(ci);
      float4* g4 = reinterpret_cast<float4*>(gi);
      for (int64_t q = threadIdx.x; q < c / 4; q += blockDim.x) {
        const float4 v = c4[q];
        const int64_t j = 4 * q;
        float4 o;
        o.x = float(j + 0 == y ? gt : ss * exp(s * double(v.x) - l));
        o.y = float(j + 1 == y ? gt : ss * exp(s * double(v.y) - l));
        o.z = float(j + 2 == y ? gt : ss * exp(s * double(v.z) - l));
        o.w = float(j + 3 == y ? gt : ss * exp(s * double(v.w) - l));
        g4[q] = o;
      }
    } else {
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x) gi[j] = T(j == y ? gt : ss * exp(s * double(ci[j]) - l));
    }
  }
}

}  // namespace

template <class T>
void margin_ce_forward_cuda(const T* cos, const int64_t* labels, double* lse, double* row_loss, T* loss, int64_t n,
                            int64_t c, const MarginParams& p) {
  if (n == 0) return;
  bool vec = false;
  if constexpr (std::is_same<T, float>::value) {
    vec = rows_aligned16(cos, c);
    if (vec) {
      KD_LAUNCH(margin_ce_forward_kernel<T, true>, grid_rows(n), row_threads(c / 4), 0, cos, labels, lse, row_loss, n,
                c, p.s, p.kind, p.m);
    }
  }
  if (!vec) {
    KD_LAUNCH(margin_ce_forward_kernel<T, false>, grid_rows(n), row_threads(c), 0, cos, labels, lse, row_loss, n, c,
              p.s, p.kind, p.m);
  }
  KD_LAUNCH(batch_mean_kernel<T>, 1, kThreads, 0, row_loss, n, loss);
}

template <class T>
void margin_ce_backward_cuda(const T* cos, const int64_t* labels, const double* lse, const T* g, T* g_cos, int64_t n,
                             int64_t c, const MarginParams& p) {
  if (n * c == 0) return;
  bool vec = false;
  if constexpr (std::is_same<T, float>::value) {
    vec = rows_aligned16(cos, c) && rows_aligned16(g_cos, c);
    if (vec) {
      KD_LAUNCH(margin_ce_backward_kernel<T, true>, grid_rows(n), row_threads(c / 4), 0, cos, labels, lse, g, g_cos, n,
                c, p.s, p.kind, p.m);
    }
  }
  if (!vec) {
    KD_LAUNCH(margin_ce_backward_kernel<T, false>, grid_rows(n), row_threads(c), 0, cos, labels, lse, g, g_cos, n, c,
              p.s, p.kind, p.m);
  }
}

KD_MARGIN_CE_CUDA_INSTANCES(float)
KD_MARGIN_CE_CUDA_INSTANCES(double)

}  // namespace kd
