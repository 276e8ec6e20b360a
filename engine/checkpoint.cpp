#include "engine/checkpoint.h"

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/optim/sgd.h"
#include "engine/safetensors.h"

namespace kd {

using nlohmann::json;

namespace {

const char* kFormat = "kdface-checkpoint";
const char* kVersion = "1";
const std::string kModel = "model.", kOptim = "optim.";

bool starts_with(const std::string& s, const std::string& p) { return s.compare(0, p.size(), p) == 0; }

const std::string& need_meta(const SafeTensors& st, const std::string& path, const std::string& key) {
  auto it = st.metadata.find(key);
  KD_CHECK(it != st.metadata.end(), "checkpoint '", path, "': metadata key '", key, "' is missing");
  return it->second;
}

int64_t parse_int(const std::string& path, const std::string& key, const std::string& s) {
  size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  KD_CHECK(!s.empty() && used == s.size(), "checkpoint '", path, "': metadata key '", key,
           "' must be a decimal integer, found '", s, "'");
  return v;
}

json parse_json(const std::string& path, const std::string& key, const std::string& s) {
  try {
    return json::parse(s);
  } catch (const json::exception& e) {
    KD_FAIL("checkpoint '", path, "': metadata key '", key, "' is not valid JSON: ", e.what());
  }
}

// Reads only the header: what latest_checkpoint needs to judge a file without loading it.
std::string check_complete(const std::string& file, int64_t& step) {
  std::ifstream f(file, std::ios::binary);
  if (!f) return "cannot open";
  unsigned char len[8];
  if (!f.read(reinterpret_cast<char*>(len), 8)) return "shorter than 8 bytes";
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; --i) hlen = (hlen << 8) | len[i];
  std::error_code ec;
  const uint64_t size = std::filesystem::file_size(file, ec);
  if (ec) return "cannot stat: " + ec.message();
  if (hlen > size - 8) return "header length beyond the end of the file (truncated)";
  std::string h(hlen, '\0');
  if (!f.read(&h[0], int64_t(hlen))) return "cannot read the header";
  json header;
  try {
    header = json::parse(h);
  } catch (const json::exception&) {
    return "corrupt JSON header";
  }
  if (!header.is_object()) return "header is not a JSON object";
  uint64_t end = 0;
  try {
    auto md = header.find("__metadata__");
    if (md == header.end() || !md->is_object() || md->value("format", std::string()) != kFormat)
      return "not a kdface checkpoint (no format marker)";
    for (auto& [name, e] : header.items())
      if (name != "__metadata__") end = std::max(end, e.at("data_offsets").at(1).get<uint64_t>());
    step = std::stoll(md->at("step").get<std::string>());
  } catch (const std::exception&) {
    return "malformed header";
  }
  if (8 + hlen + end != size) return str("data is ", size - 8 - hlen, " bytes, the header describes ", end, " (truncated)");
  return "";
}

// Index of the first NaN or infinity in a floating tensor, or -1. A checkpoint is what a run
// resumes from and what is shipped, so one holding a diverged model must never exist.
int64_t first_non_finite(const Tensor& t) {
  if (t.dtype() == DType::I64 || t.numel() == 0) return -1;
  const Tensor h = t.device().is_cpu() ? t : t.to(cpu());
  const int64_t n = h.numel();
  if (h.dtype() == DType::F32) {
    const float* p = h.data<float>();
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(p[i])) return i;
  } else if (h.dtype() == DType::F64) {
    const double* p = h.data<double>();
    for (int64_t i = 0; i < n; ++i)
      if (!std::isfinite(p[i])) return i;
  } else if (h.dtype() == DType::BF16) {
    const uint16_t* p = static_cast<const uint16_t*>(h.raw_data());
    for (int64_t i = 0; i < n; ++i)
      if ((p[i] & 0x7F80u) == 0x7F80u) return i;  // exponent all ones: inf or NaN
  }
  return -1;
}

}  // namespace

std::string find_non_finite(const Checkpoint& ck) {
  for (auto& [k, t] : ck.model)
    if (t.defined())
      if (int64_t at = first_non_finite(t); at >= 0) return str("model tensor '", k, "' element ", at);
  for (auto& [k, t] : ck.optim)
    if (t.defined())
      if (int64_t at = first_non_finite(t); at >= 0) return str("optimiser tensor '", k, "' element ", at);
  return "";
}

void save_checkpoint(const std::string& path, const Checkpoint& ck) {
  std::map<std::string, Tensor> tensors;
  for (auto& [k, t] : ck.model) {
    KD_CHECK(!k.empty() && t.defined(), "save_checkpoint '", path, "': model tensor '", k, "' is empty or undefined");
    tensors[kModel + k] = t;
  }
  const std::string bad = find_non_finite(ck);
  KD_CHECK(bad.empty(), "save_checkpoint '", path, "': refusing to write step ", ck.step, ": ", bad,
           " is not finite (the model has diverged)");
  for (auto& [k, t] : ck.optim) {
    KD_CHECK(!k.empty() && t.defined(), "save_checkpoint '", path, "': optimiser tensor '", k, "' is empty or undefined");
    tensors[kOptim + k] = t;
  }
  json rng = json::object();
  for (auto& [name, s] : ck.rng) rng[name] = s;
  std::map<std::string, std::string> md{{"format", kFormat},          {"format_version", kVersion},
                                        {"step", std::to_string(ck.step)}, {"epoch", std::to_string(ck.epoch)},
                                        {"rng", rng.dump()},            {"meta", ck.meta.dump()}};
  save_safetensors(path, tensors, md);
}

Checkpoint load_checkpoint(const std::string& path) {
  SafeTensors st = load_safetensors(path);  // errors already name the file and the tensor
  auto fmt = st.metadata.find("format");
  KD_CHECK(fmt != st.metadata.end() && fmt->second == kFormat, "checkpoint '", path,
           "': not a kdface checkpoint (metadata 'format' is ",
           fmt == st.metadata.end() ? std::string("missing") : "'" + fmt->second + "'", ")");
  const std::string& ver = need_meta(st, path, "format_version");
  KD_CHECK(ver == kVersion, "checkpoint '", path, "': format_version '", ver, "' is not supported (this build reads ",
           kVersion, ")");
  Checkpoint ck;
  ck.source = path;
  ck.step = parse_int(path, "step", need_meta(st, path, "step"));
  ck.epoch = parse_int(path, "epoch", need_meta(st, path, "epoch"));
  ck.meta = parse_json(path, "meta", need_meta(st, path, "meta"));
  json rng = parse_json(path, "rng", need_meta(st, path, "rng"));
  KD_CHECK(rng.is_object(), "checkpoint '", path, "': metadata key 'rng' must be a JSON object");
  for (auto& [name, v] : rng.items()) {
    bool ok = v.is_array() && v.size() == 4;
    for (size_t i = 0; ok && i < 4; ++i) ok = v[i].is_number_unsigned() || (v[i].is_number_integer() && v[i] >= 0);
    KD_CHECK(ok, "checkpoint '", path, "': RNG state 'rng.", name, "' must be 4 unsigned 64-bit integers, found ",
             v.dump());
    ck.rng[name] = v.get<std::array<uint64_t, 4>>();
  }
  for (auto& [k, t] : st.tensors) {
    if (starts_with(k, kModel)) {
      ck.model[k.substr(kModel.size())] = t;
    } else if (starts_with(k, kOptim)) {
      ck.optim[k.substr(kOptim.size())] = t;
    } else {
      KD_FAIL("checkpoint '", path, "': tensor '", k, "' is neither 'model.*' nor 'optim.*'");
    }
  }
  return ck;
}

void Checkpoint::restore_model(Module& m) const {
  try {
    m.load_state_dict(model, true);
  } catch (const Error& e) {
    KD_FAIL("checkpoint '", source, "': restoring the model (tensors 'model.*'): ", e.what());
  }
}

void Checkpoint::restore_optimizer(SGD& opt) const {
  opt.load_state_dict(optim, "checkpoint '" + source + "' (tensors 'optim.*')");
}

void Checkpoint::restore_rng(const std::string& name, Generator& g) const {
  auto it = rng.find(name);
  if (it == rng.end()) {
    std::string have;
    for (auto& kv : rng) have += (have.empty() ? "" : ", ") + kv.first;
    KD_FAIL("checkpoint '", source, "': no RNG state named '", name, "' (saved: ", have.empty() ? "none" : have, ")");
  }
  g.set_state(it->second);
}

std::string checkpoint_path(const std::string& dir, int64_t step) {
  KD_CHECK(step >= 0, "checkpoint_path: negative step ", step);
  char name[40];
  std::snprintf(name, sizeof name, "ckpt_%09lld.safetensors", static_cast<long long>(step));
  return (dir.empty() || dir.back() == '/') ? dir + name : dir + "/" + name;
}

std::string latest_checkpoint(const std::string& dir, std::vector<std::string>* skipped) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::exists(dir, ec)) return "";
  KD_CHECK(fs::is_directory(dir, ec), "latest_checkpoint: '", dir, "' is not a directory");
  std::string best;
  int64_t best_step = -1;
  fs::directory_iterator it(dir, ec);
  KD_CHECK(!ec, "latest_checkpoint: cannot list '", dir, "': ", ec.message());
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const std::string ext = ".safetensors";
    if (name.find(".tmp.") != std::string::npos || name.size() < ext.size() ||
        name.compare(name.size() - ext.size(), ext.size(), ext) != 0 || !entry.is_regular_file(ec))
      continue;
    int64_t step = -1;
    const std::string file = entry.path().string();
    const std::string why = check_complete(file, step);
    if (!why.empty()) {
      if (skipped) skipped->push_back(file + ": " + why);
      continue;
    }
    if (step > best_step || (step == best_step && file > best)) best = file, best_step = step;
  }
  return best;
}

}  // namespace kd
