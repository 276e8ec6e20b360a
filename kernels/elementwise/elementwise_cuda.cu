#include "kernels/elementwise/elementwise_cuda.h"

#include "engine/check.h"
#include "engine/cuda/common.cuh"

namespace kd {
namespace {
using namespace cuda;

// collapse_broadcast merges runs of dimensions that broadcast alike, so the groups alternate
// in pattern; rank-8 operands give at most 8 groups. Passed by value as a kernel argument.
constexpr int kMaxGroups = 8;

struct Groups {
  int n;
  int64_t size[kMaxGroups], s0[kMaxGroups], s1[kMaxGroups];
  int64_t out_stride[kMaxGroups];  // contiguous strides of the output over the groups
};

Groups to_groups(const BroadcastDims& d) {
  KD_CHECK(d.size.size() <= size_t(kMaxGroups), "elementwise CUDA kernel: the broadcast collapses to ", d.size.size(),
           " dimension groups, at most ", kMaxGroups, " are supported");
  Groups g{};
  g.n = int(d.size.size());
  int64_t st = 1;
  for (int k = g.n - 1; k >= 0; --k) {
    g.size[k] = d.size[size_t(k)];
    g.s0[k] = d.s0[size_t(k)];
    g.s1[k] = d.s1[size_t(k)];
    g.out_stride[k] = st;
    st *= g.size[k];
  }
  return g;
}

int64_t out_numel(const Groups& g) {
  int64_t n = 1;
  for (int k = 0; k < g.n; ++k) n *= g.size[k];
  return n;
}

// Operand offsets of output element i.
__device__ inline void offsets(const Groups& g, int64_t i, int64_t& o0, int64_t& o1) {
  o0 = o1 = 0;
  for (int k = g.n - 1; k >= 0; --k) {
    const int64_t c = i % g.size[k];
    i /= g.size[k];
    o0 += c * g.s0[k];
    o1 += c * g.s1[k];
  }
}

template <class T>
__device__ inline T apply(BinaryOp op, T u, T v) {
  return op == BinaryOp::Add ? u + v : (op == BinaryOp::Sub ? u - v : u * v);
}

template <class T>
__global__ void binary_forward_kernel(Groups g, const T* __restrict__ a, const T* __restrict__ b, T* __restrict__ y,
                                      int64_t n, BinaryOp op) {
  KD_GRID_STRIDE(i, n) {
    int64_t o0, o1;
    offsets(g, i, o0, o1);
    y[i] = apply(op, a[o0], b[o1]);
  }
}

// g has the output's layout (no broadcast on its side): g = sign gy w.
template <class T>
__global__ void grad_same_kernel(Groups g, const T* __restrict__ gy, const T* __restrict__ w, T sign,
                                 T* __restrict__ out, int64_t n) {
  KD_GRID_STRIDE(i, n) {
    if (w) {
      int64_t o0, o1;
      offsets(g, i, o0, o1);
      out[i] = sign * gy[i] * w[o1];
    } else {
      out[i] = sign * gy[i];
    }
  }
}

// For element j of g (offset by its s0 strides) and index r over the broadcast groups: the
// output and w offsets. Kept (s0 != 0) groups take their coordinate from j, broadcast groups
// from r; both decompositions run from the last group so r's order matches the output's.
__device__ inline void reduce_offsets(const Groups& g, int64_t j, int64_t r, int64_t& oy, int64_t& ow) {
  oy = ow = 0;
  for (int k = g.n - 1; k >= 0; --k) {
    int64_t c;
    if (g.s0[k] != 0) {
      c = (j / g.s0[k]) % g.size[k];
    } else {
      c = r % g.size[k];
      r /= g.size[k];
    }
    oy += c * g.out_stride[k];
    ow += c * g.s1[k];
  }
}

template <class T>
__device__ inline double reduce_term(const Groups& g, const T* gy, const T* w, int64_t j, int64_t r) {
  int64_t oy, ow;
  reduce_offsets(g, j, r, oy, ow);
  return w ? double(gy[oy]) * double(w[ow]) : double(gy[oy]);
}

// Many g elements, short reductions: one thread per element of g, summing in a fixed order.
template <class T>
__global__ void grad_reduce_thread_kernel(Groups g, const T* __restrict__ gy, const T* __restrict__ w, T sign,
                                          T* __restrict__ out, int64_t G, int64_t R) {
  KD_GRID_STRIDE(j, G) {
    double acc = 0;
    for (int64_t r = 0; r < R; ++r) acc += reduce_term(g, gy, w, j, r);
    out[j] = sign * T(acc);
  }
}

// Few g elements, long reductions (a bias over N, H, W): one block per element of g with a
// deterministic tree sum, no atomics.
template <class T>
__global__ void grad_reduce_block_kernel(Groups g, const T* __restrict__ gy, const T* __restrict__ w, T sign,
                                         T* __restrict__ out, int64_t G, int64_t R) {
  for (int64_t j = blockIdx.x; j < G; j += gridDim.x) {
    double acc = 0;
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) acc += reduce_term(g, gy, w, j, r);
    acc = block_sum(acc);
    if (threadIdx.x == 0) out[j] = sign * T(acc);
  }
}

template <class T>
__global__ void affine_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n, T a, T b) {
  KD_GRID_STRIDE(i, n) y[i] = a * x[i] + b;
}

template <class T>
__global__ void square_forward_kernel(const T* __restrict__ x, T* __restrict__ y, int64_t n) {
  KD_GRID_STRIDE(i, n) y[i] = x[i] * x[i];
}

template <class T>
__global__ void square_backward_kernel(const T* __restrict__ x, const T* __restrict__ gy, T* __restrict__ gx,
                                       int64_t n) {
  KD_GRID_STRIDE(i, n) gx[i] = T(2) * x[i] * gy[i];
}

}  // namespace

template <class T>
void binary_forward_cuda(const BroadcastDims& d, const T* a, const T* b, T* y, BinaryOp op) {
  const Groups g = to_groups(d);
  const int64_t n = out_numel(g);
  if (n == 0) return;
  KD_LAUNCH(binary_forward_kernel<T>, grid_for(n), kThreads, 0, g, a, b, y, n, op);
}

template <class T>
void binary_backward_cuda(const BroadcastDims& d, const T* gy, const T* w, T sign, T* g, int64_t g_numel) {
  const Groups gr = to_groups(d);
  const int64_t n = out_numel(gr);
  bool reduces = false;
  for (int k = 0; k < gr.n; ++k) reduces = reduces || gr.s0[k] == 0;
  if (!reduces) {
    if (n == 0) return;
    KD_LAUNCH(grad_same_kernel<T>, grid_for(n), kThreads, 0, gr, gy, w, sign, g, n);
    return;
  }
  if (g_numel == 0) return;
  const int64_t R = g_numel > 0 ? n / g_numel : 0;  // elements summed into each element of g
  if (R >= 2048 || g_numel < 1024)
    KD_LAUNCH(grad_reduce_block_kernel<T>, grid_rows(g_numel), kThreads, 0, gr, gy, w, sign, g, g_numel, R);
  else
    KD_LAUNCH(grad_reduce_thread_kernel<T>, grid_for(g_numel), kThreads, 0, gr, gy, w, sign, g, g_numel, R);
}

template <class T>
void affine_cuda(const T* x, T* y, int64_t n, double alpha, double beta) {
  if (n == 0) return;
  KD_LAUNCH(affine_kernel<T>, grid_for(n), kThreads, 0, x, y, n, T(alpha), T(beta));
}

template <class T>
void square_forward_cuda(const T* x, T* y, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(square_forward_kernel<T>, grid_for(n), kThreads, 0, x, y, n);
}

template <class T>
void square_backward_cuda(const T* x, const T* gy, T* gx, int64_t n) {
  if (n == 0) return;
  KD_LAUNCH(square_backward_kernel<T>, grid_for(n), kThreads, 0, x, gy, gx, n);
}

KD_ELEMENTWISE_CUDA_INSTANCES(float)
KD_ELEMENTWISE_CUDA_INSTANCES(double)

}  // namespace kd
