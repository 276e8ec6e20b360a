#pragma once
// What the rest of the engine may ask about CUDA without including a CUDA header.
#include <string>

namespace kd::cuda {

bool built();        // compiled with the CUDA backend
bool available();    // built() and at least one device answers
int device_count();  // 0 when unavailable
std::string device_name(int index = 0);
std::string unavailable_reason();  // why available() is false, for skip messages
void synchronize();

}  // namespace kd::cuda
