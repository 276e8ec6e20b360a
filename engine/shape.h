#pragma once
#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace kd {

using Shape = std::vector<int64_t>;

int64_t numel(const Shape& s);
std::string shape_str(const Shape& s);  // "[2, 3, 4]"

}  // namespace kd
