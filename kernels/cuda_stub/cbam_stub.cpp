#include "kernels/cbam/cbam_cuda.h"
#include "kernels/cuda_stub/stub.h"

namespace kd {

template <class T>
void cbam_forward_cuda(const CbamDims&, const T*, const T*, const T*, const T*, T*, T*, T*, const CbamSaved<T>&) {
  built_without_cuda("cbam_forward_cuda");
}
template <class T>
void cbam_backward_cuda(const CbamDims&, const T*, const T*, const T*, const T*, const T*, const T*,
                        const CbamSaved<T>&, const T*, const T*, const T*, const CbamCudaScratch&, T*, T*, T*, T*) {
  built_without_cuda("cbam_backward_cuda");
}

KD_CBAM_CUDA_INSTANCES(float)
KD_CBAM_CUDA_INSTANCES(double)

}  // namespace kd
