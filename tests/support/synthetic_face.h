#pragma once
// Smooth synthetic "faces" for the training and evaluation tests: per identity a colour
// gradient, per image a small phase shift and noise, so the classes are learnable and the
// JPEGs are realistic in size. No real face is needed where the maths is what is tested.
#include <algorithm>
#include <cmath>
#include <cstdint>

#include "data/image.h"
#include "data/shard.h"  // kFaceSize
#include "engine/rng.h"

namespace kdtest {

inline kd::data::Image synthetic_face(int identity, int k, kd::Generator& g) {
  kd::data::Image img(kd::data::kFaceSize, kd::data::kFaceSize, 3);
  const double phase = 0.7 * identity + 0.05 * k;
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x)
      for (int c = 0; c < 3; ++c) {
        double v = 128 + 80 * std::sin(0.05 * (x + 3 * c) + phase) * std::cos(0.04 * y - phase) + 10 * g.normal();
        img.at(x, y, c) = uint8_t(std::max(0.0, std::min(255.0, v)));
      }
  return img;
}

}  // namespace kdtest
