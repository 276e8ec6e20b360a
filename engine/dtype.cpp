#include "engine/dtype.h"

#include "engine/check.h"

namespace kd {

size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: return 4;
    case DType::F64: return 8;
    case DType::I64: return 8;
    case DType::BF16: return 2;
  }
  KD_FAIL("unknown dtype ", int(t));
}

const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "float32";
    case DType::F64: return "float64";
    case DType::I64: return "int64";
    case DType::BF16: return "bfloat16";
  }
  return "?";
}

const char* safetensors_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::F64: return "F64";
    case DType::I64: return "I64";
    case DType::BF16: return "BF16";
  }
  return "?";
}

DType dtype_from_safetensors(const std::string& s) {
  if (s == "F32") return DType::F32;
  if (s == "F64") return DType::F64;
  if (s == "I64") return DType::I64;
  if (s == "BF16") return DType::BF16;
  KD_FAIL("unsupported safetensors dtype '", s, "' (expected one of F32, F64, I64, BF16)");
}

bool is_floating(DType t) { return t != DType::I64; }

}  // namespace kd
