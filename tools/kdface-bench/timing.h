#pragma once
// Timed repetitions: CUDA events on the device (after a synchronise), the steady clock on the
// CPU. The median is the figure reported (as torch_reference.py does); min shows the spread.
#include <functional>
#include <string>

#include "engine/device.h"
#include "nlohmann/json.hpp"

namespace kd::bench {

struct Timing {
  double median_ms = 0, min_ms = 0, max_ms = 0;
  int iters = 0;
};

// Runs f warmup times, then iters timed times. before (optional) runs untimed ahead of each
// timed run: the L2 flush for kernel cases.
Timing time_runs(Device d, int warmup, int iters, const std::function<void()>& f,
                 const std::function<void()>& before = nullptr);

// {"device": name, "commit": ..., "build": kernels_build_info(), "date": UTC ISO date}: the
// provenance every JSON line carries, so a pasted figure says where it came from.
nlohmann::json provenance(Device d);

void emit(const nlohmann::json& j);  // one line on stdout, flushed

}  // namespace kd::bench
