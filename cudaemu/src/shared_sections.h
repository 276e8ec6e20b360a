#pragma once
// The static __shared__ variables of the whole program (see kd_emu/prelude.h), as the byte
// ranges a block may use: refilled with poison at every block start.
namespace kd::emu {

void poison_static_shared(unsigned char pattern);

}  // namespace kd::emu
