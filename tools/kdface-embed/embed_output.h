#pragma once
// kdface-embed's files: the embeddings as .npy (NumPy's format, version 1.0, little-endian
// float32, C order) or .safetensors (tensor "embeddings", with what produced them in the
// metadata), and beside them <stem>.tsv, the index: one line per input, in input order:
//   row  path  status  alignment  reason
// row is the embedding's row, or "-" for an input that was not embedded (status "failed").
// Every file is written atomically; nothing is written when no input could be embedded.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kd::embedtool {

struct IndexRow {
  int64_t row = -1;  // -1: not embedded
  std::string path, alignment, reason;
};

// The index's path for an output file: same stem, ".tsv".
std::string index_path_for(const std::string& out);

// out ends in .npy or .safetensors (checked first, before any work: check_output_name).
void check_output_name(const std::string& out);
void write_embeddings(const std::string& out, const std::vector<float>& v, int64_t n, int64_t dim,
                      const std::map<std::string, std::string>& metadata, const std::vector<IndexRow>& index);

// The .npy bytes for an (n, dim) float32 matrix.
std::string npy_bytes(const std::vector<float>& v, int64_t n, int64_t dim);

}  // namespace kd::embedtool
