#include "engine/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "engine/atomic_file.h"

namespace kd {

using nlohmann::json;

SafeTensors parse_safetensors(const std::string& bytes, const std::string& what) {
  KD_CHECK(bytes.size() >= 8, what, ": not a safetensors file (", bytes.size(), " bytes, need at least 8)");
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | uint8_t(bytes[size_t(i)]);
  KD_CHECK(hlen <= bytes.size() - 8, what, ": header length ", hlen, " exceeds the file (", bytes.size(),
           " bytes): truncated or not safetensors");
  json header;
  try {
    header = json::parse(bytes.begin() + 8, bytes.begin() + 8 + int64_t(hlen));
  } catch (const json::exception& e) {
    KD_FAIL(what, ": corrupt JSON header: ", e.what());
  }
  KD_CHECK(header.is_object(), what, ": header is not a JSON object");
  const size_t data_len = bytes.size() - 8 - hlen;
  const char* data = bytes.data() + 8 + hlen;

  SafeTensors out;
  std::vector<std::pair<uint64_t, uint64_t>> spans;
  for (auto& [name, e] : header.items()) {
    if (name == "__metadata__") {
      KD_CHECK(e.is_object(), what, ": __metadata__ must be an object of strings");
      for (auto& [k, v] : e.items()) {
        KD_CHECK(v.is_string(), what, ": __metadata__['", k, "'] must be a string");
        out.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    try {
      DType t = dtype_from_safetensors(e.at("dtype").get<std::string>());
      // get<Shape>() would cast floats and negative offsets without a range check (UB past the
      // type's range), so both are checked to be integers of the right sign first.
      for (auto& d : e.at("shape")) KD_CHECK(d.is_number_integer(), "shape must hold integers, found ", d.dump());
      for (auto& o : e.at("data_offsets"))
        KD_CHECK(o.is_number_unsigned(), "data_offsets must be non-negative integers, found ", o.dump());
      Shape shape = e.at("shape").get<Shape>();
      auto off = e.at("data_offsets").get<std::vector<uint64_t>>();
      KD_CHECK(off.size() == 2 && off[0] <= off[1], "data_offsets must be [begin, end]");
      KD_CHECK(off[1] <= data_len, "data_offsets end ", off[1], " beyond the ", data_len,
               " data bytes present: the file is truncated");
      // numel() and nbytes() of a corrupt shape would overflow (UB, or a wrapped size that
      // allocates less than the tensor claims), so the product is bounded here first.
      const uint64_t limit = (uint64_t(1) << 62) / dtype_size(t);
      uint64_t count = 1;
      bool empty = false;
      for (int64_t d : shape) {
        KD_CHECK(d >= 0, "negative dimension in shape ", shape_str(shape));
        if (d == 0) {
          empty = true;
        } else {
          KD_CHECK(!__builtin_mul_overflow(count, uint64_t(d), &count) && count <= limit, "shape ", shape_str(shape),
                   " has more than 2^62 bytes of ", dtype_name(t));
        }
      }
      const uint64_t need = empty ? 0 : count * dtype_size(t);
      KD_CHECK(off[1] - off[0] == need, "holds ", off[1] - off[0], " bytes, shape ", shape_str(shape), " of ",
               dtype_name(t), " needs ", need);
      Tensor tsr = Tensor::empty(shape, t);
      if (tsr.nbytes()) std::memcpy(tsr.raw_data(), data + off[0], tsr.nbytes());
      spans.emplace_back(off[0], off[1]);
      out.tensors.emplace(name, tsr);
    } catch (const json::exception& ex) {
      KD_FAIL(what, ": tensor '", name, "': malformed entry: ", ex.what());
    } catch (const Error& ex) {
      KD_FAIL(what, ": tensor '", name, "': ", ex.what());
    }
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    KD_CHECK(spans[i].first >= spans[i - 1].second, what, ": tensor data regions overlap: corrupt file");
  return out;
}

SafeTensors load_safetensors(const std::string& path) { return parse_safetensors(read_file(path), "'" + path + "'"); }

std::string serialize_safetensors(const std::map<std::string, Tensor>& tensors,
                                  const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  if (!metadata.empty()) header["__metadata__"] = metadata;
  uint64_t off = 0;
  for (auto& [name, t] : tensors) {
    KD_CHECK(t.defined(), "save_safetensors: tensor '", name, "' is undefined");
    header[name] = {{"dtype", safetensors_name(t.dtype())}, {"shape", t.shape()}, {"data_offsets", {off, off + t.nbytes()}}};
    off += t.nbytes();
  }
  std::string h = header.dump();
  h.append((8 - h.size() % 8) % 8, ' ');  // keep the data 8-byte aligned, as the reference writer does
  std::string out(8, '\0');
  uint64_t hlen = h.size();
  for (int i = 0; i < 8; ++i) out[size_t(i)] = char((hlen >> (8 * i)) & 0xFF);
  out += h;
  out.reserve(out.size() + off);
  for (auto& [name, t] : tensors) {
    Tensor host = t.device().is_cpu() ? t : t.to(cpu());
    out.append(static_cast<const char*>(host.raw_data()), host.nbytes());
  }
  return out;
}

void save_safetensors(const std::string& path, const std::map<std::string, Tensor>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  write_file_atomic(path, serialize_safetensors(tensors, metadata));
}

}  // namespace kd
