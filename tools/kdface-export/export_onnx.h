#pragma once
// A kdface backbone as an ONNX model in standard operators (opset 13): BatchNorm folded into
// the convolutions before it, and the final BN, Linear and BatchNorm1d folded into one Gemm
// (all folds computed in float64, then rounded once to float32); CBAM as GlobalAverage/
// GlobalMaxPool, 1x1 Conv, Sigmoid, ReduceMean/ReduceMax over channels and Mul; input_pool
// as AveragePool. Input "input" (N, 3, 112, 112), output "embedding" (N, emb), N dynamic.
// docs/deploy.md states the input normalisation, which the model's metadata repeats.
#include <string>

#include <nlohmann/json.hpp>

#include "models/resnext_cbam.h"

namespace kd::exporttool {

struct ExportResult {
  int64_t nodes = 0, initializers = 0, bytes = 0;
};

// Writes out atomically after ONNX's checker has accepted the model. `source` (the
// checkpoint file) and its config go into the metadata.
ExportResult export_onnx(const models::ResNeXtCBAM& net, const nlohmann::json& model_config, const std::string& source,
                         const std::string& out);

// What metadata_props["kdface.input"] says.
extern const char* kInputNormalisation;

}  // namespace kd::exporttool
