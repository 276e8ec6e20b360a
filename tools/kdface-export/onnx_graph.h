#pragma once
// A thin builder over ONNX's own protobuf classes (Debian's libonnx-dev): named float
// initializers and nodes with attributes, so the exporter reads as the network does.
#include <cstdint>
#include <string>
#include <vector>

#include <onnx/onnx_pb.h>

namespace kd::exporttool {

struct Attr {
  std::string name;
  std::vector<int64_t> ints;  // an INTS attribute, or INT when single and `scalar`
  bool scalar = false;
  float f = 0;
  bool is_float = false;
  static Attr i(const std::string& n, int64_t v) { return {n, {v}, true, 0, false}; }
  static Attr is(const std::string& n, std::vector<int64_t> v) { return {n, std::move(v), false, 0, false}; }
  static Attr fl(const std::string& n, float v) { return {n, {}, false, v, true}; }
};

class GraphBuilder {
 public:
  explicit GraphBuilder(onnx::GraphProto* g) : g_(g) {}
  // A float32 initializer; returns its name.
  std::string weight(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v);
  // A 1-D int64 initializer (shapes for Reshape); returns its name.
  std::string weight_i64(const std::string& name, const std::vector<int64_t>& v);
  // One node; returns its (single) output's name, `out`.
  std::string node(const std::string& op, const std::vector<std::string>& in, const std::string& out,
                   const std::vector<Attr>& attrs = {});

 private:
  onnx::GraphProto* g_;
};

}  // namespace kd::exporttool
