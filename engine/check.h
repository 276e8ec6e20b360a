#pragma once
// Error reporting: every failure is a kd::Error whose message says where (file:line)
// and what was expected, so a user can act on it without a debugger.
#include <sstream>
#include <stdexcept>
#include <string>

namespace kd {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
inline void cat(std::ostringstream&) {}
template <class T, class... R>
void cat(std::ostringstream& os, const T& v, const R&... rest) {
  os << v;
  cat(os, rest...);
}
}  // namespace detail

template <class... A>
std::string str(const A&... a) {
  std::ostringstream os;
  detail::cat(os, a...);
  return os.str();
}

[[noreturn]] void throw_error(const char* file, int line, const std::string& msg);

}  // namespace kd

// KD_CHECK(cond, parts...): throws kd::Error("file:line: parts...") when cond is false.
#define KD_CHECK(cond, ...)                                                \
  do {                                                                     \
    if (!(cond)) ::kd::throw_error(__FILE__, __LINE__, ::kd::str(__VA_ARGS__)); \
  } while (0)

#define KD_FAIL(...) ::kd::throw_error(__FILE__, __LINE__, ::kd::str(__VA_ARGS__))
