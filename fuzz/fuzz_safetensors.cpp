// parse_safetensors: checkpoints, pretrained models and imported PyTorch state dicts.
// Whatever parses must also survive a save/parse round trip unchanged.
#include <cstring>

#include "engine/safetensors.h"
#include "fuzz/fuzz_util.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string what = "'fuzz.safetensors'";
  kd::SafeTensors st;
  try {
    st = kd::parse_safetensors(std::string(reinterpret_cast<const char*>(data), size), what);
  } catch (const kd::Error& e) {
    kdfuzz::expect_named(e, what);
    return 0;
  }
  const kd::SafeTensors back = kd::parse_safetensors(kd::serialize_safetensors(st.tensors, st.metadata), "round trip");
  if (back.metadata != st.metadata || back.tensors.size() != st.tensors.size()) std::abort();
  for (auto& [name, t] : st.tensors) {
    const kd::Tensor& u = back.tensors.at(name);
    if (u.dtype() != t.dtype() || u.shape() != t.shape() || u.nbytes() != t.nbytes() ||
        (t.nbytes() && std::memcmp(u.raw_data(), t.raw_data(), t.nbytes()) != 0))
      std::abort();
  }
  return 0;
}
