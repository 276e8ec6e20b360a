// Linked in CPU-only builds (no nvcc): the CUDA questions all answer "no", and the engine's own
// CUDA kernels (engine/cuda/*.cu) are declared there too, throwing if ever reached. The op
// kernels' stubs are kernels/cuda_stub/.
#include "engine/check.h"
#include "engine/cuda.h"
#include "engine/optim/sgd.h"

namespace kd::cuda {

bool built() { return false; }
bool available() { return false; }
int device_count() { return 0; }
std::string device_name(int) { return "none"; }
std::string unavailable_reason() { return "kdface was built without CUDA (no nvcc found at configure time)"; }
void synchronize() {}
AllocatorStats allocator_stats(int) { return {}; }
void empty_cache(int) {}
void reset_peak_stats(int) {}
float time_ms(const std::function<void()>&) { KD_FAIL("cuda::time_ms: ", unavailable_reason()); }
void flush_l2(int) { KD_FAIL("cuda::flush_l2: ", unavailable_reason()); }
void mem_info(size_t* f, size_t* t) { *f = *t = 0; }

}  // namespace kd::cuda

namespace kd {

template <class T>
void sgd_update_cuda(T*, const T*, T*, int64_t, const SGDHyper&, bool) {
  KD_FAIL("sgd_update_cuda: kdface was built without CUDA");
}
KD_SGD_CUDA_INSTANCES(float)
KD_SGD_CUDA_INSTANCES(double)

}  // namespace kd
