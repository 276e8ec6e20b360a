#pragma once
// Verification pairs in the formats the low-quality face-recognition benchmarks ship in.
// Every reader returns the same PairList, so evaluation does not care where pairs came from;
// malformed input is an error naming the file and the line.
#include <cstdint>
#include <string>
#include <vector>

namespace kd::data {

struct VerificationPair {
  std::string a, b;  // image paths (relative to the list's root, see each reader), or for
                     // .bin files the decimal index of the image in InsightfaceBin::images
  bool same = false;
  int fold = 0;      // 0-based cross-validation fold
};

struct PairList {
  std::vector<VerificationPair> pairs;
  int folds = 0;
  std::string source;
};

// Our TSV: `fold image_a image_b same` (tab or space separated; same is 0/1), with an
// optional header line starting with "fold". Paths are as written (../shared/data/celeba/
// val_pairs.tsv holds paths relative to its own folder).
PairList read_pairs_tsv(const std::string& path);
PairList parse_pairs_tsv(const std::string& text, const std::string& path);  // text of such a file

// LFW pairs.txt: a header "folds n" (or just "n" for one fold), then per fold n same lines
// `name i j` followed by n different lines `name1 i name2 j`. Paths come back as
// "name/name_0001.jpg" relative to the LFW image root.
PairList read_lfw_pairs(const std::string& path);
PairList parse_lfw_pairs(const std::string& text, const std::string& path);  // text of such a file

// CFP (Sengupta et al.): protocol_dir/Pair_list_F.txt and Pair_list_P.txt (`index path`),
// and protocol_dir/Split/{FF,FP}/01..10/{same,diff}.txt (`i,j` per line; FF pairs two
// frontal images, FP a frontal and a profile one). Paths come back joined to protocol_dir
// (they are written relative to it, e.g. ../Data/Images/001/frontal/01.jpg).
PairList read_cfp_pairs(const std::string& protocol_dir, const std::string& split /* "FF" or "FP" */);

// insightface verification .bin (lfw.bin, cfp_fp.bin, agedb_30.bin, ...): a pickle of
// (list of encoded images, list of bools). Pair k is images[2k], images[2k+1]. Folds are
// consecutive blocks as sklearn's KFold(folds, shuffle=False) makes them, which is how
// insightface's verification code splits them (the first n % folds blocks one pair longer).
struct InsightfaceBin {
  std::vector<std::vector<uint8_t>> images;  // encoded JPEG/PNG bytes
  PairList pairs;                            // a, b = "2k", "2k+1"
};
InsightfaceBin read_insightface_bin(const std::string& path, int folds = 10);

// The pickle subset those files use: protocols 0..5 opcodes for bytes/str, bools, small
// ints, lists and tuples, the memo and frames. Anything else is an error naming the opcode
// and its byte offset. Exposed for tests.
struct PickledBin {
  std::vector<std::vector<uint8_t>> images;
  std::vector<bool> issame;
};
PickledBin parse_insightface_pickle(const uint8_t* data, size_t size, const std::string& what_for_errors);

}  // namespace kd::data
