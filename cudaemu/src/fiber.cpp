#include "fiber.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include "engine/check.h"

#if !defined(__x86_64__)
#include <ucontext.h>
#endif

namespace kd::emu {

void FiberStack::allocate(size_t bytes) {
  const size_t page = size_t(sysconf(_SC_PAGESIZE));
  bytes = (bytes + page - 1) / page * page;
  void* m = mmap(nullptr, bytes + page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) throw Error("cuda emulator: cannot map a fiber stack");
  mprotect(m, page, PROT_NONE);  // an overflowing kernel faults here instead of corrupting a neighbour
  lo = static_cast<char*>(m) + page;
  size = bytes;
}

FiberStack::~FiberStack() {
  if (lo) munmap(lo - sysconf(_SC_PAGESIZE), size + size_t(sysconf(_SC_PAGESIZE)));
}

#if defined(__x86_64__)

extern "C" void kd_emu_switch(void** save_sp, void* to_sp);
// Pushes the callee-saved registers, MXCSR and the x87 control word, swaps stacks, pops.
asm(R"(
  .pushsection .text
  .globl kd_emu_switch
  .type kd_emu_switch,@function
kd_emu_switch:
  pushq %rbp
  pushq %rbx
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  subq $8, %rsp
  stmxcsr (%rsp)
  fnstcw 4(%rsp)
  movq %rsp, (%rdi)
  movq %rsi, %rsp
  ldmxcsr (%rsp)
  fldcw 4(%rsp)
  addq $8, %rsp
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbx
  popq %rbp
  ret
  .size kd_emu_switch, .-kd_emu_switch
  .popsection
)");

void make_context(Context& ctx, FiberStack& stack, void (*entry)()) {
  // Nine slots below a 16-byte aligned top: MXCSR/x87, r15..rbp, the return address (entry)
  // and a zero return address for entry itself, so entry starts with rsp = 8 (mod 16) as
  // after a call.
  const uintptr_t top = (reinterpret_cast<uintptr_t>(stack.lo) + stack.size) & ~uintptr_t(15);
  auto* sp = reinterpret_cast<uint64_t*>(top - 72);
  uint32_t mxcsr;
  uint16_t cw;
  asm volatile("stmxcsr %0" : "=m"(mxcsr));
  asm volatile("fnstcw %0" : "=m"(cw));
  sp[0] = uint64_t(mxcsr) | (uint64_t(cw) << 32);
  for (int i = 1; i <= 6; ++i) sp[i] = 0;
  sp[7] = reinterpret_cast<uint64_t>(entry);
  sp[8] = 0;
  ctx.sp = sp;
}

void switch_context(Context& from, Context& to) { kd_emu_switch(&from.sp, to.sp); }

#else

void make_context(Context& ctx, FiberStack& stack, void (*entry)()) {
  if (!ctx.uc) ctx.uc = new ucontext_t;
  auto* uc = static_cast<ucontext_t*>(ctx.uc);
  getcontext(uc);
  uc->uc_stack.ss_sp = stack.lo;
  uc->uc_stack.ss_size = stack.size;
  uc->uc_link = nullptr;
  makecontext(uc, entry, 0);
}

void switch_context(Context& from, Context& to) {
  if (!from.uc) from.uc = new ucontext_t;
  swapcontext(static_cast<ucontext_t*>(from.uc), static_cast<ucontext_t*>(to.uc));
}

#endif

}  // namespace kd::emu
