#pragma once
// The emulator's registry of device allocations (internal to cudaemu/src).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kd::emu::mem {

constexpr unsigned char kPoison[2] = {0xFF, 0x7F};  // unwritten bytes under schedule 0, others
// The byte that unwritten device and shared memory hold while `schedule` runs.
constexpr unsigned char poison_for(int schedule) { return kPoison[schedule == 0 ? 0 : 1]; }

struct Region {
  char* base = nullptr;
  size_t size = 0;      // what cudaMalloc returned
  size_t used = 0;      // what the engine asked for (the rest is the allocator's rounding)
  bool live = true;     // false while the engine's cache holds the block
  std::vector<uint8_t> unwritten;  // one flag per byte of [0, used); empty: all written
  size_t n_unwritten = 0;
  std::string last_writer;  // the last kernel or copy that wrote to it
};

// cudaMalloc / cudaFree.
void add(void* p, size_t n);
bool remove(void* p);
size_t bytes_allocated();
// The region whose [base, base + used] holds p (end inclusive: a pointer may sit at the end).
Region* find(const void* p);

void set_unwritten(Region& r, size_t off, size_t n, unsigned char poison);
void set_written(Region& r, size_t off, size_t n, const std::string& writer);
// A device-to-device copy of n bytes: written where the source was, unwritten where it was not.
void copy_written_state(Region& dst, size_t dst_off, const Region& src, size_t src_off, size_t n,
                        const std::string& writer);
// Throws naming `what` and the last writer when [off, off + n) holds an unwritten byte.
void require_written(const Region& r, size_t off, size_t n, const char* what);

// One launch's view of the memory it can reach, run under several schedules.
struct Snapshot {
  Region* region;
  std::vector<char> before, first;  // contents before the launch and after schedule 0
};
std::vector<Snapshot> take(const std::vector<const void*>& pointers, const std::string& kernel);
void after_first(std::vector<Snapshot>& s);                // keeps schedule 0's result
void rewind(std::vector<Snapshot>& s, int schedule);        // back to before, unwritten bytes re-poisoned
void compare(std::vector<Snapshot>& s, int schedule, const std::string& kernel);  // throws on a difference
void settle(std::vector<Snapshot>& s, const std::string& kernel);  // unwritten bytes back to poison 0, masks updated

}  // namespace kd::emu::mem
