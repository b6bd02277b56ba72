// The typed errors of the object-store layer (issue 6). Every backend maps its failures onto these
// kinds so that callers (tiered storage, backups, the `strata objstore` tool) decide what to do from
// the kind alone, whatever the backend: retry, report a configuration problem, or give up.
#pragma once

#include <string_view>

#include "base/error.h"

namespace strata::objstore {

enum class ObjstoreErrc {
  // The key does not exist (S3 NoSuchKey, HTTP 404).
  not_found = 1,
  // Bad or missing credentials, a rejected signature, or no permission (HTTP 401/403): fix the
  // configuration; retrying does not help.
  access_denied,
  // The store asked us to slow down (S3 SlowDown, HTTP 429/503): retry later, with backoff.
  throttled,
  // A conditional write lost: the key already exists (create-only put) or changed meanwhile
  // (HTTP 409/412). Never retried: the caller decides who won.
  precondition_failed,
  // The request may succeed if repeated: HTTP 5xx, timeout, connection reset, store unreachable,
  // local disk full.
  transient,
  // The request will not succeed if repeated as is: an unexpected response, a local I/O error, an
  // unsupported feature, a store in an unknown format.
  permanent,
  // The caller cancelled the operation. Nothing was published by it.
  cancelled,
  // The request itself is malformed: a bad key, metadata, range, option or continuation token.
  invalid_argument,
  // A byte range starts at or past the end of the object (HTTP 416).
  invalid_range,
  // The stored bytes fail their checksum. Never retried, and the bad bytes are never returned as
  // data.
  corrupt,
};

constexpr std::string_view error_category(ObjstoreErrc) { return "objstore"; }

// The name of a kind, for messages and test output: "not_found", "throttled", ...
std::string_view to_string(ObjstoreErrc code);

// True for the kinds a retry may cure: transient and throttled (and nothing else, whatever its
// category).
bool is_retryable(const Error& error);

}  // namespace strata::objstore
