#pragma once
// How a rank waits for the others: a short spin (a collective usually completes within
// microseconds), then sleeps, so a waiting rank does not take the core of a rank that is still
// computing (2 ranks on 2 cores), and a deadline, so a rank that never answers turns into an
// error naming the wait instead of a hang. KDFACE_DIST_TIMEOUT_S sets it (default 600 s:
// longer than rank 0's epoch evaluation, during which the others wait).
#include <chrono>
#include <cstdint>

namespace kd::dist {

double wait_timeout_s();

class WaitPolicy {
 public:
  WaitPolicy(const char* what, int rank);
  void pause();  // throws kd::Error once the deadline has passed

 private:
  const char* what_;
  int rank_;
  int64_t polls_ = 0;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace kd::dist
