// A streamed write to S3 (object_store.h's Upload). Bytes are buffered in parts
// (S3Options::part_size). An upload that never fills a part is published by one PUT at
// complete(); otherwise the first batch of full parts starts a multipart upload
// (CreateMultipartUpload with the metadata and strata-part-size, s3_integrity.h), with upload_md5
// every part's MD5 is computed while it is sent and checked against the part's ETag, and
// complete() sends the rest and CompleteMultipartUpload (whose ETag is checked against the parts'). A failure, abort()
// or an upload destroyed while open sends AbortMultipartUpload (from the destructor: in the background, on the store's
// pool), so no part is left behind and nothing becomes visible.
//
// Parts go out S3Options::upload_parallelism at a time, over parallel connections, so an open
// upload holds up to that many parts (plus the one being filled) in memory.
#pragma once

#include <string>
#include <vector>

#include "objstore/object_store.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_xml.h"

namespace strata::objstore {

class S3ObjectStore;

class S3Upload final : public Upload {
 public:
  S3Upload(S3ObjectStore& store, std::string key, PutOptions options);
  ~S3Upload() override;

  // The multipart upload id, empty until the first part is sent (for tests).
  const std::string& upload_id() const { return upload_id_; }

 protected:
  asio::awaitable<result<void>> do_write(bytes_view data) override;
  asio::awaitable<result<ObjectInfo>> do_complete() override;
  asio::awaitable<result<void>> do_abort() override;

 private:
  asio::awaitable<result<void>> create();
  // Sends the full parts in pending_, at once, and empties it.
  asio::awaitable<result<void>> send_pending();
  asio::awaitable<result<ObjectInfo>> complete_multipart();

  S3ObjectStore& store_;
  PutOptions options_;
  bytes part_;                  // being filled; fewer than part_size bytes between calls
  std::vector<bytes> pending_;  // full parts not yet sent; fewer than upload_parallelism between calls
  std::string upload_id_;
  std::vector<S3Part> parts_;
  std::vector<Md5Digest> part_md5s_;  // computed while sent (upload_md5), else from the parts' ETags
  bool part_md5s_known_ = true;
  uint32_t crc_ = 0;  // CRC32C of the parts sent (ObjectInfo::crc32c of the result)
  uint64_t size_ = 0;
};

}  // namespace strata::objstore
