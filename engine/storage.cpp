#include "engine/storage.h"

#include <cstdlib>
#include <cstring>

#include "engine/check.h"
#include "engine/shape.h"

namespace kd {

Storage::Storage(size_t nbytes, Device dev) : nbytes_(nbytes), dev_(dev) {
  if (nbytes_ > 0) ptr_ = backend(dev.type).alloc(nbytes_, dev.index);
}

Storage::~Storage() {
  if (ptr_) backend(dev_.type).free(ptr_, nbytes_, dev_.index);
}

int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}

std::string shape_str(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

}  // namespace kd
