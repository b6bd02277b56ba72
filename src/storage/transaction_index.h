// The transaction index (.txnindex) of a log segment: the aborted transactions whose abort markers
// are in the segment, after Kafka's TransactionIndex and AbortedTxn. Fetches at READ_COMMITTED
// return the aborted transactions overlapping the fetched range so consumers can drop their records.
// Format page: docs/formats/local-log.md, "Transaction index".
//
// The file is a sequence of 34-byte entries, big-endian, with no header:
//   int16 version             0
//   int64 producer id
//   int64 first offset        of the transaction's first record (possibly in an earlier segment)
//   int64 last offset         of its abort marker
//   int64 last stable offset  the partition's LSO when the abort was written
// Entries are appended in increasing last-offset order. Unlike the offset and time indexes the file
// is not preallocated, and it is created only when the first entry is appended (Kafka's
// TransactionIndexFile), so most segments have no .txnindex at all.
//
// I/O is pread/pwrite on demand: the index is small (34 bytes per aborted transaction) and read
// only by READ_COMMITTED fetches that reach an aborted range, so nothing is cached. Not thread-safe
// (owned by the partition's core).
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "storage/file_io.h"

namespace strata::storage {

inline constexpr int16_t kAbortedTxnCurrentVersion = 0;          // AbortedTxn.CURRENT_VERSION
inline constexpr int32_t kAbortedTxnVersionField = 0;            // int16
inline constexpr int32_t kAbortedTxnProducerIdField = 2;         // int64
inline constexpr int32_t kAbortedTxnFirstOffsetField = 10;       // int64
inline constexpr int32_t kAbortedTxnLastOffsetField = 18;        // int64
inline constexpr int32_t kAbortedTxnLastStableOffsetField = 26;  // int64
inline constexpr int32_t kAbortedTxnSize = 34;                   // AbortedTxn.TOTAL_SIZE

struct AbortedTxn {
  ProducerId producer_id;
  Offset first_offset;
  Offset last_offset;
  Offset last_stable_offset;
  friend bool operator==(const AbortedTxn&, const AbortedTxn&) = default;
};

// The 34 bytes Kafka writes for `txn` (version 0).
std::array<std::byte, kAbortedTxnSize> encode_aborted_txn(const AbortedTxn& txn);
// Decodes one entry: `entry` must be exactly 34 bytes (invalid_argument otherwise) with version 0
// (corrupt_index otherwise; Kafka: "Unexpected aborted transaction version").
result<AbortedTxn> decode_aborted_txn(bytes_view entry);

// Kafka's TxnIndexSearchResult.
struct TxnIndexSearchResult {
  std::vector<AbortedTxn> aborted_transactions;
  // True when an entry's last stable offset reached the fetch's upper bound: no later segment can
  // hold an aborted transaction overlapping the fetch, so the search may stop here.
  bool is_complete = false;
};

class TransactionIndex {
 public:
  // Opens `path` if it exists (read-write); otherwise the index is empty and the file is created by
  // the first append. start_offset is the segment's base offset.
  static result<TransactionIndex> open(std::filesystem::path path, Offset start_offset);

  TransactionIndex(TransactionIndex&&) noexcept = default;
  TransactionIndex& operator=(TransactionIndex&&) noexcept = default;

  const std::filesystem::path& path() const { return path_; }
  Offset start_offset() const { return start_offset_; }
  // Bytes in the file (0 when it does not exist).
  int64_t size_in_bytes() const { return size_; }
  // The last offset of the last entry, if any. Kafka forgets this when it reopens a file and checks
  // appends only against entries appended since; we read it from the file, so an append can never
  // go below an entry already on disk.
  std::optional<Offset> last_offset() const { return last_offset_; }

  // Appends an entry, creating the file if needed. invalid_offset unless txn.last_offset is above
  // last_offset(); corrupt_index if the file ends in a partial entry (the append would be
  // misaligned; rebuild the index); io_error.
  result<void> append(const AbortedTxn& txn);

  // All entries, in file order. A partial entry at the end of the file is ignored, as Kafka's reader
  // does (sanity_check reports it). corrupt_index on an entry whose version is not 0.
  result<std::vector<AbortedTxn>> all_aborted_txns() const;
  // TransactionIndex.collectAbortedTxns: the entries overlapping [fetch_offset, upper_bound_offset)
  // — last_offset >= fetch_offset and first_offset < upper_bound_offset — in file order, stopping
  // after the first entry whose last stable offset is >= upper_bound_offset (is_complete).
  result<TxnIndexSearchResult> collect_aborted_txns(Offset fetch_offset, Offset upper_bound_offset) const;

  // Removes the first entry whose last offset is >= offset and everything after it (truncating
  // the file there); nothing changes when there is no such entry.
  result<void> truncate_to(Offset offset);
  // Removes every entry (truncates an existing file to 0 bytes; does not delete it).
  result<void> reset();

  // Kafka's TransactionIndex.sanityCheck — corrupt_index if an entry's last offset is below the
  // start offset — plus: the version of every entry is 0, and the file holds whole entries only.
  result<void> sanity_check() const;

  result<void> flush();
  // The descriptor, -1 while the file does not exist.
  int descriptor() const { return fd_.get(); }
  result<void> close();
  result<void> rename_to(const std::filesystem::path& new_path);
  result<bool> delete_if_exists();

 private:
  TransactionIndex(std::filesystem::path path, Offset start_offset)
      : path_(std::move(path)), start_offset_(start_offset) {}
  // The file's complete entries as raw bytes (size_ rounded down to whole entries).
  result<bytes> read_entries() const;

  std::filesystem::path path_;
  Offset start_offset_;
  UniqueFd fd_;       // invalid until the file exists
  int64_t size_ = 0;  // Invariant: the file's length (0 if it does not exist)
  std::optional<Offset> last_offset_;
};

}  // namespace strata::storage
