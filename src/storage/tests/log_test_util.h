// Helpers for the segment and partition log tests: building producer batches and reading back
// what a log returns, record by record.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "record/compression.h"
#include "record/record_batch_builder.h"
#include "storage/partition_log.h"

namespace strata::storage::testing {

// A record as a test writes it and expects it back.
struct KeyValue {
  Offset offset{0};
  int64_t timestamp = 0;
  std::string key;
  std::string value;
  friend bool operator==(const KeyValue&, const KeyValue&) = default;
};

// A producer batch (offsets from 0, epoch -1) of `count` records "k<first+i>" -> "v<first+i>" with
// timestamps ts0 + i, value padded to value_size bytes.
bytes make_batch(int first, int count, int64_t ts0, record::CompressionCodec codec = record::CompressionCodec::none,
                 size_t value_size = 0);

// Every record of a byte range of whole batches (a partial last batch is ignored, as consumers do).
std::vector<KeyValue> decode_records(bytes_view batches);

// Reads the whole log from `from` with READ_UNCOMMITTED-like isolation (log end), one read at a
// time as a consumer would, and decodes every record.
std::vector<KeyValue> read_all(PartitionLog& log, Offset from = Offset{0}, int32_t max_bytes = 64 * 1024);

// The expected record i of make_batch.
std::string key_of(int i);
std::string value_of(int i, size_t value_size = 0);

}  // namespace strata::storage::testing
