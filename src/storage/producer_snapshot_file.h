// Producer state snapshot files (<offset>.snapshot), byte for byte as Kafka's
// ProducerStateManager.writeSnapshot writes them and readSnapshot reads them (schema:
// ../shared/kafka-protocol/storage/ProducerSnapshot.json). Format page: docs/formats/local-log.md,
// "Producer snapshot".
//
//   offset  size  field
//        0     2  version                 int16   1
//        2     4  crc                     uint32  CRC32C of bytes [6, end)
//        6     4  entry count             int32
//       10  46*n  entries:
//                   producerId            int64
//                   epoch                 int16
//                   lastSequence          int32   -1 when the producer has no batch metadata
//                   lastOffset            int64   -1 likewise (its only entry is a marker)
//                   offsetDelta           int32   lastOffset - firstOffset of its last batch
//                   timestamp             int64   the producer's last timestamp
//                   coordinatorEpoch      int32
//                   currentTxnFirstOffset int64   -1 when no transaction is ongoing
//
// Big-endian, no padding. The file is named after the offset the state is as of ("the producer
// state after every batch below this offset"): filename_prefix_from_offset + ".snapshot".
//
// Reading never trusts the file: every length is checked against the bytes present before it is
// used, and every defect is StorageErrc::corrupt_snapshot (Kafka: CorruptSnapshotException, after
// which the loader deletes the file and falls back to the previous snapshot).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"

namespace strata::storage {

inline constexpr int16_t kProducerSnapshotVersion = 1;  // ProducerStateManager.PRODUCER_SNAPSHOT_VERSION

// Field offsets of the header (ProducerStateManager.VERSION_OFFSET, CRC_OFFSET, PRODUCER_ENTRIES_OFFSET).
inline constexpr size_t kProducerSnapshotVersionOffset = 0;
inline constexpr size_t kProducerSnapshotCrcOffset = kProducerSnapshotVersionOffset + 2;         // 2
inline constexpr size_t kProducerSnapshotEntriesOffset = kProducerSnapshotCrcOffset + 4;         // 6: CRC from here
inline constexpr size_t kProducerSnapshotFirstEntryOffset = kProducerSnapshotEntriesOffset + 4;  // 10
inline constexpr size_t kProducerSnapshotHeaderSize = kProducerSnapshotFirstEntryOffset;

// Field offsets inside an entry (PRODUCER_SNAPSHOT_ENTRY_SCHEMA order).
inline constexpr size_t kSnapshotProducerIdField = 0;              // int64
inline constexpr size_t kSnapshotEpochField = 8;                   // int16
inline constexpr size_t kSnapshotLastSequenceField = 10;           // int32
inline constexpr size_t kSnapshotLastOffsetField = 14;             // int64
inline constexpr size_t kSnapshotOffsetDeltaField = 22;            // int32
inline constexpr size_t kSnapshotTimestampField = 26;              // int64
inline constexpr size_t kSnapshotCoordinatorEpochField = 34;       // int32
inline constexpr size_t kSnapshotCurrentTxnFirstOffsetField = 38;  // int64
inline constexpr size_t kProducerSnapshotEntrySize = 46;
static_assert(kSnapshotCurrentTxnFirstOffsetField + 8 == kProducerSnapshotEntrySize);

// One producer as a snapshot stores it: the fields Kafka writes, as Kafka writes them (-1 for
// "none"), so that encode(decode(x)) == x for every file Kafka can write.
struct ProducerSnapshotEntry {
  ProducerId producer_id = kNoProducerId;
  ProducerEpoch epoch = kNoProducerEpoch;
  int32_t last_sequence = -1;
  Offset last_offset = kNoOffset;
  int32_t offset_delta = 0;
  int64_t timestamp = -1;
  int32_t coordinator_epoch = -1;
  Offset current_txn_first_offset = kNoOffset;
  friend bool operator==(const ProducerSnapshotEntry&, const ProducerSnapshotEntry&) = default;
};

// The bytes of a snapshot holding `entries`, in the given order. Kafka writes its HashMap's
// iteration order; ProducerStateManager passes ascending producer ids, which is that order
// whenever the ids are below the map's capacity (readers do not depend on the order).
bytes encode_producer_snapshot(std::span<const ProducerSnapshotEntry> entries);

// The entries of a snapshot, checked in Kafka's order — the structure (header, a non-negative
// count, count whole entries), then the version, then the CRC — plus one check Kafka lacks: no
// bytes after the last entry. Each failure is corrupt_snapshot: "Producer snapshot <location> is
// corrupt: " followed by Kafka's message for the same defect.
result<std::vector<ProducerSnapshotEntry>> decode_producer_snapshot(bytes_view data, std::string_view location);

// The part of a corrupt_snapshot message that is Kafka's own CorruptSnapshotException message
// ("Snapshot is corrupt (CRC is no longer valid). ...", "Snapshot failed schema validation: ..."),
// without the file name this module adds (dump-log prints it as Kafka's tool does).
std::string_view corrupt_snapshot_reason(const Error& error);

// Writes `entries` to `path` atomically (tmp, fsync, rename, fsync dir when `sync`). Kafka writes
// the file in place and forces it; the atomic replace also keeps a crash from leaving half a file.
result<void> write_producer_snapshot(const std::filesystem::path& path, std::span<const ProducerSnapshotEntry> entries,
                                     bool sync = true);

// Reads and decodes `path`. not_found when it does not exist, io_error, corrupt_snapshot.
result<std::vector<ProducerSnapshotEntry>> read_producer_snapshot(const std::filesystem::path& path);

// A snapshot file in a partition directory (Kafka's SnapshotFile).
struct SnapshotFile {
  Offset offset;
  std::filesystem::path path;
  friend bool operator==(const SnapshotFile&, const SnapshotFile&) = default;
};

// ProducerStateManager.listSnapshotFiles: the regular files of `dir` whose name is a segment file
// name of type .snapshot with no state suffix (so "N.snapshot.deleted" is not one), in ascending
// offset order. An absent directory has none; other directory errors are io_error.
result<std::vector<SnapshotFile>> list_snapshot_files(const std::filesystem::path& dir);

}  // namespace strata::storage
