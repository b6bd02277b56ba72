// Helpers for objstore tests: running coroutines to completion, temporary directories, and
// deterministic content that can be checked piece by piece without keeping a copy.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>

#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <cstring>
#include <exception>
#include <filesystem>
#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/errc.h"
#include "objstore/run_blocking.h"

namespace strata::objstore::testing {

// Runs `aw` on `io` (on this thread) until it completes and returns its value; rethrows what it
// throws.
template <class T>
T run(asio::io_context& io, asio::awaitable<T> aw) {
  return run_blocking(io, std::move(aw));
}

// A fresh directory under the system's temporary directory, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "strata-objstore-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Byte `offset` of the pseudo-random stream `seed`, filled 8 bytes at a time (splitmix64 of the
// word index), so that any piece of a large object can be produced or checked on its own.
inline void fill_pattern(uint64_t seed, uint64_t offset, std::span<std::byte> out) {
  constexpr uint64_t kWord = sizeof(uint64_t);
  for (size_t i = 0; i < out.size();) {
    const uint64_t pos = offset + i;
    uint64_t z = seed + (pos / kWord + 1) * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    std::byte word[kWord];
    std::memcpy(word, &z, kWord);
    const size_t skip = pos % kWord;
    const size_t n = std::min<size_t>(kWord - skip, out.size() - i);
    std::memcpy(out.data() + i, word + skip, n);
    i += n;
  }
}

inline bytes pattern(uint64_t seed, uint64_t offset, size_t size) {
  bytes out(size);
  fill_pattern(seed, offset, out);
  return out;
}

}  // namespace strata::objstore::testing

// Asserts that a result failed with the given ObjstoreErrc, printing the error otherwise.
#define EXPECT_OBJSTORE_ERROR(res, errc)                                                                          \
  do {                                                                                                            \
    const auto& objstore_res_ = (res);                                                                            \
    if (objstore_res_) {                                                                                          \
      ADD_FAILURE() << "expected " << ::strata::objstore::to_string(errc) << ", got success";                     \
    } else {                                                                                                      \
      EXPECT_TRUE(objstore_res_.error().is(errc))                                                                 \
          << "expected " << ::strata::objstore::to_string(errc) << ", got " << objstore_res_.error().to_string(); \
    }                                                                                                             \
  } while (0)

#define ASSERT_OK(res)                                             \
  do {                                                             \
    const auto& objstore_ok_ = (res);                              \
    ASSERT_TRUE(objstore_ok_) << objstore_ok_.error().to_string(); \
  } while (0)

#define EXPECT_OK(res)                                             \
  do {                                                             \
    const auto& objstore_ok_ = (res);                              \
    EXPECT_TRUE(objstore_ok_) << objstore_ok_.error().to_string(); \
  } while (0)
