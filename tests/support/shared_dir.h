#pragma once
// Where tests find the project's shared data (faces, masks, fixtures): ../shared beside the
// repository, or $KDFACE_SHARED_DIR.
#include <cstdlib>
#include <filesystem>

namespace kdtest {

inline std::filesystem::path shared_dir() {
  const char* env = std::getenv("KDFACE_SHARED_DIR");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(KDFACE_SOURCE_DIR "/../shared");
}

}  // namespace kdtest
