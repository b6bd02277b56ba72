// Azure Storage's SharedKey authorization (the "Authorize with Shared Key" page of the Blob REST
// API): every request carries x-ms-date and x-ms-version, and
//   Authorization: SharedKey <account>:base64(HMAC-SHA256(base64-decoded key, StringToSign))
// where StringToSign is
//   VERB \n Content-Encoding \n Content-Language \n Content-Length (empty when 0) \n Content-MD5 \n
//   Content-Type \n Date \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n
//   Range \n CanonicalizedHeaders CanonicalizedResource
// CanonicalizedHeaders: every x-ms-* header as "name:value\n", names in lower case and sorted;
// CanonicalizedResource: "/" + account + the URL's (encoded) path, then "\nname:value" for each
// query parameter, names in lower case and sorted, values decoded.
//
// The request is signed when it is sent (each retry again), so x-ms-date is always fresh: the
// service refuses a request dated more than 15 minutes away from its clock.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "objstore/s3_http.h"
#include "objstore/s3_url.h"

namespace strata::objstore {

// The REST API version every request asks for (x-ms-version).
inline constexpr std::string_view kAzureApiVersion = "2021-08-06";

// A Blob service request before signing.
struct AzureRequest {
  std::string method = "GET";
  // The URL path after the endpoint's, already encoded: "/container/blob%20name".
  std::string path;
  QueryParams query;  // decoded values; encoded into the URL here
  // Header names as sent; x-ms-* names in lower case. Not x-ms-date, x-ms-version or
  // Authorization, which sign() adds.
  std::vector<std::pair<std::string, std::string>> headers;
  bytes_view body;
  std::span<std::byte> body_out;  // as HttpRequest::body_out
};

// RFC 1123 ("Tue, 01 Dec 2026 22:00:00 GMT") of a Unix time, independent of the locale.
std::string rfc1123_date(int64_t unix_seconds);
// Strict base64 (with padding); nullopt if `text` is not base64.
std::optional<bytes> base64_decode(std::string_view text);
std::string hmac_sha256_base64(bytes_view key, std::string_view message);

class SharedKeySigner {
 public:
  // `endpoint` is scheme://host[:port][/path] (azure_options.h); `key` the base64 account key,
  // already checked.
  SharedKeySigner(std::string account, std::string_view key, std::string endpoint);

  // The HTTP request for `request`, dated `unix_seconds`, with x-ms-date, x-ms-version and the
  // Authorization header.
  HttpRequest sign(const AzureRequest& request, int64_t unix_seconds) const;
  // The StringToSign of a request whose headers already include x-ms-date and x-ms-version.
  std::string string_to_sign(const AzureRequest& request) const;
  // The full URL of a request.
  std::string url(const AzureRequest& request) const;

 private:
  std::string account_;
  bytes key_;  // decoded; never logged
  std::string endpoint_;
  std::string endpoint_path_;  // the endpoint's path ("/devstoreaccount1" on Azurite), or empty
};

}  // namespace strata::objstore
