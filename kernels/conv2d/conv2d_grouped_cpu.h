#pragma once
// Direct forward kernel for grouped 3x3 convolutions with few channels per group (the ResNeXt
// bottleneck's c2: groups 8, 2..16 channels per group), where im2col + a GEMM with 2..16 rows
// wastes most of the GEMM micro-kernel. See conv2d_grouped_cpu.cpp.
#include "kernels/conv2d/conv2d_cpu.h"

namespace kd {

// Whether grouped_direct_forward_cpu handles d at all on this machine: 3x3, stride 1 or 2,
// pad 1, groups > 1, 2..16 input and 1..16 output channels per group, and an AVX-512 CPU
// (the kernel is compiled for AVX-512 with a function target attribute and picked at run time;
// KDFACE_GEMM_ISA=avx2/base, the GEMM's switch to measure narrower code, turns it off too).
bool grouped_direct_supported(const Conv2dDims& d);

// Whether conv2d_forward_cpu takes the direct kernel for d (supported, and measured to win).
bool grouped_direct_preferred(const Conv2dDims& d);

// y (N, O, Ho, Wo) = conv(x, w) + bias, then max(0, .) when d.relu; bias may be null. Threads
// over (image, group) items; every output is summed by one thread in a fixed order, so the
// result does not depend on the thread count. Requires grouped_direct_supported(d).
template <class T>
void grouped_direct_forward_cpu(const Conv2dDims& d, const T* x, const T* w, const T* bias, T* y);

// For tests and benchmarks: 0 = never take the direct kernel, 1 = whenever supported,
// -1 (default) = grouped_direct_preferred. Not thread-safe against concurrent convolutions.
void set_grouped_direct_mode(int mode);
int grouped_direct_mode();

}  // namespace kd
