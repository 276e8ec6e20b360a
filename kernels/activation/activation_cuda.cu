#include "kernels/activation/activation_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

template <class T>
__global__ void relu_forward_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n) {
  KD_GRID_STRIDE(i, n) y[i] = x[i] > T(0) ? x[i] : T(0);
}

template <class T>
__global__ void add_relu_forward_kernel(const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y,
                                        int64_t n) {
  KD_GRID_STRIDE(i, n) {
    const T v = a[i] + b[i];
    y[i] = v > T(0) ? v : T(0);
  }
}

template <class T>
__global__ void relu_backward_kernel(const T* __restrict__ y, const T* __restrict__ gy, T* __restrict__ gx, int64_t n) {
  KD_GRID_STRIDE(i, n) gx[i] = y[i] > T(0) ? gy[i] : T(0);
}

template <class T>
__global__ void sigmoid_forward_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n) {
  // exp(-x) = inf gives exactly 0 for very negative x, as on the CPU.
  KD_GRID_STRIDE(i, n) y[i] = T(1) / (T(1) + exp(-x[i]));
}

template <class T>
__global__ void sigmoid_backward_kernel(const T* __restrict__ y, const T* __restrict__ gy, T* __restrict__ gx,
                                        int64_t n) {
  KD_GRID_STRIDE(i, n) gx[i] = gy[i] * y[i] * (T(1) - y[i]);
}

template <class T>
__global__ void prelu_forward_kernel(const T* __restrict__ x, const T* __restrict__ a, T* __restrict__ y, int64_t n,
                                     int64_t C, int64_t S) {
  // x, y (N, C, S); a (C)
  KD_GRID_STRIDE(i, n) {
    const T v = x[i], slope = a[(i / S) % C];
    y[i] = fmax(v, T(0)) + slope * fmin(v, T(0));
  }
}

template <class T>
__global__ void prelu_grad_x_kernel(const T* __restrict__ x, const T* __restrict__ a, const T* __restrict__ gy,
                                    T* __restrict__ gx, int64_t n, int64_t C, int64_t S) {
  KD_GRID_STRIDE(i, n) gx[i] = gy[i] * (x[i] > T(0) ? T(1) : a[(i / S) % C]);
}

// One block per channel: da[c] is a deterministic tree sum over (N, S), no atomics.
template <class T>
__global__ void prelu_grad_a_kernel(const T* __restrict__ x, const T* __restrict__ gy, T* __restrict__ da, int64_t N,
                                    int64_t C, int64_t S) {
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double acc = 0;
    for (int64_t k = threadIdx.x; k < N * S; k += blockDim.x) {
      const int64_t o = ((k / S) * C + c) * S + k % S;
      acc += double(fmin(x[o], T(0))) * double(gy[o]);
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) da[c] = T(acc);
  }
}

}  // namespace

template <class T>
void relu_forward_cuda(const T* x, T* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(relu_forward_kernel<T>, grid_for(n), kThreads, 0, x, y, n);
}

template <class T>
void add_relu_forward_cuda(const T* a, const T* b, T* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(add_relu_forward_kernel<T>, grid_for(n), kThreads, 0, a, b, y, n);
}

template <class T>
void relu_backward_cuda(const T* y, const T* gy, T* gx, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(relu_backward_kernel<T>, grid_for(n), kThreads, 0, y, gy, gx, n);
}

template <class T>
void sigmoid_forward_cuda(const T* x, T* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(sigmoid_forward_kernel<T>, grid_for(n), kThreads, 0, x, y, n);
}

template <class T>
void sigmoid_backward_cuda(const T* y, const T* gy, T* gx, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(sigmoid_backward_kernel<T>, grid_for(n), kThreads, 0, y, gy, gx, n);
}

template <class T>
void prelu_forward_cuda(const T* x, const T* a, T* y, int64_t N, int64_t C, int64_t S) {
  const int64_t n = N * C * S;
  if (n == 0) return;
  KD_LAUNCH(prelu_forward_kernel<T>, grid_for(n), kThreads, 0, x, a, y, n, C, S);
}

template <class T>
void prelu_backward_cuda(const T* x, const T* a, const T* gy, T* gx, T* da, int64_t N, int64_t C, int64_t S) {
  const int64_t n = N * C * S;
  if (gx && n > 0) {
    KD_LAUNCH(prelu_grad_x_kernel<T>, grid_for(n), kThreads, 0, x, a, gy, gx, n, C, S);
  }
  if (da && C > 0) {  // N * S == 0 still writes da = 0
    KD_LAUNCH(prelu_grad_a_kernel<T>, grid_rows(C), kThreads, 0, x, gy, da, N, C, S);
  }
}

KD_ACTIVATION_CUDA_INSTANCES(float)
KD_ACTIVATION_CUDA_INSTANCES(double)

}  // namespace kd
