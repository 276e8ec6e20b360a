#include "tools/kdface-export/export_onnx.h"

#include <cmath>

#include <onnx/checker.h>

#include "engine/atomic_file.h"
#include "engine/check.h"
#include "eval/report_hash.h"
#include "tools/kdface-export/onnx_graph.h"

namespace kd::exporttool {

const char* kInputNormalisation =
    "RGB, channels first (N, 3, 112, 112), float32 x = (pixel - 127.5) / 127.5, the face aligned to kdface's "
    "112x112 five-point template (kdface-data align; docs/data.md)";

namespace {

using models::ResNeXtConfig;

constexpr double kEps = 1e-5;  // models::BatchNorm's (and PyTorch's) default

struct Folded {
  std::vector<int64_t> dims;
  std::vector<float> w, b;
};

class Exporter {
 public:
  Exporter(const models::ResNeXtCBAM& net, onnx::GraphProto* g) : sd_(net.state_dict()), g_(g) {}

  std::vector<double> values(const std::string& name) const {
    auto it = sd_.find(name);
    KD_CHECK(it != sd_.end(), "export: the model has no tensor '", name, "'");
    Tensor t = it->second.to(cpu()).to(DType::F64);
    const double* p = t.data<double>();
    return std::vector<double>(p, p + t.numel());
  }
  std::vector<int64_t> dims(const std::string& name) const { return sd_.at(name).shape(); }

  // Per channel: BN(x) = s * x + t.
  void bn_affine(const std::string& bn, std::vector<double>& s, std::vector<double>& t) const {
    const auto g = values(bn + ".weight"), b = values(bn + ".bias"), m = values(bn + ".running_mean"),
               v = values(bn + ".running_var");
    s.resize(g.size());
    t.resize(g.size());
    for (size_t c = 0; c < g.size(); ++c) {
      s[c] = g[c] / std::sqrt(v[c] + kEps);
      t[c] = b[c] - m[c] * s[c];
    }
  }

  // conv (no bias) followed by bn, as one conv with bias.
  std::string conv_bn(const std::string& x, const std::string& conv, const std::string& bn, int64_t stride,
                      int64_t pad, int64_t groups, const std::string& out) {
    std::vector<double> s, t;
    bn_affine(bn, s, t);
    const auto w = values(conv + ".weight");
    const auto d = dims(conv + ".weight");
    const size_t per = w.size() / size_t(d[0]);
    std::vector<float> wf(w.size()), bf(static_cast<size_t>(d[0]));
    for (size_t o = 0; o < size_t(d[0]); ++o) {
      for (size_t k = 0; k < per; ++k) wf[o * per + k] = float(w[o * per + k] * s[o]);
      bf[o] = float(t[o]);
    }
    const std::string wn = b_.weight(conv + ".weight_folded", d, wf), bname = b_.weight(conv + ".bias_folded", {d[0]}, bf);
    return b_.node("Conv", {x, wn, bname}, out, conv_attrs(d, stride, pad, groups));
  }

  std::string conv_plain(const std::string& x, const std::string& conv, int64_t pad, const std::string& out,
                         std::string* wname) {
    const auto d = dims(conv + ".weight");
    if (wname->empty()) {
      const auto w = values(conv + ".weight");
      *wname = b_.weight(conv + ".weight", d, std::vector<float>(w.begin(), w.end()));
    }
    return b_.node("Conv", {x, *wname}, out, conv_attrs(d, 1, pad, 1));
  }

  static std::vector<Attr> conv_attrs(const std::vector<int64_t>& d, int64_t stride, int64_t pad, int64_t groups) {
    return {Attr::is("kernel_shape", {d[2], d[3]}), Attr::is("strides", {stride, stride}),
            Attr::is("pads", {pad, pad, pad, pad}), Attr::i("group", groups), Attr::is("dilations", {1, 1})};
  }

  // v repeated n times along axis: the broadcast as a same-shape tensor (see cbam).
  std::string repeat(const std::string& v, int64_t n, int64_t axis, const std::string& out) {
    return b_.node("Concat", std::vector<std::string>(size_t(n), v), out, {Attr::i("axis", axis)});
  }

  // OpenCV 4.6's DNN module cannot run a broadcasting Mul of two computed tensors when the
  // batch is dynamic, and its ReduceMean/ReduceMax over channels return 5-D blobs. So the
  // attention maps are repeated to the feature's shape by Concat before a same-shape Mul,
  // and the channel reductions are reshaped back to (N, 1, H, W): standard operators, exact,
  // and every runtime runs them.
  std::string cbam(const std::string& y, const std::string& p, int64_t C, int64_t side) {
    std::string w1, w2, ws;
    const std::string avg = b_.node("GlobalAveragePool", {y}, p + ".avg");
    const std::string mx = b_.node("GlobalMaxPool", {y}, p + ".max");
    auto mlp = [&](const std::string& v, const std::string& tag) {
      const std::string h = b_.node("Relu", {conv_plain(v, p + ".fc1", 0, p + ".fc1_" + tag, &w1)}, p + ".relu_" + tag);
      return conv_plain(h, p + ".fc2", 0, p + ".fc2_" + tag, &w2);
    };
    const std::string ca = b_.node("Sigmoid", {b_.node("Add", {mlp(avg, "avg"), mlp(mx, "max")}, p + ".ca_sum")}, p + ".ca");
    const std::string ca_full = repeat(repeat(ca, side, 3, p + ".ca_w"), side, 2, p + ".ca_hw");
    const std::string x1 = b_.node("Mul", {y, ca_full}, p + ".x_ca");
    std::string& shape = map_shapes_[side];
    if (shape.empty()) shape = b_.weight_i64("map_shape_" + std::to_string(side), {-1, 1, side, side});
    const std::string mean = b_.node(
        "Reshape",
        {b_.node("ReduceMean", {x1}, p + ".mean_c5", {Attr::is("axes", {1}), Attr::i("keepdims", 1)}), shape},
        p + ".mean_c");
    const std::string maxc = b_.node(
        "Reshape", {b_.node("ReduceMax", {x1}, p + ".max_c5", {Attr::is("axes", {1}), Attr::i("keepdims", 1)}), shape},
        p + ".max_c");
    const std::string cat = b_.node("Concat", {mean, maxc}, p + ".cat", {Attr::i("axis", 1)});
    const int64_t k = dims(p + ".spatial.weight")[2];
    const std::string sa = b_.node("Sigmoid", {conv_plain(cat, p + ".spatial", k / 2, p + ".spatial_conv", &ws)}, p + ".sa");
    return b_.node("Mul", {x1, repeat(sa, C, 1, p + ".sa_c")}, p + ".out");
  }

  // bn -> (flatten | global average) -> fc -> fbn as one Gemm: z = W'' v + b''.
  std::string head(const std::string& x, const ResNeXtConfig& cfg) {
    std::vector<double> s, t, s2, t2;
    bn_affine("bn", s, t);
    bn_affine("fbn", s2, t2);
    const auto W = values("fc.weight"), bias = values("fc.bias");
    const int64_t emb = cfg.emb, in = cfg.fc_in(), C = int64_t(s.size()), per = in / C;  // per: h*w or 1
    std::vector<float> wf(static_cast<size_t>(emb * in)), bf(static_cast<size_t>(emb));
    for (int64_t o = 0; o < emb; ++o) {
      double acc = bias[size_t(o)];
      for (int64_t j = 0; j < in; ++j) {
        const double wj = W[size_t(o * in + j)];
        const int64_t c = j / per;  // flatten order is (C, h, w)
        wf[size_t(o * in + j)] = float(s2[size_t(o)] * wj * s[size_t(c)]);
        acc += wj * t[size_t(c)];
      }
      bf[size_t(o)] = float(s2[size_t(o)] * acc + t2[size_t(o)]);
    }
    const std::string v = cfg.head == "flatten" ? x : b_.node("GlobalAveragePool", {x}, "head.avg");
    const std::string flat = b_.node("Flatten", {v}, "head.flat", {Attr::i("axis", 1)});
    return b_.node("Gemm", {flat, b_.weight("head.weight", {emb, in}, wf), b_.weight("head.bias", {emb}, bf)},
                   "embedding", {Attr::i("transB", 1)});
  }

  void build(const ResNeXtConfig& cfg) {
    std::string x = "input";
    if (cfg.input_pool > 1) {
      const int64_t p = cfg.input_pool;
      x = b_.node("AveragePool", {x}, "input_pool", {Attr::is("kernel_shape", {p, p}), Attr::is("strides", {p, p})});
    }
    x = conv_bn(x, "stem.0", "stem.1", 1, 1, 1, "stem.conv");
    int64_t side = cfg.size / cfg.input_pool;
    const auto slope = values("stem.2.weight");
    x = b_.node("PRelu", {x, b_.weight("stem.2.weight", {int64_t(slope.size()), 1, 1},
                                       std::vector<float>(slope.begin(), slope.end()))},
                "stem.out");
    int64_t cin = cfg.stem, i = 0;
    for (size_t st = 0; st < cfg.depths.size(); ++st)
      for (int64_t k = 0; k < cfg.depths[st]; ++k, ++i) {
        const std::string p = "blocks." + std::to_string(i);
        const int64_t cout = cfg.widths[st], stride = k == 0 ? 2 : 1;
        if (stride == 2) side = (side - 1) / 2 + 1;  // 3x3, padding 1
        std::string y = b_.node("Relu", {conv_bn(x, p + ".c1", p + ".b1", 1, 0, 1, p + ".c1")}, p + ".r1");
        y = b_.node("Relu", {conv_bn(y, p + ".c2", p + ".b2", stride, 1, cfg.groups, p + ".c2")}, p + ".r2");
        y = conv_bn(y, p + ".c3", p + ".b3", 1, 0, 1, p + ".c3");
        y = cbam(y, p + ".cbam", cout, side);
        const bool down = stride != 1 || cin != cout;
        const std::string sc = down ? conv_bn(x, p + ".down.0", p + ".down.1", stride, 0, 1, p + ".down") : x;
        x = b_.node("Relu", {b_.node("Add", {y, sc}, p + ".add")}, p + ".y");
        cin = cout;
      }
    head(x, cfg);
  }

 private:
  std::map<std::string, Tensor> sd_;
  std::map<int64_t, std::string> map_shapes_;  // side -> the (-1, 1, side, side) shape initializer
  onnx::GraphProto* g_;
  GraphBuilder b_{g_};
};

void set_io(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
  v->set_name(name);
  auto* tt = v->mutable_type()->mutable_tensor_type();
  tt->set_elem_type(onnx::TensorProto::FLOAT);
  auto* shape = tt->mutable_shape();
  shape->add_dim()->set_dim_param("N");
  for (int64_t d : dims) shape->add_dim()->set_dim_value(d);
}

void meta(onnx::ModelProto& m, const std::string& k, const std::string& v) {
  auto* p = m.add_metadata_props();
  p->set_key(k);
  p->set_value(v);
}

}  // namespace

ExportResult export_onnx(const models::ResNeXtCBAM& net, const nlohmann::json& model_config, const std::string& source,
                         const std::string& out) {
  const ResNeXtConfig cfg = ResNeXtConfig::from_json(model_config, source + ": meta.config.student.model");
  onnx::ModelProto m;
  m.set_ir_version(onnx::IR_VERSION);
  m.set_producer_name("kdface-export");
  m.set_producer_version("1");
  m.set_doc_string("kdface face-embedding backbone (ResNeXt-CBAM). Input: " + std::string(kInputNormalisation) +
                   ". Output: the raw embedding (not L2-normalised; compare faces by cosine).");
  auto* op = m.add_opset_import();
  op->set_domain("");
  op->set_version(13);
  onnx::GraphProto* g = m.mutable_graph();
  g->set_name("kdface_backbone");
  set_io(g->add_input(), "input", {3, cfg.size, cfg.size});
  Exporter(net, g).build(cfg);
  set_io(g->add_output(), "embedding", {cfg.emb});
  meta(m, "kdface.input", kInputNormalisation);
  meta(m, "kdface.output", "embedding: (N, " + std::to_string(cfg.emb) + ") float32, not normalised");
  meta(m, "kdface.model_config", cfg.to_json().dump());
  meta(m, "kdface.source", source);
  meta(m, "kdface.source_sha256", eval::sha256_file(source));
  try {
    onnx::checker::check_model(m);
  } catch (const std::exception& e) {
    KD_FAIL("export: ONNX's checker rejected the model built from ", source, ": ", e.what());
  }
  std::string bytes;
  KD_CHECK(m.SerializeToString(&bytes), "export: could not serialise the ONNX model");
  write_file_atomic(out, bytes);
  return {g->node_size(), g->initializer_size(), int64_t(bytes.size())};
}

}  // namespace kd::exporttool
