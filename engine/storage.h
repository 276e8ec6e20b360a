#pragma once
#include <cstddef>
#include <memory>

#include "engine/device.h"

namespace kd {

// One allocation on one device; tensors share it through shared_ptr (views, detach).
class Storage {
 public:
  Storage(size_t nbytes, Device dev);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return ptr_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return dev_; }

 private:
  void* ptr_ = nullptr;
  size_t nbytes_ = 0;
  Device dev_;
};

}  // namespace kd
