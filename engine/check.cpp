#include "engine/check.h"

#include <cstring>

namespace kd {

void throw_error(const char* file, int line, const std::string& msg) {
  const char* base = std::strrchr(file, '/');
  throw Error(str(base ? base + 1 : file, ":", line, ": ", msg));
}

}  // namespace kd
