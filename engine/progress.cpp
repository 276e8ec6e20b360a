#include "engine/progress.h"

#include <unistd.h>

#include <cstdio>

namespace kd {

Progress::Progress(std::string label, int64_t total, std::string unit, int64_t already_done)
    : label_(std::move(label)), unit_(std::move(unit)), total_(total), done_(already_done), base_(already_done) {
  start_ = std::chrono::steady_clock::now();
  last_draw_ = start_ - std::chrono::hours(1);
  tty_ = isatty(fileno(stderr)) != 0;
}

Progress::~Progress() {
  if (!finished_) finish();
}

double Progress::elapsed() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

double Progress::rate() const {
  double t = elapsed();
  return t > 0 ? double(done_ - base_) / t : 0.0;
}

std::string Progress::format_seconds(double s) {
  char buf[32];
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) % 3600) / 60);
  }
  return buf;
}

void Progress::update(int64_t done, const std::string& extra) {
  done_ = done;
  if (!extra.empty()) extra_ = extra;
  auto now = std::chrono::steady_clock::now();
  // A terminal redraws cheaply; a log file gets a line every 5 s at most.
  double gap = std::chrono::duration<double>(now - last_draw_).count();
  if (gap >= (tty_ ? 0.2 : 5.0)) {
    last_draw_ = now;
    draw(false);
  }
}

void Progress::finish(const std::string& extra) {
  if (finished_) return;
  finished_ = true;
  if (!extra.empty()) extra_ = extra;
  draw(true);
}

void Progress::draw(bool final_line) {
  double r = rate();
  std::string line = label_ + " ";
  char buf[160];
  if (total_ > 0) {
    int pct = int(100.0 * double(done_) / double(total_));
    const int width = 24;
    int fill = int(width * double(done_) / double(total_));
    if (fill > width) fill = width;
    line += "[" + std::string(fill, '#') + std::string(width - fill, '.') + "] ";
    std::snprintf(buf, sizeof buf, "%lld/%lld %3d%% %.1f %s/s", (long long)done_, (long long)total_, pct, r,
                  unit_.c_str());
    line += buf;
    if (final_line) {
      line += " in " + format_seconds(elapsed());
    } else if (r > 0) {
      line += " ETA " + format_seconds(double(total_ - done_) / r);
    }
  } else {
    std::snprintf(buf, sizeof buf, "%lld %s %.1f %s/s", (long long)done_, unit_.c_str(), r, unit_.c_str());
    line += buf;
  }
  if (!extra_.empty()) line += "  " + extra_;
  if (tty_) {
    std::fprintf(stderr, "\r\033[K%s%s", line.c_str(), final_line ? "\n" : "");
  } else {
    std::fprintf(stderr, "%s\n", line.c_str());
  }
  std::fflush(stderr);
}

}  // namespace kd
