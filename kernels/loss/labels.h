#pragma once
#include "engine/tensor.h"

namespace kd {

// Class labels for a batch: int64 (n) on z's device with every value in [0, c). The message
// names the op, the sample index, the label and c, so a bad data pipeline is easy to find.
void check_labels(const Tensor& labels, int64_t n, int64_t c, Device device, const char* op);

}  // namespace kd
