// The linker defines __start_kd_emu_shN / __stop_kd_emu_shN for every section kd_emu_shN
// that some object uses; weak references read as null for the others.
#include "shared_sections.h"

#include <cstring>
#include <utility>
#include <vector>

#include "kd_emu/prelude.h"
#include "sanitizer.h"

// X(n) for n = 0 .. 199, the numbers __COUNTER__ can give a __shared__ declaration
// (KD_EMU_SHARED_SECTIONS in kd_emu/prelude.h).
#define KD_EMU_DIGITS(X, p) X(p##0) X(p##1) X(p##2) X(p##3) X(p##4) X(p##5) X(p##6) X(p##7) X(p##8) X(p##9)
#define KD_EMU_ALL_SECTIONS(X)                                                                             \
  KD_EMU_DIGITS(X, ) KD_EMU_DIGITS(X, 1) KD_EMU_DIGITS(X, 2) KD_EMU_DIGITS(X, 3) KD_EMU_DIGITS(X, 4)       \
  KD_EMU_DIGITS(X, 5) KD_EMU_DIGITS(X, 6) KD_EMU_DIGITS(X, 7) KD_EMU_DIGITS(X, 8) KD_EMU_DIGITS(X, 9)      \
  KD_EMU_DIGITS(X, 10) KD_EMU_DIGITS(X, 11) KD_EMU_DIGITS(X, 12) KD_EMU_DIGITS(X, 13) KD_EMU_DIGITS(X, 14) \
  KD_EMU_DIGITS(X, 15) KD_EMU_DIGITS(X, 16) KD_EMU_DIGITS(X, 17) KD_EMU_DIGITS(X, 18) KD_EMU_DIGITS(X, 19)
static_assert(KD_EMU_SHARED_SECTIONS == 200, "KD_EMU_ALL_SECTIONS lists 200 sections");

#define KD_EMU_DECLARE(n) extern "C" __attribute__((weak)) char __start_kd_emu_sh##n[], __stop_kd_emu_sh##n[];
KD_EMU_ALL_SECTIONS(KD_EMU_DECLARE)

namespace kd::emu {
namespace {

// The addressable byte ranges of the sections: the variables without their ASan red zones.
// Computed once; the layout of globals does not change.
NO_SANITIZE_ADDRESS std::vector<std::pair<char*, size_t>> compute_ranges() {
  std::vector<std::pair<char*, size_t>> out;
#define KD_EMU_ENTRY(n) {__start_kd_emu_sh##n, __stop_kd_emu_sh##n},
  const std::pair<char*, char*> sections[] = {KD_EMU_ALL_SECTIONS(KD_EMU_ENTRY)};
#undef KD_EMU_ENTRY
  for (const auto& [lo, hi] : sections) {
    if (!lo || hi <= lo) continue;
    char* run = nullptr;
    for (char* p = lo; p <= hi; ++p) {
      const bool usable = p < hi && !is_poisoned(p);
      if (usable && !run) run = p;
      if (!usable && run) {
        out.emplace_back(run, size_t(p - run));
        run = nullptr;
      }
    }
  }
  return out;
}

}  // namespace

void poison_static_shared(unsigned char pattern) {
  static const std::vector<std::pair<char*, size_t>> ranges = compute_ranges();
  for (const auto& [p, n] : ranges) std::memset(p, pattern, n);
}

}  // namespace kd::emu
