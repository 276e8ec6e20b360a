#pragma once
// One face pair through a shipped or trained model: alignment (or an already aligned
// 112x112 face), the flip-summed embedding and its cosine similarity, and the decision
// threshold taken from the model's kdface-release manifest when none is given.
//
// The score is insightface's (verification.h): e = normalise(emb(view) + emb(flipped view)),
// similarity = cos(e_a, e_b) = 1 - ||e_a - e_b||^2 / 2, so a manifest's insightface threshold
// t (squared L2) is the similarity 1 - t / 2. A-SKD's score centres features on the mean of
// a whole evaluation set, which one pair does not have.
#include <optional>
#include <string>

#include "data/image.h"
#include "models/resnext_cbam.h"

namespace kd::verifytool {

struct Face {
  data::Image image;    // 112x112 RGB
  std::string method;   // align_method_name, or "given" (--aligned)
};

// A face from a file: aligned with the wild preset (dlib, then the profile and frontal
// cascades) unless `aligned`, in which case it must already be a 112x112 image. Throws
// naming the file: missing, not an image, no face found, or the wrong size.
Face load_face(const std::string& path, bool aligned);

// normalise(emb(view) + emb(flip)) for one aligned face: (emb) floats, unit length.
std::vector<float> pair_feature(models::ResNeXtCBAM& net, const data::Image& face);

double cosine(const std::vector<float>& a, const std::vector<float>& b);

struct Threshold {
  double similarity = 0;  // same person iff similarity > this
  std::string source;     // where it came from, for the reader
};

// From the manifest beside model_file (kdface-release): results.<paper|askd|any>.insightface
// at scale (as given, else 1) -> mean fold threshold, as a similarity. Nothing when there is
// no manifest or it has no insightface results; throws when the manifest is malformed.
std::optional<Threshold> manifest_threshold(const std::string& model_file, int scale = 1);

}  // namespace kd::verifytool
