#pragma once
// Shards: many small aligned-face JPEGs packed into a few large files, so an epoch reads a
// handful of files with pread instead of opening 100k images, and every record carries a
// crc32 so disk or copy corruption is an error naming the shard and record.
//
// One shard file (all integers little-endian):
//   "KDSHARD1"                                   8-byte magic
//   record 0 bytes, record 1 bytes, ...          JPEG files, back to back
//   index: per record                            u64 offset, u32 size, u32 crc32(bytes),
//                                                i64 label, u16 path length, path bytes
//   footer (32 bytes)                            u64 index offset, u64 record count,
//                                                u32 crc32(index), u32 0, "KDSHIDX1"
// A shard set is a folder with shard-00000.kdshard, shard-00001.kdshard, ... and index.json
// (see docs/data.md, "Shards, pair lists and the loader").
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/image.h"

namespace kd::data {

constexpr int kFaceSize = 112;  // every record decodes to 112x112 RGB

uint32_t crc32(const uint8_t* data, size_t n, uint32_t crc = 0);  // zlib's CRC-32

struct ShardRecord {
  uint64_t offset = 0;
  uint32_t size = 0, crc = 0;
  int64_t label = -1;
  std::string path;  // relative source path, for messages and provenance
};

// Writes path + ".tmp" and renames it over path in finish(), so a crashed pack never leaves
// a shard that looks complete.
class ShardWriter {
 public:
  explicit ShardWriter(const std::string& path);
  ~ShardWriter();  // removes the temp file if finish() was not called
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  void add(const uint8_t* jpeg, size_t n, int64_t label, const std::string& rel_path);
  void add(const std::vector<uint8_t>& jpeg, int64_t label, const std::string& rel_path) {
    add(jpeg.data(), jpeg.size(), label, rel_path);
  }
  void finish();
  size_t size() const { return index_.size(); }
  const std::string& path() const { return path_; }

 private:
  void write_bytes(const void* p, size_t n);
  std::string path_, tmp_;
  int fd_ = -1;
  uint64_t pos_ = 0;
  std::vector<ShardRecord> index_;
  bool finished_ = false;
};

// Read-only view of one shard. Reads are pread calls on one descriptor, so any number of
// threads may call read()/decode() at once.
class ShardReader {
 public:
  explicit ShardReader(const std::string& path);  // validates magic, footer and index
  ~ShardReader();
  ShardReader(const ShardReader&) = delete;
  ShardReader& operator=(const ShardReader&) = delete;

  size_t size() const { return index_.size(); }
  const ShardRecord& record(size_t i) const;
  const std::string& path() const { return path_; }
  // "shard-00003.kdshard record 17 (a/b.jpg)": how every error names a record.
  std::string describe(size_t i) const;

  void read(size_t i, std::vector<uint8_t>& bytes) const;  // crc checked
  std::vector<uint8_t> read(size_t i) const {
    std::vector<uint8_t> b;
    read(i, b);
    return b;
  }
  // JPEG decode to RGB, checked to be kFaceSize x kFaceSize.
  Image decode(size_t i) const;
  void decode(size_t i, std::vector<uint8_t>& scratch, Image& out) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  std::vector<ShardRecord> index_;
};

struct ShardSetInfo {
  int64_t records = 0, classes = 0;
  std::vector<std::string> shard_files;  // relative to the set folder
  std::vector<int64_t> shard_records;
  std::vector<std::string> identities;  // label -> identity name
  nlohmann::json source;                // how it was made (free-form, for provenance)
};

nlohmann::json shard_set_info_to_json(const ShardSetInfo& info);
ShardSetInfo shard_set_info_from_json(const nlohmann::json& j, const std::string& where);

// Rolls to a new shard every shard_size records and writes index.json last (atomically), so
// a folder with an index.json is a complete set.
class ShardSetWriter {
 public:
  ShardSetWriter(const std::string& dir, int64_t shard_size, std::vector<std::string> identities,
                 nlohmann::json source = nlohmann::json::object());
  void add(const std::vector<uint8_t>& jpeg, int64_t label, const std::string& rel_path);
  ShardSetInfo finish();
  int64_t size() const { return info_.records; }

 private:
  void close_current();
  std::string dir_;
  int64_t shard_size_;
  ShardSetInfo info_;
  std::unique_ptr<ShardWriter> cur_;
};

// A whole set, records numbered 0..size()-1 across shards in file order.
class ShardSet {
 public:
  explicit ShardSet(const std::string& dir);  // reads index.json, opens and cross-checks shards

  int64_t size() const { return int64_t(where_.size()); }
  int64_t num_classes() const { return info_.classes; }
  const ShardSetInfo& info() const { return info_; }
  const std::string& dir() const { return dir_; }
  int64_t label(int64_t i) const { return shard(i).record(where_[size_t(i)].second).label; }
  std::string describe(int64_t i) const;
  void read(int64_t i, std::vector<uint8_t>& bytes) const;
  void decode(int64_t i, std::vector<uint8_t>& scratch, Image& out) const;

 private:
  const ShardReader& shard(int64_t i) const;
  std::string dir_;
  ShardSetInfo info_;
  std::vector<std::unique_ptr<ShardReader>> shards_;
  std::vector<std::pair<uint32_t, uint32_t>> where_;  // record -> (shard, record in shard)
};

std::string shard_file_name(int64_t n);  // "shard-00000.kdshard"

}  // namespace kd::data
