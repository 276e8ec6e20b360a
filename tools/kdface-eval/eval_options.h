#pragma once
// Everything one kdface-eval run needs, as parsed from its command line (main.cpp) or filled
// in by a test.
#include <cstdint>
#include <string>
#include <vector>

#include "data/degrade.h"
#include "eval/views/face_views.h"

namespace kd::evaltool {

struct EvalOptions {
  std::vector<std::string> models;  // checkpoint files or run folders
  std::vector<std::string> names;   // labels, one per model, or empty (derived from the path)
  std::string pairs;                // pair list (tsv, lfw, .bin) or CFP protocol folder
  std::string root;                 // image paths in the list are relative to it ("" = as written)
  std::string format = "tsv";       // tsv | lfw | cfp-ff | cfp-fp | bin
  std::vector<int> scales{1, 2, 4, 8};
  // paper | askd (the protocol, no extras), or a JSON data::DegradeSpec such as a training
  // config's data.degrade (extras included: noise, motion blur, JPEG).
  std::string degrade = "paper";
  std::vector<std::string> scoring{"askd"};  // askd and/or insightface
  bool cross = false;                       // side A clean, side B degraded
  bool adabn = false;
  int64_t batch = 64;
  std::string device = "cpu";
  int64_t max_pairs = 0;  // 0 = all; else about this many, spread over every fold and both classes
  // An image that is missing, unreadable or not 112x112: "skip" scores the other pairs and
  // lists the unscored ones; "fail" stops before any model runs, naming the first such image.
  std::string on_missing = "skip";
  uint64_t seed = eval::kDegradeSeed;  // degradation seeds: mix64(mix64(seed, scale), image index)
  std::string out;                // report folder
  std::string command_line;       // recorded in the report
  bool quiet = false;             // no progress line
};

// Throws naming the option when a value is out of range or two options disagree.
void check_options(const EvalOptions& o);

// o.degrade as a spec; throws naming --degrade.
data::DegradeSpec degrade_spec(const EvalOptions& o);

}  // namespace kd::evaltool
