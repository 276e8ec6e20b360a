// One block per channel for every batch-norm kernel: the channel's statistics are block
// reductions in double (as the CPU sums in double), in a fixed order, then the same block
// normalises the channel with the per-channel constants thread 0 derived, so a channel needs
// no second launch and no atomics. The formulas are the CPU's (batchnorm_cpu.cpp), term for term.
#include "kernels/batchnorm/batchnorm_cuda.h"

#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// element i of channel c's M = N * S values
__device__ inline int64_t at(int64_t i, int64_t c, int64_t C, int64_t S) { return ((i / S) * C + c) * S + i % S; }

template <class T>
__device__ inline void normalise_channel(const T* x, T* y, int64_t c, int64_t C, int64_t S, int64_t M, double mu,
                                         double is, double gamma, double beta) {
  const T k = T(is * gamma), b = T(beta - mu * is * gamma);
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) {
    const int64_t j = at(i, c, C, S);
    y[j] = x[j] * k + b;
  }
}

template <class T>
__global__ void bn_train_kernel(const T* __restrict__ x, const T* __restrict__ gamma, const T* __restrict__ beta,
                                T* running_mean, T* running_var, T* __restrict__ y, T* mean, T* invstd, int64_t N,
                                int64_t C, int64_t S, double momentum, double eps) {
  __shared__ double stat[2];
  const int64_t c = blockIdx.x, M = N * S;
  double sum = 0;
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) sum += double(x[at(i, c, C, S)]);
  sum = block_sum(sum);
  if (threadIdx.x == 0) stat[0] = sum / double(M);
  __syncthreads();
  const double mu = stat[0];
  // Two passes, as on the CPU: squared deviations, not E[x^2] - E[x]^2.
  double ss = 0;
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) {
    const double d = double(x[at(i, c, C, S)]) - mu;
    ss += d * d;
  }
  ss = block_sum(ss);
  if (threadIdx.x == 0) {
    const double var = ss / double(M);
    const double is = 1.0 / sqrt(var + eps);
    mean[c] = T(mu);
    invstd[c] = T(is);
    running_mean[c] = T((1 - momentum) * double(running_mean[c]) + momentum * mu);
    running_var[c] = T((1 - momentum) * double(running_var[c]) + momentum * ss / double(M - 1));
    stat[1] = is;
  }
  __syncthreads();
  normalise_channel(x, y, c, C, S, M, mu, stat[1], double(gamma[c]), double(beta[c]));
}

template <class T>
__global__ void bn_eval_kernel(const T* __restrict__ x, const T* __restrict__ gamma, const T* __restrict__ beta,
                               const T* __restrict__ running_mean, const T* __restrict__ running_var,
                               T* __restrict__ y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S, double eps) {
  const int64_t c = blockIdx.x;
  const double mu = running_mean[c], is = 1.0 / sqrt(double(running_var[c]) + eps);
  if (threadIdx.x == 0) {
    mean[c] = T(mu);
    invstd[c] = T(is);
  }
  normalise_channel(x, y, c, C, S, N * S, mu, is, double(gamma[c]), double(beta[c]));
}

template <class T>
__global__ void bn_backward_kernel(const T* __restrict__ x, const T* __restrict__ gamma, const T* __restrict__ mean,
                                   const T* __restrict__ invstd, const T* __restrict__ gy, T* __restrict__ gx,
                                   T* dgamma, T* dbeta, int64_t N, int64_t C, int64_t S, bool training) {
  __shared__ double stat[2];
  const int64_t c = blockIdx.x, M = N * S;
  const double mu = mean[c], is = invstd[c], g = gamma[c];
  double sg = 0, sgx = 0;  // sum gy, sum gy (x - mean)
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) {
    const int64_t j = at(i, c, C, S);
    sg += double(gy[j]);
    sgx += double(gy[j]) * (double(x[j]) - mu);
  }
  sg = block_sum(sg);
  sgx = block_sum(sgx);
  if (threadIdx.x == 0) {
    sgx *= is;
    if (dbeta) dbeta[c] = T(sg);
    if (dgamma) dgamma[c] = T(sgx);
    stat[0] = sg;
    stat[1] = sgx;
  }
  if (!gx) return;  // uniform across the block
  __syncthreads();
  // gx = gy * k + x * kx + b, as batch_norm_backward_cpu
  const double k = g * is;
  double kx = 0, b = 0;
  if (training) {
    kx = -k * is * stat[1] / double(M);
    b = -k * stat[0] / double(M) - kx * mu;
  }
  const T tk = T(k), tkx = T(kx), tb = T(b);
  for (int64_t i = threadIdx.x; i < M; i += blockDim.x) {
    const int64_t j = at(i, c, C, S);
    gx[j] = gy[j] * tk + x[j] * tkx + tb;
  }
}

void check_channels(int64_t C) {
  KD_CHECK(C <= 0x7fffffff, "batch_norm (CUDA): ", C, " channels exceed the grid (one block per channel)");
}

}  // namespace

template <class T>
void batch_norm_train_forward_cuda(const T* x, const T* gamma, const T* beta, T* running_mean, T* running_var,
                                   T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S, double momentum,
                                   double eps) {
  if (C == 0) return;
  check_channels(C);
  KD_LAUNCH(bn_train_kernel<T>, unsigned(C), kThreads, 0, x, gamma, beta, running_mean, running_var, y, mean, invstd, N,
            C, S, momentum, eps);
}

template <class T>
void batch_norm_eval_forward_cuda(const T* x, const T* gamma, const T* beta, const T* running_mean,
                                  const T* running_var, T* y, T* mean, T* invstd, int64_t N, int64_t C, int64_t S,
                                  double eps) {
  if (C == 0) return;
  check_channels(C);
  KD_LAUNCH(bn_eval_kernel<T>, unsigned(C), kThreads, 0, x, gamma, beta, running_mean, running_var, y, mean, invstd, N,
            C, S, eps);
}

template <class T>
void batch_norm_backward_cuda(const T* x, const T* gamma, const T* mean, const T* invstd, const T* gy, T* gx,
                              T* dgamma, T* dbeta, int64_t N, int64_t C, int64_t S, bool training) {
  if (C == 0) return;
  check_channels(C);
  KD_LAUNCH(bn_backward_kernel<T>, unsigned(C), kThreads, 0, x, gamma, mean, invstd, gy, gx, dgamma, dbeta, N, C, S,
            training);
}

KD_BATCHNORM_CUDA_INSTANCES(float)
KD_BATCHNORM_CUDA_INSTANCES(double)

}  // namespace kd
