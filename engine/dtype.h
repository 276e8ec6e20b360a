#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace kd {

// A real enum (not an assumption of float everywhere): F64 serves the finite-difference
// checks, I64 the labels, BF16 is a storage type for the mixed-precision work to come.
enum class DType : uint8_t { F32, F64, I64, BF16 };

size_t dtype_size(DType t);
const char* dtype_name(DType t);        // "float32", ...
const char* safetensors_name(DType t);  // "F32", ...
DType dtype_from_safetensors(const std::string& s);  // throws on unknown names
bool is_floating(DType t);

template <class T> struct DTypeOf;
template <> struct DTypeOf<float> { static constexpr DType value = DType::F32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::F64; };
template <> struct DTypeOf<int64_t> { static constexpr DType value = DType::I64; };
template <class T> constexpr DType dtype_of = DTypeOf<T>::value;

}  // namespace kd
