#pragma once
// A differentiable all-gather: what the sharded margin head needs to see the global batch.
#include "dist/communicator.h"

namespace kd::dist {

// Every rank's x (the same shape everywhere) stacked along dim 0 in rank order. Backward:
// every rank's gradient of the stack is summed over ranks and this rank's rows are kept,
// multiplied by grad_scale.
Tensor all_gather_rows(Communicator& comm, const Tensor& x, double grad_scale = 1.0);

}  // namespace kd::dist
