#pragma once
#include <cstddef>
#include <string>

namespace kd {

enum class DeviceType : unsigned char { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  bool operator==(const Device& o) const { return type == o.type && index == o.index; }
  bool operator!=(const Device& o) const { return !(*this == o); }
  std::string str() const;
};

inline Device cpu() { return {}; }
inline Device cuda_device(int index = 0) { return {DeviceType::CUDA, index}; }

// A backend (CPU now, CUDA from the CUDA runtime) registers how it allocates, copies and
// does the handful of things the engine core itself needs (zeroing, gradient accumulation),
// so engine/ never includes a CUDA header.
struct Backend {
  virtual ~Backend() = default;
  virtual void* alloc(size_t nbytes, int index) = 0;
  virtual void free(void* p, size_t nbytes, int index) = 0;
  virtual void memset_zero(void* p, size_t nbytes, int index) = 0;
  // Copy n bytes; either side may be host memory (the other device type is CPU).
  virtual void copy(void* dst, Device dst_dev, const void* src, Device src_dev, size_t n) = 0;
  // dst[i] += src[i] for n elements of a floating dtype (DType as int to keep this header light).
  virtual void add_inplace(void* dst, const void* src, size_t n, int dtype, int index) = 0;
};

// Test aid: fill every new allocation with 0xFF bytes (NaN as float), so a kernel that leaves
// output elements unwritten fails its comparison instead of passing on zeroed memory.
void set_alloc_poison(bool on);
bool alloc_poison();

Backend& backend(DeviceType t);  // throws when that backend is not built or not registered
bool has_backend(DeviceType t);
void register_backend(DeviceType t, Backend* b);

}  // namespace kd
