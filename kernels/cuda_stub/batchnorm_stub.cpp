#include "kernels/batchnorm/batchnorm_cuda.h"
#include "kernels/batchnorm/bn_fold.h"
#include "kernels/cuda_stub/stub.h"

namespace kd {

template <class T>
void batch_norm_train_forward_cuda(const T*, const T*, const T*, T*, T*, T*, T*, T*, int64_t, int64_t, int64_t,
                                   double, double) {
  built_without_cuda("batch_norm_train_forward_cuda");
}
template <class T>
void batch_norm_eval_forward_cuda(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t,
                                  int64_t, double) {
  built_without_cuda("batch_norm_eval_forward_cuda");
}
template <class T>
void batch_norm_backward_cuda(const T*, const T*, const T*, const T*, const T*, T*, T*, T*, int64_t, int64_t, int64_t,
                              bool) {
  built_without_cuda("batch_norm_backward_cuda");
}
template <class T>
void fold_batch_norm_cuda(const T*, const T*, const T*, const T*, const T*, const T*, double, int64_t, int64_t, T*,
                          T*) {
  built_without_cuda("fold_batch_norm_cuda");
}

KD_BATCHNORM_CUDA_INSTANCES(float)
KD_BATCHNORM_CUDA_INSTANCES(double)
KD_BN_FOLD_CUDA_INSTANCES(float)
KD_BN_FOLD_CUDA_INSTANCES(double)

}  // namespace kd
