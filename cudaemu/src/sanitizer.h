#pragma once
// AddressSanitizer hooks, no-ops in an unsanitized build.
#include <cstddef>

#if defined(__SANITIZE_ADDRESS__)
#define KD_EMU_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define KD_EMU_ASAN 1
#endif
#endif

#ifdef KD_EMU_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif

#ifdef KD_EMU_ASAN
#define NO_SANITIZE_ADDRESS __attribute__((no_sanitize_address))
#else
#define NO_SANITIZE_ADDRESS
#endif

namespace kd::emu {

inline bool is_poisoned(const void* p) {
#ifdef KD_EMU_ASAN
  return __asan_address_is_poisoned(p) != 0;
#else
  (void)p;
  return false;
#endif
}

inline void poison(const void* p, size_t n) {
#ifdef KD_EMU_ASAN
  if (n) __asan_poison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}
inline void unpoison(const void* p, size_t n) {
#ifdef KD_EMU_ASAN
  if (n) __asan_unpoison_memory_region(p, n);
#else
  (void)p, (void)n;
#endif
}

}  // namespace kd::emu
