#pragma once
// CPU kernels behind elementwise.h, templated on float / double.
#include <cstdint>

#include "kernels/elementwise/broadcast.h"

namespace kd {

enum class BinaryOp { Add, Sub, Mul };

// y = a op b over the broadcast d (s0 for a, s1 for b).
template <class T>
void binary_forward_cpu(const BroadcastDims& d, const T* a, const T* b, T* y, BinaryOp op);

// Gradient of one operand (read with d.s0, g_numel elements):
// g = sign * sum over its broadcast dimensions of gy * w, w read with d.s1 (null: w = 1).
template <class T>
void binary_backward_cpu(const BroadcastDims& d, const T* gy, const T* w, T sign, T* g, int64_t g_numel);

// y = alpha x + beta
template <class T>
void affine_cpu(const T* x, T* y, int64_t n, double alpha, double beta);
// y = x * x; its gradient gx = 2 x gy
template <class T>
void square_forward_cpu(const T* x, T* y, int64_t n);
template <class T>
void square_backward_cpu(const T* x, const T* gy, T* gx, int64_t n);

}  // namespace kd
