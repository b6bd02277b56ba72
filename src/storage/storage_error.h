// The storage module's error codes. Every fallible call in src/storage returns result<T> whose Error
// carries a StorageErrc and a message that names the file (and, for text files, the line).
//
// The codes are chosen by what the caller does next, not by where the failure happened:
//   corrupt_index        -> rebuild the index from its segment (Kafka: CorruptIndexException);
//   malformed_checkpoint -> the checkpoint cannot be trusted (Kafka: IOException "Malformed line");
//   io_error             -> the log directory is failing (Kafka: KafkaStorageException, offline dir).
#pragma once

#include <string_view>

#include "base/error.h"

namespace strata::storage {

enum class StorageErrc {
  // An operating-system call failed (open, pread, pwrite, fsync, rename, mmap, ...). The message
  // names the call, the path and strerror(errno).
  io_error = 1,
  // A file that must exist does not. Kafka creates empty checkpoint files on first use, so callers
  // of the checkpoint readers usually treat this as "no entries".
  not_found,
  // An index file fails its sanity check (size, ordering, version). Never fatal: rebuild the index
  // from the segment's .log (Kafka: CorruptIndexException -> LogLoader recovers the segment).
  corrupt_index,
  // An index append whose offset is not larger than the last one (Kafka: InvalidOffsetException),
  // or a time index append whose timestamp goes backwards.
  invalid_offset,
  // An offset that does not fit the index's 4-byte relative offset: below the base offset or more
  // than 2^31-1 above it (Kafka: IndexOffsetOverflowException). The segment must roll first.
  offset_overflow,
  // An append to an index with no free slot. The segment must roll first.
  index_full,
  // A checkpoint or partition.metadata file whose text is not in Kafka's format.
  malformed_checkpoint,
  // A file written by a newer format version than this code reads.
  unsupported_version,
  // A topic name Kafka would reject (Kafka: InvalidTopicException).
  invalid_topic,
  // A file or directory name that is not one of Kafka's log names.
  invalid_file_name,
  // The caller broke an API contract: a bad size, an entry number out of range, a write to a
  // read-only index, a value that the format cannot hold.
  invalid_argument,
  // A producer state snapshot (.snapshot) that is not one Kafka wrote: short, a bad count, an
  // unknown version, a CRC mismatch (Kafka: CorruptSnapshotException). Never fatal: delete the
  // snapshot and load the previous one, or rebuild the state from the log.
  corrupt_snapshot,
  // A read or a log start offset move outside [log start offset, log end offset] (Kafka:
  // OffsetOutOfRangeException -> OFFSET_OUT_OF_RANGE).
  offset_out_of_range,
  // One append larger than a whole segment (Kafka: RecordBatchTooLargeException ->
  // RECORD_LIST_TOO_LARGE).
  batch_larger_than_segment,
  // The log was closed or deleted; the caller looked it up too late (Kafka: KafkaStorageException
  // for a log being deleted).
  log_closed,
};
constexpr std::string_view error_category(StorageErrc) { return "storage"; }

// The code's name, for messages and test output: "corrupt_index", ...
std::string_view to_string(StorageErrc code);

}  // namespace strata::storage
