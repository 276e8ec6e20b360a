#pragma once
// Device-side built-ins of the emulated CUDA device: the thread coordinates, barriers, warp
// shuffles and votes, atomics, the rounding intrinsics and the math functions in use.
//
// Threads of a block are fibers on one OS thread (cudaemu/src/scheduler.cpp). A fiber runs
// until it reaches a barrier or a warp operation, so everything between two of those is
// atomic with respect to the other threads: the atomics are plain read-modify-writes.
#include <math.h>  // the global float and double overloads, as in CUDA device code

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "kd_emu/vector_types.h"

namespace kd::emu {

// Set by the scheduler before it resumes a thread (threadIdx) or starts a block/launch.
inline thread_local uint3 t_threadIdx{0, 0, 0};
inline thread_local uint3 t_blockIdx{0, 0, 0};
inline thread_local dim3 t_blockDim{1, 1, 1};
inline thread_local dim3 t_gridDim{1, 1, 1};

enum class WarpKind : int { ShflIdx, ShflUp, ShflDown, ShflXor, Sync, Ballot, Any, All };

// Suspends the calling thread at the barrier until every thread of the block reaches it;
// an error (kd::emu::Error naming the kernel) when some never can.
void syncthreads(const char* file, int line);
// Suspends the calling lane until every lane in mask reaches a warp operation of the same
// kind and mask, then returns this lane's result (value bits of the source lane, or the vote).
uint64_t warp_op(WarpKind kind, unsigned mask, uint64_t value, int arg, int width, const char* file, int line);
// The block's dynamic shared memory (the launch's shared_bytes), 16-byte aligned.
void* dynamic_shared_raw();
template <class T>
T* dynamic_shared() {
  return static_cast<T*>(dynamic_shared_raw());
}

template <class T>
uint64_t to_bits(T v) {
  static_assert(std::is_trivially_copyable_v<T> && sizeof(T) <= 8, "warp shuffle of a type wider than 8 bytes");
  uint64_t b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T>
T from_bits(uint64_t b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

}  // namespace kd::emu

#define threadIdx (::kd::emu::t_threadIdx)
#define blockIdx (::kd::emu::t_blockIdx)
#define blockDim (::kd::emu::t_blockDim)
#define gridDim (::kd::emu::t_gridDim)
constexpr int warpSize = 32;

inline void __syncthreads(const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  ::kd::emu::syncthreads(file, line);
}
inline void __syncwarp(unsigned mask = 0xffffffffu, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  ::kd::emu::warp_op(::kd::emu::WarpKind::Sync, mask, 0, 0, 32, file, line);
}

#define KD_EMU_SHFL(name, kind)                                                                          \
  template <class T>                                                                                     \
  T name(unsigned mask, T var, int arg, int width = 32, const char* file = __builtin_FILE(),              \
         int line = __builtin_LINE()) {                                                                  \
    return ::kd::emu::from_bits<T>(                                                                      \
        ::kd::emu::warp_op(::kd::emu::WarpKind::kind, mask, ::kd::emu::to_bits(var), arg, width, file, line)); \
  }
KD_EMU_SHFL(__shfl_sync, ShflIdx)
KD_EMU_SHFL(__shfl_up_sync, ShflUp)
KD_EMU_SHFL(__shfl_down_sync, ShflDown)
KD_EMU_SHFL(__shfl_xor_sync, ShflXor)
#undef KD_EMU_SHFL

inline unsigned __ballot_sync(unsigned mask, int pred, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  return unsigned(::kd::emu::warp_op(::kd::emu::WarpKind::Ballot, mask, pred != 0, 0, 32, file, line));
}
inline int __any_sync(unsigned mask, int pred, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  return int(::kd::emu::warp_op(::kd::emu::WarpKind::Any, mask, pred != 0, 0, 32, file, line));
}
inline int __all_sync(unsigned mask, int pred, const char* file = __builtin_FILE(), int line = __builtin_LINE()) {
  return int(::kd::emu::warp_op(::kd::emu::WarpKind::All, mask, pred != 0, 0, 32, file, line));
}

// Atomics: no other thread runs between a fiber's switch points, so these are exact.
template <class T>
T atomicAdd(T* p, T v) {
  T old = *p;
  *p = old + v;
  return old;
}
template <class T>
T atomicMin(T* p, T v) {
  T old = *p;
  if (v < old) *p = v;
  return old;
}
template <class T>
T atomicMax(T* p, T v) {
  T old = *p;
  if (v > old) *p = v;
  return old;
}
template <class T>
T atomicExch(T* p, T v) {
  T old = *p;
  *p = v;
  return old;
}
template <class T>
T atomicCAS(T* p, T compare, T v) {
  T old = *p;
  if (old == compare) *p = v;
  return old;
}

// Round-to-nearest arithmetic that is never contracted into an fma: the emulated build is
// compiled with -ffp-contract=off, so the plain operators already round once each.
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dsub_rn(double a, double b) { return a - b; }
inline double __ddiv_rn(double a, double b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }
inline float __expf(float x) { return expf(x); }
inline float __logf(float x) { return logf(x); }
inline float __fdividef(float a, float b) { return a / b; }
inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : x); }
inline int __float_as_int(float x) { return ::kd::emu::from_bits<int>(::kd::emu::to_bits(x)); }
inline float __int_as_float(int x) { return ::kd::emu::from_bits<float>(::kd::emu::to_bits(x)); }
inline long long __double_as_longlong(double x) { return ::kd::emu::from_bits<long long>(::kd::emu::to_bits(x)); }
inline double __longlong_as_double(long long x) { return ::kd::emu::from_bits<double>(::kd::emu::to_bits(x)); }
template <class T>
T __ldg(const T* p) {
  return *p;
}
