#pragma once
// The safetensors format: 8-byte little-endian header length, a JSON header mapping each
// name to {dtype, shape, data_offsets}, then the raw little-endian data.
#include <map>
#include <string>

#include "engine/tensor.h"

namespace kd {

struct SafeTensors {
  std::map<std::string, Tensor> tensors;           // on the CPU
  std::map<std::string, std::string> metadata;     // "__metadata__"
};

// Throws kd::Error naming the file and what is wrong (truncated, bad header, offsets out of
// range, unknown dtype); never returns partial or zero-filled data.
SafeTensors load_safetensors(const std::string& path);
SafeTensors parse_safetensors(const std::string& bytes, const std::string& what);

// Serialises (tensors are copied to the host) and writes atomically.
void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata = {});
std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata);

}  // namespace kd
