#pragma once
// A fresh folder for one test, removed with everything in it when the test ends. The name
// carries the process id, so parallel ctest runs do not share it.
#include <unistd.h>

#include <filesystem>
#include <string>

namespace kdtest {

struct TempDir {
  std::string p;
  explicit TempDir(const std::string& name)
      : p((std::filesystem::current_path() / (name + "_" + std::to_string(::getpid()))).string()) {
    std::filesystem::remove_all(p);
    std::filesystem::create_directories(p);
  }
  ~TempDir() { std::filesystem::remove_all(p); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

}  // namespace kdtest
