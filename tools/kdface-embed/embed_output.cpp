#include "tools/kdface-embed/embed_output.h"

#include <cstring>
#include <filesystem>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "engine/safetensors.h"
#include "engine/tensor.h"

namespace fs = std::filesystem;

namespace kd::embedtool {

namespace {

// One TSV field: messages may carry tabs or line breaks.
std::string field(const std::string& s) {
  if (s.empty()) return "-";
  std::string f = s;
  for (char& c : f)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return f;
}

}  // namespace

std::string index_path_for(const std::string& out) { return fs::path(out).replace_extension(".tsv").string(); }

void check_output_name(const std::string& out) {
  const std::string e = fs::path(out).extension().string();
  KD_CHECK(e == ".npy" || e == ".safetensors", "--out ", out, ": expected a file name ending in .npy or .safetensors");
}

std::string npy_bytes(const std::vector<float>& v, int64_t n, int64_t dim) {
  KD_CHECK(int64_t(v.size()) == n * dim, "npy: ", v.size(), " values for a ", n, "x", dim, " matrix");
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + std::to_string(n) + ", " +
                       std::to_string(dim) + "), }";
  // Magic, version 1.0, header length; the header is space-padded so the data start on a
  // 64-byte boundary and ends with a newline, as numpy writes it.
  const size_t prefix = 10;
  header.append((64 - (prefix + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = std::string("\x93NUMPY\x01\x00", 8);
  out += char(header.size() & 0xff);
  out += char(header.size() >> 8);
  out += header;
  const size_t at = out.size();
  out.resize(at + v.size() * sizeof(float));
  std::memcpy(&out[at], v.data(), v.size() * sizeof(float));  // x86-64 and ARM64 are little-endian
  return out;
}

void write_embeddings(const std::string& out, const std::vector<float>& v, int64_t n, int64_t dim,
                      const std::map<std::string, std::string>& metadata, const std::vector<IndexRow>& index) {
  check_output_name(out);
  KD_CHECK(n > 0, "no input could be embedded, so nothing was written (", index_path_for(out), " not written either)");
  if (fs::path(out).has_parent_path()) fs::create_directories(fs::path(out).parent_path());
  if (fs::path(out).extension() == ".npy") {
    write_file_atomic(out, npy_bytes(v, n, dim));
  } else {
    Tensor t = Tensor::empty({n, dim});
    std::memcpy(t.data<float>(), v.data(), v.size() * sizeof(float));
    save_safetensors(out, {{"embeddings", t}}, metadata);
  }
  std::string tsv = "row\tpath\tstatus\talignment\treason\n";
  for (const IndexRow& r : index)
    tsv += (r.row < 0 ? std::string("-") : std::to_string(r.row)) + "\t" + field(r.path) + "\t" +
           (r.row < 0 ? "failed" : "embedded") + "\t" + field(r.alignment) + "\t" + field(r.reason) + "\n";
  write_file_atomic(index_path_for(out), tsv);
}

}  // namespace kd::embedtool
