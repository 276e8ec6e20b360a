#pragma once
// The one header of every CUDA kernel file: error checks (check_cuda.h), the launch path
// (KD_LAUNCH, launch.cuh), dynamic shared memory (KD_DYNAMIC_SHARED, shared_memory.cuh), grid
// and block sizes (grid.cuh), warp/block reductions and the argmax rule (reduce.cuh) and the
// round-to-nearest arithmetic (rounding.cuh). Everything is in namespace kd::cuda.
#include "engine/cuda/check_cuda.h"
#include "engine/cuda/grid.cuh"
#include "engine/cuda/launch.cuh"
#include "engine/cuda/reduce.cuh"
#include "engine/cuda/rounding.cuh"
#include "engine/cuda/shared_memory.cuh"
