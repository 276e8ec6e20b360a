#pragma once
// Fused CPU CBAM kernels (raw pointers, NCHW, float / double). Forward and backward make
// three and four passes over N*C*H*W memory; docs/ops/cbam.md has the maths.
#include "kernels/cbam/cbam_dims.h"

namespace kd {

// x (N, C, S); w1 (hidden, C); w2 (C, hidden); ws (2, k, k). Writes y (N, C, S), ca (N, C),
// sa (N, S) and every buffer of saved; saved.parg and saved.carg may be null (inference: no
// backward will need the argmaxes, and skipping them saves a scan and an index row per image).
template <class T>
void cbam_forward_cpu(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, T* y, T* ca, T* sa,
                      const CbamSaved<T>& saved);

// Upstream gradients gy (N, C, S), gca (N, C), gsa (N, S) (zeros where an output was unused).
// Writes gx (N, C, S), gw1, gw2, gws (shapes of w1, w2, ws); a null output is skipped.
// Weight gradients sum per-image terms in image order: the result does not depend on the
// thread count.
template <class T>
void cbam_backward_cpu(const CbamDims& d, const T* x, const T* w1, const T* w2, const T* ws, const T* ca,
                       const T* sa, const CbamSaved<T>& saved, const T* gy, const T* gca, const T* gsa, T* gx,
                       T* gw1, T* gw2, T* gws);

}  // namespace kd
