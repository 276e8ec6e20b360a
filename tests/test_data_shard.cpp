// Shard format: round trip, and every kind of damage is an error naming shard and record.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/identity_list.h"
#include "data/jpeg_codec.h"
#include "data/shard.h"
#include "engine/check.h"

namespace fs = std::filesystem;
using namespace kd::data;

namespace {

fs::path fresh_dir(const std::string& name) {
  fs::path d = fs::current_path() / "tmp_test_data_shard" / name;
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

// Smooth gradients plus a per-image offset (k < 60): distinct images that JPEG keeps close.
Image synthetic_face(int k) {
  Image img(kFaceSize, kFaceSize, 3);
  for (int y = 0; y < img.h; ++y)
    for (int x = 0; x < img.w; ++x) {
      img.at(x, y, 0) = uint8_t(40 + x + k);
      img.at(x, y, 1) = uint8_t(40 + y + 2 * k);
      img.at(x, y, 2) = uint8_t(128 + (x - y) / 2 + k);
    }
  return img;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}
void spit(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out.write(s.data(), std::streamsize(s.size()));
}

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const kd::Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("crc32 matches zlib's check value") {
  const char* s = "123456789";
  CHECK(crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
  CHECK(crc32(nullptr, 0) == 0u);
}

TEST_CASE("shard set round trip: bytes, pixels, labels, paths") {
  fs::path dir = fresh_dir("roundtrip");
  std::vector<std::vector<uint8_t>> jpegs;
  std::vector<std::string> ids;
  for (int c = 0; c < 7; ++c) ids.push_back("id" + std::to_string(c));
  {
    ShardSetWriter w(dir.string(), 16, ids, {{"test", true}});
    for (int k = 0; k < 50; ++k) {
      jpegs.push_back(encode_jpeg(synthetic_face(k), 95));
      w.add(jpegs.back(), k % 7, "img/" + std::to_string(k) + ".jpg");
    }
    ShardSetInfo info = w.finish();
    CHECK(info.shard_files.size() == 4);  // 16 + 16 + 16 + 2
    CHECK(info.shard_records.back() == 2);
  }
  ShardSet set(dir.string());
  REQUIRE(set.size() == 50);
  CHECK(set.num_classes() == 7);
  CHECK(set.info().identities == ids);
  CHECK(set.info().source["test"] == true);
  std::vector<uint8_t> bytes;
  Image img;
  for (int k = 0; k < 50; ++k) {
    set.read(k, bytes);
    REQUIRE(bytes == jpegs[size_t(k)]);
    CHECK(set.label(k) == k % 7);
    set.decode(k, bytes, img);
    Image ref = decode_jpeg(jpegs[size_t(k)].data(), jpegs[size_t(k)].size(), "ref");
    REQUIRE(img.w == kFaceSize);
    REQUIRE(img.h == kFaceSize);
    REQUIRE(img.c == 3);
    REQUIRE(img.px == ref.px);
    // and the JPEG really holds this image, not some other one
    Image orig = synthetic_face(k);
    int64_t err = 0;
    for (size_t i = 0; i < img.px.size(); ++i) err += std::abs(int(img.px[i]) - int(orig.px[i]));
    CHECK(double(err) / double(img.px.size()) < 1.5);
  }
  ShardReader r((dir / "shard-00001.kdshard").string());
  CHECK(r.size() == 16);
  CHECK(r.record(3).path == "img/19.jpg");
  CHECK(r.record(3).label == 19 % 7);
}

TEST_CASE("damaged shards are errors naming the shard and the record") {
  fs::path dir = fresh_dir("damage");
  std::vector<std::vector<uint8_t>> jpegs;
  {
    ShardWriter w((dir / "a.kdshard").string());
    for (int k = 0; k < 5; ++k) {
      jpegs.push_back(encode_jpeg(synthetic_face(k), 90));
      w.add(jpegs.back(), k, "p" + std::to_string(k) + ".jpg");
    }
    std::vector<uint8_t> not_jpeg(300, 0x42);
    w.add(not_jpeg, 5, "garbage.jpg");
    std::vector<uint8_t> small = encode_jpeg(Image(40, 30, 3), 90);
    w.add(small, 6, "small.jpg");
    w.finish();
  }
  const fs::path good = dir / "a.kdshard";
  const std::string bytes = slurp(good);
  CHECK(!fs::exists(dir / "a.kdshard.tmp"));

  SECTION("bad magic") {
    std::string b = bytes;
    b[0] = 'X';
    spit(dir / "magic.kdshard", b);
    std::string e = error_of([&] { ShardReader r((dir / "magic.kdshard").string()); });
    CHECK_THAT(e, Catch::Contains("magic.kdshard") && Catch::Contains("bad magic"));
    // Found by fuzz/fuzz_shard: each rejected shard leaked its file descriptor.
    auto open_fds = [] { return std::distance(fs::directory_iterator("/proc/self/fd"), fs::directory_iterator{}); };
    const auto before = open_fds();
    for (int k = 0; k < 10; ++k) error_of([&] { ShardReader r((dir / "magic.kdshard").string()); });
    CHECK(open_fds() == before);
  }
  SECTION("truncated") {
    for (size_t keep : {size_t(0), size_t(20), bytes.size() / 2, bytes.size() - 1}) {
      spit(dir / "trunc.kdshard", bytes.substr(0, keep));
      std::string e = error_of([&] { ShardReader r((dir / "trunc.kdshard").string()); });
      INFO("kept " << keep << " bytes: " << e);
      CHECK_THAT(e, Catch::Contains("trunc.kdshard") && Catch::Contains("truncated"));
    }
  }
  SECTION("flipped byte in a record: crc mismatch names the record") {
    ShardReader ok(good.string());
    std::string b = bytes;
    b[ok.record(3).offset + 100] ^= 0x10;
    spit(dir / "flip.kdshard", b);
    ShardReader r((dir / "flip.kdshard").string());
    CHECK_NOTHROW(r.read(2));
    std::string e = error_of([&] { r.read(3); });
    CHECK_THAT(e, Catch::Contains("flip.kdshard") && Catch::Contains("record 3") && Catch::Contains("p3.jpg") &&
                      Catch::Contains("crc32 mismatch"));
  }
  SECTION("flipped byte in the index") {
    ShardReader ok(good.string());
    std::string b = bytes;
    b[b.size() - 40] ^= 0x01;
    spit(dir / "idx.kdshard", b);
    std::string e = error_of([&] { ShardReader r((dir / "idx.kdshard").string()); });
    CHECK_THAT(e, Catch::Contains("idx.kdshard") && Catch::Contains("index crc"));
  }
  SECTION("an index entry whose offset + size wraps past 2^64") {
    // Review of fuzz/fuzz_shard: this entry passed the range check as bytes [.., 99), and
    // read() then asked for a 4 GB buffer at a negative file offset.
    std::string b = bytes;
    const size_t foot = b.size() - 32;
    size_t idx = 0;
    for (int i = 0; i < 8; ++i) idx |= size_t(uint8_t(b[foot + size_t(i)])) << (8 * i);
    const uint64_t off = ~uint64_t(0) - 0xFFFFFFFFull + 100;  // + 0xFFFFFFFF bytes wraps to 99
    for (int i = 0; i < 8; ++i) b[idx + size_t(i)] = char(off >> (8 * i));
    for (int i = 0; i < 4; ++i) b[idx + 8 + size_t(i)] = char(0xFF);
    const uint32_t crc = crc32(reinterpret_cast<const uint8_t*>(b.data()) + idx, foot - idx);
    for (int i = 0; i < 4; ++i) b[foot + 16 + size_t(i)] = char(crc >> (8 * i));
    spit(dir / "wrap.kdshard", b);
    std::string e = error_of([&] { ShardReader r((dir / "wrap.kdshard").string()); });
    CHECK_THAT(e, Catch::Contains("wrap.kdshard") && Catch::Contains("record 0") && Catch::Contains("out of range"));
  }
  SECTION("record that is not a JPEG, and one of the wrong size") {
    ShardReader r(good.string());
    std::string e = error_of([&] { r.decode(5); });
    CHECK_THAT(e, Catch::Contains("a.kdshard") && Catch::Contains("record 5") && Catch::Contains("garbage.jpg"));
    e = error_of([&] { r.decode(6); });
    CHECK_THAT(e, Catch::Contains("record 6") && Catch::Contains("40x30x3") && Catch::Contains("expected 112x112"));
    e = error_of([&] { r.read(7); });
    CHECK_THAT(e, Catch::Contains("record 7 out of range"));
  }
}

TEST_CASE("shard set index.json is cross-checked against the shards") {
  fs::path dir = fresh_dir("index");
  {
    ShardSetWriter w(dir.string(), 100, {"x", "y"});
    auto j = encode_jpeg(synthetic_face(0), 90);
    w.add(j, 0, "a.jpg");
    w.add(j, 1, "b.jpg");
    CHECK_THROWS_WITH(w.add(j, 2, "c.jpg"), Catch::Contains("c.jpg") && Catch::Contains("outside [0, 2)"));
    w.finish();
  }
  CHECK_THROWS_WITH(ShardSetWriter(dir.string(), 10, {"x"}), Catch::Contains("already holds a shard set"));
  std::string idx = slurp(dir / "index.json");
  auto j = nlohmann::json::parse(idx);
  j["shards"][0]["records"] = 3;
  spit(dir / "index.json", j.dump());
  CHECK_THROWS_WITH(ShardSet(dir.string()), Catch::Contains("shard-00000.kdshard") && Catch::Contains("3 records"));
  CHECK_THROWS_WITH(ShardSet((dir / "nothing").string()), Catch::Contains("no index.json"));
  // Review of fuzz/fuzz_shard_index: copying a 100k-deep "source" overflowed the stack.
  j["shards"][0]["records"] = 2;
  std::string deep = j.dump();
  deep.insert(deep.size() - 1, ",\"extra\":" + std::string(100000, '[') + std::string(100000, ']'));
  spit(dir / "index.json", deep);
  CHECK_THROWS_WITH(ShardSet(dir.string()), Catch::Contains("index.json") && Catch::Contains("nested more than 64"));
}

TEST_CASE("identity lists and identity folders") {
  fs::path dir = fresh_dir("ids");
  spit(dir / "list.txt", "b.jpg 10\n# comment\n\na.jpg 9\nc.jpg 10\nd.jpg 0100\n");
  IdentityList l = read_identity_list((dir / "list.txt").string());
  REQUIRE(l.files.size() == 4);
  CHECK(l.identities == std::vector<std::string>{"9", "10", "0100"});  // numeric order
  CHECK(l.files[0].path == "a.jpg");
  CHECK(l.files[0].label == 0);
  CHECK(l.files[1].label == 1);
  CHECK(l.files[3].label == 2);

  spit(dir / "bad.txt", "a.jpg 1\nb.jpg\n");
  CHECK_THROWS_WITH(read_identity_list((dir / "bad.txt").string()), Catch::Contains("bad.txt:2"));
  spit(dir / "bad3.txt", "a.jpg 1 x\n");
  CHECK_THROWS_WITH(read_identity_list((dir / "bad3.txt").string()), Catch::Contains("bad3.txt:1"));
  spit(dir / "dup.txt", "a.jpg 1\na.jpg 2\n");
  CHECK_THROWS_WITH(read_identity_list((dir / "dup.txt").string()),
                    Catch::Contains("dup.txt:2") && Catch::Contains("twice"));

  fs::path root = dir / "tree";
  fs::create_directories(root / "bob");
  fs::create_directories(root / "alice");
  spit(root / "bob" / "1.jpg", "x");
  spit(root / "bob" / "notes.txt", "x");
  spit(root / "alice" / "2.PNG", "x");
  IdentityList t = scan_identity_folders(root.string());
  REQUIRE(t.files.size() == 2);
  CHECK(t.identities == std::vector<std::string>{"alice", "bob"});
  CHECK(t.files[0].path == "alice/2.PNG");
  CHECK(t.files[0].label == 0);
  CHECK(t.files[1].label == 1);
  spit(root / "stray.jpg", "x");
  CHECK_THROWS_WITH(scan_identity_folders(root.string()), Catch::Contains("stray.jpg"));
}
