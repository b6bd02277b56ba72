// The object-store self-test an operator runs before enabling tiering or backups
// (`strata objstore check URL`; Redpanda's cloud storage self-test is the model): every operation
// Strata relies on, run against scratch objects under a unique prefix, each timed, and a failure
// explained in plain words (diagnose()).
//
// Steps, in order (a failed step skips the rest; the scratch objects are deleted in every case):
//   put          `small_count` objects of `small_size` bytes, one PUT each
//   get          each of them read back whole and compared
//   ranged get   a range from inside each of them
//   list         the scratch prefix, in pages of half the objects, every key found once
//   multipart    one streamed upload of `large_size` bytes, sent in `chunk_size` writes
//   streamed get the large object read back in chunks and checked (CRC32C), never held whole
//   conditional  create-only put of a new key succeeds, a second one fails with
//   create       precondition_failed and leaves the first in place
//   delete       every scratch object in one batch; a HEAD then finds none
// Every loop is bounded by a count; every request by the backend's timeouts and retry policy.
#pragma once

#include <asio/awaitable.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"
#include "objstore/object_store.h"

namespace strata::objstore {

struct SelfTestOptions {
  static constexpr size_t kKiB = 1024;
  static constexpr size_t kMiB = 1024 * kKiB;

  // Scratch objects go under this prefix (ends with '/'); empty: "strata-self-test/<unique>/".
  std::string prefix;
  size_t small_size = 4 * kKiB;  // at least 2 bytes (the ranged get reads from inside)
  uint32_t small_count = 10;     // at least 1
  // Above every backend's default part or block size (8 MiB), so that the upload is multipart.
  size_t large_size = 20 * kMiB;
  size_t chunk_size = 1 * kMiB;
  // The bucket or container, for diagnoses ("bucket strata-test does not exist").
  std::string bucket;
};

// One step of the self-test.
struct SelfTestStep {
  std::string name;  // "put", "get", ... (the list above)
  enum class Outcome { passed, failed, skipped } outcome = Outcome::skipped;
  uint32_t operations = 0;  // operations timed
  uint64_t bytes = 0;       // payload bytes moved by them
  std::chrono::nanoseconds total{0};
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds max{0};
  std::optional<Error> error;  // when failed
  std::string diagnosis;       // when failed: diagnose(*error, bucket)

  // Payload bytes per second over the step's timed operations; 0 when nothing was timed.
  double bytes_per_second() const;
};

struct SelfTestReport {
  std::string prefix;
  std::vector<SelfTestStep> steps;
  // Deleting the scratch objects at the end failed (keys may be left under `prefix`).
  std::optional<Error> cleanup_error;

  bool passed() const;
  // The first failed step, if any.
  const SelfTestStep* first_failure() const;
};

// Runs the self-test against `store`; never throws, and returns the report whatever happened.
asio::awaitable<SelfTestReport> run_self_test(ObjectStore& store, SelfTestOptions options);

// What an error from a store most likely means, in plain words, with what to check: the bucket
// missing, access denied (wrong secret, unknown key id, no permission), clock skew, the endpoint
// unreachable, TLS, throttling, corruption. `bucket` names the bucket or container in the text.
// Falls back to the error's own message.
std::string diagnose(const Error& error, std::string_view bucket);

}  // namespace strata::objstore
