// The object-store conformance suite: one set of cases that every backend must pass, so that the
// filesystem, S3, Azure and GCS backends (and the fault-injecting wrapper with faults off) behave
// the same way (issue 6). Cases check results — bytes, ranges, order, pages, metadata — not just
// status codes.
//
// A backend's test file instantiates it with a factory that returns a fresh, empty store per case:
//
//   INSTANTIATE_TEST_SUITE_P(Fs, ObjectStoreConformance,
//                            ::testing::Values(ConformanceBackend{"fs", make_fs_store}),
//                            conformance_name);
#pragma once

#include <gtest/gtest.h>

#include <asio/io_context.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "objstore/tests/test_support.h"

namespace strata::objstore::testing {

// Owns a store and whatever it needs (a temporary directory, an inner store, a server).
class StoreUnderTest {
 public:
  virtual ~StoreUnderTest() = default;
  virtual ObjectStore& store() = 0;
};

struct ConformanceBackend {
  static constexpr uint64_t kDefaultLargeObjectSize = 64ULL * 1024 * 1024;
  // More than one full page of kMaxListKeys.
  static constexpr size_t kDefaultPaginationKeys = kMaxListKeys + 100;

  std::string name;
  // A fresh, empty store for each case.
  std::function<std::unique_ptr<StoreUnderTest>()> make;
  // The size of the streamed large-object case (issue 6: 64 MiB multipart).
  uint64_t large_object_size = kDefaultLargeObjectSize;
  // Keys written by the pagination case.
  size_t pagination_keys = kDefaultPaginationKeys;
};

// ListOptions for a first page (designated initializers would still warn under GCC 12's
// -Wmissing-field-initializers).
inline ListOptions listing(std::string prefix, std::string delimiter = "", uint32_t max_keys = kMaxListKeys) {
  ListOptions options;
  options.prefix = std::move(prefix);
  options.delimiter = std::move(delimiter);
  options.max_keys = max_keys;
  return options;
}

inline void PrintTo(const ConformanceBackend& backend, std::ostream* os) { *os << backend.name; }

// For INSTANTIATE_TEST_SUITE_P: names the instantiation after the backend.
inline std::string conformance_name(const ::testing::TestParamInfo<ConformanceBackend>& info) {
  return info.param.name;
}

class ObjectStoreConformance : public ::testing::TestWithParam<ConformanceBackend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  ObjectStore& store() { return sut_->store(); }
  asio::io_context& io() { return io_; }

  template <class T>
  T run(asio::awaitable<T> aw) {
    return testing::run(io_, std::move(aw));
  }

  // Shorthands that run one operation to completion.
  result<ObjectInfo> put(const std::string& key, std::string_view content, PutOptions options = {});
  result<std::string> get(const std::string& key, std::optional<ByteRange> range = {});
  // Every page of a listing, following continuations; fails the test on an error.
  ListPage list_all(ListOptions options, size_t* pages = nullptr);
  std::vector<std::string> keys_of(const ListPage& page);

  asio::io_context io_;  // declared first: outlives the store, whose pool posts completions to it
  std::unique_ptr<StoreUnderTest> sut_;
};

}  // namespace strata::objstore::testing
