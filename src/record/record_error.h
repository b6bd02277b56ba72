// The record module's error codes and the Kafka error code each one is answered with.
//
// Every fallible call in src/record returns result<T> whose Error carries a RecordErrc. The server
// turns a failed append into a ProduceResponse partition error with kafka_error_code(); the table
// below is the contract (docs/formats/record-batch.md, "Validation errors", explains each row with
// the Kafka code path it mirrors).
#pragma once

#include <cstdint>
#include <string_view>

#include "base/error.h"

namespace strata::record {

enum class RecordErrc {
  // Splitting and framing (Kafka: ByteBufferLogInputStream, DefaultRecordBatch.ensureValid).
  truncated = 1,      // the input ends inside a batch header or body
  batch_too_small,    // batchLength is below what a v2 header needs
  batch_too_large,    // batchLength is above the caller's limit for one batch
  invalid_magic,      // magic is not 0, 1 or 2
  unsupported_magic,  // magic 0 or 1: legacy message sets, not implemented
  crc_mismatch,       // the stored CRC32C differs from the computed one
  // Batch and record structure (Kafka: LogValidator.validateBatch, DefaultRecord.readFrom).
  invalid_batch,          // a header field is inconsistent (offset range, counts, sequence, ...)
  invalid_record,         // a record inside the batch is malformed (lengths, varints, headers)
  record_count_mismatch,  // the records present differ from the header's recordCount
  control_batch_from_client,
  multiple_batches,  // a produce partition holds more than one batch
  no_batch,          // a produce partition holds no batch
  // Compression.
  unknown_compression,      // attribute bits 0-2 name no codec (5, 6, 7)
  unsupported_compression,  // zstd in a Produce request below v7
  decompression_failed,     // the compressed bytes are not a valid stream of their codec
  decompressed_too_large,   // the output would exceed the caller's bound (a decompression bomb)
  compression_failed,       // the compressor failed (out of memory, impossible input size)
  // Topic policy.
  message_too_large,   // the batch is larger than max.message.bytes
  invalid_timestamp,   // a timestamp outside message.timestamp.{before,after}.max.ms, or a
                       // producer-set LogAppendTime
  null_key_compacted,  // a record without key in a compacted topic
  // Caller errors.
  invalid_config,    // an unknown compression.type or a level outside the codec's range
  invalid_argument,  // a builder or rewriter was used against its contract
};
constexpr std::string_view error_category(RecordErrc) { return "record"; }

// Kafka error codes (org.apache.kafka.common.protocol.Errors; ../shared/kafka-protocol/errors.tsv).
// Named here because record must not depend on protocol.
namespace kafka_errors {
inline constexpr int16_t kUnknownServerError = -1;
inline constexpr int16_t kCorruptMessage = 2;
inline constexpr int16_t kMessageTooLarge = 10;
inline constexpr int16_t kInvalidTimestamp = 32;
inline constexpr int16_t kInvalidConfig = 40;
inline constexpr int16_t kUnsupportedCompressionType = 76;
inline constexpr int16_t kInvalidRecord = 87;
}  // namespace kafka_errors

// The Kafka error code a produce partition is answered with when an append fails with `code`.
//
//   truncated, batch_too_small, batch_too_large,
//   invalid_magic, crc_mismatch                        -> CORRUPT_MESSAGE (2)
//   unknown_compression, decompression_failed,
//   decompressed_too_large                             -> CORRUPT_MESSAGE (2)   [see note]
//   unsupported_magic, invalid_batch, invalid_record,
//   record_count_mismatch, control_batch_from_client,
//   multiple_batches, no_batch, null_key_compacted     -> INVALID_RECORD (87)
//   message_too_large                                  -> MESSAGE_TOO_LARGE (10)
//   invalid_timestamp                                  -> INVALID_TIMESTAMP (32)
//   unsupported_compression                            -> UNSUPPORTED_COMPRESSION_TYPE (76)
//   invalid_config                                     -> INVALID_CONFIG (40)
//   compression_failed, invalid_argument               -> UNKNOWN_SERVER_ERROR (-1)
//
// Note: Kafka answers a codec id it does not know and a stream its decompressor rejects with
// UNKNOWN_SERVER_ERROR (the exceptions are not ApiExceptions), and has no decompression bound. We
// answer CORRUPT_MESSAGE, which tells the client what is wrong. Magic 0/1 batches in Produce v3+
// are INVALID_RECORD in Kafka (ProduceRequest.validateRecords); Produce v0-v2, the only versions
// that carry them legitimately, are refused by the server with UNSUPPORTED_VERSION before records
// are looked at.
int16_t kafka_error_code(RecordErrc code);

// kafka_error_code() of a record Error; UNKNOWN_SERVER_ERROR for an Error of another category.
int16_t kafka_error_code(const Error& error);

}  // namespace strata::record
