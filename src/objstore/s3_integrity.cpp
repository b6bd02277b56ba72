#include "objstore/s3_integrity.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "base/crc32c.h"

namespace strata::objstore {

namespace {

constexpr uint64_t kMiB = 1024 * 1024;
constexpr size_t kMd5HexSize = 32;
// Part sizes tried for a multipart object written by another tool: at most this many.
constexpr size_t kMaxPartSizeCandidates = 4;

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

// "<32 hex>-<N>": the part count, or 0 if the ETag is not a multipart ETag.
uint64_t multipart_count(std::string_view etag) {
  if (etag.size() < kMd5HexSize + 2 || etag[kMd5HexSize] != '-' || !is_hex(etag.substr(0, kMd5HexSize))) return 0;
  uint64_t n = 0;
  const std::string_view digits = etag.substr(kMd5HexSize + 1);
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size()) return 0;
  return n;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

}  // namespace

std::string crc32c_hex(uint32_t crc) { return fmt::format("{:08x}", crc); }

std::optional<uint32_t> parse_crc32c_hex(std::string_view text) {
  uint32_t v = 0;
  if (text.size() != 8) return std::nullopt;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v, 16);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

std::optional<uint32_t> parse_goog_crc32c(std::string_view header) {
  while (!header.empty()) {
    const size_t comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    header = comma == std::string_view::npos ? std::string_view() : header.substr(comma + 1);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    if (!item.starts_with("crc32c=")) continue;
    item.remove_prefix(7);
    // 4 bytes: 6 base64 digits and "==".
    if (item.size() != 8) return std::nullopt;
    uint64_t bits = 0;
    for (size_t i = 0; i < 6; ++i) {
      const int v = base64_value(item[i]);
      if (v < 0) return std::nullopt;
      bits = (bits << 6) | static_cast<uint64_t>(v);
    }
    return static_cast<uint32_t>(bits >> 4);  // 36 bits decoded, the last 4 are padding
  }
  return std::nullopt;
}

std::string multipart_etag(const std::vector<Md5Digest>& part_md5s) {
  Md5 all;
  for (const Md5Digest& d : part_md5s) all.update(d);
  const Md5Digest digest = all.finish();
  return fmt::format("{}-{}", to_hex(digest), part_md5s.size());
}

ObjectVerifier::ObjectVerifier(const ObjectChecksums& c) {
  if (c.strata_crc32c || c.goog_crc32c) {
    method_ = Method::crc32c;
    expected_crc_ = c.strata_crc32c ? *c.strata_crc32c : *c.goog_crc32c;
    return;
  }
  if (c.encrypted_etag) return;
  const uint64_t parts = multipart_count(c.etag);
  if (parts == 0) {
    if (c.etag.size() == kMd5HexSize && is_hex(c.etag)) {
      method_ = Method::md5;
      expected_etag_ = c.etag;
    }
    return;
  }
  std::vector<uint64_t> sizes;
  if (c.part_size) {
    sizes.push_back(*c.part_size);
  } else {
    // Every part but the last has the same size P, so (parts - 1) * P < size <= parts * P.
    const uint64_t low = (c.size + parts - 1) / parts;
    const uint64_t high = parts == 1 ? c.size : (c.size - 1) / (parts - 1);
    for (uint64_t p = std::max<uint64_t>(1, (low + kMiB - 1) / kMiB) * kMiB; p <= high; p += kMiB) {
      if (sizes.size() == kMaxPartSizeCandidates) return;  // too many to try: cannot verify
      sizes.push_back(p);
    }
    if (parts == 1) sizes = {std::max<uint64_t>(c.size, 1)};
  }
  if (sizes.empty()) return;
  method_ = Method::multipart_md5;
  expected_etag_ = c.etag;
  for (uint64_t s : sizes) candidates_.push_back(Candidate{s, Md5(), 0, {}});
}

void ObjectVerifier::update(bytes_view chunk) {
  switch (method_) {
    case Method::crc32c: crc_ = crc32c::extend(crc_, chunk); break;
    case Method::md5: whole_.update(chunk); break;
    case Method::multipart_md5:
      for (Candidate& c : candidates_) {
        bytes_view rest = chunk;
        while (!rest.empty()) {
          const size_t n = static_cast<size_t>(std::min<uint64_t>(rest.size(), c.part_size - c.in_part));
          c.part.update(rest.first(n));
          c.in_part += n;
          rest = rest.subspan(n);
          if (c.in_part == c.part_size) {
            c.digests.push_back(c.part.finish());
            c.in_part = 0;
          }
        }
      }
      break;
    case Method::none: break;
  }
}

result<void> ObjectVerifier::finish(std::string_view what, bool allow_unverified) {
  switch (method_) {
    case Method::crc32c:
      if (crc_ == expected_crc_) return success();
      return Error(ObjstoreErrc::corrupt, fmt::format("{}: the data does not match its CRC32C (stored {:08x}, "
                                                      "computed {:08x}); the bytes read are not good",
                                                      what, expected_crc_, crc_));
    case Method::md5: {
      const std::string got = to_hex(whole_.finish());
      if (got == expected_etag_) return success();
      return Error(
          ObjstoreErrc::corrupt,
          fmt::format("{}: the data does not match its MD5 ETag (stored {}, computed {})", what, expected_etag_, got));
    }
    case Method::multipart_md5:
      for (Candidate& c : candidates_) {
        if (c.in_part > 0 || c.digests.empty()) c.digests.push_back(c.part.finish());
        if (multipart_etag(c.digests) == expected_etag_) return success();
      }
      return Error(ObjstoreErrc::corrupt,
                   fmt::format("{}: the data does not match its multipart ETag {}", what, expected_etag_));
    case Method::none: break;
  }
  if (allow_unverified) return success();
  return Error(ObjstoreErrc::corrupt,
               fmt::format("{}: the object carries no checksum this client can check (no strata-crc32c metadata, "
                           "no MD5 ETag); set allow_unverified_reads to read it anyway",
                           what));
}

}  // namespace strata::objstore
