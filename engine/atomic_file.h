#pragma once
#include <string>

namespace kd {

// Writes bytes to path so that a reader sees either the old file or the complete new one:
// write a temp file beside it, fsync, rename over, fsync the directory.
void write_file_atomic(const std::string& path, const std::string& bytes);

std::string read_file(const std::string& path);  // throws naming the path

}  // namespace kd
