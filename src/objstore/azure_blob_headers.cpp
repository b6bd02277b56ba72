#include "objstore/azure_blob_headers.h"

#include <fmt/format.h>

#include <charconv>

#include "base/crc32c.h"
#include "objstore/azure_xml.h"
#include "objstore/s3_integrity.h"

namespace strata::objstore {

namespace {

bool parse_u64(std::string_view s, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

Error malformed(std::string_view what) {
  return Error(ObjstoreErrc::permanent, fmt::format("the Blob service's answer lacks a valid {}", what));
}

std::string strip_quotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

}  // namespace

void add_azure_metadata(const Metadata& metadata, AzureHeaders& headers) {
  for (const auto& [key, value] : metadata) headers.emplace_back(std::string(kAzureMetadataPrefix) + key, value);
}

result<AzureBlobHead> parse_blob_head(const HttpResponse& response) {
  AzureBlobHead head;
  if (const auto range = response.header("content-range")) {
    // "bytes 0-99/1000"
    const size_t slash = range->rfind('/');
    if (slash == std::string_view::npos || !parse_u64(range->substr(slash + 1), head.info.size)) {
      return malformed("Content-Range");
    }
    if (const auto md5 = response.header("x-ms-blob-content-md5")) head.content_md5 = std::string(*md5);
  } else if (const auto length = response.header("content-length")) {
    if (!parse_u64(*length, head.info.size)) return malformed("Content-Length");
    if (const auto md5 = response.header("content-md5")) head.content_md5 = std::string(*md5);
  } else {
    return malformed("Content-Length");
  }
  if (const auto etag = response.header("etag")) head.info.etag = strip_quotes(*etag);
  if (const auto modified = response.header("last-modified")) head.info.last_modified_ms = parse_rfc1123_ms(*modified);
  for (const auto& [name, value] : response.headers) {
    if (!name.starts_with(kAzureMetadataPrefix)) continue;
    // Header names arrive in lower case (s3_http.h); Strata's keys are lower case too.
    const std::string_view meta = std::string_view(name).substr(kAzureMetadataPrefix.size());
    if (meta == kAzureCrcMetadataName) {
      head.strata_crc32c = parse_crc32c_hex(value);
      if (!head.strata_crc32c) return malformed("strata_crc32c metadata");
    } else if (meta == kAzureWriteIdMetadataName) {
      head.write_id = value;
    } else if (!meta.starts_with(kReservedMetadataPrefix)) {
      head.info.metadata[std::string(meta)] = value;
    }
  }
  head.info.crc32c = head.strata_crc32c;
  return head;
}

AzureVerifier::AzureVerifier(const AzureBlobHead& head)
    : expected_crc_(head.strata_crc32c), expected_md5_(head.strata_crc32c ? "" : head.content_md5) {}

void AzureVerifier::update(bytes_view chunk) {
  if (expected_crc_) {
    crc_ = crc32c::extend(crc_, chunk);
  } else if (!expected_md5_.empty()) {
    md5_.update(chunk);
  }
}

result<void> AzureVerifier::finish(std::string_view what, bool allow_unverified) {
  if (expected_crc_) {
    if (crc_ == *expected_crc_) return success();
    return Error(ObjstoreErrc::corrupt, fmt::format("{}: CRC32C {} of the bytes read differs from the stored {}", what,
                                                    crc32c_hex(crc_), crc32c_hex(*expected_crc_)));
  }
  if (!expected_md5_.empty()) {
    const std::string got = base64(md5_.finish());
    if (got == expected_md5_) return success();
    return Error(
        ObjstoreErrc::corrupt,
        fmt::format("{}: MD5 {} of the bytes read differs from the stored Content-MD5 {}", what, got, expected_md5_));
  }
  if (allow_unverified) return success();
  return Error(ObjstoreErrc::corrupt,
               fmt::format("{}: the blob carries no checksum to verify it against (neither strata_crc32c metadata nor "
                           "a Content-MD5); set allow_unverified_reads to read it anyway",
                           what));
}

}  // namespace strata::objstore
