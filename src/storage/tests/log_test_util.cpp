#include "storage/tests/log_test_util.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "record/record.h"

namespace strata::storage::testing {

std::string key_of(int i) { return "k" + std::to_string(i); }

std::string value_of(int i, size_t value_size) {
  std::string v = "v" + std::to_string(i);
  if (v.size() < value_size) v.append(value_size - v.size(), static_cast<char>('a' + i % 26));
  return v;
}

bytes make_batch(int first, int count, int64_t ts0, record::CompressionCodec codec, size_t value_size) {
  record::BatchBuilderOptions options;
  options.compression = record::Compression::of(codec);
  record::RecordBatchBuilder builder(options);
  for (int i = 0; i < count; ++i) {
    const std::string key = key_of(first + i);
    const std::string value = value_of(first + i, value_size);
    auto appended = builder.append(ts0 + i, as_bytes_view(key), as_bytes_view(value));
    if (!appended) {
      ADD_FAILURE() << appended.error().to_string();
      std::abort();
    }
  }
  auto built = builder.build();
  if (!built) {
    ADD_FAILURE() << built.error().to_string();
    std::abort();
  }
  return std::move(*built);
}

std::vector<KeyValue> decode_records(bytes_view batches) {
  std::vector<KeyValue> out;
  record::RecordBatchReader reader(batches);
  while (true) {
    auto next = reader.next();
    if (!next || !*next) break;  // end, or a partial batch at the end of a fetch
    const record::RecordBatchView& batch = **next;
    EXPECT_TRUE(batch.verify_crc()) << "batch at offset " << batch.base_offset().value();
    auto records = record::BatchRecords::open(batch);
    if (!records) {
      ADD_FAILURE() << records.error().to_string();
      break;
    }
    auto all = records->read_all();
    if (!all) {
      ADD_FAILURE() << all.error().to_string();
      break;
    }
    for (const record::Record& r : *all) {
      out.push_back(KeyValue{r.offset, r.timestamp, r.key ? std::string(as_string_view(*r.key)) : "",
                             r.value ? std::string(as_string_view(*r.value)) : ""});
    }
  }
  return out;
}

std::vector<KeyValue> read_all(PartitionLog& log, Offset from, int32_t max_bytes) {
  std::vector<KeyValue> out;
  Offset next = std::max(from, log.log_start_offset());
  while (next < log.log_end_offset()) {
    auto fetched = log.read(next, max_bytes, FetchIsolation::log_end, /*min_one_message=*/true);
    if (!fetched) {
      ADD_FAILURE() << "read at " << next.value() << ": " << fetched.error().to_string();
      break;
    }
    if (!fetched->records) {
      ADD_FAILURE() << "read at " << next.value() << " returned nothing below the log end "
                    << log.log_end_offset().value();
      break;
    }
    auto data = read_slice(*fetched->records, fetched->segment_path);
    if (!data) {
      ADD_FAILURE() << data.error().to_string();
      break;
    }
    std::vector<KeyValue> records = decode_records(*data);
    if (records.empty()) {
      ADD_FAILURE() << "read at " << next.value() << " decoded no records";
      break;
    }
    for (KeyValue& r : records) {
      if (r.offset >= next) out.push_back(std::move(r));
    }
    next = Offset{out.back().offset.value() + 1};
  }
  return out;
}

}  // namespace strata::storage::testing
