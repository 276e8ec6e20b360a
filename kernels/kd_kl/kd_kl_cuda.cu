#include <type_traits>

#include "engine/cuda/common.cuh"
#include "kernels/kd_kl/kd_kl_cuda.h"
#include "kernels/kd_kl/online_lse.h"
#include "kernels/loss/batch_mean.cuh"

namespace kd {
namespace {
using namespace cuda;

// Calls f(j, zs[j], zt[j]) for the columns j of this thread: float4 loads where kVec (float
// rows, 16-byte aligned, c % 4 == 0), else one element per step. Every column is visited by
// exactly one thread of the block.
template <class T, bool kVec, class F>
__device__ __forceinline__ void for_row_pair(const T* __restrict__ zs, const T* __restrict__ zt, int64_t c, F&& f) {
  if constexpr (kVec) {
    const float4* s4 = reinterpret_cast<const float4*>(zs);
    const float4* t4 = reinterpret_cast<const float4*>(zt);
    for (int64_t q = threadIdx.x; q < c / 4; q += blockDim.x) {
      const float4 u = s4[q], v = t4[q];
      f(4 * q + 0, u.x, v.x);
      f(4 * q + 1, u.y, v.y);
      f(4 * q + 2, u.z, v.z);
      f(4 * q + 3, u.w, v.w);
    }
  } else {
    for (int64_t j = threadIdx.x; j < c; j += blockDim.x) f(j, zs[j], zt[j]);
  }
}

// One block per row: each thread runs the online log-sum-exp of its columns for the student
// and the teacher (plus the teacher-weighted sum of a - b), then the block merges the threads'
// states with two max and three sum tree reductions (engine/cuda/reduce.cuh: fixed order, no
// atomics, so the loss is bit-identical from run to run).
template <class T, bool kVec>
__global__ void __launch_bounds__(kRowThreadsMax)
    kd_kl_forward_kernel(const T* __restrict__ z_s, const T* __restrict__ z_t, double inv_t, double t2,
                         double* __restrict__ lse_s, double* __restrict__ lse_t, double* __restrict__ row, int64_t n,
                         int64_t c) {
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    OnlineLse st;
    OnlineLseW te;
    for_row_pair<T, kVec>(z_s + i * c, z_t + i * c, c, [&](int64_t, T vs, T vt) {
      const double b = double(vs) * inv_t, a = double(vt) * inv_t;
      lse_add(st, b);
      lse_add(te, a, a - b);
    });
    const double ms = block_max(st.m, -HUGE_VAL);
    const double mt = block_max(te.m, -HUGE_VAL);
    const double fs = lse_merge_scale(st.m, st.s, ms), ft = lse_merge_scale(te.m, te.s, mt);
    const double ss = block_sum(st.s * fs);
    const double sw_t = block_sum(te.s * ft);
    const double sw = block_sum(te.w * ft);
    if (threadIdx.x == 0) {
      const double ls = ms + log(ss), lt = mt + log(sw_t);
      lse_s[i] = ls;
      lse_t[i] = lt;
      row[i] = t2 * (sw / sw_t - lt + ls);
    }
  }
}

// One block per row, one read of each row and one write of the gradient row.
template <class T, bool kVec>
__global__ void __launch_bounds__(kRowThreadsMax)
    kd_kl_backward_kernel(const T* __restrict__ z_s, const T* __restrict__ z_t, double inv_t,
                          const double* __restrict__ lse_s, const double* __restrict__ lse_t, const T* __restrict__ g,
                          double t_over_n, T* __restrict__ g_zs, int64_t n, int64_t c) {
  const double scale = double(g[0]) * t_over_n;
  for (int64_t i = blockIdx.x; i < n; i += gridDim.x) {
    const T* zs = z_s + i * c;  // (c)
    const T* zt = z_t + i * c;  // (c)
    T* gi = g_zs + i * c;       // (c)
    const double ls = lse_s[i], lt = lse_t[i];
    if constexpr (kVec) {
      const float4* s4 = reinterpret_cast<const float4*>(zs);
      const float4* t4 = reinterpret_cast<const float4*>(zt);
      float4* g4 = reinterpret_cast<float4*>(gi);
      for (int64_t q = threadIdx.x; q < c / 4; q += blockDim.x) {
        const float4 u = s4[q], v = t4[q];
        float4 o;
        o.x = float(scale * (exp(double(u.x) * inv_t - ls) - exp(double(v.x) * inv_t - lt)));
        o.y = float(scale * (exp(double(u.y) * inv_t - ls) - exp(double(v.y) * inv_t - lt)));
        o.z = float(scale * (exp(double(u.z) * inv_t - ls) - exp(double(v.z) * inv_t - lt)));
        o.w = float(scale * (exp(double(u.w) * inv_t - ls) - exp(double(v.w) * inv_t - lt)));
        g4[q] = o;
      }
    } else {
      for (int64_t j = threadIdx.x; j < c; j += blockDim.x)
        gi[j] = T(scale * (exp(double(zs[j]) * inv_t - ls) - exp(double(zt[j]) * inv_t - lt)));
    }
  }
}

template <class T>
bool use_vec(const T* a, const T* b, const T* out, int64_t c) {
  return std::is_same<T, float>::value && rows_aligned16(a, c) && rows_aligned16(b, c) &&
         (out == nullptr || rows_aligned16(out, c));
}

}  // namespace

template <class T>
void kd_kl_forward_cuda(const T* z_s, const T* z_t, double inv_t, double t2, double* lse_s, double* lse_t,
                        double* row, T* loss, int64_t n, int64_t c) {
  if (n == 0) return;
  if (use_vec(z_s, z_t, static_cast<const T*>(nullptr), c)) {
    if constexpr (std::is_same<T, float>::value) {
      KD_LAUNCH(kd_kl_forward_kernel<T, true>, grid_rows(n), row_threads(c / 4), 0, z_s, z_t, inv_t, t2, lse_s, lse_t,
                row, n, c);
    }
  } else {
    KD_LAUNCH(kd_kl_forward_kernel<T, false>, grid_rows(n), row_threads(c), 0, z_s, z_t, inv_t, t2, lse_s, lse_t, row,
              n, c);
  }
  KD_LAUNCH(batch_mean_kernel<T>, 1, kThreads, 0, row, n, loss);
}

template <class T>
void kd_kl_backward_cuda(const T* z_s, const T* z_t, double inv_t, const double* lse_s, const double* lse_t,
                         const T* g, double t_over_n, T* g_zs, int64_t n, int64_t c) {
  if (n * c == 0) return;
  if (use_vec(z_s, z_t, static_cast<const T*>(g_zs), c)) {
    if constexpr (std::is_same<T, float>::value) {
      KD_LAUNCH(kd_kl_backward_kernel<T, true>, grid_rows(n), row_threads(c / 4), 0, z_s, z_t, inv_t, lse_s, lse_t, g,
                t_over_n, g_zs, n, c);
    }
  } else {
    KD_LAUNCH(kd_kl_backward_kernel<T, false>, grid_rows(n), row_threads(c), 0, z_s, z_t, inv_t, lse_s, lse_t, g,
              t_over_n, g_zs, n, c);
  }
}

KD_KD_KL_CUDA_INSTANCES(float)
KD_KD_KL_CUDA_INSTANCES(double)

}  // namespace kd
