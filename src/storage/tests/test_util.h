// Helpers for the storage tests: a scratch directory per test and whole-file byte access.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <string>

#include "base/bytes.h"

namespace strata::storage::testing {

// A fresh directory under $TMPDIR, removed with everything in it when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

bytes read_bytes(const std::filesystem::path& path);
std::string read_text(const std::filesystem::path& path);
void write_bytes(const std::filesystem::path& path, bytes_view data);
void write_text(const std::filesystem::path& path, std::string_view text);

// Bytes from a list of integers: hex_bytes({0x00, 0x2a}).
bytes make_bytes(std::initializer_list<int> values);

}  // namespace strata::storage::testing
