// Linked where kdface is built without cuDNN (KDFACE_HAVE_CUDNN off; conv2d_cudnn.cu then
// defines nothing): conv_backend_for() refuses the cudnn backend in such a build, so these
// are never reached; they let conv2d_op.cpp call the cuDNN path without a preprocessor test.
#include "engine/check.h"
#include "kernels/conv2d/conv2d_cuda.h"  // KD_CONV2D_CUDNN_INSTANCES
#include "kernels/conv2d/conv2d_cudnn.h"

namespace kd {

template <class T>
void conv2d_forward_cudnn(const Conv2dDims&, const T*, const T*, const T*, T*, bool) {
  KD_FAIL("conv2d_forward_cudnn: kdface was built without cuDNN");
}
template <class T>
void conv2d_backward_cudnn(const Conv2dDims&, const T*, const T*, const T*, T*, T*, T*, bool) {
  KD_FAIL("conv2d_backward_cudnn: kdface was built without cuDNN");
}

KD_CONV2D_CUDNN_INSTANCES(float)
KD_CONV2D_CUDNN_INSTANCES(double)

}  // namespace kd
