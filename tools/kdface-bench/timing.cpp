#include "tools/kdface-bench/timing.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <vector>

#include "engine/cuda.h"
#include "engine/parallel.h"
#include "kernels/build_info.h"
#include "kernels/conv2d/conv2d_backend.h"
#include "kernels/matmul/tf32.h"


namespace kd::bench {

Timing time_runs(Device d, int warmup, int iters, const std::function<void()>& f,
                 const std::function<void()>& before) {
  for (int i = 0; i < warmup; ++i) f();
  if (d.is_cuda()) cuda::synchronize();
  std::vector<double> ms;
  for (int i = 0; i < iters; ++i) {
    if (before) before();
    if (d.is_cuda()) {
      ms.push_back(cuda::time_ms(f));
    } else {
      auto t0 = std::chrono::steady_clock::now();
      f();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
  }
  std::sort(ms.begin(), ms.end());
  Timing t;
  t.iters = iters;
  t.median_ms = ms[ms.size() / 2];
  t.min_ms = ms.front();
  t.max_ms = ms.back();
  return t;
}

namespace {

std::string cpu_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      auto p = line.find(':');
      if (p != std::string::npos) return line.substr(p + 2);
    }
  return "cpu";
}

// The source tree's commit at run time (a build configured earlier would be stale), with
// "+dirty" when tracked files differ; KDFACE_COMMIT overrides (the GPU machine's copy of the
// tree has no .git: tools/device-bundle.sh records the commit there).
std::string commit() {
  const char* env = std::getenv("KDFACE_COMMIT");
  if (env && *env) return env;
  std::string out;
  const std::string cmd = std::string("git -C '") + KDFACE_SOURCE_DIR +
                          "' describe --always --dirty=+dirty --abbrev=10 2>/dev/null";
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[128];
    while (std::fgets(buf, sizeof buf, p)) out += buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

}  // namespace

nlohmann::json provenance(Device d) {
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  nlohmann::json j;
  j["device"] = d.is_cuda() ? cuda::device_name(d.index) : cpu_name() + " x" + std::to_string(num_threads()) + " threads";
  j["commit"] = commit();
  j["build"] = kernels_build_info();
  j["conv"] = conv_backend_name(conv_backend_for(d));  // KDFACE_CONV=cudnn times the cuDNN baseline
  j["tf32"] = allow_tf32();
  j["date"] = date;
  return j;
}

void emit(const nlohmann::json& j) {
  std::printf("%s\n", j.dump().c_str());
  std::fflush(stdout);
}

}  // namespace kd::bench
