#include "kernels/conv2d/conv2d_cuda.h"
#include "kernels/cuda_stub/stub.h"

namespace kd {

template <class T>
void conv2d_forward_cuda(const Conv2dDims&, const T*, const T*, const T*, T*) {
  built_without_cuda("conv2d_forward_cuda");
}
template <class T>
void conv2d_backward_cuda(const Conv2dDims&, const T*, const T*, const T*, T*, T*, T*) {
  built_without_cuda("conv2d_backward_cuda");
}

template void conv2d_forward_cuda<float>(const Conv2dDims&, const float*, const float*, const float*, float*);
template void conv2d_forward_cuda<double>(const Conv2dDims&, const double*, const double*, const double*, double*);
template void conv2d_backward_cuda<float>(const Conv2dDims&, const float*, const float*, const float*, float*, float*,
                                          float*);
template void conv2d_backward_cuda<double>(const Conv2dDims&, const double*, const double*, const double*, double*,
                                           double*, double*);

}  // namespace kd
