#pragma once
// Embeddings of aligned faces, batch by batch, as the deployed model is used: the backbone's
// embedding of each face ("raw", what an exported model or PyTorch computes), or
// insightface's verification feature normalise(emb(face) + emb(mirrored face)) ("flip-sum",
// what kdface-verify compares).
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"
#include "models/resnext_cbam.h"

namespace kd::faceinput {

enum class Feature { Raw, FlipSum };
Feature parse_feature(const std::string& name);  // "raw" | "flip-sum"
const char* feature_name(Feature f);

// (faces.size(), emb) row-major float32. Faces must be 112x112 RGB; the net runs in eval mode
// without gradients on the device its parameters are on.
std::vector<float> face_features(models::ResNeXtCBAM& net, const std::vector<data::Image>& faces, Feature kind,
                                 int64_t batch, int64_t* dim);

double cosine(const float* a, const float* b, int64_t dim);

}  // namespace kd::faceinput
