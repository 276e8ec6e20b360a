// Pair readers (TSV, LFW, CFP, insightface .bin) on small files written here, including
// malformed input whose error must name the file and line.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "data/face_tensor.h"
#include "data/jpeg_codec.h"
#include "data/pairs.h"
#include "data/shard.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using namespace kd;
using namespace kd::data;

namespace {

fs::path tmp_dir() {
  static fs::path d = [] {
    fs::path p = fs::current_path() / "tmp_test_data_pairs";
    fs::remove_all(p);
    fs::create_directories(p);
    return p;
  }();
  return d;
}

std::string write(const std::string& rel, const std::string& text) {
  fs::path p = tmp_dir() / rel;
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  return p.string();
}

// A tiny pickle writer for the (images, issame) structure, in the styles real .bin files
// use: python2 protocol 2 (BINSTRING + BINPUT) and python3 protocol 4 (FRAME + BINBYTES +
// MEMOIZE). A repeated image is written once and fetched from the memo, as pickle does.
std::string pickle_bin(const std::vector<std::vector<uint8_t>>& imgs, const std::vector<bool>& same, int proto) {
  std::string body;
  uint32_t memo = 0;
  auto put = [&] {
    if (proto >= 4) {
      body += '\x94';
    } else {
      body += 'q';
      body += char(memo);
    }
    ++memo;
  };
  auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) body += char((v >> (8 * i)) & 0xFF);
  };
  body += ']';
  put();
  body += '(';
  std::vector<int> memo_of(imgs.size(), -1);
  for (size_t i = 0; i < imgs.size(); ++i) {
    for (size_t j = 0; j < i; ++j)
      if (imgs[j] == imgs[i]) memo_of[i] = memo_of[j];
    if (memo_of[i] >= 0) {
      body += 'h';
      body += char(memo_of[i]);
      continue;
    }
    const auto& b = imgs[i];
    if (b.size() < 256) {
      body += proto >= 3 ? 'C' : 'U';
      body += char(b.size());
    } else {
      body += proto >= 3 ? 'B' : 'T';
      u32(uint32_t(b.size()));
    }
    body.append(b.begin(), b.end());
    memo_of[i] = int(memo);
    put();
  }
  body += 'e';
  body += ']';
  put();
  body += '(';
  for (bool s : same) body += s ? '\x88' : '\x89';
  body += 'e';
  body += '\x86';
  put();
  body += '.';
  std::string out = "\x80";
  out += char(proto);
  if (proto >= 4) {
    out += '\x95';
    uint64_t n = body.size();
    for (int i = 0; i < 8; ++i) out += char((n >> (8 * i)) & 0xFF);
  }
  return out + body;
}

Image synthetic_face(int k) {
  Image img(kFaceSize, kFaceSize, 3);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x)
      for (int c = 0; c < 3; ++c) img.at(x, y, c) = uint8_t(30 + x + c * 20 + k * 10);
  return img;
}

PickledBin parse(const std::string& s) {
  return parse_insightface_pickle(reinterpret_cast<const uint8_t*>(s.data()), s.size(), "test.bin");
}

}  // namespace

TEST_CASE("TSV pairs: header, folds, malformed lines") {
  std::string p = write("pairs.tsv",
                        "fold\timage_a\timage_b\tsame\n0\taligned/1.jpg\taligned/2.jpg\t1\n"
                        "0\taligned/3.jpg\taligned/4.jpg\t0\r\n\n2\tx.jpg\ty.jpg\t1\n");
  PairList l = read_pairs_tsv(p);
  REQUIRE(l.pairs.size() == 3);
  CHECK(l.folds == 3);
  CHECK(l.pairs[0].a == "aligned/1.jpg");
  CHECK(l.pairs[0].b == "aligned/2.jpg");
  CHECK(l.pairs[0].same);
  CHECK(!l.pairs[1].same);
  CHECK(l.pairs[1].b == "aligned/4.jpg");
  CHECK(l.pairs[2].fold == 2);

  CHECK_THROWS_WITH(read_pairs_tsv(write("bad1.tsv", "0\ta\tb\t1\n0\ta\tb\n")),
                    Catch::Contains("bad1.tsv:2") && Catch::Contains("4 fields"));
  CHECK_THROWS_WITH(read_pairs_tsv(write("bad2.tsv", "0\ta\tb\t1\n0\ta\tb\tyes\n")),
                    Catch::Contains("bad2.tsv:2") && Catch::Contains("'yes'"));
  CHECK_THROWS_WITH(read_pairs_tsv(write("bad3.tsv", "fold\ta\tb\tsame\nx\ta\tb\t1\n")),
                    Catch::Contains("bad3.tsv:2") && Catch::Contains("fold"));
  CHECK_THROWS_WITH(read_pairs_tsv(write("empty.tsv", "fold\ta\tb\tsame\n")), Catch::Contains("no pairs"));
  CHECK_THROWS_WITH(read_pairs_tsv((tmp_dir() / "nope.tsv").string()), Catch::Contains("nope.tsv"));
}

TEST_CASE("LFW pairs.txt: same and different lines, folds, malformed lines") {
  std::string p = write("lfw/pairs.txt",
                        "2\t1\n"
                        "Abel_Pacheco\t1\t4\n"
                        "Abdel_Aziz\t1\tAkhmed_Zakayev\t3\n"
                        "Zoe\t2\t10\r\n"
                        "A_B\t12\tC_D\t1\n");
  PairList l = read_lfw_pairs(p);
  REQUIRE(l.pairs.size() == 4);
  CHECK(l.folds == 2);
  CHECK(l.pairs[0].a == "Abel_Pacheco/Abel_Pacheco_0001.jpg");
  CHECK(l.pairs[0].b == "Abel_Pacheco/Abel_Pacheco_0004.jpg");
  CHECK(l.pairs[0].same);
  CHECK(l.pairs[0].fold == 0);
  CHECK(!l.pairs[1].same);
  CHECK(l.pairs[1].b == "Akhmed_Zakayev/Akhmed_Zakayev_0003.jpg");
  CHECK(l.pairs[2].fold == 1);
  CHECK(l.pairs[2].b == "Zoe/Zoe_0010.jpg");
  CHECK(l.pairs[3].a == "A_B/A_B_0012.jpg");

  PairList single = read_lfw_pairs(write("lfw/dev.txt", "1\nX\t1\t2\nX\t1\tY\t2\n"));
  CHECK(single.folds == 1);
  CHECK(single.pairs.size() == 2);

  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b1.txt", "1\t1\nA\t1\tB\t2\nA\t1\tB\t2\n")),
                    Catch::Contains("b1.txt:2") && Catch::Contains("same pair"));
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b2.txt", "1\t1\nA\t1\t2\nA\t1\t2\n")),
                    Catch::Contains("b2.txt:3") && Catch::Contains("different pair"));
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b3.txt", "1\t1\nA\t1\tx\nA\t1\tB\t2\n")),
                    Catch::Contains("b3.txt:2") && Catch::Contains("'x'"));
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b4.txt", "2\t1\nA\t1\t2\nA\t1\tB\t2\n")),
                    Catch::Contains("b4.txt") && Catch::Contains("4 pairs"));
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b5.txt", "folds n\n")), Catch::Contains("b5.txt:1"));
  // Found by fuzz/fuzz_lfw_pairs: folds * 2 * n of this header overflowed int64 (UBSan).
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b6.txt", "9000000000486875323\n")),
                    Catch::Contains("b6.txt") && Catch::Contains("header says 1 folds"));
  CHECK_THROWS_WITH(read_lfw_pairs(write("lfw/b7.txt", "4611686018427387904 2\nA 1 2\n")),
                    Catch::Contains("b7.txt") && Catch::Contains("the file has 1 lines after it"));
}

TEST_CASE("CFP protocol: FF and FP splits, malformed lines") {
  write("cfp/Protocol/Pair_list_F.txt", "1 ../Data/Images/001/frontal/01.jpg\r\n2 ../Data/Images/001/frontal/02.jpg\n"
                                        "3 ../Data/Images/002/frontal/01.jpg\n");
  write("cfp/Protocol/Pair_list_P.txt", "1 ../Data/Images/001/profile/01.jpg\n2 ../Data/Images/002/profile/01.jpg\n");
  for (const char* fold : {"01", "02"}) {
    write(std::string("cfp/Protocol/Split/FF/") + fold + "/same.txt", "1,2\n");
    write(std::string("cfp/Protocol/Split/FF/") + fold + "/diff.txt", "1,3\n2,3\n");
    write(std::string("cfp/Protocol/Split/FP/") + fold + "/same.txt", "1,1\n3,2\n");
    write(std::string("cfp/Protocol/Split/FP/") + fold + "/diff.txt", "1,2\n");
  }
  std::string proto = (tmp_dir() / "cfp/Protocol").string();
  PairList ff = read_cfp_pairs(proto, "FF");
  REQUIRE(ff.pairs.size() == 6);
  CHECK(ff.folds == 2);
  CHECK(ff.pairs[0].same);
  CHECK(ff.pairs[0].a == proto + "/../Data/Images/001/frontal/01.jpg");
  CHECK(ff.pairs[0].b == proto + "/../Data/Images/001/frontal/02.jpg");
  CHECK(!ff.pairs[2].same);
  CHECK(ff.pairs[2].b == proto + "/../Data/Images/002/frontal/01.jpg");
  CHECK(ff.pairs[3].fold == 1);
  PairList fp = read_cfp_pairs(proto, "FP");
  REQUIRE(fp.pairs.size() == 6);
  CHECK(fp.pairs[1].a == proto + "/../Data/Images/002/frontal/01.jpg");
  CHECK(fp.pairs[1].b == proto + "/../Data/Images/002/profile/01.jpg");
  CHECK(!fp.pairs[2].same);

  write("cfp/Protocol/Split/FP/02/diff.txt", "1,2\n1;2\n");
  CHECK_THROWS_WITH(read_cfp_pairs(proto, "FP"), Catch::Contains("FP/02/diff.txt:2"));
  write("cfp/Protocol/Split/FP/02/diff.txt", "1,9\n");
  CHECK_THROWS_WITH(read_cfp_pairs(proto, "FP"),
                    Catch::Contains("FP/02/diff.txt:1") && Catch::Contains("Pair_list_P.txt"));
  CHECK_THROWS_WITH(read_cfp_pairs(proto, "PP"), Catch::Contains("\"PP\""));
}

TEST_CASE("insightface .bin: hand-built pickles in every style real files use") {
  std::vector<std::vector<uint8_t>> imgs;
  for (int k = 0; k < 3; ++k) imgs.push_back(encode_jpeg(synthetic_face(k), 90));  // > 255 bytes: BINBYTES
  imgs.push_back({0xff, 0x00, 'c'});                                                // short: SHORT_BINBYTES
  imgs.push_back(imgs[0]);                                                          // memo reference
  imgs.push_back(imgs[2]);
  std::vector<bool> same{true, false, true};
  for (int proto : {2, 3, 4}) {
    INFO("protocol " << proto);
    PickledBin b = parse(pickle_bin(imgs, same, proto));
    CHECK(b.images == imgs);
    CHECK(b.issame == same);
  }
  // Python 3's own protocol-2 output for ([b'ab', b'\xff\x00c'], [True, False]): bytes as
  // _codecs.encode(text, 'latin1'), with BINGET of the memoised callable and arguments.
  const unsigned char py3p2[] = {
      128, 2, 93, 113, 0, 40, 99, 95, 99, 111, 100, 101, 99, 115, 10, 101, 110, 99, 111, 100, 101, 10,
      113, 1, 88, 2, 0, 0, 0, 97, 98, 113, 2, 88, 6, 0, 0, 0, 108, 97, 116, 105, 110, 49, 113, 3, 134,
      113, 4, 82, 113, 5, 104, 1, 88, 4, 0, 0, 0, 195, 191, 0, 99, 113, 6, 104, 3, 134, 113, 7, 82, 113,
      8, 101, 93, 113, 9, 40, 136, 137, 101, 134, 113, 10, 46};
  PickledBin p3 = parse(std::string(reinterpret_cast<const char*>(py3p2), sizeof py3p2));
  REQUIRE(p3.images.size() == 2);
  CHECK(p3.images[0] == std::vector<uint8_t>{'a', 'b'});
  CHECK(p3.images[1] == std::vector<uint8_t>{0xff, 0x00, 'c'});
  CHECK(p3.issame == std::vector<bool>{true, false});

  std::string good = pickle_bin(imgs, same, 4);
  CHECK_THROWS_WITH(parse(good.substr(0, good.size() / 2)), Catch::Contains("test.bin") && Catch::Contains("truncated"));
  std::string odd = good;
  odd[good.size() - 3] = 'd';  // EMPTY_DICT where TUPLE2 stood
  CHECK_THROWS_WITH(parse(odd), Catch::Contains("opcode 0x64"));
  CHECK_THROWS_WITH(parse("\x80\x04N."), Catch::Contains("(images, issame)"));

  // the file reader checks 2 images per pair and splits 10 folds
  std::vector<std::vector<uint8_t>> faces;
  std::vector<bool> issame;
  for (int k = 0; k < 20; ++k) {
    faces.push_back(encode_jpeg(synthetic_face(k % 4), 90));
    faces.push_back(encode_jpeg(synthetic_face((k + 1) % 4), 90));
    issame.push_back(k % 2 == 0);
  }
  std::string path = write("ten.bin", pickle_bin(faces, issame, 4));
  InsightfaceBin bin = read_insightface_bin(path);
  REQUIRE(bin.images.size() == 40);
  REQUIRE(bin.pairs.pairs.size() == 20);
  CHECK(bin.pairs.folds == 10);
  CHECK(bin.pairs.pairs[5].a == "10");
  CHECK(bin.pairs.pairs[5].b == "11");
  CHECK(bin.pairs.pairs[5].fold == 2);
  CHECK(!bin.pairs.pairs[5].same);
  {
    // 23 pairs: KFold gives the first 3 folds 3 pairs, the other 7 two
    std::vector<std::vector<uint8_t>> few(46, std::vector<uint8_t>{1});
    InsightfaceBin odd = read_insightface_bin(write("odd23.bin", pickle_bin(few, std::vector<bool>(23, true), 2)));
    std::vector<int> per_fold(10, 0);
    for (auto& p : odd.pairs.pairs) ++per_fold[size_t(p.fold)];
    CHECK(per_fold == std::vector<int>{3, 3, 3, 2, 2, 2, 2, 2, 2, 2});
    CHECK(odd.pairs.pairs[22].a == "44");
  }
  std::vector<std::string> names;
  for (size_t i = 0; i < bin.images.size(); ++i) names.push_back(path + " image " + std::to_string(i));
  Tensor t = faces_from_encoded(bin.images, names, 127.5f, 127.5f, 2);
  CHECK(t.shape() == Shape{40, 3, 112, 112});
  CHECK_THROWS_WITH(read_insightface_bin(write("odd.bin", pickle_bin(faces, {true}, 4))),
                    Catch::Contains("odd.bin") && Catch::Contains("40 images for 1 pairs"));
  CHECK_THROWS_WITH(faces_from_encoded({{1, 2, 3}}, {"x.bin image 0"}), Catch::Contains("x.bin image 0"));
}

TEST_CASE("the real CelebA validation pairs parse (../shared)") {
  const char* env = std::getenv("KDFACE_SHARED_DIR");
  fs::path shared = env ? fs::path(env) : fs::path(KDFACE_SOURCE_DIR "/../shared");
  fs::path tsv = shared / "data/celeba/val_pairs.tsv";
  if (!fs::exists(tsv)) {
    WARN("KDFACE-SKIP: " << tsv << " not found");
    return;
  }
  PairList l = read_pairs_tsv(tsv.string());
  CHECK(l.pairs.size() == 6000);
  CHECK(l.folds == 10);
  int64_t same = 0;
  for (auto& p : l.pairs) same += p.same;
  CHECK(same == 3000);
  CHECK(fs::exists(tsv.parent_path() / l.pairs[0].a));
  // CelebA's own crops are 89x109: the evaluation source decodes them and refuses the size,
  // naming the file (they must go through kdface-data align first).
  std::string img = (tsv.parent_path() / l.pairs[0].a).string();
  CHECK_THROWS_WITH(load_face_images({img}), Catch::Contains(l.pairs[0].a) && Catch::Contains("89x109"));
}
