// A partition log's configuration: the topic-level settings Kafka's LogConfig holds, with Kafka's
// defaults, as typed values. Parsing and validating the `server.properties` / topic config strings
// (names, ranges, broker-level `log.*` synonyms) is the cluster module's job; this struct is what
// the log engine consumes.
#pragma once

#include <cstdint>
#include <limits>

#include "record/compression.h"
#include "record/record_batch.h"
#include "record/validation.h"
#include "storage/index_file.h"

namespace strata::storage {

inline constexpr int64_t kUnlimited = -1;  // retention.ms / retention.bytes = -1
inline constexpr int64_t kNever = std::numeric_limits<int64_t>::max();

struct LogConfig {
  // Segments (segment.bytes, segment.ms, segment.jitter.ms, segment.index.bytes,
  // index.interval.bytes, preallocate).
  int32_t segment_bytes = 1024 * 1024 * 1024;
  int64_t segment_ms = 7LL * 24 * 60 * 60 * 1000;
  int64_t segment_jitter_ms = 0;
  int32_t segment_index_bytes = kDefaultMaxIndexSize;
  int32_t index_interval_bytes = 4096;
  bool preallocate = false;

  // Retention (retention.ms, retention.bytes; -1 = unlimited) and deletion (file.delete.delay.ms).
  int64_t retention_ms = 7LL * 24 * 60 * 60 * 1000;
  int64_t retention_bytes = kUnlimited;
  int64_t file_delete_delay_ms = 60'000;

  // cleanup.policy: delete, compact, or both.
  bool cleanup_delete = true;
  bool cleanup_compact = false;
  int64_t delete_retention_ms = 24LL * 60 * 60 * 1000;
  int64_t min_compaction_lag_ms = 0;
  int64_t max_compaction_lag_ms = kNever;
  double min_cleanable_dirty_ratio = 0.5;

  // Flush policy (flush.messages, flush.ms; Kafka's defaults leave flushing to the OS).
  int64_t flush_messages = kNever;
  int64_t flush_ms = kNever;

  // Append validation (max.message.bytes, message.timestamp.*, compression.type and levels).
  int32_t max_message_bytes = record::kDefaultMaxMessageBytes;
  record::TimestampType message_timestamp_type = record::TimestampType::create_time;
  int64_t message_timestamp_before_max_ms = kNever;
  int64_t message_timestamp_after_max_ms = kNever;
  record::TopicCompression compression{};

  // Producer state (producer.id.expiration.ms is broker-level in Kafka; kept here for the log).
  int64_t producer_id_expiration_ms = 24LL * 60 * 60 * 1000;
};

}  // namespace strata::storage
