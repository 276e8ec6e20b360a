// The NCCL communicator (issue 15) on real GPUs: ctest runs it under `mpirun -np 1` (one GPU:
// N = 1, every collective an identity through NCCL itself) and `mpirun -np 2` (two GPUs: sums,
// maxima, broadcast and all-gather across them, and a gradient reducer step). Skips, naming why,
// without enough GPUs.
#include <catch2/catch.hpp>

#include <cstdio>
#include <vector>

#include "dist/communicator.h"
#include "dist/grad_reducer.h"
#include "engine/cuda.h"

using namespace kd;

namespace {

dist::Communicator* nccl() {
  static std::unique_ptr<dist::Communicator> c;
  static bool tried = false;
  if (tried) return c.get();
  tried = true;
  dist::Communicator& boot = dist::world();
  if (!dist::have_nccl()) {
    std::printf("KDFACE-SKIP: kdface built without NCCL\n");
  } else if (cuda::device_count() < boot.size()) {
    std::printf("KDFACE-SKIP: %d ranks need %d GPUs, this machine has %d (%s)\n", boot.size(), boot.size(),
                cuda::device_count(), cuda::unavailable_reason().c_str());
  } else {
    c = dist::make_nccl(boot, dist::local_rank());
  }
  return c.get();
}

std::vector<double> host(const Tensor& t) { return t.to(cpu()).to_vector<double>(); }

}  // namespace

TEST_CASE("NCCL collectives on device tensors", "[nccl]") {
  dist::Communicator* c = nccl();
  if (!c) return;
  const int r = c->rank(), n = c->size();
  const Device dev = cuda_device(dist::local_rank());
  Tensor t = Tensor::from(std::vector<double>{double(r + 1), -double(r), 0.5}, {3}).to(dev);
  c->sum(t);
  CHECK(host(t) == std::vector<double>{n * (n + 1) / 2.0, -n * (n - 1) / 2.0, 0.5 * n});
  Tensor m = Tensor::from(std::vector<double>{double(r), -double(r)}, {2}).to(dev);
  c->max(m);
  CHECK(host(m) == std::vector<double>{double(n - 1), 0.0});
  Tensor b = Tensor::full({4}, double(r + 7), DType::F64, dev);
  c->broadcast(b, 0);
  CHECK(host(b) == std::vector<double>(4, 7.0));
  Tensor g = c->all_gather(Tensor::full({1, 2}, double(r), DType::F64, dev));
  std::vector<double> want;
  for (int k = 0; k < n; ++k) want.insert(want.end(), {double(k), double(k)});
  CHECK(host(g) == want);
}

TEST_CASE("a gradient reducer step over NCCL averages the ranks' gradients", "[nccl]") {
  dist::Communicator* c = nccl();
  if (!c) return;
  const Device dev = cuda_device(dist::local_rank());
  Tensor p = Tensor::zeros({5}, DType::F32, dev).requires_grad_();
  p.set_grad(Tensor::full({5}, double(c->rank() + 1), DType::F32, dev));
  dist::GradReducer red(*c, {{"p", p}}, 4);
  red.finish();
  CHECK(host(p.grad()) == std::vector<double>(5, (c->size() + 1) / 2.0));
}

TEST_CASE("finalize", "[nccl]") { dist::finalize_world(); }
