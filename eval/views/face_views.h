#pragma once
// Face views into embeddings: mirror (optional), degrade (scale > 1), normalise, run the
// backbone in eval mode under no-grad, batch by batch. A-SKD's order: flip first, then
// degrade, so the flipped view gets its own low-resolution sampling.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "data/degrade.h"
#include "data/image.h"
#include "engine/progress.h"
#include "eval/embeddings.h"
#include "models/resnext_cbam.h"

namespace kd::eval {

// The one seed rule of every evaluation (kdface-eval and training's epoch evaluation), so the
// same checkpoint scores the same on the same list in both. ("eval" in ASCII.)
constexpr uint64_t kDegradeSeed = 0x6576616cULL;

// Image `index`'s degradation seed at `scale`; the view and its flip share it.
uint64_t degrade_seed(uint64_t seed, int scale, int64_t index);

// One view into dst (3, 112, 112), normalised as in training ((x - 127.5) / 127.5).
// scale 1 is the clean image (no degradation at all).
void face_view(const data::Image& src, bool flip, const data::DegradeSpec& spec, int scale, uint64_t seed,
               float* dst);

// (n, emb) embeddings of every image at scale, flipped or not. progress (optional) advances
// by one per image.
Embeddings embed_views(models::ResNeXtCBAM& net, const std::vector<data::Image>& images,
                             const data::DegradeSpec& spec, int scale, bool flip, uint64_t seed, int64_t batch,
                             Progress* progress);

// AdaBN for one scale: re-estimates every BN's statistics on the unflipped views of all
// images at scale (same seeds as embed_views), leaving net in eval mode. Returns the buffers
// as they were, for restore_buffers.
std::map<std::string, Tensor> adabn_for_scale(models::ResNeXtCBAM& net, const std::vector<data::Image>& images,
                                              const data::DegradeSpec& spec, int scale, uint64_t seed, int64_t batch,
                                              Progress* progress);
void restore_buffers(models::ResNeXtCBAM& net, const std::map<std::string, Tensor>& saved);

}  // namespace kd::eval
