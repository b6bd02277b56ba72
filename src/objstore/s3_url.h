// URLs of the S3 REST API: path-style (endpoint/bucket/key) or virtual-hosted
// (bucket.endpoint/key), with keys and query values encoded the way SigV4's canonical request
// encodes them, so that the signature curl computes over the URL matches the server's.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "objstore/s3_options.h"

namespace strata::objstore {

// RFC 3986 percent-encoding of everything but the unreserved characters (A-Z a-z 0-9 - _ . ~),
// and '/' too when `keep_slash` (object paths).
std::string uri_encode(std::string_view s, bool keep_slash);
// The inverse, for keys a listing returns with encoding-type=url. Fails on a malformed escape.
bool uri_decode(std::string_view s, std::string& out);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class S3Url {
 public:
  explicit S3Url(const S3Options& options);

  // The URL of an object (`full_key` includes the store's prefix) or of the bucket, with an
  // optional query. A parameter with an empty value is written "name=" (SigV4 and curl agree on
  // that form only).
  std::string object(std::string_view full_key, const QueryParams& query = {}) const;
  std::string bucket(const QueryParams& query = {}) const;

 private:
  bool path_style_;
  std::string base_;  // up to and including the '/' before the key
};

}  // namespace strata::objstore
