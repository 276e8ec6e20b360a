// Linked in CPU-only builds (no nvcc): the CUDA questions all answer "no".
#include "engine/check.h"
#include "engine/cuda.h"

namespace kd::cuda {

bool built() { return false; }
bool available() { return false; }
int device_count() { return 0; }
std::string device_name(int) { return "none"; }
std::string unavailable_reason() { return "kdface was built without CUDA (no nvcc found at configure time)"; }
void synchronize() {}
AllocatorStats allocator_stats(int) { return {}; }
void empty_cache(int) {}

}  // namespace kd::cuda
