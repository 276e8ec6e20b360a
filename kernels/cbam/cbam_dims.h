#pragma once
// Sizes and saved state shared by the CPU and CUDA CBAM kernels (plain C++, no CUDA headers).
#include <cstdint>

namespace kd {

struct CbamDims {
  int64_t N, C, H, W;  // x (N, C, H, W)
  int64_t hidden;      // fc1 (hidden, C), fc2 (C, hidden)
  int64_t k;           // spatial (1, 2, k, k), k odd, padding k / 2
  int64_t S() const { return H * W; }
  int64_t pad() const { return k / 2; }
};

// What the forward keeps for the backward besides x and the outputs ca, sa: O(N (C + H W))
// values, never an N*C*H*W copy. Pointers are host or device memory, matching the kernels.
template <class T>
struct CbamSaved {
  T* pool;        // (N, 2, C): [avg over H W, max over H W] of x
  int64_t* parg;  // (N, C): position in H W of the first maximum of each channel
  T* hpre;        // (N, 2, hidden): fc1 outputs before relu, [avg branch, max branch]
  T* map;         // (N, 2, S): [mean over C, max over C] of x' = x ca
  int64_t* carg;  // (N, S): channel of the first maximum of x' at each pixel
};

}  // namespace kd
