#include "dist/wait_policy.h"

#include <cstdlib>
#include <thread>

#include "engine/check.h"

namespace kd::dist {

double wait_timeout_s() {
  static const double t = [] {
    const char* e = std::getenv("KDFACE_DIST_TIMEOUT_S");
    double v = e && *e ? std::strtod(e, nullptr) : 600.0;
    return v > 0 ? v : 600.0;
  }();
  return t;
}

WaitPolicy::WaitPolicy(const char* what, int rank) : what_(what), rank_(rank), start_(std::chrono::steady_clock::now()) {}

void WaitPolicy::pause() {
  if (++polls_ < 2000) return;  // spin first: most waits end here
  std::this_thread::sleep_for(std::chrono::microseconds(polls_ < 20000 ? 50 : 1000));
  if ((polls_ & 63) != 0) return;
  double waited = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  KD_CHECK(waited < wait_timeout_s(), "rank ", rank_, ": waited ", int(waited), " s for ", what_,
           " and the other ranks never answered (KDFACE_DIST_TIMEOUT_S = ", wait_timeout_s(),
           "); a rank has died or hangs, so this one stops too");
}

}  // namespace kd::dist
