#include "kernels/matmul/tf32.h"

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace kd {
namespace {

std::atomic<int>& flag() {
  static std::atomic<int> f([] {
    const char* e = std::getenv("KDFACE_TF32");
    return e && std::strcmp(e, "1") == 0 ? 1 : 0;
  }());
  return f;
}

}  // namespace

void set_allow_tf32(bool on) { flag().store(on ? 1 : 0); }
bool allow_tf32() { return flag().load() != 0; }

}  // namespace kd
