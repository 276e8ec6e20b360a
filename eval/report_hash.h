#pragma once
// Content hashes that tie a report to the exact files it was computed from (checkpoints, pair
// lists). SHA-256 in lower-case hex, as `sha256sum` prints it, so a reader can check a file
// by hand without this project.
#include <cstddef>
#include <string>

namespace kd::eval {

std::string sha256_hex(const void* data, size_t n);
// Streams the file (checkpoints can be hundreds of MB); throws naming the path.
std::string sha256_file(const std::string& path);

}  // namespace kd::eval
