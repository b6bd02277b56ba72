// Blob headers of the Blob service REST API: user metadata as x-ms-meta-*, Strata's checksum
// metadata (docs/formats/objstore-azure.md), and what a Get Blob or Get Blob Properties answer
// says about a blob; plus the verifier a whole-object get runs over the bytes it streams.
//
// Metadata names are C# identifiers on Azure, so Strata's keys ([a-z][a-z0-9_]*) are sent as they
// are and its own entries use '_' ("strata_crc32c"), never '-'. Names starting with "strata_" are
// Strata's own and never reach the caller.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/object_store.h"
#include "objstore/s3_digest.h"
#include "objstore/s3_http.h"

namespace strata::objstore {

inline constexpr std::string_view kAzureMetadataPrefix = "x-ms-meta-";
// CRC32C of the whole blob, 8 lower-case hex digits: on every blob Strata writes.
inline constexpr std::string_view kAzureCrcMetadataName = "strata_crc32c";
// A random id of one create-only write, to recognise our own blob after an ambiguous retry.
inline constexpr std::string_view kAzureWriteIdMetadataName = "strata_write_id";

using AzureHeaders = std::vector<std::pair<std::string, std::string>>;

// "x-ms-meta-base_offset: 42" for each entry.
void add_azure_metadata(const Metadata& metadata, AzureHeaders& headers);

struct AzureBlobHead {
  ObjectInfo info;  // key left to the caller
  std::optional<uint32_t> strata_crc32c;
  std::optional<std::string> write_id;
  std::string content_md5;  // base64 MD5 of the whole blob as the service stores it, if any
};

// From the headers of a 200/206 Get Blob or a 200 Get Blob Properties. The size comes from
// Content-Range when there is one (a ranged get), else from Content-Length.
result<AzureBlobHead> parse_blob_head(const HttpResponse& response);

// Checks a whole blob's bytes, fed in order: against strata_crc32c, else the stored Content-MD5.
class AzureVerifier {
 public:
  explicit AzureVerifier(const AzureBlobHead& head);

  void update(bytes_view chunk);
  // ObjstoreErrc::corrupt on a mismatch, or when there is nothing to check and that is not
  // allowed.
  result<void> finish(std::string_view what, bool allow_unverified);

 private:
  std::optional<uint32_t> expected_crc_;
  std::string expected_md5_;
  uint32_t crc_ = 0;
  Md5 md5_;
};

}  // namespace strata::objstore
