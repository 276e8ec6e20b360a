#pragma once
// Which implementation runs conv2d on a CUDA tensor: our own kernels (conv2d_cuda.cu) or
// cuDNN (conv2d_cudnn.cu), the baseline they are measured and checked against. CPU tensors
// always use the CPU kernel, whatever is selected.
//
// The selection starts from the environment variable KDFACE_CONV (native | cudnn; unset or
// empty means native), read at the first CUDA convolution or the first conv_backend() call;
// set_conv_backend() overrides it. Selecting cudnn in a build without cuDNN is allowed; the
// error comes when a CUDA convolution would run.
#include "engine/device.h"

namespace kd {

enum class ConvBackend { Native, Cudnn };

void set_conv_backend(ConvBackend b);
ConvBackend conv_backend();  // throws on a bad KDFACE_CONV, naming it and the allowed values
const char* conv_backend_name(ConvBackend b);  // "native", "cudnn"

// What conv_backend() does with the variable's value (null: unset). Public for the tests.
ConvBackend parse_conv_backend(const char* value);
// Forgets set_conv_backend() and the parsed variable: the next use reads KDFACE_CONV again.
void reset_conv_backend();

bool conv_cudnn_built();  // compiled with KDFACE_HAVE_CUDNN

// The backend a convolution on `device` runs: Native on the CPU, the selection on CUDA.
// Throws ("built without cuDNN") where cudnn is selected for a CUDA tensor and not built.
ConvBackend conv_backend_for(Device device);

}  // namespace kd
