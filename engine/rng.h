#pragma once
#include <array>
#include <cstdint>

#ifdef __CUDACC__
#define KD_HD __host__ __device__
#else
#define KD_HD
#endif

namespace kd {

// Sequential generator (xoshiro256**) for initialisation and shuffles. Its whole state is
// four words so checkpoints can save and restore it exactly.
class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eedULL) { reseed(seed); }
  void reseed(uint64_t seed);
  uint64_t next_u64();
  double uniform();  // [0, 1)
  double normal();   // N(0, 1), Box-Muller without a cached spare (state stays 4 words)
  std::array<uint64_t, 4> state() const { return s_; }
  void set_state(const std::array<uint64_t, 4>& s) { s_ = s; }

 private:
  std::array<uint64_t, 4> s_{};
};

// Counter-based hash: element i of a random stream keyed by seed. The same bits come out on
// the CPU and in a CUDA kernel, so dropout masks agree across backends.
KD_HD inline uint64_t mix64(uint64_t seed, uint64_t i) {
  uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1) from the top 24 bits (exact in float).
KD_HD inline float uniform01(uint64_t bits) { return float(bits >> 40) * (1.0f / 16777216.0f); }

}  // namespace kd
