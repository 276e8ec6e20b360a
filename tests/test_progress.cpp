// The progress line's rate and ETA: a resumed run's bar starts at its step, and only the
// work of this process counts towards the rate (a bar from 0 would show the resumed steps
// as done in no time and an ETA far too short).
#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "engine/progress.h"

TEST_CASE("a resumed progress bar counts only this process's work in its rate", "[engine][progress]") {
  kd::Progress p("resumed", 1000, "step", 900);
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  p.update(910);
  const double before = p.elapsed();
  const double rate = p.rate();
  const double after = p.elapsed();
  CHECK(rate <= 10.0 / before);
  CHECK(rate >= 10.0 / after);
  p.finish();
}

TEST_CASE("a fresh progress bar's rate is its count over its time", "[engine][progress]") {
  kd::Progress p("fresh", 100, "img");
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  p.update(40);
  const double before = p.elapsed();
  const double rate = p.rate();
  CHECK(rate <= 40.0 / before);
  CHECK(rate > 0);
  p.finish();
}
