// The checksum convention of S3 objects (docs/formats/objstore-s3.md) and the verifier a
// whole-object get runs over the bytes it streams. Every object Strata writes can be checked:
//   - one-request PUT: x-amz-meta-strata-crc32c = CRC32C of the data, 8 lower-case hex digits;
//   - multipart upload: x-amz-meta-strata-part-size = the part size (decimal), every part's
//     ETag checked against the MD5 of the bytes sent, and the object's ETag, which the server computes as
//     hex(MD5(MD5(part 1) || ... || MD5(part N))) + "-N", is recomputed by the reader from the
//     bytes (the metadata is fixed at CreateMultipartUpload, before the data is known, so a
//     whole-object CRC cannot be stored there; the ETag is the digest the server binds to the
//     object atomically at completion);
//   - on GCS, x-goog-hash: crc32c=... (the server's own CRC32C of every object) is checked first.
// Objects written by other tools are checked by their MD5 ETag (one-request PUTs), or, for
// multipart ETags, by trying the part sizes in whole MiB that give the ETag's part count.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/object_store.h"
#include "objstore/s3_digest.h"

namespace strata::objstore {

// Names of Strata's own metadata entries, after the x-amz-meta- / x-goog-meta- prefix.
inline constexpr std::string_view kCrcMetadataName = "strata-crc32c";
inline constexpr std::string_view kPartSizeMetadataName = "strata-part-size";

std::string crc32c_hex(uint32_t crc);
std::optional<uint32_t> parse_crc32c_hex(std::string_view text);
// The base64 big-endian CRC32C of an x-goog-hash header ("crc32c=n03x6A==,md5=...").
std::optional<uint32_t> parse_goog_crc32c(std::string_view x_goog_hash);

// The ETag S3 gives a multipart object of these parts (without quotes).
std::string multipart_etag(const std::vector<Md5Digest>& part_md5s);

// What the headers of an object say about how to check it.
struct ObjectChecksums {
  std::optional<uint32_t> strata_crc32c;
  std::optional<uint64_t> part_size;  // strata-part-size
  std::optional<uint32_t> goog_crc32c;
  std::string etag;             // without quotes
  bool encrypted_etag = false;  // SSE-KMS / SSE-C: the ETag is not an MD5 of the data
  uint64_t size = 0;
};

// Checks a whole object's bytes, fed in order, against its checksums.
class ObjectVerifier {
 public:
  explicit ObjectVerifier(const ObjectChecksums& checksums);

  // False when the object carries nothing to check against.
  bool can_verify() const { return method_ != Method::none; }
  void update(bytes_view chunk);
  // ObjstoreErrc::corrupt on a mismatch (or when nothing can be checked and that is not allowed).
  result<void> finish(std::string_view what, bool allow_unverified);

 private:
  enum class Method { crc32c, md5, multipart_md5, none };
  struct Candidate {
    uint64_t part_size;
    Md5 part;
    uint64_t in_part = 0;
    std::vector<Md5Digest> digests;
  };

  Method method_ = Method::none;
  uint32_t expected_crc_ = 0;
  uint32_t crc_ = 0;
  std::string expected_etag_;
  Md5 whole_;
  std::vector<Candidate> candidates_;  // multipart: part sizes to try
};

}  // namespace strata::objstore
