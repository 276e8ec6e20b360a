#pragma once
// Whether CUDA GEMMs (and cuDNN convolutions) may round float32 inputs to TF32 on the tensor
// cores. Off by default: the parity tests compare with the CPU at 1e-4 + 1e-3 |ref|, which
// TF32's 10-bit mantissa does not meet. kdface-bench --precision tf32 turns it on, as
// PyTorch's allow_tf32 does. Also set by KDFACE_TF32=1 in the environment.
namespace kd {

void set_allow_tf32(bool on);
bool allow_tf32();

}  // namespace kd
