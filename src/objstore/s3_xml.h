// The XML documents of the S3 REST API that the backend sends and reads (pugixml): error
// bodies, InitiateMultipartUpload / CompleteMultipartUpload, ListObjectsV2 and DeleteObjects.
// Parsers fail with permanent on a document that is not what S3 sends; they never throw.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace strata::objstore {

struct S3ErrorBody {
  std::string code;     // "NoSuchKey"
  std::string message;  // often empty (Ceph RGW)
  std::string request_id;
};

// The <Error> document of a failed request; nullopt if `text` is not one.
std::optional<S3ErrorBody> parse_error_body(std::string_view text);

result<std::string> parse_upload_id(std::string_view text);

// CompleteMultipartUpload answers 200 and then reports a failure in the body: the ETag on
// success (possibly empty, as Ceph RGW 16 sends it), or the <Error>.
struct CompleteResult {
  std::string etag;
  std::optional<S3ErrorBody> error;
};
result<CompleteResult> parse_complete(std::string_view text);

struct S3ListedObject {
  std::string key;  // decoded, with the store's prefix
  uint64_t size = 0;
  std::string etag;
  int64_t last_modified_ms = 0;
};

struct S3ListResult {
  std::vector<S3ListedObject> objects;
  std::vector<std::string> common_prefixes;
  bool truncated = false;
  std::string next_token;
};
// A ListObjectsV2 page requested with encoding-type=url.
result<S3ListResult> parse_list(std::string_view text);

struct S3DeleteError {
  std::string key;
  std::string code;
  std::string message;
};
// The <Error> entries of a DeleteObjectsResult (quiet mode lists only failures).
result<std::vector<S3DeleteError>> parse_delete_result(std::string_view text);

struct S3Part {
  uint32_t number = 0;
  std::string etag;  // as the server returned it, quotes included
};
std::string complete_body(const std::vector<S3Part>& parts);
// A quiet <Delete> of the given full keys.
std::string delete_body(const std::vector<std::string>& keys);

// "2026-12-01T21:20:02.123Z" -> ms since the epoch; 0 if malformed.
int64_t parse_iso8601_ms(std::string_view text);

}  // namespace strata::objstore
