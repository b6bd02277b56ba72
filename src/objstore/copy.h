// Streamed copies between a local file and an object (`strata objstore cp`): the bytes move in
// chunks of CopyOptions::chunk_size, never the whole object in memory. File I/O runs on a pool the
// caller gives (coro_support.h's offload), never on the caller's event loop.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/thread_pool.hpp>
#include <cstddef>
#include <filesystem>
#include <string>

#include "base/result.h"
#include "objstore/object_store.h"

namespace strata::objstore {

struct CopyOptions {
  static constexpr size_t kDefaultChunkSize = 1024 * 1024;

  size_t chunk_size = kDefaultChunkSize;  // bytes read from or written to the file at a time
  PutOptions put;                         // uploads: metadata, create-only
};

// Uploads the regular file `source` as `key` through a streamed upload (Upload): nothing is
// visible until the whole file is sent, and a failure aborts it. invalid_argument if the file is
// not a regular file; permanent for a read error.
asio::awaitable<result<ObjectInfo>> upload_file(ObjectStore& store, asio::thread_pool& files,
                                                std::filesystem::path source, std::string key, CopyOptions options);

// Downloads `key` into `target` (a file path; an existing file is replaced). The bytes go to a
// temporary file beside it, which is synced and renamed into place only once the get succeeded
// (so its checksum was verified); on failure it is deleted and `target` is left as it was.
asio::awaitable<result<GetResult>> download_file(ObjectStore& store, asio::thread_pool& files, std::string key,
                                                 std::filesystem::path target);

}  // namespace strata::objstore
