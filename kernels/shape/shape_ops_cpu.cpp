#include "kernels/shape/shape_ops_cpu.h"

#include <cstring>
#include <numeric>

#include "engine/parallel.h"

namespace kd {

void concat_cpu(const std::vector<const char*>& src, const std::vector<int64_t>& row_bytes, char* dst, int64_t outer) {
  const int64_t total = std::accumulate(row_bytes.begin(), row_bytes.end(), int64_t(0));
  parallel_for(outer, [&](int64_t o) {
    char* out = dst + o * total;
    for (size_t k = 0; k < src.size(); ++k) {
      if (row_bytes[k]) std::memcpy(out, src[k] + o * row_bytes[k], size_t(row_bytes[k]));
      out += row_bytes[k];
    }
  }, total / 4);
}

void split_cpu(const char* src, const std::vector<int64_t>& row_bytes, const std::vector<char*>& dst, int64_t outer) {
  const int64_t total = std::accumulate(row_bytes.begin(), row_bytes.end(), int64_t(0));
  parallel_for(outer, [&](int64_t o) {
    const char* in = src + o * total;
    for (size_t k = 0; k < dst.size(); ++k) {
      if (dst[k] && row_bytes[k]) std::memcpy(dst[k] + o * row_bytes[k], in, size_t(row_bytes[k]));
      in += row_bytes[k];
    }
  }, total / 4);
}

}  // namespace kd
