"""Reads a kdface shard set (docs/data.md, "Shards, pair lists and the loader") from Python,
so PyTorch peers train on exactly the records kdface trains on. Checks what the C++ reader
checks (magics, index and record CRCs) and names the shard and record when one fails."""
import json
import os
import struct
import zlib

_FOOTER = struct.Struct("<QQII8s")  # index_offset, record_count, crc32(index), 0, "KDSHIDX1"


class ShardError(Exception):
    pass


class ShardSet:
    def __init__(self, folder):
        self.folder = folder
        index_path = os.path.join(folder, "index.json")
        try:
            with open(index_path) as f:
                self.index = json.load(f)
        except (OSError, ValueError) as e:
            raise ShardError(f"{index_path}: not a readable shard-set index ({e})")
        if self.index.get("format") != "kdshard-set":
            raise ShardError(f"{index_path}: 'format' is {self.index.get('format')!r}, expected 'kdshard-set'")
        self.classes = int(self.index["classes"])
        self.records = []  # (shard path, offset, size, crc, label, source path)
        for entry in self.index["shards"]:
            self.records += self._read_index(os.path.join(folder, entry["file"]), int(entry["records"]))
        if len(self.records) != int(self.index["records"]):
            raise ShardError(f"{index_path}: 'records' is {self.index['records']}, the shards hold {len(self.records)}")

    @staticmethod
    def _read_index(path, expected):
        with open(path, "rb") as f:
            data = f.read()
        if data[:8] != b"KDSHARD1" or len(data) < 8 + _FOOTER.size:
            raise ShardError(f"shard '{path}': bad header or truncated")
        index_offset, count, crc, _, magic = _FOOTER.unpack(data[-_FOOTER.size:])
        if magic != b"KDSHIDX1":
            raise ShardError(f"shard '{path}': footer magic missing (truncated or unfinished)")
        index = data[index_offset:len(data) - _FOOTER.size]
        if zlib.crc32(index) != crc:
            raise ShardError(f"shard '{path}': index crc32 mismatch")
        out, pos = [], 0
        for r in range(count):
            offset, size, rcrc, label, plen = struct.unpack_from("<QIIqH", index, pos)
            pos += 26
            source = index[pos:pos + plen].decode()
            pos += plen
            out.append((path, offset, size, rcrc, label, source))
        if count != expected:
            raise ShardError(f"shard '{path}': holds {count} records, index.json says {expected}")
        return out

    def __len__(self):
        return len(self.records)

    def label(self, i):
        return self.records[i][4]

    def jpeg(self, i):
        path, offset, size, crc, _, source = self.records[i]
        with open(path, "rb") as f:
            f.seek(offset)
            b = f.read(size)
        if zlib.crc32(b) != crc:
            raise ShardError(f"shard '{path}' record {i} ({source}): crc32 mismatch (corrupt record)")
        return b
