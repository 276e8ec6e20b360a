#include "kernels/cuda_stub/stub.h"
#include "kernels/pool/pool_cuda.h"

namespace kd {

template <class T>
void global_avg_pool_forward_cuda(const T*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("global_avg_pool_forward_cuda");
}
template <class T>
void global_avg_pool_backward_cuda(const T*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("global_avg_pool_backward_cuda");
}
template <class T>
void global_max_pool_forward_cuda(const T*, T*, int64_t*, int64_t, int64_t, int64_t) {
  built_without_cuda("global_max_pool_forward_cuda");
}
template <class T>
void global_max_pool_backward_cuda(const T*, const int64_t*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("global_max_pool_backward_cuda");
}
template <class T>
void channel_mean_forward_cuda(const T*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("channel_mean_forward_cuda");
}
template <class T>
void channel_mean_backward_cuda(const T*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("channel_mean_backward_cuda");
}
template <class T>
void channel_max_forward_cuda(const T*, T*, int64_t*, int64_t, int64_t, int64_t) {
  built_without_cuda("channel_max_forward_cuda");
}
template <class T>
void channel_max_backward_cuda(const T*, const int64_t*, T*, int64_t, int64_t, int64_t) {
  built_without_cuda("channel_max_backward_cuda");
}

KD_POOL_CUDA_INSTANCES(float)
KD_POOL_CUDA_INSTANCES(double)

}  // namespace kd
