#include "models/init.h"

#include <cmath>

namespace kd::models {

Tensor default_weight(const Shape& shape, Generator& g) {
  KD_CHECK(shape.size() >= 2 && shape[0] > 0, "default_weight: expected a weight shape (out, in, ...), got ",
           shape_str(shape));
  const int64_t fan_in = numel(shape) / shape[0];
  const double bound = 1.0 / std::sqrt(double(fan_in));
  return Tensor::uniform(shape, g, -bound, bound);
}

Tensor default_bias(int64_t out, int64_t fan_in, Generator& g) {
  KD_CHECK(fan_in > 0, "default_bias: fan_in must be positive, got ", fan_in);
  const double bound = 1.0 / std::sqrt(double(fan_in));
  return Tensor::uniform({out}, g, -bound, bound);
}

}  // namespace kd::models
