#include "dist/gather_rows.h"

#include "engine/autograd.h"
#include "kernels/elementwise/elementwise.h"

namespace kd::dist {

Tensor all_gather_rows(Communicator& comm, const Tensor& x, double grad_scale) {
  Tensor all;
  {
    autograd::NoGradGuard no_grad;
    all = comm.all_gather(x.detach());
    if (comm.size() == 1) all = all.clone();  // a new tensor, so the node below owns its output
  }
  const int64_t rows = x.size(0);
  Communicator* c = &comm;
  autograd::record("all_gather_rows", {x}, {all}, [c, rows, grad_scale](const BackwardCtx& ctx) {
    Tensor g = ctx.gy[0].clone();
    c->sum(g);
    Tensor mine = g.narrow0(int64_t(c->rank()) * rows, rows).clone();
    return std::vector<Tensor>{grad_scale == 1.0 ? mine : scale(mine, grad_scale)};
  });
  return all;
}

}  // namespace kd::dist
