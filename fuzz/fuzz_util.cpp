#include "fuzz/fuzz_util.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kdfuzz {

namespace {
std::string g_dir;
void remove_dir() {
  std::error_code ec;
  if (!g_dir.empty()) std::filesystem::remove_all(g_dir, ec);
}
}  // namespace

const std::string& tmp_dir() {
  if (g_dir.empty()) {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") + "/kdfuzz-XXXXXX";
    if (!::mkdtemp(tmpl.data())) {
      std::perror("kdfuzz: mkdtemp");
      std::abort();
    }
    g_dir = tmpl;
    std::atexit(remove_dir);
  }
  return g_dir;
}

void write_file(const std::string& path, const uint8_t* data, size_t size) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "kdfuzz: cannot write %s\n", path.c_str());
    std::abort();
  }
}

}  // namespace kdfuzz
