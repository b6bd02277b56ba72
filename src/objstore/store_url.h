// The part of an object store URL after its scheme, common to every backend:
//   s3://bucket/prefix?endpoint=...&region=...   azure://container/prefix?account=...
// Bucket (or container) and prefix are percent-decoded with '+' kept literal (RFC 3986 paths);
// query values are percent-decoded with '+' as a space (form encoding). Which parameters a
// backend accepts is its own business.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace strata::objstore {

struct StoreLocation {
  std::string bucket;                                       // the bucket or container
  std::string prefix;                                       // may be empty
  std::vector<std::pair<std::string, std::string>> params;  // in URL order
};

// invalid_argument for a malformed percent-escape.
result<StoreLocation> parse_store_location(std::string_view after_scheme);

}  // namespace strata::objstore
