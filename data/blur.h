#pragma once
// Blur filters used by the degradation protocols (see docs/data.md, "Degradation").
#include <cstdint>
#include <vector>

#include "data/taps.h"

namespace kd::data {

// Normalised 1-D Gaussian taps g[k] = exp(-k^2 / (2 sigma^2)) / sum, k = -radius..radius
// (torchvision's _get_gaussian_kernel1d for kernel_size = 2 radius + 1).
std::vector<float> gaussian_kernel1d(double sigma, int radius);

// The kernel as Taps over n samples with reflect padding (torch.nn.functional.pad
// "reflect" = OpenCV BORDER_REFLECT_101: ... 2 1 | 0 1 2 ... n-1 | n-2 ...).
Taps convolution_taps(const std::vector<float>& kernel, int n);

// Index of j in [-(n-1), 2(n-1)] reflected into [0, n); n == 1 maps everything to 0.
int reflect_index(int j, int n);

// Linear motion blur of `length` pixels at angle `angle_rad` on an interleaved float
// image (h, w, c), each channel alike:
// out(x, y) = mean over k = 0..length-1 of in(x + t_k cos a, y + t_k sin a) with
// t_k = k - (length - 1) / 2, bilinear sampling, coordinates clamped to the image
// (replicate border). length 1 is the identity.
void motion_blur(const float* src, int w, int h, int c, int length, double angle_rad, float* dst);

}  // namespace kd::data
