#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>

#include "engine/atomic_file.h"
#include "engine/safetensors.h"

using namespace kd;

namespace {
std::string tmp_path(const std::string& name) { return std::string("/tmp/kdface_test_") + name; }
}  // namespace

TEST_CASE("safetensors round trip keeps names, dtypes, shapes and bytes", "[checkpoint]") {
  Generator g(1);
  std::map<std::string, Tensor> m{{"a.weight", Tensor::randn({3, 4}, g)},
                                  {"b", Tensor::randn({2}, g, DType::F64)},
                                  {"labels", Tensor::from<int64_t>({7, -1, 3}, {3})},
                                  {"scalar", Tensor::full({}, 2.5)}};
  std::string p = tmp_path("roundtrip.safetensors");
  save_safetensors(p, m, {{"step", "12"}});
  SafeTensors r = load_safetensors(p);
  REQUIRE(r.tensors.size() == m.size());
  CHECK(r.metadata.at("step") == "12");
  CHECK(r.tensors.at("a.weight").to_vector<float>() == m.at("a.weight").to_vector<float>());
  CHECK(r.tensors.at("b").to_vector<double>() == m.at("b").to_vector<double>());
  CHECK(r.tensors.at("labels").to_vector<int64_t>() == std::vector<int64_t>{7, -1, 3});
  CHECK(r.tensors.at("scalar").shape().empty());
  std::remove(p.c_str());
}

TEST_CASE("truncated and corrupt safetensors files give clear errors", "[checkpoint]") {
  Generator g(2);
  std::string bytes = serialize_safetensors({{"w", Tensor::randn({16, 16}, g)}}, {});
  std::string p = tmp_path("bad.safetensors");

  write_file_atomic(p, bytes.substr(0, bytes.size() - 10));
  CHECK_THROWS_WITH(load_safetensors(p), Catch::Contains(p) && Catch::Contains("truncated"));

  write_file_atomic(p, bytes.substr(0, 5));
  CHECK_THROWS_WITH(load_safetensors(p), Catch::Contains("not a safetensors file"));

  std::string bad = bytes;
  bad[8] = '#';  // break the JSON
  write_file_atomic(p, bad);
  CHECK_THROWS_WITH(load_safetensors(p), Catch::Contains("corrupt JSON header"));

  std::string huge = bytes;
  huge[7] = 0x7f;  // header length far beyond the file
  write_file_atomic(p, huge);
  CHECK_THROWS_WITH(load_safetensors(p), Catch::Contains("exceeds the file"));

  CHECK_THROWS_WITH(load_safetensors(tmp_path("does_not_exist")), Catch::Contains("cannot open"));
  std::remove(p.c_str());
}

// A header only, its length first (the shapes below need no data).
std::string header_only(const std::string& json) {
  std::string s(8, '\0');
  for (int i = 0; i < 8; ++i) s[size_t(i)] = char((json.size() >> (8 * i)) & 0xFF);
  return s + json;
}

TEST_CASE("a shape whose size overflows is an error, not a wrapped allocation", "[checkpoint]") {
  // Review of the safetensors fuzz target: numel() overflowed int64 here (UBSan), and a
  // product that wrapped to 0 bytes matched data_offsets [0, 0].
  CHECK_THROWS_WITH(parse_safetensors(header_only(R"({"a":{"dtype":"F32","shape":[4294967296,4294967296,0],)"
                                                  R"("data_offsets":[0,0]}})"), "big.safetensors"),
                    Catch::Contains("big.safetensors") && Catch::Contains("more than 2^62 bytes"));
  CHECK_THROWS_WITH(parse_safetensors(header_only(R"({"a":{"dtype":"F64","shape":[2305843009213693952,8],)"
                                                  R"("data_offsets":[0,0]}})"), "wrap.safetensors"),
                    Catch::Contains("wrap.safetensors") && Catch::Contains("more than 2^62 bytes"));
  // Empty tensors with large other dimensions stay legal.
  SafeTensors ok = parse_safetensors(
      header_only(R"({"e":{"dtype":"F32","shape":[1099511627776,0],"data_offsets":[0,0]}})"), "empty.safetensors");
  CHECK(ok.tensors.at("e").numel() == 0);
}

TEST_CASE("the PyTorch fixture file loads", "[checkpoint][fixtures]") {
  SafeTensors st = load_safetensors(std::string(KDFACE_SOURCE_DIR) + "/../shared/fixtures/ops.safetensors");
  CHECK(st.tensors.size() > 100);
  const Tensor& x = st.tensors.at("prelu/x");
  CHECK(x.dtype() == DType::F32);
  CHECK(x.shape() == Shape{3, 5, 4, 4});
  CHECK(st.tensors.at("prelu/y").dtype() == DType::F64);
  CHECK(st.tensors.at("cross_entropy/labels").dtype() == DType::I64);
}

TEST_CASE("atomic write never leaves a half-written file under the final name", "[checkpoint]") {
  std::string p = tmp_path("atomic.bin");
  write_file_atomic(p, "old contents");
  CHECK_THROWS(write_file_atomic("/nonexistent_dir/x.bin", "new"));
  CHECK(read_file(p) == "old contents");
  write_file_atomic(p, "new contents");
  CHECK(read_file(p) == "new contents");
  std::remove(p.c_str());
}
