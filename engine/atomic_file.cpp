#include "engine/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "engine/check.h"

namespace kd {

namespace {

// KDFACE_TEST_WRITE_PAUSE_MS (tests only): pause half-way through writing the temp file, so a
// drill can kill -9 the process inside the write window deterministically
// (scripts/drills/kill_resume.py). Unset, nothing changes.
int64_t test_write_pause_ms() {
  static const int64_t ms = [] {
    const char* v = std::getenv("KDFACE_TEST_WRITE_PAUSE_MS");
    return v ? std::max<int64_t>(0, std::atoll(v)) : 0;
  }();
  return ms;
}

}  // namespace

void write_file_atomic(const std::string& path, const std::string& bytes) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  KD_CHECK(fd >= 0, "cannot create '", tmp, "': ", std::strerror(errno));
  size_t done = 0;
  const size_t pause_at = test_write_pause_ms() > 0 ? bytes.size() / 2 : bytes.size() + 1;
  while (done < bytes.size()) {
    if (done == pause_at) std::this_thread::sleep_for(std::chrono::milliseconds(test_write_pause_ms()));
    const size_t want = done < pause_at ? std::min(bytes.size(), pause_at) - done : bytes.size() - done;
    ssize_t n = ::write(fd, bytes.data() + done, want);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      KD_FAIL("writing '", tmp, "' failed after ", done, " of ", bytes.size(), " bytes: ", std::strerror(e));
    }
    done += size_t(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    KD_FAIL("flushing '", tmp, "' failed: ", std::strerror(e));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    KD_FAIL("renaming '", tmp, "' to '", path, "' failed: ", std::strerror(e));
  }
  std::string dir = path.find('/') == std::string::npos ? "." : path.substr(0, path.rfind('/') + 1);
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);  // make the rename itself durable; best effort on odd filesystems
    ::close(dfd);
  }
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  KD_CHECK(f, "cannot open '", path, "': ", std::strerror(errno));
  std::ostringstream ss;
  ss << f.rdbuf();
  KD_CHECK(!f.bad(), "error reading '", path, "'");
  return ss.str();
}

}  // namespace kd
