#pragma once
// Device memory of the emulated device, as the engine and the cuBLAS emulation see it.
//
// Every device allocation is tracked with a byte mask of what no kernel, copy or memset has
// written yet. A launch runs under two schedules whose unwritten bytes hold different
// poison (0xFF, then 0x7F), so a kernel that reads an unwritten byte, or leaves an output
// byte unwritten, is told apart from one that wrote it; copying an unwritten byte back to
// the host is an error naming the last kernel that wrote to that allocation.
#include <cstddef>

namespace kd::emu {

// The engine's caching allocator handed out `requested` bytes of a block of `block_bytes`:
// the requested bytes become unwritten, the rest of the block unaddressable (AddressSanitizer).
void on_block_alloc(void* p, size_t requested, size_t block_bytes);
// The block went back to the cache: all of it unaddressable until handed out again.
void on_block_free(void* p);

// Host-side reads and writes of device memory done by emulated libraries (cuBLAS): a read
// of an unwritten byte is an error naming `what`.
void check_written(const void* p, size_t n, const char* what);
void mark_written(const void* p, size_t n);

}  // namespace kd::emu
