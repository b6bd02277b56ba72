// Digests the S3 protocol needs, from OpenSSL: SHA-256 of payloads (x-amz-content-sha256, which
// the server checks against the signed body, when payloads are signed), MD5 (Content-MD5 of
// create-only PUTs and DeleteObjects bodies, the MD5 of bodies compared with their ETag, and the
// multipart ETag a reader recomputes, s3_integrity.h), base64 and hex.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace strata::objstore {

using Md5Digest = std::array<std::byte, 16>;

std::string sha256_hex(bytes_view data);
// SHA-256 of no bytes: the payload hash of GET, HEAD and DELETE.
inline constexpr std::string_view kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// The payload hash of a body sent unsigned (SigV4 allows it; the headers stay signed).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";

Md5Digest md5(bytes_view data);

// MD5 over bytes fed piece by piece.
class Md5 {
 public:
  Md5();
  ~Md5();
  Md5(Md5&&) noexcept;
  Md5& operator=(Md5&&) noexcept;
  // A copy of the state: both go on from the bytes fed so far.
  Md5(const Md5& other);
  Md5& operator=(const Md5& other);

  void update(bytes_view data);
  // The digest of everything fed since construction or the last finish(); starts over.
  Md5Digest finish();

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

std::string to_hex(bytes_view data);
std::string base64(bytes_view data);

}  // namespace strata::objstore
