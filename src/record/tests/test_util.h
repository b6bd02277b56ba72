// Helpers shared by the record tests: byte literals, deterministic random data, batch building.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "record/record.h"
#include "record/record_batch_builder.h"

namespace strata::record::testing {

bytes hex_bytes(std::initializer_list<uint8_t> v);
bytes from_hex(std::string_view hex);
std::string to_hex(bytes_view b);

// Deterministic pseudo-random data; `compressibility` in [0, 1] is the share of bytes drawn from a
// small alphabet (so codecs have something to find).
bytes random_bytes(std::mt19937_64& rng, size_t size, double compressibility = 0.5);

// An owned record for building batches and comparing what comes back.
struct TestHeader {
  std::string key;
  std::optional<bytes> value;
};
struct TestRecord {
  int64_t timestamp = 0;
  std::optional<bytes> key;
  std::optional<bytes> value;
  std::vector<TestHeader> headers;
};

std::vector<RecordHeaderView> header_views(const TestRecord& r);

// Builds a batch of `records` with `options`; aborts the test on failure.
bytes build_batch(const std::vector<TestRecord>& records, const BatchBuilderOptions& options);

// Checks that `actual` (parsed) matches `expected` (key, value, headers, timestamp).
void expect_same_record(const TestRecord& expected, const Record& actual);

std::vector<TestRecord> random_records(std::mt19937_64& rng, size_t count, bool with_headers, bool with_nulls,
                                       int64_t base_timestamp);

bytes read_file(const std::string& path);

}  // namespace strata::record::testing
