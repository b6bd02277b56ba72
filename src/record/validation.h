// Validation of a batch appended to a partition, and offset assignment, as Kafka's
// UnifiedLog.analyzeAndValidateRecords + LogValidator do it for magic v2. Errors are RecordErrc
// values; kafka_error_code() (record_error.h) gives the code the produce response carries.
//
// What is read, and when (docs/formats/record-batch.md, "What append validation reads"):
//   - Always: the 61-byte header, and the CRC over the whole batch.
//   - Uncompressed batches: every record is walked in place (no copy): structure, count, the
//     compacted-topic key check, CreateTime timestamp bounds, and the exact max timestamp. Kafka
//     does the same.
//   - Compressed batches are decompressed (bounded by max_decompressed_bytes) only when
//       a) the topic is compacted (every record needs a key), or
//       b) the topic uses CreateTime and message.timestamp.before.max.ms or .after.max.ms is
//          finite (every record's timestamp is checked), or
//       c) the topic's codec differs from the batch's (the batch is rebuilt, see below), or
//       d) the producer set LogAppendTime (Kafka judges that per record), or
//       e) AppendOptions::deep_validation is set.
//     Otherwise the compressed bytes are not touched: the CRC protects them, recordCount and
//     lastOffsetDelta are checked against each other, and the header's maxTimestamp is trusted.
//     Kafka always decompresses (to count records and recompute maxTimestamp); this is the
//     departure ARCHITECTURE §3.5 asks for.
//
// A batch that needs no conversion is changed in place: base offset, partition leader epoch,
// and, when the topic uses LogAppendTime (or a walked CreateTime batch's maxTimestamp was wrong),
// maxTimestamp + timestamp type + CRC. A batch whose codec differs from the topic's target, or a
// walked compressed batch whose offset deltas are not 0..n-1 (Kafka rebuilds those too), is
// rebuilt into AppendInfo::converted.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "base/types.h"
#include "record/compression.h"
#include "record/record.h"
#include "record/record_batch.h"
#include "record/record_error.h"

namespace strata::record {

// Who is appending (Kafka's AppendOrigin): client batches get the strictest checks.
enum class AppendOrigin { client, coordinator, replication };

// Kafka's max.message.bytes default: 1 MiB + the 12-byte log overhead.
inline constexpr int32_t kDefaultMaxMessageBytes = 1024 * 1024 + static_cast<int32_t>(kLogOverhead);
// "No bound" for message.timestamp.before.max.ms / after.max.ms (Kafka: Long.MAX_VALUE).
inline constexpr int64_t kNoTimestampBound = std::numeric_limits<int64_t>::max();

struct AppendOptions {
  Offset next_offset{0};                                      // the offset the first record gets
  LeaderEpoch partition_leader_epoch{0};                      // stamped on the batch
  int32_t max_message_bytes = kDefaultMaxMessageBytes;        // max.message.bytes
  TimestampType timestamp_type = TimestampType::create_time;  // message.timestamp.type
  int64_t timestamp_before_max_ms = kNoTimestampBound;        // message.timestamp.before.max.ms
  int64_t timestamp_after_max_ms = kNoTimestampBound;         // message.timestamp.after.max.ms
  int64_t now_ms = 0;                                         // the broker's clock
  bool compacted = false;                                     // cleanup.policy contains compact
  TopicCompression compression{};                             // compression.type and levels
  AppendOrigin origin = AppendOrigin::client;
  size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes;
  bool deep_validation = false;  // always walk every record
};

// A record-level failure: which record (its index in the batch) and why. A produce response
// (v8+) carries these as RecordErrors.
struct RecordError {
  int32_t batch_index = 0;
  std::string message;
};

struct AppendInfo {
  Offset first_offset{0};
  Offset last_offset{0};
  int32_t record_count = 0;
  int64_t max_timestamp = kNoTimestamp;
  // The offset of the first record carrying max_timestamp, when known: always for LogAppendTime
  // and when the records were walked; nullopt for a compressed CreateTime batch left unread.
  std::optional<Offset> offset_of_max_timestamp;
  // The broker time for a LogAppendTime topic, kNoTimestamp otherwise.
  int64_t log_append_time = kNoTimestamp;
  CompressionCodec source_codec = CompressionCodec::none;
  CompressionCodec stored_codec = CompressionCodec::none;
  bool records_walked = false;  // every record was parsed
  bool decompressed = false;    // the records were decompressed to do so
  // Set when the batch had to be rebuilt (codec conversion): these bytes are appended instead of
  // the input, which is left as it was.
  std::optional<bytes> converted;
  size_t uncompressed_records_size = 0;  // known when walked
};

// Validates `batch` (exactly one batch: the bytes of a Produce partition after
// check_produce_records()) for appending at options.next_offset, and assigns offsets. On success
// the batch in `batch` (or AppendInfo::converted) is ready to append. Every check runs before the
// first rewrite, so on failure the bytes are unchanged. `record_errors`, when given, receives the
// per-record failures behind an invalid_timestamp or null_key_compacted error (all of them, as
// Kafka reports them).
result<AppendInfo> validate_and_assign(std::span<std::byte> batch, const AppendOptions& options,
                                       std::vector<RecordError>* record_errors = nullptr);

// The checks Kafka's ProduceRequest.validateRecords and KafkaApis make on a partition's records
// before the log sees them: exactly one complete batch (no_batch / multiple_batches / truncated),
// magic 2 (unsupported_magic), and no zstd below Produce v7 (unsupported_compression). Returns the
// batch's bytes within `records`.
inline constexpr int16_t kFirstProduceVersionWithZstd = 7;
result<std::span<std::byte>> check_produce_records(std::span<std::byte> records, int16_t produce_version);

// Rebuilds `batch` with `target` compression, keeping offsets, timestamps, producer fields and
// headers; decompresses at most max_decompressed_bytes. For tools (and the tiered copy) that
// change a stored batch's codec without reassigning offsets.
result<bytes> recompress_batch(const RecordBatchView& batch, const Compression& target,
                               size_t max_decompressed_bytes = kDefaultMaxDecompressedBytes);

}  // namespace strata::record
