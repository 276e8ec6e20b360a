// Fused CBAM on CUDA. Forward, per chunk of images (see chunk_bytes()):
//   K1 pool_hw       one warp per (n, c) plane: mean and first max over H W (float4 loads)
//   K2 mlp_forward   one block per image: fc1, relu, fc2 on both pooled vectors, sigmoid -> ca
//   K3 channel_pool  block = 32 pixels x G channel groups: mean / first max over C of x ca
//   K4 spatial_scale same blocks: k x k conv of the 2-channel map + sigmoid -> sa, then
//                    y = x ca sa for the block's pixels over all channels
// Backward, per chunk: B1 grad_sa (pixels x channel groups), B2 grad_map (thread per map
// element, gather form of the transposed conv), B3 grad_ca (warp per plane), B4 mlp_backward
// (block per image), B5 grad_x (warp per plane); then over all images B6 grad_spatial_weight
// (block per tap) and B7 grad_fc (thread per weight element, images in order).
// Every sum has a fixed order (lanes, shuffle trees, channel groups combined in group order,
// images in order): no atomics, so results do not change from run to run.
// Chunking: the images of one chunk (chunk_bytes()) fit in L2 (50 MB on an H100), so K3 and
// K4 (B3 and B5) re-read x (and gy) from L2 and HBM sees one read of x and one write of y.
#include <cstdint>
#include <cstdlib>
#include <type_traits>

#include "engine/cuda/common.cuh"
#include "kernels/cbam/cbam_cuda.h"

namespace kd {
namespace {

using namespace cuda;

// GPU-CHECK: tuning knob. Bytes of x (forward) or x + gy (backward) per chunk; must stay well
// under L2 so the second and third passes hit it (y / gx writes also pass through L2).
// KDFACE_CBAM_CHUNK_BYTES overrides it, so the op-case table can run in many small chunks.
int64_t chunk_bytes() {
  static const int64_t bytes = [] {
    const char* e = std::getenv("KDFACE_CBAM_CHUNK_BYTES");
    const long long v = e ? std::atoll(e) : 0;
    return v > 0 ? int64_t(v) : int64_t(20) << 20;
  }();
  return bytes;
}

// Maxima follow the primitives' rule (pool_cpu.cpp, pool_cuda.cu): argmax_takes_over and
// argmax_beats in engine/cuda/reduce.cuh (first maximum; a NaN takes over a number).

template <class T>
__device__ inline T sigmoid_t(T z) {
  return T(1) / (T(1) + exp(-z));
}

template <class T>
__device__ inline T relu_t(T v) {
  return v > T(0) ? v : T(0);
}

// Channel groups of the pixel-tile kernels (block = 32 pixels x G): about 8 channels per
// thread, at most 1024 threads.
int channel_groups(int64_t C) { return int(C / 8 < 1 ? 1 : (C / 8 > 32 ? 32 : C / 8)); }

// ---------------------------------------------------------------------------------------
// Forward

// K1. rows = N C planes of S pixels. pool (N, 2, C): [avg, max]; parg (N C).
template <class T>
__global__ void __launch_bounds__(kThreads) pool_hw_kernel(const T* __restrict__ x, T* __restrict__ pool,
                                                           int64_t* __restrict__ parg, int64_t rows, int64_t C,
                                                           int64_t S, bool vec4) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * kWarps) {
    const T* xp = x + r * S;
    double sum = 0;
    T best = T(0);
    int64_t bi = -1;
    // Each lane sees its indices in ascending order, so argmax_takes_over keeps the lane's first.
    auto see = [&](T v, int64_t i) {
      sum += double(v);
      if (bi < 0 || argmax_takes_over(v, best)) {
        best = v;
        bi = i;
      }
    };
    if constexpr (std::is_same<T, float>::value) {
      if (vec4) {  // GPU-CHECK: only when S % 4 == 0 and x is 16-byte aligned (launcher checks)
        const float4* x4 = reinterpret_cast<const float4*>(xp);
        for (int64_t j = lane; j < S / 4; j += 32) {
          const float4 v = x4[j];
          see(v.x, 4 * j);
          see(v.y, 4 * j + 1);
          see(v.z, 4 * j + 2);
          see(v.w, 4 * j + 3);
        }
      } else {
        for (int64_t i = lane; i < S; i += 32) see(xp[i], i);
      }
    } else {
      for (int64_t i = lane; i < S; i += 32) see(xp[i], i);
    }
    sum = warp_sum(sum);
    warp_argmax(best, bi);
    if (lane == 0) {
      const int64_t n = r / C, c = r - n * C;
      pool[n * 2 * C + c] = T(sum / double(S));
      pool[n * 2 * C + C + c] = best;
      parg[r] = bi;
    }
  }
}

// K2. One block per image; dynamic shared memory: 2 * hidden doubles (relu'd fc1 outputs).
template <class T>
__global__ void __launch_bounds__(kThreads) mlp_forward_kernel(const T* __restrict__ pool, const T* __restrict__ w1,
                                                               const T* __restrict__ w2, T* __restrict__ hpre,
                                                               T* __restrict__ ca, int64_t C, int64_t Hd) {
  KD_DYNAMIC_SHARED(double, r_s);  // (2, hidden)
  const int64_t n = blockIdx.x;
  const T* avg = pool + n * 2 * C;
  const T* mx = avg + C;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int64_t j = warp; j < Hd; j += kWarps) {  // warp-uniform loop: all lanes reach warp_sum
    double a = 0, b = 0;
    for (int64_t c = lane; c < C; c += 32) {
      const double w = double(w1[j * C + c]);
      a += w * double(avg[c]);
      b += w * double(mx[c]);
    }
    a = warp_sum(a);
    b = warp_sum(b);
    if (lane == 0) {
      const T ta = T(a), tb = T(b);
      hpre[n * 2 * Hd + j] = ta;
      hpre[n * 2 * Hd + Hd + j] = tb;
      r_s[j] = double(relu_t(ta));
      r_s[Hd + j] = double(relu_t(tb));
    }
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    // GPU-CHECK: w2 rows are read with stride hidden across threads (from L2; C*hidden is small)
    const T* wr = w2 + c * Hd;
    double a = 0, b = 0;
    for (int64_t j = 0; j < Hd; ++j) {
      a += double(wr[j]) * r_s[j];
      b += double(wr[j]) * r_s[Hd + j];
    }
    ca[n * C + c] = sigmoid_t(T(T(a) + T(b)));
  }
}

// K3. Block (32, G): lane = pixel of a tile of 32 consecutive flattened (n, s) pixels (a tile
// may straddle two images), threadIdx.y = channel group g taking c = g, g + G, ...
// Shared: psum (G, 32) double, pmax (G, 32) T, pidx (G, 32) int.
template <class T>
__global__ void __launch_bounds__(1024) channel_pool_kernel(const T* __restrict__ x, const T* __restrict__ ca,
                                                            T* __restrict__ map, int64_t* __restrict__ carg,
                                                            int64_t NS, int64_t C, int64_t S) {
  KD_DYNAMIC_SHARED(double, smem);
  const int lane = threadIdx.x, g = threadIdx.y, G = blockDim.y;
  double* psum = smem;
  T* pmax = reinterpret_cast<T*>(psum + G * 32);
  int* pidx = reinterpret_cast<int*>(pmax + G * 32);
  const int64_t i = int64_t(blockIdx.x) * 32 + lane;
  const bool valid = i < NS;  // GPU-CHECK: invalid lanes still reach __syncthreads
  const int64_t n = valid ? i / S : 0, s = valid ? i - n * S : 0;
  double sum = 0;
  T best = T(0);
  int bc = -1;
  if (valid) {
    const T* xp = x + n * C * S + s;
    const T* cap = ca + n * C;
#pragma unroll 4
    for (int64_t c = g; c < C; c += G) {
      const T v = xp[c * S] * cap[c];
      sum += double(v);
      if (bc < 0 || argmax_takes_over(v, best)) {
        best = v;
        bc = int(c);
      }
    }
  }
  psum[g * 32 + lane] = sum;
  pmax[g * 32 + lane] = best;
  pidx[g * 32 + lane] = bc;
  __syncthreads();
  if (g == 0 && valid) {
    double tot = 0;
    T b = T(0);
    int bi = -1;
    for (int k = 0; k < G; ++k) {
      tot += psum[k * 32 + lane];
      if (argmax_beats(pmax[k * 32 + lane], pidx[k * 32 + lane], b, bi)) {
        b = pmax[k * 32 + lane];
        bi = pidx[k * 32 + lane];
      }
    }
    map[n * 2 * S + s] = T(tot / double(C));
    map[n * 2 * S + S + s] = b;
    carg[n * S + s] = bi;
  }
}

// K4. Blocks as K3. The conv's 2k (channel, kernel row) units are spread over the channel
// groups; their partial sums (2k, 32) are added in unit order by group 0.
// Shared: part (2k, 32) double, then sa_tile (32) T.
template <class T>
__global__ void __launch_bounds__(1024) spatial_scale_kernel(const T* __restrict__ x, const T* __restrict__ ca,
                                                             const T* __restrict__ map, const T* __restrict__ ws,
                                                             T* __restrict__ sa, T* __restrict__ y, int64_t NS,
                                                             int64_t C, int64_t H, int64_t W, int k) {
  KD_DYNAMIC_SHARED(double, smem);
  const int lane = threadIdx.x, g = threadIdx.y, G = blockDim.y;
  double* part = smem;
  T* sa_tile = reinterpret_cast<T*>(part + 2 * k * 32);
  const int64_t S = H * W;
  const int64_t i = int64_t(blockIdx.x) * 32 + lane;
  const bool valid = i < NS;
  const int64_t n = valid ? i / S : 0, s = valid ? i - n * S : 0;
  const int64_t h = s / W, w = s - (s / W) * W;
  const int p = k / 2;
  for (int u = g; u < 2 * k; u += G) {
    double acc = 0;
    const int j = u / k, ky = u - j * k;
    const int64_t hh = h + ky - p;
    if (valid && hh >= 0 && hh < H) {
      const T* row = map + n * 2 * S + j * S + hh * W;
      const T* wr = ws + (j * k + ky) * k;
      for (int kx = 0; kx < k; ++kx) {
        const int64_t ww = w + kx - p;
        if (ww >= 0 && ww < W) acc += double(wr[kx]) * double(row[ww]);
      }
    }
    part[u * 32 + lane] = acc;
  }
  __syncthreads();
  if (g == 0) {
    T v = T(0);
    if (valid) {
      double q = 0;
      for (int u = 0; u < 2 * k; ++u) q += part[u * 32 + lane];
      v = sigmoid_t(T(q));
      sa[i] = v;  // (N, S) flattened: i = n S + s
    }
    sa_tile[lane] = v;
  }
  __syncthreads();
  if (valid) {
    const T sv = sa_tile[lane];
    const T* cap = ca + n * C;
#pragma unroll 4
    for (int64_t c = g; c < C; c += G) {
      const int64_t idx = (n * C + c) * S + s;
      y[idx] = (x[idx] * cap[c]) * sv;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Backward

// B1. Blocks as K3. gq[i] = (gsa + sum_c gy x ca) sa (1 - sa), i = n S + s.
template <class T>
__global__ void __launch_bounds__(1024) grad_sa_kernel(const T* __restrict__ x, const T* __restrict__ ca,
                                                       const T* __restrict__ sa, const T* __restrict__ gy,
                                                       const T* __restrict__ gsa, double* __restrict__ gq, int64_t NS,
                                                       int64_t C, int64_t S) {
  KD_DYNAMIC_SHARED(double, psum);  // (G, 32)
  const int lane = threadIdx.x, g = threadIdx.y, G = blockDim.y;
  const int64_t i = int64_t(blockIdx.x) * 32 + lane;
  const bool valid = i < NS;
  const int64_t n = valid ? i / S : 0, s = valid ? i - n * S : 0;
  double sum = 0;
  if (valid) {
    const T* cap = ca + n * C;
#pragma unroll 4
    for (int64_t c = g; c < C; c += G) {
      const int64_t idx = (n * C + c) * S + s;
      sum += double(gy[idx]) * double(x[idx] * cap[c]);
    }
  }
  psum[g * 32 + lane] = sum;
  __syncthreads();
  if (g == 0 && valid) {
    double tot = double(gsa[i]);
    for (int k = 0; k < G; ++k) tot += psum[k * 32 + lane];
    const double a = double(sa[i]);
    gq[i] = tot * a * (1 - a);
  }
}

// B2. One thread per element of gm (N, 2, S): the transposed conv as a gather (no atomics);
// the mean map's gradient is divided by C here, once.
template <class T>
__global__ void __launch_bounds__(kThreads) grad_map_kernel(const double* __restrict__ gq, const T* __restrict__ ws,
                                                            double* __restrict__ gm, int64_t N, int64_t C, int64_t H,
                                                            int64_t W, int k) {
  const int64_t S = H * W;
  const int p = k / 2;
  KD_GRID_STRIDE(idx, N * 2 * S) {
    const int64_t n = idx / (2 * S), rem = idx - n * 2 * S;
    const int j = int(rem / S);
    const int64_t t = rem - j * S, th = t / W, tw = t - (t / W) * W;
    const double* gqn = gq + n * S;
    double acc = 0;
    for (int ky = 0; ky < k; ++ky) {
      const int64_t h = th - ky + p;  // the output row whose tap ky reads row th
      if (h < 0 || h >= H) continue;
      for (int kx = 0; kx < k; ++kx) {
        const int64_t w = tw - kx + p;
        if (w >= 0 && w < W) acc += double(ws[(j * k + ky) * k + kx]) * gqn[h * W + w];
      }
    }
    gm[idx] = j == 0 ? acc / double(C) : acc;
  }
}

// g_x' at (n, c, s) of plane r = n C + c: gy sa + gmean + [c = argmax] gmax.
template <class T>
__device__ inline double grad_xc(const T* gyp, const T* san, const double* gm0, const double* gm1, const int64_t* cg,
                                 int64_t c, int64_t s) {
  return double(gyp[s]) * double(san[s]) + gm0[s] + (cg[s] == c ? gm1[s] : 0.0);
}

// B3. Warp per plane: gz = (gca + sum_s g_x' x) ca (1 - ca).
template <class T>
__global__ void __launch_bounds__(kThreads) grad_ca_kernel(const T* __restrict__ x, const T* __restrict__ ca,
                                                           const T* __restrict__ sa, const T* __restrict__ gy,
                                                           const T* __restrict__ gca, const double* __restrict__ gm,
                                                           const int64_t* __restrict__ carg, double* __restrict__ gz,
                                                           int64_t rows, int64_t C, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * kWarps) {
    const int64_t n = r / C, c = r - n * C;
    const T* xp = x + r * S;
    const T* gyp = gy + r * S;
    const double* gm0 = gm + n * 2 * S;
    double acc = 0;
    for (int64_t s = lane; s < S; s += 32)
      acc += grad_xc(gyp, sa + n * S, gm0, gm0 + S, carg + n * S, c, s) * double(xp[s]);
    acc = warp_sum(acc);
    if (lane == 0) {
      const double a = double(ca[r]);
      gz[r] = (acc + double(gca[r])) * a * (1 - a);
    }
  }
}

// B4. One block per image: gh = relu mask * (fc2^T gz) for both branches, gpool = fc1^T gh.
template <class T>
__global__ void __launch_bounds__(kThreads) mlp_backward_kernel(const double* __restrict__ gz,
                                                                const T* __restrict__ hpre, const T* __restrict__ w1,
                                                                const T* __restrict__ w2, double* __restrict__ gh,
                                                                double* __restrict__ gpool, int64_t C, int64_t Hd) {
  KD_DYNAMIC_SHARED(double, gh_s);  // (2, hidden)
  const int64_t n = blockIdx.x;
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  for (int64_t j = warp; j < Hd; j += kWarps) {
    double a = 0;
    for (int64_t c = lane; c < C; c += 32) a += double(w2[c * Hd + j]) * gz[n * C + c];
    a = warp_sum(a);
    if (lane == 0) {
      const double ga = hpre[n * 2 * Hd + j] > T(0) ? a : 0.0;
      const double gb = hpre[n * 2 * Hd + Hd + j] > T(0) ? a : 0.0;
      gh[n * 2 * Hd + j] = ga;
      gh[n * 2 * Hd + Hd + j] = gb;
      gh_s[j] = ga;
      gh_s[Hd + j] = gb;
    }
  }
  __syncthreads();
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
    double a = 0, b = 0;
    for (int64_t j = 0; j < Hd; ++j) {
      const double w = double(w1[j * C + c]);
      a += w * gh_s[j];
      b += w * gh_s[Hd + j];
    }
    gpool[n * 2 * C + c] = a;
    gpool[n * 2 * C + C + c] = b;
  }
}

// B5. Warp per plane: gx = g_x' ca + g_avg / S + [s = argmax_s] g_max. Writes every element.
template <class T>
__global__ void __launch_bounds__(kThreads) grad_x_kernel(const T* __restrict__ ca, const T* __restrict__ sa,
                                                          const T* __restrict__ gy, const double* __restrict__ gm,
                                                          const int64_t* __restrict__ carg,
                                                          const double* __restrict__ gpool,
                                                          const int64_t* __restrict__ parg, T* __restrict__ gx,
                                                          int64_t rows, int64_t C, int64_t S) {
  const int lane = threadIdx.x & 31;
  for (int64_t r = int64_t(blockIdx.x) * kWarps + (threadIdx.x >> 5); r < rows; r += int64_t(gridDim.x) * kWarps) {
    const int64_t n = r / C, c = r - n * C;
    const T* gyp = gy + r * S;
    const double* gm0 = gm + n * 2 * S;
    const double cc = double(ca[r]);
    const double ga = gpool[n * 2 * C + c] / double(S), gmx = gpool[n * 2 * C + C + c];
    const int64_t am = parg[r];
    T* gxp = gx + r * S;
    for (int64_t s = lane; s < S; s += 32)
      gxp[s] = T(grad_xc(gyp, sa + n * S, gm0, gm0 + S, carg + n * S, c, s) * cc + ga + (s == am ? gmx : 0.0));
  }
}

// B6. One block per tap t of (2, k, k), over all N S pixels: sum gq * shifted map.
template <class T>
__global__ void __launch_bounds__(kThreads) grad_spatial_weight_kernel(const double* __restrict__ gq,
                                                                       const T* __restrict__ map, T* __restrict__ gws,
                                                                       int64_t N, int64_t H, int64_t W, int k) {
  const int64_t S = H * W;
  const int t = blockIdx.x, j = t / (k * k), ky = (t / k) % k, kx = t % k, p = k / 2;
  double acc = 0;
  // Images outer so the pixel index splits with 32-bit divisions (S < 2^31 per image).
  for (int64_t n = 0; n < N; ++n) {
    const double* gqn = gq + n * S;
    const T* mj = map + n * 2 * S + j * S;
    for (int s = threadIdx.x; s < int(S); s += blockDim.x) {
      const int h = s / int(W), w = s - h * int(W);
      const int hh = h + ky - p, ww = w + kx - p;
      if (hh >= 0 && hh < int(H) && ww >= 0 && ww < int(W)) acc += gqn[s] * double(mj[hh * W + ww]);
    }
  }
  acc = block_sum(acc);
  if (threadIdx.x == 0) gws[t] = T(acc);
}

// B7. One thread per element of fc1 then fc2, images summed in order.
template <class T>
__global__ void __launch_bounds__(kThreads) grad_fc_kernel(const double* __restrict__ gz, const double* __restrict__ gh,
                                                           const T* __restrict__ pool, const T* __restrict__ hpre,
                                                           T* __restrict__ gw1, T* __restrict__ gw2, int64_t N,
                                                           int64_t C, int64_t Hd) {
  KD_GRID_STRIDE(idx, 2 * Hd * C) {
    double acc = 0;
    if (idx < Hd * C) {
      if (!gw1) continue;
      const int64_t j = idx / C, c = idx - j * C;
      for (int64_t n = 0; n < N; ++n)
        acc += gh[n * 2 * Hd + j] * double(pool[n * 2 * C + c]) + gh[n * 2 * Hd + Hd + j] * double(pool[n * 2 * C + C + c]);
      gw1[idx] = T(acc);
    } else {
      if (!gw2) continue;
      const int64_t e = idx - Hd * C, c = e / Hd, j = e - c * Hd;
      for (int64_t n = 0; n < N; ++n)
        acc += gz[n * C + c] * (double(relu_t(hpre[n * 2 * Hd + j])) + double(relu_t(hpre[n * 2 * Hd + Hd + j])));
      gw2[e] = T(acc);
    }
  }
}

// Images per chunk so that the chunk stays under chunk_bytes().
int64_t chunk_images(int64_t N, int64_t bytes_per_image) {
  const int64_t nb = chunk_bytes() / (bytes_per_image > 0 ? bytes_per_image : 1);
  return nb < 1 ? 1 : (nb > N ? N : nb);
}

size_t pixel_tile_smem(int G, size_t t_size) { return size_t(G) * 32 * (sizeof(double) + t_size + sizeof(int)); }

}  // namespace

template <class T>
void cbam_forward_cuda(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, T* y, T* ca, T* sa,
                       const CbamSaved<T>& sv) {
  const int64_t C = d.C, S = d.S(), Hd = d.hidden;
  const int k = int(d.k);
  KD_CHECK(k <= 63, "cbam (CUDA): spatial kernel size ", k, " is larger than the supported 63");
  KD_CHECK(Hd <= 2048, "cbam (CUDA): hidden ", Hd, " is larger than the supported 2048 (shared memory)");
  const int G = channel_groups(C);
  const dim3 tile_block(32, unsigned(G));
  const size_t conv_smem = size_t(2 * k * 32) * sizeof(double) + 32 * sizeof(T);
  const int64_t nb = chunk_images(d.N, C * S * int64_t(sizeof(T)));
  for (int64_t n0 = 0; n0 < d.N; n0 += nb) {
    const int64_t m = d.N - n0 < nb ? d.N - n0 : nb;
    const T* xc = x + n0 * C * S;
    T* pool = sv.pool + n0 * 2 * C;
    T* cac = ca + n0 * C;
    T* map = sv.map + n0 * 2 * S;
    const bool vec4 = std::is_same<T, float>::value && S % 4 == 0 && reinterpret_cast<uintptr_t>(xc) % 16 == 0;
    KD_LAUNCH(pool_hw_kernel<T>, warp_grid(m * C), kThreads, 0, xc, pool, sv.parg + n0 * C, m * C, C, S, vec4);
    KD_LAUNCH(mlp_forward_kernel<T>, unsigned(m), kThreads, size_t(2 * Hd) * sizeof(double), pool, w1, w2,
              sv.hpre + n0 * 2 * Hd, cac, C, Hd);
    const unsigned tiles = unsigned((m * S + 31) / 32);
    KD_LAUNCH(channel_pool_kernel<T>, tiles, tile_block, pixel_tile_smem(G, sizeof(T)), xc, cac, map, sv.carg + n0 * S,
              m * S, C, S);
    KD_LAUNCH(spatial_scale_kernel<T>, tiles, tile_block, conv_smem, xc, cac, map, ws, sa + n0 * S, y + n0 * C * S,
              m * S, C, d.H, d.W, k);
  }
}

template <class T>
void cbam_backward_cuda(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, const T* ca,
                        const T* sa, const CbamSaved<T>& sv, const T* gy, const T* gca, const T* gsa,
                        const CbamCudaScratch& sc, T* gx, T* gw1, T* gw2, T* gws) {
  const int64_t C = d.C, S = d.S(), Hd = d.hidden;
  const int k = int(d.k);
  KD_CHECK(k <= 63, "cbam (CUDA): spatial kernel size ", k, " is larger than the supported 63");
  KD_CHECK(Hd <= 2048, "cbam (CUDA): hidden ", Hd, " is larger than the supported 2048 (shared memory)");
  const int G = channel_groups(C);
  const dim3 tile_block(32, unsigned(G));
  const int64_t nb = chunk_images(d.N, 2 * C * S * int64_t(sizeof(T)));
  for (int64_t n0 = 0; n0 < d.N; n0 += nb) {
    const int64_t m = d.N - n0 < nb ? d.N - n0 : nb;
    const T* xc = x + n0 * C * S;
    const T* gyc = gy + n0 * C * S;
    const T* cac = ca + n0 * C;
    const T* sac = sa + n0 * S;
    double* gq = sc.gq + n0 * S;
    double* gm = sc.gm + n0 * 2 * S;
    double* gz = sc.gz + n0 * C;
    double* gpool = sc.gpool + n0 * 2 * C;
    const int64_t* carg = sv.carg + n0 * S;
    const unsigned tiles = unsigned((m * S + 31) / 32);
    KD_LAUNCH(grad_sa_kernel<T>, tiles, tile_block, size_t(G) * 32 * sizeof(double), xc, cac, sac, gyc, gsa + n0 * S,
              gq, m * S, C, S);
    KD_LAUNCH(grad_map_kernel<T>, grid_for(m * 2 * S), kThreads, 0, gq, ws, gm, m, C, d.H, d.W, k);
    KD_LAUNCH(grad_ca_kernel<T>, warp_grid(m * C), kThreads, 0, xc, cac, sac, gyc, gca + n0 * C, gm, carg, gz, m * C, C,
              S);
    KD_LAUNCH(mlp_backward_kernel<T>, unsigned(m), kThreads, size_t(2 * Hd) * sizeof(double), gz, sv.hpre + n0 * 2 * Hd,
              w1, w2, sc.gh + n0 * 2 * Hd, gpool, C, Hd);
    if (gx) {
      KD_LAUNCH(grad_x_kernel<T>, warp_grid(m * C), kThreads, 0, cac, sac, gyc, gm, carg, gpool, sv.parg + n0 * C,
                gx + n0 * C * S, m * C, C, S);
    }
  }
  if (gws) {
    KD_LAUNCH(grad_spatial_weight_kernel<T>, unsigned(2 * k * k), kThreads, 0, sc.gq, sv.map, gws, d.N, d.H, d.W, k);
  }
  if (gw1 || gw2) {
    KD_LAUNCH(grad_fc_kernel<T>, grid_for(2 * Hd * C), kThreads, 0, sc.gz, sc.gh, sv.pool, sv.hpre, gw1, gw2, d.N, C,
              Hd);
  }
}

KD_CBAM_CUDA_INSTANCES(float)
KD_CBAM_CUDA_INSTANCES(double)

}  // namespace kd
