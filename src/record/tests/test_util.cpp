#include "record/tests/test_util.h"

#include <cctype>
#include <cstring>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

namespace strata::record::testing {

namespace {
constexpr std::string_view kHexDigits = "0123456789abcdef";
constexpr int kHexBase = 16;
constexpr int kNibbleBits = 4;
constexpr uint8_t kNibbleMask = 0x0f;
}  // namespace

bytes hex_bytes(std::initializer_list<uint8_t> v) {
  bytes b;
  for (uint8_t x : v) b.push_back(static_cast<std::byte>(x));
  return b;
}

bytes from_hex(std::string_view hex) {
  bytes out;
  std::string digits;
  for (char c : hex) {
    if (std::isxdigit(static_cast<unsigned char>(c))) digits.push_back(c);
  }
  for (size_t i = 0; i + 1 < digits.size(); i += 2) {
    out.push_back(static_cast<std::byte>(std::stoi(digits.substr(i, 2), nullptr, kHexBase)));
  }
  return out;
}

std::string to_hex(bytes_view b) {
  std::string out;
  for (std::byte x : b) {
    const auto v = static_cast<uint8_t>(x);
    out.push_back(kHexDigits[v >> kNibbleBits]);
    out.push_back(kHexDigits[v & kNibbleMask]);
  }
  return out;
}

bytes random_bytes(std::mt19937_64& rng, size_t size, double compressibility) {
  constexpr std::string_view kAlphabet = "strata-kafka ";
  std::uniform_real_distribution<double> coin(0.0, 1.0);
  std::uniform_int_distribution<int> any_byte(0, 255);
  std::uniform_int_distribution<size_t> letter(0, kAlphabet.size() - 1);
  bytes out(size);
  for (auto& b : out) {
    b = coin(rng) < compressibility ? static_cast<std::byte>(kAlphabet[letter(rng)])
                                    : static_cast<std::byte>(any_byte(rng));
  }
  return out;
}

std::vector<RecordHeaderView> header_views(const TestRecord& r) {
  std::vector<RecordHeaderView> views;
  for (const auto& h : r.headers) {
    views.push_back({h.key, h.value ? std::optional<bytes_view>(*h.value) : std::nullopt});
  }
  return views;
}

bytes build_batch(const std::vector<TestRecord>& records, const BatchBuilderOptions& options) {
  RecordBatchBuilder builder(options);
  for (const auto& r : records) {
    auto headers = header_views(r);
    auto ok = builder.append(r.timestamp, r.key ? std::optional<bytes_view>(*r.key) : std::nullopt,
                             r.value ? std::optional<bytes_view>(*r.value) : std::nullopt, headers);
    EXPECT_TRUE(ok) << ok.error().to_string();
  }
  auto batch = builder.build();
  EXPECT_TRUE(batch) << batch.error().to_string();
  return batch ? std::move(batch).value() : bytes{};
}

void expect_same_record(const TestRecord& expected, const Record& actual) {
  EXPECT_EQ(expected.timestamp, actual.timestamp);
  ASSERT_EQ(expected.key.has_value(), actual.key.has_value());
  if (expected.key) {
    EXPECT_TRUE(equal_bytes(*expected.key, *actual.key));
  }
  ASSERT_EQ(expected.value.has_value(), actual.value.has_value());
  if (expected.value) {
    EXPECT_TRUE(equal_bytes(*expected.value, *actual.value));
  }
  auto headers = actual.headers.to_vector();
  ASSERT_EQ(expected.headers.size(), headers.size());
  for (size_t i = 0; i < headers.size(); ++i) {
    EXPECT_EQ(expected.headers[i].key, headers[i].key);
    ASSERT_EQ(expected.headers[i].value.has_value(), headers[i].value.has_value());
    if (expected.headers[i].value) {
      EXPECT_TRUE(equal_bytes(*expected.headers[i].value, *headers[i].value));
    }
  }
}

std::vector<TestRecord> random_records(std::mt19937_64& rng, size_t count, bool with_headers, bool with_nulls,
                                       int64_t base_timestamp) {
  constexpr size_t kMaxKey = 40;
  constexpr size_t kMaxValue = 400;
  constexpr size_t kMaxHeaders = 4;
  constexpr int64_t kTimestampSpreadMs = 5000;
  std::uniform_int_distribution<size_t> key_size(0, kMaxKey);
  std::uniform_int_distribution<size_t> value_size(0, kMaxValue);
  std::uniform_int_distribution<size_t> header_count(0, kMaxHeaders);
  std::uniform_int_distribution<int64_t> ts_jitter(-kTimestampSpreadMs, kTimestampSpreadMs);
  std::bernoulli_distribution null_coin(0.2);
  std::vector<TestRecord> out;
  for (size_t i = 0; i < count; ++i) {
    TestRecord r;
    // Timestamps move around the base, sometimes backwards: deltas can be negative.
    r.timestamp = std::max<int64_t>(0, base_timestamp + ts_jitter(rng));
    if (!(with_nulls && null_coin(rng))) r.key = random_bytes(rng, key_size(rng));
    if (!(with_nulls && null_coin(rng))) r.value = random_bytes(rng, value_size(rng));
    if (with_headers) {
      const size_t n = header_count(rng);
      for (size_t h = 0; h < n; ++h) {
        TestHeader header;
        header.key = "h" + std::to_string(h);
        if (!(with_nulls && null_coin(rng))) header.value = random_bytes(rng, key_size(rng));
        r.headers.push_back(std::move(header));
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

bytes read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  bytes out(chars.size());
  if (!chars.empty()) std::memcpy(out.data(), chars.data(), chars.size());
  return out;
}

}  // namespace strata::record::testing
