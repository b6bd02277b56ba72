#include "objstore/s3_headers.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

namespace strata::objstore {

namespace {

std::string strip_quotes(std::string_view s) {
  if (s.size() >= 2 && s.front() == '"' && s.back() == '"') s = s.substr(1, s.size() - 2);
  return std::string(s);
}

bool parse_u64(std::string_view s, uint64_t& out) {
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size() && !s.empty();
}

Error malformed(std::string_view what) {
  return Error(ObjstoreErrc::permanent, fmt::format("the server's response lacks a valid {}", what));
}

}  // namespace

std::string_view metadata_prefix(S3Dialect dialect) {
  return dialect == S3Dialect::gcs ? "x-goog-meta-" : "x-amz-meta-";
}

void add_metadata_headers(S3Dialect dialect, const Metadata& metadata, std::vector<std::string>& headers) {
  for (const auto& [key, value] : metadata) {
    std::string name = key;
    for (char& c : name) {
      if (c == '_') c = '-';
    }
    headers.push_back(fmt::format("{}{}: {}", metadata_prefix(dialect), name, value));
  }
}

result<S3ObjectHead> parse_object_head(S3Dialect dialect, const HttpResponse& response) {
  S3ObjectHead head;
  const std::string_view prefix = metadata_prefix(dialect);
  if (const auto range = response.header("content-range")) {
    // "bytes 0-99/1000"
    const size_t slash = range->rfind('/');
    if (slash == std::string_view::npos || !parse_u64(range->substr(slash + 1), head.info.size)) {
      return malformed("Content-Range");
    }
  } else if (const auto length = response.header("content-length")) {
    if (!parse_u64(*length, head.info.size)) return malformed("Content-Length");
  } else {
    return malformed("Content-Length");
  }
  if (const auto etag = response.header("etag")) head.info.etag = strip_quotes(*etag);
  if (const auto modified = response.header("last-modified")) {
    const std::string text(*modified);
    const time_t t = curl_getdate(text.c_str(), nullptr);
    if (t > 0) head.info.last_modified_ms = static_cast<int64_t>(t) * 1000;
  }
  for (const auto& [name, value] : response.headers) {
    if (!name.starts_with(prefix)) continue;
    const std::string_view meta = std::string_view(name).substr(prefix.size());
    if (meta == kCrcMetadataName) {
      head.checksums.strata_crc32c = parse_crc32c_hex(value);
      if (!head.checksums.strata_crc32c) return malformed("strata-crc32c metadata");
    } else if (meta == kPartSizeMetadataName) {
      uint64_t part_size = 0;
      if (!parse_u64(value, part_size) || part_size == 0) return malformed("strata-part-size metadata");
      head.checksums.part_size = part_size;
    } else if (!meta.starts_with("strata-")) {
      std::string key(meta);
      for (char& c : key) {
        if (c == '-') c = '_';
      }
      head.info.metadata[std::move(key)] = value;
    }
  }
  if (const auto hash = response.header("x-goog-hash")) head.checksums.goog_crc32c = parse_goog_crc32c(*hash);
  if (const auto sse = response.header("x-amz-server-side-encryption")) {
    head.checksums.encrypted_etag = *sse == "aws:kms" || *sse == "aws:kms:dsse";
  }
  if (response.header("x-amz-server-side-encryption-customer-algorithm")) head.checksums.encrypted_etag = true;
  head.checksums.etag = head.info.etag;
  head.checksums.size = head.info.size;
  head.info.crc32c = head.checksums.strata_crc32c ? head.checksums.strata_crc32c : head.checksums.goog_crc32c;
  return head;
}

result<void> check_stored_md5(S3Dialect dialect, const HttpResponse& response, std::string_view what) {
  if (!response.body_md5) {
    return Error(ObjstoreErrc::permanent, fmt::format("{}: the body's MD5 was not computed", what));
  }
  const std::optional<std::string_view> header = response.header("etag");
  if (!header) return Error(ObjstoreErrc::permanent, fmt::format("{}: the response has no ETag", what));
  const std::string etag = strip_quotes(*header);
  const std::optional<std::string_view> sse = response.header("x-amz-server-side-encryption");
  const bool encrypted = (sse && sse->starts_with("aws:kms")) ||
                         response.header("x-amz-server-side-encryption-customer-algorithm").has_value();
  const bool hex = etag.size() == 32 && std::all_of(etag.begin(), etag.end(), [](char c) {
                     return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                   });
  if (dialect != S3Dialect::s3 || encrypted || !hex) return success();
  const std::string sent = to_hex(*response.body_md5);
  if (etag == sent) return success();
  return Error(ObjstoreErrc::corrupt, fmt::format("{}: the server stored different bytes than were sent (its ETag {}, "
                                                  "the MD5 sent {})",
                                                  what, etag, sent));
}

std::optional<Md5Digest> etag_md5(std::string_view etag) {
  const std::string hex = strip_quotes(etag);
  constexpr size_t kHexSize = 2 * sizeof(Md5Digest);
  if (hex.size() != kHexSize) return std::nullopt;
  Md5Digest out;
  for (size_t i = 0; i < out.size(); ++i) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(hex.data() + 2 * i, hex.data() + 2 * i + 2, v, 16);
    if (ec != std::errc() || end != hex.data() + 2 * i + 2) return std::nullopt;
    out[i] = static_cast<std::byte>(v);
  }
  return to_hex(out) == hex ? std::optional<Md5Digest>(out) : std::nullopt;  // lower-case only
}

}  // namespace strata::objstore
