#pragma once
// What the rest of the engine may ask about CUDA without including a CUDA header.
#include <string>

#include "engine/caching_allocator.h"

namespace kd::cuda {

bool built();        // compiled with the CUDA backend
bool available();    // built() and at least one device answers
int device_count();  // 0 when unavailable
std::string device_name(int index = 0);
std::string unavailable_reason();  // why available() is false, for skip messages
void synchronize();
// The device allocator's statistics (bytes in use, peak, cached, cache hits, cudaMalloc
// calls) and a way to hand its cache back to the driver; zeros / no-op without CUDA.
AllocatorStats allocator_stats(int index = 0);
void empty_cache(int index = 0);

}  // namespace kd::cuda
