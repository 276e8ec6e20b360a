#pragma once
// landmarks.tsv of `kdface-data align --preset wild` (layout=dlib68): a header line naming the
// layout, then per face "relative_path<TAB>x0 y0 ... x67 y67" in aligned-image pixels; '#'
// lines are comments. Read by `kdface-data mask --landmarks` and `mask-points`.
#include <map>
#include <string>

namespace kd::data {

struct Landmarks68 {
  float x[68], y[68];
};

// Keyed by relative path. Errors name the file (what) and line.
std::map<std::string, Landmarks68> parse_landmarks68(const std::string& text, const std::string& what);
std::map<std::string, Landmarks68> read_landmarks68(const std::string& path);

}  // namespace kd::data
