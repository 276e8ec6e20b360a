// The world of one process: every collective leaves its tensor as it is.
#include "dist/communicator.h"

namespace kd::dist {
namespace {

class Single final : public Communicator {
 public:
  int rank() const override { return 0; }
  int size() const override { return 1; }
  std::string name() const override { return "single"; }
  int64_t start_sum(const Tensor&) override { return 0; }
  bool done(int64_t) override { return true; }
  void wait(int64_t) override {}
  void max(const Tensor&) override {}
  void broadcast(const Tensor&, int) override {}
  Tensor all_gather(const Tensor& t) override { return t; }
  void barrier() override {}
  [[noreturn]] void abort(int code) override { std::exit(code); }
};

}  // namespace

std::unique_ptr<Communicator> make_single() { return std::make_unique<Single>(); }

}  // namespace kd::dist
