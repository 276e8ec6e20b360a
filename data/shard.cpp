#include "data/shard.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "data/jpeg_codec.h"
#include "engine/atomic_file.h"
#include "engine/check.h"

namespace fs = std::filesystem;

namespace kd::data {

static const char kMagic[8] = {'K', 'D', 'S', 'H', 'A', 'R', 'D', '1'};
static const char kFooterMagic[8] = {'K', 'D', 'S', 'H', 'I', 'D', 'X', '1'};
constexpr size_t kFooterSize = 32;
constexpr size_t kIndexFixed = 8 + 4 + 4 + 8 + 2;  // bytes per index entry before the path

// ---- CRC-32 (IEEE, reflected, as zlib), slicing-by-4 so checking a record costs little
// next to decoding it.
namespace {
struct CrcTables {
  uint32_t t[4][256];
  CrcTables() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i)
      for (int s = 1; s < 4; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
  }
};
const CrcTables& crc_tables() {
  static const CrcTables tables;
  return tables;
}

void put_u16(std::string& s, uint16_t v) {
  for (int i = 0; i < 2; ++i) s.push_back(char((v >> (8 * i)) & 0xFF));
}
void put_u32(std::string& s, uint32_t v) {
  for (int i = 0; i < 4; ++i) s.push_back(char((v >> (8 * i)) & 0xFF));
}
void put_u64(std::string& s, uint64_t v) {
  for (int i = 0; i < 8; ++i) s.push_back(char((v >> (8 * i)) & 0xFF));
}
uint64_t get_le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t(p[i]) << (8 * i);
  return v;
}
}  // namespace

uint32_t crc32(const uint8_t* p, size_t n, uint32_t crc) {
  const auto& t = crc_tables().t;
  crc = ~crc;
  while (n >= 4) {
    crc ^= uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
    crc = t[3][crc & 0xFF] ^ t[2][(crc >> 8) & 0xFF] ^ t[1][(crc >> 16) & 0xFF] ^ t[0][crc >> 24];
    p += 4;
    n -= 4;
  }
  while (n--) crc = t[0][(crc ^ *p++) & 0xFF] ^ (crc >> 8);
  return ~crc;
}

std::string shard_file_name(int64_t n) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "shard-%05lld.kdshard", (long long)n);
  return buf;
}

// ---------------------------------------------------------------- writer

ShardWriter::ShardWriter(const std::string& path) : path_(path), tmp_(path + ".tmp") {
  fd_ = ::open(tmp_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  KD_CHECK(fd_ >= 0, "cannot create shard '", tmp_, "': ", std::strerror(errno));
  write_bytes(kMagic, sizeof kMagic);
}

ShardWriter::~ShardWriter() {
  if (fd_ >= 0) ::close(fd_);
  if (!finished_) ::unlink(tmp_.c_str());
}

void ShardWriter::write_bytes(const void* p, size_t n) {
  const char* c = static_cast<const char*>(p);
  while (n > 0) {
    ssize_t w = ::write(fd_, c, n);
    if (w < 0 && errno == EINTR) continue;
    KD_CHECK(w > 0, "writing shard '", tmp_, "' failed: ", std::strerror(errno));
    c += w;
    n -= size_t(w);
    pos_ += uint64_t(w);
  }
}

void ShardWriter::add(const uint8_t* jpeg, size_t n, int64_t label, const std::string& rel_path) {
  KD_CHECK(!finished_, "shard '", path_, "' is already finished");
  KD_CHECK(n > 0 && n <= 0xFFFFFFFFu, "shard '", path_, "': record '", rel_path, "' has ", n,
           " bytes; expected 1..4294967295");
  KD_CHECK(label >= 0, "shard '", path_, "': record '", rel_path, "' has label ", label, "; expected >= 0");
  KD_CHECK(rel_path.size() <= 0xFFFF, "shard '", path_, "': source path longer than 65535 bytes");
  ShardRecord r;
  r.offset = pos_;
  r.size = uint32_t(n);
  r.crc = crc32(jpeg, n);
  r.label = label;
  r.path = rel_path;
  write_bytes(jpeg, n);
  index_.push_back(std::move(r));
}

void ShardWriter::finish() {
  if (finished_) return;
  std::string idx;
  for (auto& r : index_) {
    put_u64(idx, r.offset);
    put_u32(idx, r.size);
    put_u32(idx, r.crc);
    put_u64(idx, uint64_t(r.label));
    put_u16(idx, uint16_t(r.path.size()));
    idx += r.path;
  }
  uint64_t index_offset = pos_;
  std::string footer;
  put_u64(footer, index_offset);
  put_u64(footer, index_.size());
  put_u32(footer, crc32(reinterpret_cast<const uint8_t*>(idx.data()), idx.size()));
  put_u32(footer, 0);
  footer.append(kFooterMagic, sizeof kFooterMagic);
  write_bytes(idx.data(), idx.size());
  write_bytes(footer.data(), footer.size());
  KD_CHECK(::fsync(fd_) == 0, "fsync of shard '", tmp_, "' failed: ", std::strerror(errno));
  ::close(fd_);
  fd_ = -1;
  KD_CHECK(::rename(tmp_.c_str(), path_.c_str()) == 0, "cannot rename '", tmp_, "' to '", path_,
           "': ", std::strerror(errno));
  finished_ = true;
}

// ---------------------------------------------------------------- reader

static void pread_all(int fd, void* dst, size_t n, uint64_t off, const std::string& what) {
  char* c = static_cast<char*>(dst);
  while (n > 0) {
    ssize_t r = ::pread(fd, c, n, off_t(off));
    if (r < 0 && errno == EINTR) continue;
    KD_CHECK(r >= 0, what, ": read failed: ", std::strerror(errno));
    KD_CHECK(r > 0, what, ": unexpected end of file (truncated shard?)");
    c += r;
    n -= size_t(r);
    off += uint64_t(r);
  }
}

ShardReader::ShardReader(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  KD_CHECK(fd_ >= 0, "cannot open shard '", path, "': ", std::strerror(errno));
  // No destructor runs for a constructor that throws: every rejected shard leaked its
  // descriptor until open() failed (fuzz_shard, after 20,000 inputs).
  struct CloseOnThrow {
    int& fd;
    bool keep = false;
    ~CloseOnThrow() {
      if (keep) return;
      ::close(fd);
      fd = -1;
    }
  } guard{fd_};
  struct stat st {};
  KD_CHECK(::fstat(fd_, &st) == 0, "cannot stat shard '", path, "'");
  file_size_ = uint64_t(st.st_size);
  const std::string name = "shard '" + path + "'";
  KD_CHECK(file_size_ >= sizeof kMagic + kFooterSize, name, ": ", file_size_,
           " bytes is too short for a shard (truncated?)");
  char magic[8];
  pread_all(fd_, magic, 8, 0, name);
  KD_CHECK(std::memcmp(magic, kMagic, 8) == 0, name, ": bad magic, expected \"KDSHARD1\" (not a shard file)");
  uint8_t footer[kFooterSize];
  pread_all(fd_, footer, kFooterSize, file_size_ - kFooterSize, name);
  KD_CHECK(std::memcmp(footer + 24, kFooterMagic, 8) == 0, name,
           ": footer magic \"KDSHIDX1\" missing at the end (truncated or unfinished shard)");
  uint64_t index_offset = get_le(footer, 8), count = get_le(footer + 8, 8);
  uint32_t index_crc = uint32_t(get_le(footer + 16, 4));
  KD_CHECK(index_offset >= 8 && index_offset <= file_size_ - kFooterSize, name, ": index offset ", index_offset,
           " outside the file (", file_size_, " bytes)");
  std::vector<uint8_t> idx(size_t(file_size_ - kFooterSize - index_offset));
  if (!idx.empty()) pread_all(fd_, idx.data(), idx.size(), index_offset, name);
  KD_CHECK(crc32(idx.data(), idx.size()) == index_crc, name, ": index crc mismatch (corrupt index)");
  KD_CHECK(count <= idx.size() / kIndexFixed, name, ": footer claims ", count, " records but the index has ",
           idx.size(), " bytes");
  index_.resize(size_t(count));
  size_t p = 0;
  for (size_t i = 0; i < count; ++i) {
    KD_CHECK(p + kIndexFixed <= idx.size(), name, ": index entry of record ", i, " runs past the index");
    ShardRecord& r = index_[i];
    r.offset = get_le(&idx[p], 8);
    r.size = uint32_t(get_le(&idx[p + 8], 4));
    r.crc = uint32_t(get_le(&idx[p + 12], 4));
    r.label = int64_t(get_le(&idx[p + 16], 8));
    size_t len = size_t(get_le(&idx[p + 24], 2));
    p += kIndexFixed;
    KD_CHECK(p + len <= idx.size(), name, ": path of record ", i, " runs past the index");
    r.path.assign(reinterpret_cast<const char*>(&idx[p]), len);
    p += len;
    // Written so no sum can wrap: offset + size of a corrupt entry can pass as a small number
    // and send read() to a 4 GB allocation at a negative file offset.
    KD_CHECK(r.offset >= 8 && r.offset <= index_offset && r.size <= index_offset - r.offset && r.size > 0, name,
             " record ", i, " (", r.path, "): ", r.size, " bytes at offset ", r.offset, " out of range [8, ",
             index_offset, ")");
    KD_CHECK(r.label >= 0, name, " record ", i, " (", r.path, "): negative label ", r.label);
  }
  KD_CHECK(p == idx.size(), name, ": ", idx.size() - p, " stray bytes after the last index entry");
  guard.keep = true;
}

ShardReader::~ShardReader() {
  if (fd_ >= 0) ::close(fd_);
}

const ShardRecord& ShardReader::record(size_t i) const {
  KD_CHECK(i < index_.size(), "shard '", path_, "': record ", i, " out of range (", index_.size(), " records)");
  return index_[i];
}

std::string ShardReader::describe(size_t i) const {
  return str("shard '", path_, "' record ", i, " (", i < index_.size() ? index_[i].path : "?", ")");
}

void ShardReader::read(size_t i, std::vector<uint8_t>& bytes) const {
  const ShardRecord& r = record(i);
  bytes.resize(r.size);
  pread_all(fd_, bytes.data(), r.size, r.offset, describe(i));
  KD_CHECK(crc32(bytes.data(), bytes.size()) == r.crc, describe(i), ": crc32 mismatch (corrupt record)");
}

void ShardReader::decode(size_t i, std::vector<uint8_t>& scratch, Image& out) const {
  read(i, scratch);
  out = decode_jpeg(scratch.data(), scratch.size(), describe(i));
  KD_CHECK(out.w == kFaceSize && out.h == kFaceSize && out.c == 3, describe(i), ": decoded to ", out.w, "x",
           out.h, "x", out.c, ", expected ", kFaceSize, "x", kFaceSize, "x3");
}

Image ShardReader::decode(size_t i) const {
  std::vector<uint8_t> scratch;
  Image out;
  decode(i, scratch, out);
  return out;
}

// ---------------------------------------------------------------- shard sets

nlohmann::json shard_set_info_to_json(const ShardSetInfo& info) {
  nlohmann::json shards = nlohmann::json::array();
  for (size_t i = 0; i < info.shard_files.size(); ++i)
    shards.push_back({{"file", info.shard_files[i]}, {"records", info.shard_records[i]}});
  return {{"format", "kdshard-set"}, {"version", 1},          {"image_size", kFaceSize},
          {"records", info.records},  {"classes", info.classes}, {"shards", shards},
          {"identities", info.identities}, {"source", info.source}};
}

namespace {
// nlohmann's get<int64_t>() casts a float without a range check (UB past int64: fuzz_shard_index
// found "records": 2.5e26), so the index's numbers must be JSON integers first.
int64_t int_at(const nlohmann::json& j, const char* key, const std::string& where) {
  const nlohmann::json& v = j.at(key);
  KD_CHECK(v.is_number_integer(), where, ": \"", key, "\" must be an integer, found ", v.dump());
  return v.get<int64_t>();
}
}  // namespace

ShardSetInfo shard_set_info_from_json(const nlohmann::json& j, const std::string& where) {
  ShardSetInfo info;
  try {
    KD_CHECK(j.value("format", "") == "kdshard-set", where, ": \"format\" must be \"kdshard-set\"");
    KD_CHECK(int_at(j, "version", where) == 1, where, ": unsupported \"version\" ", j.at("version").dump(),
             " (expected 1)");
    KD_CHECK(int_at(j, "image_size", where) == kFaceSize, where, ": \"image_size\" ", j.at("image_size").dump(),
             ", expected ", kFaceSize);
    info.records = int_at(j, "records", where);
    info.classes = int_at(j, "classes", where);
    for (auto& s : j.at("shards")) {
      const std::string file = s.at("file").get<std::string>();
      // A set's shards are files in its folder; anything else in index.json is corruption.
      KD_CHECK(!file.empty() && file.find('/') == std::string::npos && file != "." && file != "..", where,
               ": shard \"", file, "\" is not a file name in the set's folder");
      info.shard_files.push_back(file);
      info.shard_records.push_back(int_at(s, "records", where));
    }
    info.identities = j.at("identities").get<std::vector<std::string>>();
    info.source = j.value("source", nlohmann::json::object());
  } catch (const nlohmann::json::exception& e) {
    KD_FAIL(where, ": malformed shard-set index: ", e.what());
  }
  KD_CHECK(int64_t(info.identities.size()) == info.classes, where, ": \"classes\" is ", info.classes, " but ",
           info.identities.size(), " identities are listed");
  return info;
}

ShardSetWriter::ShardSetWriter(const std::string& dir, int64_t shard_size, std::vector<std::string> identities,
                               nlohmann::json source)
    : dir_(dir), shard_size_(shard_size) {
  KD_CHECK(shard_size > 0, "shard size must be > 0, got ", shard_size);
  std::error_code ec;
  fs::create_directories(dir, ec);
  KD_CHECK(fs::is_directory(dir), "cannot create shard folder '", dir, "': ", ec.message());
  KD_CHECK(!fs::exists(fs::path(dir) / "index.json"), "'", dir,
           "' already holds a shard set (index.json); choose an empty folder");
  info_.classes = int64_t(identities.size());
  info_.identities = std::move(identities);
  info_.source = std::move(source);
}

void ShardSetWriter::add(const std::vector<uint8_t>& jpeg, int64_t label, const std::string& rel_path) {
  KD_CHECK(label >= 0 && label < info_.classes, "record '", rel_path, "': label ", label, " outside [0, ",
           info_.classes, ")");
  if (!cur_) {
    std::string name = shard_file_name(int64_t(info_.shard_files.size()));
    cur_ = std::make_unique<ShardWriter>((fs::path(dir_) / name).string());
    info_.shard_files.push_back(name);
    info_.shard_records.push_back(0);
  }
  cur_->add(jpeg, label, rel_path);
  ++info_.shard_records.back();
  ++info_.records;
  if (int64_t(cur_->size()) >= shard_size_) close_current();
}

void ShardSetWriter::close_current() {
  if (!cur_) return;
  cur_->finish();
  cur_.reset();
}

ShardSetInfo ShardSetWriter::finish() {
  close_current();
  KD_CHECK(info_.records > 0, "shard set '", dir_, "': no records were added");
  write_file_atomic((fs::path(dir_) / "index.json").string(), shard_set_info_to_json(info_).dump(1) + "\n");
  return info_;
}

ShardSet::ShardSet(const std::string& dir) : dir_(dir) {
  std::string index_path = (fs::path(dir) / "index.json").string();
  KD_CHECK(fs::exists(index_path), "'", dir, "' is not a shard set: no index.json (run kdface-data pack)");
  nlohmann::json j;
  // Copying a json recurses (its "source" is copied below), so deep nesting would overflow
  // the stack; pack writes 3 levels.
  auto shallow = [&](int depth, nlohmann::json::parse_event_t, nlohmann::json&) {
    KD_CHECK(depth <= 64, index_path, ": nested more than 64 levels deep");
    return true;
  };
  try {
    j = nlohmann::json::parse(read_file(index_path), shallow);
  } catch (const nlohmann::json::exception& e) {
    KD_FAIL(index_path, ": not valid JSON: ", e.what());
  }
  info_ = shard_set_info_from_json(j, index_path);
  for (size_t s = 0; s < info_.shard_files.size(); ++s) {
    shards_.push_back(std::make_unique<ShardReader>((fs::path(dir) / info_.shard_files[s]).string()));
    const ShardReader& r = *shards_.back();
    KD_CHECK(int64_t(r.size()) == info_.shard_records[s], index_path, " says ", info_.shard_files[s], " has ",
             info_.shard_records[s], " records; the shard has ", r.size());
    for (size_t k = 0; k < r.size(); ++k) {
      KD_CHECK(r.record(k).label < info_.classes, r.describe(k), ": label ", r.record(k).label, " outside [0, ",
               info_.classes, ") of ", index_path);
      where_.emplace_back(uint32_t(s), uint32_t(k));
    }
  }
  KD_CHECK(int64_t(where_.size()) == info_.records, index_path, " says ", info_.records, " records; the shards hold ",
           where_.size());
}

const ShardReader& ShardSet::shard(int64_t i) const {
  KD_CHECK(i >= 0 && i < size(), "shard set '", dir_, "': record ", i, " out of range (", size(), " records)");
  return *shards_[where_[size_t(i)].first];
}

std::string ShardSet::describe(int64_t i) const { return shard(i).describe(where_[size_t(i)].second); }

void ShardSet::read(int64_t i, std::vector<uint8_t>& bytes) const { shard(i).read(where_[size_t(i)].second, bytes); }

void ShardSet::decode(int64_t i, std::vector<uint8_t>& scratch, Image& out) const {
  shard(i).decode(where_[size_t(i)].second, scratch, out);
}

}  // namespace kd::data
