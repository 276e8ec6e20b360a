#include "memory.h"

#include <algorithm>
#include <cinttypes>
#include <cstring>
#include <map>
#include <mutex>

#include "engine/check.h"
#include "kd_emu/memory.h"
#include "sanitizer.h"

namespace kd::emu::mem {
namespace {

std::mutex mu;
std::map<uintptr_t, Region>& regions() {
  static auto* m = new std::map<uintptr_t, Region>;  // outlives static destructors that free memory
  return *m;
}
size_t total = 0;

std::string hex(const void* p) { return str("0x", std::hex, reinterpret_cast<uintptr_t>(p)); }

// How a differing or unwritten spot reads, for the message: bytes, and the float32 / float64
// value when the offset is aligned for one.
std::string describe(const char* bytes, size_t off, size_t size) {
  std::string s = str("byte 0x", std::hex, unsigned(static_cast<unsigned char>(bytes[off])), std::dec);
  if (off % 8 == 0 && off + 8 <= size) {
    double d;
    std::memcpy(&d, bytes + off, 8);
    s += str(" (float64 ", d, ")");
  } else if (off % 4 == 0 && off + 4 <= size) {
    float f;
    std::memcpy(&f, bytes + off, 4);
    s += str(" (float32 ", f, ")");
  }
  return s;
}

}  // namespace

void add(void* p, size_t n) {
  std::lock_guard<std::mutex> lock(mu);
  Region r;
  r.base = static_cast<char*>(p);
  r.size = r.used = n;
  r.last_writer = "cudaMalloc (never written)";
  auto& slot = regions()[reinterpret_cast<uintptr_t>(p)] = std::move(r);
  set_unwritten(slot, 0, n, poison_for(0));
  total += n;
}

bool remove(void* p) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = regions().find(reinterpret_cast<uintptr_t>(p));
  if (it == regions().end()) return false;
  total -= it->second.size;
  regions().erase(it);
  return true;
}

size_t bytes_allocated() { return total; }

Region* find(const void* p) {
  if (!p) return nullptr;
  const auto a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(mu);
  auto& m = regions();
  auto it = m.upper_bound(a);
  if (it == m.begin()) return nullptr;
  --it;
  Region& r = it->second;
  return a <= it->first + r.size ? &r : nullptr;
}

void set_unwritten(Region& r, size_t off, size_t n, unsigned char poison) {
  if (n == 0) return;
  if (r.unwritten.size() != r.used) r.unwritten.assign(r.used, 0);
  std::memset(r.base + off, poison, n);
  uint8_t* m = r.unwritten.data() + off;
  r.n_unwritten += n - size_t(std::count(m, m + n, uint8_t(1)));
  std::memset(m, 1, n);
}

void set_written(Region& r, size_t off, size_t n, const std::string& writer) {
  r.last_writer = writer;
  if (r.n_unwritten == 0 || n == 0) return;
  n = std::min(n, r.unwritten.size() - std::min(off, r.unwritten.size()));
  uint8_t* m = r.unwritten.data() + off;
  r.n_unwritten -= size_t(std::count(m, m + n, uint8_t(1)));
  std::memset(m, 0, n);
}

void copy_written_state(Region& dst, size_t dst_off, const Region& src, size_t src_off, size_t n,
                        const std::string& writer) {
  if (src.n_unwritten == 0 || n == 0) return set_written(dst, dst_off, n, writer);
  // Taken first: source and destination may be the same region.
  const std::vector<uint8_t> flags(src.unwritten.begin() + long(src_off), src.unwritten.begin() + long(src_off + n));
  set_written(dst, dst_off, n, writer);
  // The bytes came over as they were, so an unwritten one already holds poison 0.
  if (dst.unwritten.size() != dst.used) dst.unwritten.assign(dst.used, 0);
  dst.n_unwritten += size_t(std::count(flags.begin(), flags.end(), uint8_t(1)));
  std::copy(flags.begin(), flags.end(), dst.unwritten.begin() + long(dst_off));
}

void require_written(const Region& r, size_t off, size_t n, const char* what) {
  if (r.n_unwritten == 0) return;
  for (size_t i = off; i < off + n && i < r.unwritten.size(); ++i) {
    if (!r.unwritten[i]) continue;
    size_t count = 0;
    for (size_t j = i; j < off + n; ++j) count += r.unwritten[j];
    throw Error(str("cuda emulator: ", what, " reads ", count, " byte(s) that no kernel, copy or memset has written: "
                    "allocation ", hex(r.base), " of ", r.used, " bytes, first unwritten byte at offset ", i,
                    " (element ", (i - off) / 4, " as float32, ", (i - off) / 8, " as float64, counted from the start"
                    " of the read); last written by ", r.last_writer));
  }
}

std::vector<Snapshot> take(const std::vector<const void*>& pointers, const std::string& kernel) {
  std::vector<Snapshot> out;
  for (size_t k = 0; k < pointers.size(); ++k) {
    const void* p = pointers[k];
    if (!p) continue;
    Region* r = find(p);
    if (!r)
      throw Error(str("cuda emulator: ", kernel, ": pointer argument ", hex(p), " (pointer #", k + 1,
                      ") is not device memory (not from cudaMalloc): a kernel cannot read host memory"));
    if (!r->live)
      throw Error(str("cuda emulator: ", kernel, ": pointer argument ", hex(p), " (pointer #", k + 1,
                      ") points into a device block that was freed (use after free); last written by ",
                      r->last_writer));
    if (std::any_of(out.begin(), out.end(), [&](const Snapshot& s) { return s.region == r; })) continue;
    Snapshot s;
    s.region = r;
    s.before.assign(r->base, r->base + r->used);
    out.push_back(std::move(s));
  }
  return out;
}

void after_first(std::vector<Snapshot>& snaps) {
  for (Snapshot& s : snaps) s.first.assign(s.region->base, s.region->base + s.region->used);
}

void rewind(std::vector<Snapshot>& snaps, int schedule) {
  for (Snapshot& s : snaps) {
    Region& r = *s.region;
    std::memcpy(r.base, s.before.data(), r.used);
    if (r.n_unwritten)
      for (size_t i = 0; i < r.used; ++i)
        if (r.unwritten[i]) r.base[i] = char(poison_for(schedule));
  }
}

void compare(std::vector<Snapshot>& snaps, int schedule, const std::string& kernel) {
  const char p0 = char(poison_for(0)), ps = char(poison_for(schedule));
  for (Snapshot& s : snaps) {
    const Region& r = *s.region;
    const char* a = s.first.data();
    const char* c = r.base;
    if (std::memcmp(a, c, r.used) == 0) continue;
    // Bytes neither schedule wrote hold each schedule's own poison: not a difference.
    const auto differs = [&](size_t j) {
      return a[j] != c[j] && !(r.n_unwritten && r.unwritten[j] && a[j] == p0 && c[j] == ps);
    };
    for (size_t i = 0; i < r.used; ++i) {
      if (!differs(i)) continue;
      size_t count = 0;
      for (size_t j = i; j < r.used; ++j) count += differs(j);
      throw Error(str("cuda emulator: ", kernel, ": schedules 0 and ", schedule, " wrote different values to ",
                      count, " byte(s) of allocation ", hex(r.base), " (", r.used, " bytes); first at offset ", i,
                      ": ", describe(a, i, r.used), " vs ", describe(c, i, r.used),
                      ". The result depends on the order threads or blocks ran in: a missing __syncthreads, "
                      "a shared- or global-memory race, order-dependent atomics, or a read of memory nothing "
                      "had written (those bytes hold different poison under each schedule)"));
    }
  }
}

void settle(std::vector<Snapshot>& snaps, const std::string& kernel) {
  const char p0 = char(poison_for(0));
  for (Snapshot& s : snaps) {
    Region& r = *s.region;
    // One schedule only (no `first`): nothing to compare with, so a byte still holding poison 0
    // counts as unwritten (a kernel that wrote 0xFF there is not told apart).
    const bool compared = !s.first.empty();
    const char* a = compared ? s.first.data() : r.base;
    if (std::memcmp(a, s.before.data(), r.used) != 0) r.last_writer = kernel;
    if (r.n_unwritten == 0) continue;
    for (size_t i = 0; i < r.used; ++i) {
      if (!r.unwritten[i]) continue;
      if (compared ? a[i] == r.base[i] : r.base[i] != p0) {  // the same byte under every schedule: written
        r.unwritten[i] = 0;
        --r.n_unwritten;
        r.last_writer = kernel;
      } else {
        r.base[i] = p0;
      }
    }
  }
}

}  // namespace kd::emu::mem

namespace kd::emu {

void on_block_alloc(void* p, size_t requested, size_t block_bytes) {
  mem::Region* r = mem::find(p);
  if (!r || r->base != p) throw Error(str("cuda emulator: engine block ", p, " is not a cudaMalloc allocation"));
  unpoison(p, block_bytes);
  r->live = true;
  r->used = requested;
  r->unwritten.clear();
  r->n_unwritten = 0;
  r->last_writer = "the engine's allocator (never written)";
  mem::set_unwritten(*r, 0, requested, mem::poison_for(0));
  poison(static_cast<char*>(p) + requested, block_bytes - requested);
}

void on_block_free(void* p) {
  mem::Region* r = mem::find(p);
  if (!r || r->base != p) return;
  r->live = false;
  r->unwritten.clear();
  r->n_unwritten = 0;
  poison(p, r->size);
}

void check_written(const void* p, size_t n, const char* what) {
  if (const mem::Region* r = mem::find(p)) mem::require_written(*r, size_t(static_cast<const char*>(p) - r->base), n, what);
}

void mark_written(const void* p, size_t n) {
  if (mem::Region* r = mem::find(p)) mem::set_written(*r, size_t(static_cast<const char*>(p) - r->base), n, "cuBLAS");
}

}  // namespace kd::emu
