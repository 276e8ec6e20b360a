#include "tools/kdface-export/onnx_graph.h"

#include "engine/check.h"

namespace kd::exporttool {

std::string GraphBuilder::weight(const std::string& name, const std::vector<int64_t>& dims, const std::vector<float>& v) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  KD_CHECK(n == int64_t(v.size()), "export: initializer ", name, " has ", v.size(), " values for ", n);
  onnx::TensorProto* t = g_->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : dims) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(float)));
  return name;
}

std::string GraphBuilder::weight_i64(const std::string& name, const std::vector<int64_t>& v) {
  onnx::TensorProto* t = g_->add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::INT64);
  t->add_dims(int64_t(v.size()));
  for (int64_t x : v) t->add_int64_data(x);
  return name;
}

std::string GraphBuilder::node(const std::string& op, const std::vector<std::string>& in, const std::string& out,
                               const std::vector<Attr>& attrs) {
  onnx::NodeProto* n = g_->add_node();
  n->set_op_type(op);
  n->set_name(out);
  for (const auto& s : in) n->add_input(s);
  n->add_output(out);
  for (const Attr& a : attrs) {
    onnx::AttributeProto* p = n->add_attribute();
    p->set_name(a.name);
    if (a.is_float) {
      p->set_type(onnx::AttributeProto::FLOAT);
      p->set_f(a.f);
    } else if (a.scalar) {
      p->set_type(onnx::AttributeProto::INT);
      p->set_i(a.ints.at(0));
    } else {
      p->set_type(onnx::AttributeProto::INTS);
      for (int64_t v : a.ints) p->add_ints(v);
    }
  }
  return out;
}

}  // namespace kd::exporttool
