#pragma once
// Per-thread scratch that grows and is never returned: packing and im2col buffers are needed on
// every call, and re-allocating them costs fresh page faults each time (very slow in VMs).
#include <cstddef>
#include <vector>

namespace kd {

// A buffer of at least n elements for this thread; slot tells apart buffers live at once.
// Contents are unspecified. Valid until the next call with the same slot on this thread.
template <class T>
T* thread_scratch(int slot, size_t n) {
  constexpr int kSlots = 4;
  thread_local std::vector<T> bufs[kSlots];
  std::vector<T>& b = bufs[slot % kSlots];
  if (b.size() < n) {
    b.clear();
    b.shrink_to_fit();
    b.resize(n);
  }
  return b.data();
}

}  // namespace kd
