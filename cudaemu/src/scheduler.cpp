// The emulated device's execution model. A launch runs its blocks one after another (in a
// seeded random order); a block's threads are fibers on the calling OS thread. Every thread
// runs until it reaches a barrier, a warp operation or its end; then the next one runs, in a
// seeded random order that changes at every phase. When no thread can run, pending warp
// operations whose whole mask has arrived complete, else a barrier that the whole block
// has reached opens; anything else is a kernel that would hang (or worse) on a GPU, and is
// reported naming the kernel, the launch site, the block and the waiting threads.
#include <dlfcn.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <vector>

#include "engine/check.h"
#include "fiber.h"
#include "kd_emu/device.h"
#include "kd_emu/launch.h"
#include "memory.h"
#include "sanitizer.h"
#include "shared_sections.h"

namespace kd::emu {
namespace {

constexpr size_t kStackBytes = size_t(256) << 10;
constexpr size_t kTopFrames = size_t(8) << 10;  // thread_entry's and the final switch's frames

struct Thread {
  enum State { Runnable, AtBarrier, AtWarp, Done };
  Context ctx;
  FiberStack stack;
  void* asan_fake = nullptr;
  bool dirty = false;  // abandoned mid-kernel: its stack shadow must be cleared before reuse
  uint3 idx{};
  int linear = 0;
  State state = Runnable;
  const char* file = nullptr;
  int line = 0;
  WarpKind kind = WarpKind::Sync;
  unsigned mask = 0;
  uint64_t value = 0, result = 0;
  int arg = 0, width = 32;
  std::exception_ptr error;
};

struct Running {
  std::string kernel;  // "name at file:line"
  dim3 grid, block;
  size_t shared_bytes = 0;
  const std::function<void()>* body = nullptr;
  int schedule = 0;
  uint64_t seed = 0;
  std::vector<std::unique_ptr<Thread>>* threads = nullptr;
  char* dyn_shared = nullptr;
};

thread_local Running* tl_run = nullptr;
thread_local Thread* tl_thread = nullptr;
thread_local Context tl_main;
thread_local const void* tl_main_stack_lo = nullptr;
thread_local size_t tl_main_stack_size = 0;
thread_local void* tl_main_fake = nullptr;
thread_local uint64_t tl_launches = 0;

uint64_t env_u64(const char* name, uint64_t dflt) {
  const char* v = std::getenv(name);
  return v && *v ? std::strtoull(v, nullptr, 10) : dflt;
}

struct Rng {  // splitmix64
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  template <class V>
  void shuffle(V& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(next() % i)]);
  }
};

std::string coords(uint3 v) { return str("(", v.x, ",", v.y, ",", v.z, ")"); }

[[noreturn]] void fail(const std::string& what) {
  throw Error(str("cuda emulator: ", tl_run->kernel, ", block ", coords(t_blockIdx), " of grid (", tl_run->grid.x, ",",
                  tl_run->grid.y, ",", tl_run->grid.z, "), block size (", tl_run->block.x, ",", tl_run->block.y, ",",
                  tl_run->block.z, "), schedule ", tl_run->schedule, " (seed ", tl_run->seed, "): ", what));
}

#ifdef KD_EMU_ASAN
void asan_start(void** fake, const void* lo, size_t size) { __sanitizer_start_switch_fiber(fake, lo, size); }
void asan_finish(void* fake, const void** lo, size_t* size) { __sanitizer_finish_switch_fiber(fake, lo, size); }
#else
void asan_start(void**, const void*, size_t) {}
void asan_finish(void*, const void**, size_t*) {}
#endif

// Back to the scheduler; returns when the scheduler resumes this thread.
void yield_to_scheduler(Thread* t, bool finished) {
  asan_start(finished ? nullptr : &t->asan_fake, tl_main_stack_lo, tl_main_stack_size);
  switch_context(t->ctx, tl_main);
  asan_finish(t->asan_fake, nullptr, nullptr);
}

void thread_entry() {
  Thread* t = tl_thread;
  asan_finish(nullptr, &tl_main_stack_lo, &tl_main_stack_size);
  try {
    (*tl_run->body)();
  } catch (...) {
    t->error = std::current_exception();
  }
  t->state = Thread::Done;
  yield_to_scheduler(t, true);
  std::abort();  // a finished thread is never resumed
}

void resume(Thread* t) {
  tl_thread = t;
  t_threadIdx = t->idx;
  asan_start(&tl_main_fake, t->stack.lo, t->stack.size);
  switch_context(tl_main, t->ctx);
  asan_finish(tl_main_fake, nullptr, nullptr);
  tl_thread = nullptr;
}

const char* kind_name(WarpKind k) {
  switch (k) {
    case WarpKind::ShflIdx: return "__shfl_sync";
    case WarpKind::ShflUp: return "__shfl_up_sync";
    case WarpKind::ShflDown: return "__shfl_down_sync";
    case WarpKind::ShflXor: return "__shfl_xor_sync";
    case WarpKind::Sync: return "__syncwarp";
    case WarpKind::Ballot: return "__ballot_sync";
    case WarpKind::Any: return "__any_sync";
    case WarpKind::All: return "__all_sync";
  }
  return "?";
}

std::string where(const Thread& t) {
  if (t.state == Thread::AtBarrier) return str("__syncthreads at ", t.file, ":", t.line);
  if (t.state == Thread::AtWarp)
    return str(kind_name(t.kind), "(mask 0x", std::hex, t.mask, std::dec, ") at ", t.file, ":", t.line);
  return t.state == Thread::Done ? "exited" : "runnable";
}

// Who waits where, grouped, for deadlock messages.
std::string census(const std::vector<Thread*>& ts) {
  std::map<std::string, std::vector<int>> groups;
  for (Thread* t : ts) groups[where(*t)].push_back(t->linear);
  std::ostringstream os;
  for (auto& [w, ids] : groups) {
    os << "\n  " << ids.size() << " thread(s) " << w << ": threads " << ids.front();
    if (ids.size() > 1) os << ".." << ids.back();
  }
  return os.str();
}

// Completes every warp operation whose whole mask waits at an operation of the same kind and
// mask. Returns whether one completed.
bool complete_warp_ops(std::vector<Thread*>& ts) {
  bool progressed = false;
  const int n = int(ts.size());
  for (int base = 0; base < n; base += 32) {
    const int lanes = std::min(32, n - base);
    for (int l = 0; l < lanes; ++l) {
      Thread* t = ts[size_t(base + l)];
      if (t->state != Thread::AtWarp) continue;
      const unsigned mask = t->mask;
      // Built only for a message: this loop runs at every phase of every block.
      const auto op = [t] { return str(kind_name(t->kind), " at ", t->file, ":", t->line); };
      if (!((mask >> l) & 1u))
        fail(str(op(), ": mask 0x", std::hex, mask, std::dec, " does not include the calling lane ", l, " (thread ",
                 t->linear, ")"));
      if (t->width < 1 || t->width > 32 || (t->width & (t->width - 1)))
        fail(str(op(), ": width ", t->width, " is not a power of two in [1, 32]"));
      bool ready = true;
      for (int p = 0; p < 32 && ready; ++p) {
        if (!((mask >> p) & 1u)) continue;
        if (p >= lanes)
          fail(str(op(), ": mask 0x", std::hex, mask, std::dec, " names lane ", p, " of warp ", base / 32,
                   ", which does not exist (the block has ", n, " threads)"));
        const Thread* q = ts[size_t(base + p)];
        if (q->state == Thread::Done)
          fail(str("divergent warp operation: lane ", l, " (thread ", t->linear, ") waits at ", op(), " with mask 0x",
                   std::hex, mask, std::dec, ", but lane ", p, " (thread ", q->linear,
                   ") named in the mask exited without reaching it"));
        if (q->state != Thread::AtWarp || q->kind != t->kind || q->mask != mask) ready = false;
      }
      if (!ready) continue;
      uint64_t vote = 0;
      bool any = false, all = true;
      for (int p = 0; p < 32; ++p)
        if ((mask >> p) & 1u) {
          const bool pred = ts[size_t(base + p)]->value != 0;
          vote |= uint64_t(pred) << p;
          any |= pred;
          all &= pred;
        }
      for (int p = 0; p < 32; ++p) {
        if (!((mask >> p) & 1u)) continue;
        Thread* q = ts[size_t(base + p)];
        const int w = q->width, seg = p / w * w, lp = p - seg;
        int src = p;
        switch (q->kind) {
          case WarpKind::ShflIdx: src = seg + ((q->arg % w) + w) % w; break;
          case WarpKind::ShflUp: src = lp >= q->arg ? p - q->arg : p; break;
          case WarpKind::ShflDown: src = lp + q->arg < w ? p + q->arg : p; break;
          case WarpKind::ShflXor: {
            const int s = p ^ q->arg;
            src = s >= seg && s < seg + w ? s : p;
            break;
          }
          default: break;
        }
        if (!((mask >> src) & 1u))
          fail(str("lane ", p, " (thread ", q->linear, ") at ", kind_name(q->kind), " at ", q->file, ":", q->line,
                   " reads lane ", src, ", which is not in the mask 0x", std::hex, mask));
        switch (q->kind) {
          case WarpKind::Ballot: q->result = vote; break;
          case WarpKind::Any: q->result = any; break;
          case WarpKind::All: q->result = all; break;
          case WarpKind::Sync: q->result = 0; break;
          default: q->result = ts[size_t(base + src)]->value;
        }
        q->state = Thread::Runnable;
      }
      progressed = true;
    }
  }
  return progressed;
}

// Opens the barrier when every thread of the block waits at it. Returns whether it opened.
bool open_barrier(std::vector<Thread*>& ts) {
  Thread* first = nullptr;
  size_t at = 0, done = 0;
  for (Thread* t : ts) {
    if (t->state == Thread::Done) ++done;
    if (t->state != Thread::AtBarrier) continue;
    ++at;
    if (!first) first = t;
  }
  if (!first || at + done != ts.size()) return false;
  if (done) fail(str("__syncthreads at ", first->file, ":", first->line, " is reached by ", at, " of ", ts.size(),
                     " threads; the others exited without reaching it (a barrier in divergent code)", census(ts)));
  for (Thread* t : ts)
    if (t->file != first->file || t->line != first->line)
      fail(str("threads wait at different __syncthreads (a barrier in divergent code):", census(ts)));
  for (Thread* t : ts) t->state = Thread::Runnable;
  return true;
}

void run_block(Running& run, uint3 b, Rng& rng) {
  t_blockIdx = b;
  const dim3 bd = run.block;
  const size_t n = size_t(bd.x) * bd.y * bd.z;
  auto& pool = *run.threads;
  while (pool.size() < n) {
    pool.push_back(std::make_unique<Thread>());
    pool.back()->stack.allocate(kStackBytes);
  }
  std::vector<Thread*> ts(n);
  for (size_t i = 0; i < n; ++i) {
    Thread* t = ts[i] = pool[i].get();
    // A finished thread never returns from thread_entry, so the red zones of the frames it
    // left at the top of its stack are still poisoned; an abandoned one (a failed block) may
    // have left them anywhere.
    if (t->dirty)
      unpoison(t->stack.lo, t->stack.size);
    else
      unpoison(t->stack.lo + t->stack.size - kTopFrames, kTopFrames);
    t->dirty = false;
    t->idx = {unsigned(i % bd.x), unsigned(i / bd.x % bd.y), unsigned(i / (size_t(bd.x) * bd.y))};
    t->linear = int(i);
    t->state = Thread::Runnable;
    t->error = nullptr;
    t->asan_fake = nullptr;
    make_context(t->ctx, t->stack, thread_entry);
  }
  // A block's shared memory starts undefined on a GPU: here it starts as poison that differs
  // between schedules, so a read before any write shows up as a schedule difference.
  const unsigned char poison_byte = mem::poison_for(run.schedule);
  poison_static_shared(poison_byte);
  if (run.shared_bytes) std::memset(run.dyn_shared, poison_byte, run.shared_bytes);
  std::vector<Thread*> order;
  order.reserve(n);
  try {
    for (;;) {
      order.clear();
      for (Thread* t : ts)
        if (t->state == Thread::Runnable) order.push_back(t);
      rng.shuffle(order);
      for (Thread* t : order) {
        resume(t);
        if (t->error) std::rethrow_exception(t->error);
      }
      if (std::all_of(ts.begin(), ts.end(), [](Thread* t) { return t->state == Thread::Done; })) return;
      if (complete_warp_ops(ts) || open_barrier(ts)) continue;
      fail(str("the block cannot go on (on a GPU it would hang or compute garbage): threads wait at barriers or "
               "warp operations that the others do not reach",
               census(ts)));
    }
  } catch (...) {
    for (Thread* t : ts)
      if (t->state != Thread::Done) t->dirty = true;
    throw;
  }
}

void run_grid(Running& run) {
  const dim3 g = run.grid;
  const size_t blocks = size_t(g.x) * g.y * g.z;
  std::vector<size_t> order(blocks);
  for (size_t i = 0; i < blocks; ++i) order[i] = i;
  Rng rng{run.seed * 0x100000001b3ull + uint64_t(run.schedule) * 0x9e3779b97f4a7c15ull + tl_launches};
  rng.shuffle(order);
  for (size_t i : order)
    run_block(run, {unsigned(i % g.x), unsigned(i / g.x % g.y), unsigned(i / (size_t(g.x) * g.y))}, rng);
}

#ifdef KD_EMU_ASAN
void on_sanitizer_death() {
  if (!tl_run) return;
  const uint3 t = t_threadIdx, b = t_blockIdx;
  fprintf(stderr,
          "cuda emulator: the sanitizer stopped the process inside kernel %s, block (%u,%u,%u), thread (%u,%u,%u), "
          "schedule %d (seed %llu)\n",
          tl_run->kernel.c_str(), b.x, b.y, b.z, t.x, t.y, t.z, tl_run->schedule, (unsigned long long)tl_run->seed);
}
#endif

}  // namespace

void syncthreads(const char* file, int line) {
  Thread* t = tl_thread;
  if (!t) throw Error(str("cuda emulator: __syncthreads at ", file, ":", line, " called outside a kernel"));
  t->state = Thread::AtBarrier;
  t->file = file;
  t->line = line;
  yield_to_scheduler(t, false);
}

uint64_t warp_op(WarpKind kind, unsigned mask, uint64_t value, int arg, int width, const char* file, int line) {
  Thread* t = tl_thread;
  if (!t) throw Error(str("cuda emulator: ", kind_name(kind), " at ", file, ":", line, " called outside a kernel"));
  t->state = Thread::AtWarp;
  t->kind = kind;
  t->mask = mask;
  t->value = value;
  t->arg = arg;
  t->width = width;
  t->file = file;
  t->line = line;
  yield_to_scheduler(t, false);
  return t->result;
}

void* dynamic_shared_raw() {
  if (!tl_run) throw Error("cuda emulator: dynamic shared memory used outside a kernel");
  return tl_run->dyn_shared;
}

void launch(const Site& site, dim3 grid, dim3 block, size_t shared_bytes, const std::vector<const void*>& pointers,
            const std::function<void()>& body) {
  if (tl_run) throw Error(str("cuda emulator: ", site.expr, " launched from inside a kernel (not supported)"));
  static bool hooked = [] {
#ifdef KD_EMU_ASAN
    __sanitizer_set_death_callback(on_sanitizer_death);
    // GCC links UBSan as a library of its own, with its own copy of the callback.
    if (void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD))
      if (void* set = dlsym(ubsan, "__sanitizer_set_death_callback"))
        reinterpret_cast<void (*)(void (*)())>(set)(on_sanitizer_death);
#endif
    return true;
  }();
  (void)hooked;
  static thread_local std::vector<std::unique_ptr<Thread>> pool;
  Running run;
  run.kernel = str(site.expr, " (launched at ", site.file, ":", site.line, ")");
  run.grid = grid;
  run.block = block;
  run.shared_bytes = shared_bytes;
  run.body = &body;
  static const uint64_t seed = env_u64("KDFACE_EMU_SEED", 1);
  static const int schedules = int(std::clamp<uint64_t>(env_u64("KDFACE_EMU_SCHEDULES", 2), 1, 16));
  run.seed = seed;
  run.threads = &pool;
  // Exactly shared_bytes long (16-byte aligned, as KD_DYNAMIC_SHARED promises), so ASan
  // reports an access past the end.
  struct AlignedDelete {
    void operator()(char* p) const { ::operator delete[](p, std::align_val_t(16)); }
  };
  std::unique_ptr<char[], AlignedDelete> dyn;
  if (shared_bytes) dyn.reset(static_cast<char*>(::operator new[](shared_bytes, std::align_val_t(16))));
  run.dyn_shared = dyn.get();
  struct Scope {
    Running* r;
    explicit Scope(Running* x) : r(x) { tl_run = x; }
    ~Scope() {
      tl_run = nullptr;
      t_threadIdx = {0, 0, 0};
      t_blockIdx = {0, 0, 0};
    }
  } scope(&run);
  t_blockDim = block;
  t_gridDim = grid;
  ++tl_launches;
  std::vector<mem::Snapshot> snaps = mem::take(pointers, run.kernel);
  run.schedule = 0;
  run_grid(run);
  if (schedules > 1 && !snaps.empty()) {
    mem::after_first(snaps);
    for (int s = 1; s < schedules; ++s) {
      mem::rewind(snaps, s);
      run.schedule = s;
      run_grid(run);
      mem::compare(snaps, s, run.kernel);
    }
  }
  mem::settle(snaps, run.kernel);
}

}  // namespace kd::emu
