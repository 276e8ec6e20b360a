// CUDA conv2d. 1x1 stride-1 unpadded dense convolutions are GEMMs (cuBLAS); everything else
// (3x3 grouped/depthwise at stride 1 or 2, the 7x7 CBAM spatial conv, strided 1x1) runs
// through direct kernels:
//   forward: one block per (image, output channel), the channel's filter in shared memory,
//            one thread per output pixel;
//   dx:      one block per (image, input channel), the filters that read that channel in
//            shared memory, one thread per input pixel gathering from the output pixels;
//   dw, db:  one block per weight row (o, c) resp. per output channel, a fixed-order block
//            reduction over (image, pixel): deterministic, no atomics.
// 3x3 filters get the tap loops unrolled (KS = 3); KS = 0 reads the size at run time.
#include "kernels/conv2d/conv2d_cuda.h"

#include "engine/cuda/common.cuh"
#include "kernels/matmul/gemm_cuda.h"

namespace kd {
namespace {
using namespace cuda;

struct ConvArgs {
  int64_t N, C, H, W, O, Ho, Wo;
  int kh, kw, stride, pad;
  int64_t Cg, Og;
};

ConvArgs args_of(const Conv2dDims& d) {
  return {d.N, d.C, d.H, d.W, d.O, d.Ho, d.Wo, int(d.kh), int(d.kw), int(d.stride), int(d.pad), d.Cg(), d.Og()};
}

// Filters larger than this stay in global memory (read through the cache) rather than
// asking for more than the default 48 KiB of dynamic shared memory.
constexpr size_t kMaxSharedBytes = 48 * 1024;

// grid: N * O blocks
template <class T, int KS>
__global__ void conv_forward_kernel(ConvArgs a, const T* __restrict__ x, const T* __restrict__ w,
                                    const T* __restrict__ bias, T* __restrict__ y, bool filter_in_shared) {
  const int kh = KS ? KS : a.kh, kw = KS ? KS : a.kw;
  const int64_t no = blockIdx.x, n = no / a.O, o = no % a.O, g = o / a.Og;
  const int64_t fsize = a.Cg * kh * kw;
  const T* wp = w + o * fsize;  // (Cg, kh, kw)
  if (filter_in_shared) {
    KD_DYNAMIC_SHARED(T, sw);
    for (int64_t i = threadIdx.x; i < fsize; i += blockDim.x) sw[i] = wp[i];
    __syncthreads();
    wp = sw;
  }
  const int64_t HW = a.H * a.W, P = a.Ho * a.Wo;
  const T* xg = x + (n * a.C + g * a.Cg) * HW;  // (Cg, H, W) of this group
  const T b0 = bias ? bias[o] : T(0);
  for (int64_t p = threadIdx.x; p < P; p += blockDim.x) {
    const int64_t ih0 = (p / a.Wo) * a.stride - a.pad, iw0 = (p % a.Wo) * a.stride - a.pad;
    T acc = T(0);
    for (int64_t c = 0; c < a.Cg; ++c) {
      const T* xc = xg + c * HW;
      const T* wc = wp + c * kh * kw;
#pragma unroll
      for (int ki = 0; ki < kh; ++ki) {
        const int64_t ih = ih0 + ki;
        if (ih < 0 || ih >= a.H) continue;
#pragma unroll
        for (int kj = 0; kj < kw; ++kj) {
          const int64_t iw = iw0 + kj;
          if (iw < 0 || iw >= a.W) continue;
          acc += xc[ih * a.W + iw] * wc[ki * kw + kj];
        }
      }
    }
    y[no * P + p] = acc + b0;
  }
}

// grid: N * C blocks. dx[n, c, ih, iw] = sum over the group's output channels o and the taps
// (ki, kj) with ih = oh * stride - pad + ki of gy[n, o, oh, ow] * w[o, c % Cg, ki, kj].
template <class T, int KS>
__global__ void conv_dx_kernel(ConvArgs a, const T* __restrict__ w, const T* __restrict__ gy, T* __restrict__ dx,
                               bool filter_in_shared) {
  const int kh = KS ? KS : a.kh, kw = KS ? KS : a.kw;
  const int64_t nc = blockIdx.x, n = nc / a.C, c = nc % a.C, g = c / a.Cg, cg = c % a.Cg;
  const int taps = kh * kw;
  const int64_t fsize = a.Og * taps;  // (Og, kh, kw): slice cg of the group's filters
  KD_DYNAMIC_SHARED(T, sw);  // the filters when filter_in_shared (launched with no shared memory otherwise)
  if (filter_in_shared) {
    for (int64_t i = threadIdx.x; i < fsize; i += blockDim.x) {
      const int64_t oo = i / taps, t = i % taps;
      sw[i] = w[((g * a.Og + oo) * a.Cg + cg) * taps + t];
    }
    __syncthreads();
  }
  const int64_t HW = a.H * a.W, P = a.Ho * a.Wo;
  const T* gyg = gy + (n * a.O + g * a.Og) * P;  // (Og, Ho, Wo)
  for (int64_t q = threadIdx.x; q < HW; q += blockDim.x) {
    const int64_t ih = q / a.W, iw = q % a.W;
    T acc = T(0);
    for (int64_t oo = 0; oo < a.Og; ++oo) {
      const T* go = gyg + oo * P;
#pragma unroll
      for (int ki = 0; ki < kh; ++ki) {
        const int64_t th = ih + a.pad - ki;
        if (th < 0 || th % a.stride != 0) continue;
        const int64_t oh = th / a.stride;
        if (oh >= a.Ho) continue;
#pragma unroll
        for (int kj = 0; kj < kw; ++kj) {
          const int64_t tw = iw + a.pad - kj;
          if (tw < 0 || tw % a.stride != 0) continue;
          const int64_t ow = tw / a.stride;
          if (ow >= a.Wo) continue;
          const T wv = filter_in_shared ? sw[oo * taps + ki * kw + kj]
                                        : w[((g * a.Og + oo) * a.Cg + cg) * taps + ki * kw + kj];
          acc += go[oh * a.Wo + ow] * wv;
        }
      }
    }
    dx[nc * HW + q] = acc;
  }
}

// grid: O * Cg blocks, one per filter row (o, cg); each tap is a block reduction over
// (image, output pixel) in a fixed order.
template <class T>
__global__ void conv_dw_kernel(ConvArgs a, const T* __restrict__ x, const T* __restrict__ gy, T* __restrict__ dw) {
  const int64_t ocg = blockIdx.x, o = ocg / a.Cg, cg = ocg % a.Cg, c = (o / a.Og) * a.Cg + cg;
  const int64_t HW = a.H * a.W, P = a.Ho * a.Wo, total = a.N * P;
  for (int ki = 0; ki < a.kh; ++ki)
    for (int kj = 0; kj < a.kw; ++kj) {
      T acc = T(0);
      for (int64_t i = threadIdx.x; i < total; i += blockDim.x) {
        const int64_t n = i / P, p = i % P;
        const int64_t ih = (p / a.Wo) * a.stride - a.pad + ki, iw = (p % a.Wo) * a.stride - a.pad + kj;
        if (ih < 0 || ih >= a.H || iw < 0 || iw >= a.W) continue;
        acc += gy[(n * a.O + o) * P + p] * x[(n * a.C + c) * HW + ih * a.W + iw];
      }
      acc = T(block_sum(double(acc)));
      if (threadIdx.x == 0) dw[ocg * a.kh * a.kw + ki * a.kw + kj] = acc;
    }
}

// grid: O blocks; db[o] = sum over (n, p) of gy[n, o, p]
template <class T>
__global__ void conv_db_kernel(ConvArgs a, const T* __restrict__ gy, T* __restrict__ db) {
  const int64_t o = blockIdx.x, P = a.Ho * a.Wo, total = a.N * P;
  T acc = T(0);
  for (int64_t i = threadIdx.x; i < total; i += blockDim.x) acc += gy[((i / P) * a.O + o) * P + i % P];
  acc = T(block_sum(double(acc)));
  if (threadIdx.x == 0) db[o] = acc;
}

// grid-stride: y[n, o, p] = bias[o], the starting value the 1x1 GEMM adds onto
template <class T>
__global__ void bias_fill_kernel(const T* __restrict__ bias, T* __restrict__ y, int64_t total, int64_t O, int64_t P) {
  KD_GRID_STRIDE(i, total) y[i] = bias[(i / P) % O];
}

bool is_pointwise_gemm(const Conv2dDims& d) {
  return d.kh == 1 && d.kw == 1 && d.stride == 1 && d.pad == 0 && d.groups == 1;
}

void check_grid(int64_t blocks, const char* what) {
  KD_CHECK(blocks <= 0x7fffffff, "conv2d (CUDA): ", what, " needs ", blocks, " blocks, more than a grid holds");
}

}  // namespace

template <class T>
void conv2d_forward_cuda(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y) {
  const int64_t P = d.Ho * d.Wo;
  if (d.N * d.O * P == 0) return;
  if (is_pointwise_gemm(d)) {
    // y_n (O, P) = w (O, C) x_n (C, P), all images in one strided-batched call
    T beta = T(0);
    if (bias) {
      KD_LAUNCH(bias_fill_kernel<T>, grid_for(d.N * d.O * P), kThreads, 0, bias, y, d.N * d.O * P, d.O, P);
      beta = T(1);
    }
    gemm_strided_batched_cuda<T>(false, false, d.O, P, d.C, T(1), w, d.C, 0, x, P, d.C * P, beta, y, P, d.O * P,
                                 d.N);
    return;
  }
  const ConvArgs a = args_of(d);
  const size_t smem = size_t(d.Kc()) * sizeof(T);
  const bool shared = smem <= kMaxSharedBytes;
  check_grid(d.N * d.O, "the forward");
  const unsigned blocks = unsigned(d.N * d.O);
  const int threads = threads_for(P);
  if (d.kh == 3 && d.kw == 3)
    KD_LAUNCH(conv_forward_kernel<T, 3>, blocks, threads, shared ? smem : 0, a, x, w, bias, y, shared);
  else
    KD_LAUNCH(conv_forward_kernel<T, 0>, blocks, threads, shared ? smem : 0, a, x, w, bias, y, shared);
}

template <class T>
void conv2d_backward_cuda(const Conv2dDims& d, const T* x, const T* w, const T* gy, T* dx, T* dw, T* dbias) {
  const int64_t P = d.Ho * d.Wo, HW = d.H * d.W;
  const ConvArgs a = args_of(d);
  if (dbias && d.O > 0) {
    KD_LAUNCH(conv_db_kernel<T>, unsigned(d.O), kThreads, 0, a, gy, dbias);
  }
  if (is_pointwise_gemm(d)) {
    // dx_n (C, P) = w^T (C, O) gy_n (O, P)
    if (dx) gemm_strided_batched_cuda<T>(true, false, d.C, P, d.O, T(1), w, d.C, 0, gy, P, d.O * P, T(0), dx, P,
                                         d.C * P, d.N);
    // dw (O, C) = sum over n of gy_n (O, P) x_n^T (P, C), images added in order
    if (dw) {
      if (d.N == 0) {
        gemm_cuda<T>(false, true, d.O, d.C, 0, T(1), gy, P, x, P, T(0), dw, d.C);  // zeros
      }
      for (int64_t n = 0; n < d.N; ++n)
        gemm_cuda<T>(false, true, d.O, d.C, P, T(1), gy + n * d.O * P, P, x + n * d.C * P, P, n == 0 ? T(0) : T(1),
                     dw, d.C);
    }
    return;
  }
  if (dx && d.N * d.C * HW > 0) {
    const size_t smem = size_t(d.Og() * d.kh * d.kw) * sizeof(T);
    const bool shared = smem <= kMaxSharedBytes;
    check_grid(d.N * d.C, "the input gradient");
    const unsigned blocks = unsigned(d.N * d.C);
    const int threads = threads_for(HW);
    if (d.kh == 3 && d.kw == 3)
      KD_LAUNCH(conv_dx_kernel<T, 3>, blocks, threads, shared ? smem : 0, a, w, gy, dx, shared);
    else
      KD_LAUNCH(conv_dx_kernel<T, 0>, blocks, threads, shared ? smem : 0, a, w, gy, dx, shared);
  }
  if (dw && d.O * d.Cg() > 0) {
    check_grid(d.O * d.Cg(), "the weight gradient");
    KD_LAUNCH(conv_dw_kernel<T>, unsigned(d.O * d.Cg()), kThreads, 0, a, x, gy, dw);
  }
}

KD_CONV2D_CUDA_INSTANCES(float)
KD_CONV2D_CUDA_INSTANCES(double)

}  // namespace kd
