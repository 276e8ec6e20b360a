#include "data/landmarks68.h"

#include <sstream>

#include "engine/atomic_file.h"
#include "engine/check.h"

namespace kd::data {

std::map<std::string, Landmarks68> parse_landmarks68(const std::string& text, const std::string& path) {
  std::istringstream in(text);
  std::string line;
  KD_CHECK(std::getline(in, line), path, ": empty landmarks file");
  KD_CHECK(line.find("layout=dlib68") != std::string::npos, path,
           ": needs the 68-point layout (header 'layout=dlib68', from `kdface-data align --preset wild`), got '",
           line, "'");
  std::map<std::string, Landmarks68> out;
  for (int ln = 2; std::getline(in, line); ++ln) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    std::string rel;
    KD_CHECK(std::getline(ss, rel, '\t'), path, ":", ln, ": missing path field");
    Landmarks68 l;
    for (int i = 0; i < 68; ++i)
      KD_CHECK(ss >> l.x[i] >> l.y[i], path, ":", ln, ": expected 136 numbers after the path, got ", 2 * i);
    std::string extra;
    KD_CHECK(!(ss >> extra), path, ":", ln, ": more than 136 numbers after the path");
    out[rel] = l;
  }
  KD_CHECK(!out.empty(), path, ": no landmark rows");
  return out;
}

std::map<std::string, Landmarks68> read_landmarks68(const std::string& path) {
  return parse_landmarks68(read_file(path), path);
}

}  // namespace kd::data
