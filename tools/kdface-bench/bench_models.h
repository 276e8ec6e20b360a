#pragma once
// Models by name for the benchmarks: a preset ("tiny", "r18x", "r100x") or a JSON model
// config file (configs/models/*.json), at the requested input side.
#include <string>

#include "models/resnext_config.h"

namespace kd::bench {

models::ResNeXtConfig model_config(const std::string& name_or_path, int64_t size);

}  // namespace kd::bench
