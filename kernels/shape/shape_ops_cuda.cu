// Concatenation is a strided copy: piece k is `outer` rows of row_bytes[k], placed at a
// column offset in rows of the total width. cudaMemcpy2DAsync does exactly that, device to
// device on the default stream, ordered with the kernels around it; no kernel of our own.
#include "kernels/shape/shape_ops_cuda.h"

#include <numeric>

#include "engine/cuda/check_cuda.h"

namespace kd {

void concat_cuda(const std::vector<const char*>& src, const std::vector<int64_t>& row_bytes, char* dst, int64_t outer) {
  const int64_t total = std::accumulate(row_bytes.begin(), row_bytes.end(), int64_t(0));
  int64_t col = 0;
  for (size_t k = 0; k < src.size(); ++k) {
    if (row_bytes[k] && outer)
      KD_CUDA_CHECK(cudaMemcpy2DAsync(dst + col, size_t(total), src[k], size_t(row_bytes[k]), size_t(row_bytes[k]),
                                      size_t(outer), cudaMemcpyDeviceToDevice, nullptr));
    col += row_bytes[k];
  }
}

void split_cuda(const char* src, const std::vector<int64_t>& row_bytes, const std::vector<char*>& dst, int64_t outer) {
  const int64_t total = std::accumulate(row_bytes.begin(), row_bytes.end(), int64_t(0));
  int64_t col = 0;
  for (size_t k = 0; k < dst.size(); ++k) {
    if (dst[k] && row_bytes[k] && outer)
      KD_CUDA_CHECK(cudaMemcpy2DAsync(dst[k], size_t(row_bytes[k]), src + col, size_t(total), size_t(row_bytes[k]),
                                      size_t(outer), cudaMemcpyDeviceToDevice, nullptr));
    col += row_bytes[k];
  }
}

}  // namespace kd
