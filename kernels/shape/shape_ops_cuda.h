#pragma once
// CUDA versions of the byte-copy kernels of shape_ops_cpu.h (device pointers, same layout).
#include <cstdint>
#include <vector>

namespace kd {

void concat_cuda(const std::vector<const char*>& src, const std::vector<int64_t>& row_bytes, char* dst, int64_t outer);
void split_cuda(const char* src, const std::vector<int64_t>& row_bytes, const std::vector<char*>& dst, int64_t outer);

}  // namespace kd
