#pragma once
// Device-side range check of class labels, for check_labels in labels.cpp.
#include <cstdint>

namespace kd {

// Index of the first label outside [0, c), or -1 when all are in range. scratch: one int64 of
// device memory. Synchronises (one 8-byte copy back), so a bad label is reported at the op
// that received it, with the same message as on the CPU.
int64_t first_bad_label_cuda(const int64_t* labels, int64_t n, int64_t c, int64_t* scratch);

}  // namespace kd
