#pragma once
// 1-D resampling filters as Taps (data/taps.h); a 2-D resize is a horizontal then a
// vertical pass. The exact rules are in docs/data.md, "Degradation".
#include "data/taps.h"

namespace kd::data {

// Keys cubic convolution kernel with parameter a (PIL / Matlab use a = -0.5).
double keys_cubic(double x, double a);

// Bicubic as PIL's Image.resize(BICUBIC) and Matlab's imresize: pixel centres aligned
// (src = (dst + 0.5) * in/out - 0.5); when shrinking, the kernel is stretched by in/out
// (antialiasing); taps outside [0, in) are dropped and the rest renormalised to sum 1.
Taps bicubic_taps(int in, int out, double a = -0.5);

// Nearest neighbour as torch.nn.functional.interpolate(mode="nearest") (A-SKD's code):
// src = min(floor(dst * in/out), in - 1). Not PIL's NEAREST, which samples at pixel
// centres (floor((dst + 0.5) * in/out)).
Taps nearest_taps(int in, int out);

}  // namespace kd::data
