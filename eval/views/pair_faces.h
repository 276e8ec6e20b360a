#pragma once
// The pair list of an evaluation and its unique face images, decoded once (RGB, 112x112),
// whatever format the list came in.
#include <cstdint>
#include <string>
#include <vector>

#include "data/image.h"
#include "data/pairs.h"
#include "eval/pairs.h"
#include "eval/report_types.h"

namespace kd::eval {

struct PairFaces {
  data::PairList list;                // the scored pairs (selected, minus unscored), in file order
  std::vector<data::Image> images;    // unique images, in order of first appearance
  std::vector<std::string> names;     // their paths (or ".bin" indices), for messages
  std::vector<int64_t> a, b;          // per pair: index into images of side A / side B
  std::string hashed_file;            // the file whose SHA-256 identifies the list
  int64_t listed_pairs = 0;           // before --max-pairs
  int64_t selected_pairs = 0;         // after --max-pairs, before dropping unscored pairs
  std::vector<UnscoredPair> unscored;  // pairs with an image that could not be loaded
  int64_t unreadable_images = 0;

  PairSet pair_set() const;
};

// max_pairs > 0: about max_pairs pairs, the first max_pairs / (2 folds) of each class in every
// fold (as the trainer's quick evaluation selects them), so all folds and both classes stay.
data::PairList select_pairs(const data::PairList& all, int64_t max_pairs);

// format: tsv | lfw | cfp-ff | cfp-fp | bin. Relative image paths are joined to root (when
// root is not empty). An image that is missing, does not decode or is not 112x112 makes its
// pairs unscored: on_missing "skip" drops them (listed in unscored, with the reason; images
// are then indexed by first appearance among the scored pairs, so the result equals that of
// a list without them), "fail" throws naming the first such image and the counts. Either way
// it throws when no pair is left.
PairFaces load_pair_faces(const std::string& pairs, const std::string& format, const std::string& root,
                          int64_t max_pairs, const std::string& on_missing);

// After skipping: throws, saying why, when a fold or a class has no pair left, which the
// protocols cannot score.
void require_scorable(const PairFaces& pf);

}  // namespace kd::eval
