#pragma once
// Dynamic shared memory (the launch's shared_bytes) as a typed pointer:
//   KD_DYNAMIC_SHARED(double, partial);   // double* partial, 16-byte aligned
// One spelling for both builds: nvcc's `extern __shared__` array, or the emulated block's
// dynamic shared buffer (cudaemu/), which is poisoned per block and bounds-checked by ASan.
#ifdef KDFACE_CUDA_EMU
#include "kd_emu/device.h"
#define KD_DYNAMIC_SHARED(T, name) T* name = ::kd::emu::dynamic_shared<T>()
#else
#define KD_DYNAMIC_SHARED(T, name)                                  \
  extern __shared__ __align__(16) unsigned char kd_dyn_smem_##name[]; \
  T* name = reinterpret_cast<T*>(kd_dyn_smem_##name)
#endif
