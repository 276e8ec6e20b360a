#include "kernels/precision/autocast.h"

#include <cstdint>
#include <cstring>

#include "engine/dispatch.h"
#include "engine/parallel.h"
#include "kernels/precision/bf16_cuda.h"

namespace kd::autocast {
namespace {
thread_local bool g_bf16 = false;
}

bool bf16_enabled() { return g_bf16; }

Bf16Scope::Bf16Scope(bool on) : prev_(g_bf16) { g_bf16 = on; }
Bf16Scope::~Bf16Scope() { g_bf16 = prev_; }

float round_bf16(float x) {
  uint32_t b;
  std::memcpy(&b, &x, 4);
  if ((b & 0x7FFFFFFFu) > 0x7F800000u) {
    b = (b | 0x00400000u) & 0xFFFF0000u;  // NaN: quiet, and still NaN after dropping the low half
  } else {
    // Adding 0x7FFF plus the lowest kept bit rounds to nearest with ties to even; a carry
    // out of the mantissa bumps the exponent, which is the correct result (up to inf).
    b += 0x7FFFu + ((b >> 16) & 1u);
    b &= 0xFFFF0000u;
  }
  float r;
  std::memcpy(&r, &b, 4);
  return r;
}

Tensor rounded_bf16(const Tensor& x) {
  KD_CHECK(x.defined(), "rounded_bf16: undefined tensor");
  KD_CHECK(x.dtype() == DType::F32, "rounded_bf16: expected a float32 tensor, got ", dtype_name(x.dtype()), " ",
           shape_str(x.shape()));
  Tensor y = Tensor::empty(x.shape(), DType::F32, x.device());
  const float* xp = x.data<float>();
  float* yp = y.data<float>();
  const int64_t n = x.numel();
  on_device(
      x.device(), "rounded_bf16",
      [&] {
        parallel_for_chunks(n, [&](int64_t b, int64_t e) {
          for (int64_t i = b; i < e; ++i) yp[i] = round_bf16(xp[i]);
        });
      },
      [&] { round_bf16_cuda(xp, yp, n); });
  return y;
}

}  // namespace kd::autocast
