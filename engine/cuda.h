#pragma once
// What the rest of the engine may ask about CUDA without including a CUDA header.
#include <functional>
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
void reset_peak_stats(int index = 0);

// Benchmark aids (kdface-bench). time_ms: f's device time in ms, between two events recorded
// on the default stream around it (f only enqueues work). flush_l2: overwrites a buffer
// larger than the device's L2 so the next run starts cold. Both throw without a device.
float time_ms(const std::function<void()>& f);
void flush_l2(int index = 0);
// Device memory the driver reports free / total, in bytes.
void mem_info(size_t* free_bytes, size_t* total_bytes);

}  // namespace kd::cuda
