#include "record/record_error.h"

namespace strata::record {

int16_t kafka_error_code(RecordErrc code) {
  using namespace kafka_errors;
  switch (code) {
    case RecordErrc::truncated:
    case RecordErrc::batch_too_small:
    case RecordErrc::batch_too_large:
    case RecordErrc::invalid_magic:
    case RecordErrc::crc_mismatch:
    case RecordErrc::unknown_compression:
    case RecordErrc::decompression_failed:
    case RecordErrc::decompressed_too_large: return kCorruptMessage;
    case RecordErrc::unsupported_magic:
    case RecordErrc::invalid_batch:
    case RecordErrc::invalid_record:
    case RecordErrc::record_count_mismatch:
    case RecordErrc::control_batch_from_client:
    case RecordErrc::multiple_batches:
    case RecordErrc::no_batch:
    case RecordErrc::null_key_compacted: return kInvalidRecord;
    case RecordErrc::message_too_large: return kMessageTooLarge;
    case RecordErrc::invalid_timestamp: return kInvalidTimestamp;
    case RecordErrc::unsupported_compression: return kUnsupportedCompressionType;
    case RecordErrc::invalid_config: return kInvalidConfig;
    case RecordErrc::compression_failed:
    case RecordErrc::invalid_argument: return kUnknownServerError;
  }
  return kUnknownServerError;
}

int16_t kafka_error_code(const Error& error) {
  if (error.category() != error_category(RecordErrc{})) return kafka_errors::kUnknownServerError;
  return kafka_error_code(static_cast<RecordErrc>(error.code()));
}

}  // namespace strata::record
