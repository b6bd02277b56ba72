// A streamed write to Azure (object_store.h's Upload), as a block blob. Bytes are buffered up to
// one block (AzureOptions::block_size). An upload that never fills a block is published by one
// Put Blob at complete(); otherwise the full blocks go out with Put Block (Content-MD5, which
// the service checks) and complete() sends the last one and Put Block List with the metadata,
// the whole CRC32C and the create-only condition. Blocks that are never committed are invisible
// (a blob with only uncommitted blocks does not exist for Get, Get Properties or List) and the
// service discards them after a week, so abort() and an abandoned upload send nothing.
//
// Blocks go out AzureOptions::upload_parallelism at a time, over parallel connections (curl's
// multi interface); one that fails as retryable is sent again alone, with retries. An open upload
// holds up to that many blocks (plus the one being filled) in memory. Their MD5s are computed on
// the store's pool, never on the caller's event loop.
//
// Block ids are base64 of "<16 hex digits of a random upload id><8 decimal digits of the index>":
// all of one length, as the service requires, and distinct between uploads racing to the same
// name, which share the blob's uncommitted block list.
#pragma once

#include <string>
#include <vector>

#include "base/bytes.h"
#include "objstore/object_store.h"

namespace strata::objstore {

class AzureObjectStore;

class AzureUpload final : public Upload {
 public:
  AzureUpload(AzureObjectStore& store, std::string key, PutOptions options);

  // Blocks sent so far (for tests).
  size_t blocks_sent() const { return block_ids_.size(); }

 protected:
  asio::awaitable<result<void>> do_write(bytes_view data) override;
  asio::awaitable<result<ObjectInfo>> do_complete() override;
  asio::awaitable<result<void>> do_abort() override;

 private:
  // Sends the blocks in pending_ at once and empties it.
  asio::awaitable<result<void>> send_pending();

  AzureObjectStore& store_;
  PutOptions options_;
  std::string upload_id_;       // 16 hex digits
  bytes block_;                 // being filled; fewer than block_size bytes between calls
  std::vector<bytes> pending_;  // full blocks (and the last one, at complete) not yet sent
  std::vector<std::string> block_ids_;
  uint32_t crc_ = 0;  // CRC32C of everything written
  uint64_t size_ = 0;
};

}  // namespace strata::objstore
