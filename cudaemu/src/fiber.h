#pragma once
// Minimal stackful fibers for the emulated threads of a block: a context switch saves the
// callee-saved registers and the stack pointer, nothing else (no signal mask, no system
// call), because a block switches contexts at every barrier and warp operation of every
// thread. x86-64 only; other machines use ucontext.
#include <cstddef>

namespace kd::emu {

struct FiberStack {
  char* lo = nullptr;  // lowest usable byte (a guard page lies below)
  size_t size = 0;
  void allocate(size_t bytes);
  ~FiberStack();
};

struct Context {
  void* sp = nullptr;  // saved stack pointer (x86-64), or the ucontext
  void* uc = nullptr;
};

// Makes `ctx` start `entry` on `stack` when first switched to; entry must never return.
void make_context(Context& ctx, FiberStack& stack, void (*entry)());
// Saves the current context into `from` and continues `to`.
void switch_context(Context& from, Context& to);

}  // namespace kd::emu
