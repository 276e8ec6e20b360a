#pragma once
// A one-line progress bar for long work (alignment, packing, training, evaluation):
// done/total, rate and ETA, redrawn in place on a terminal and printed every few seconds
// as plain lines when stderr is a file or pipe, so CI logs stay readable.
#include <chrono>
#include <cstdint>
#include <string>

namespace kd {

class Progress {
 public:
  // total <= 0: unknown total (no ETA). unit names what is counted ("img", "step").
  // already_done: work finished before this process (a resumed run); the bar starts there
  // and the rate and ETA count only what this process does.
  Progress(std::string label, int64_t total, std::string unit = "it", int64_t already_done = 0);
  ~Progress();  // finishes the line if finish() was not called

  void update(int64_t done, const std::string& extra = "");  // absolute count
  void add(int64_t n = 1, const std::string& extra = "") { update(done_ + n, extra); }
  void finish(const std::string& extra = "");
  double rate() const;     // units per second so far
  double elapsed() const;  // seconds

  static std::string format_seconds(double s);  // "1h02m", "3m05s", "12.3s"

 private:
  void draw(bool final_line);

  std::string label_, unit_, extra_;
  int64_t total_, done_ = 0, base_ = 0;
  std::chrono::steady_clock::time_point start_, last_draw_;
  bool tty_, finished_ = false;
};

}  // namespace kd
