#pragma once
// Byte-copy kernels behind concat (any dtype). Every tensor is viewed as (outer, dim, inner):
// piece k is rows of row_bytes[k] = size_k(dim) * inner * element size.
#include <cstdint>
#include <vector>

namespace kd {

// dst (outer, sum of rows) <- pieces side by side
void concat_cpu(const std::vector<const char*>& src, const std::vector<int64_t>& row_bytes, char* dst, int64_t outer);
// The inverse: dst[k] <- its columns of src; a null dst[k] is skipped.
void split_cpu(const char* src, const std::vector<int64_t>& row_bytes, const std::vector<char*>& dst, int64_t outer);

}  // namespace kd
