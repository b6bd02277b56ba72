// Object headers of the S3 REST API: user metadata as x-amz-meta-* (x-goog-meta-* on GCS), and
// what a GET or HEAD response says about an object.
//
// Metadata names: Strata's keys are [a-z][a-z0-9_]* (object_store.h), but servers and proxies
// mangle '_' in header names (Ceph RGW returns it as '-', nginx drops such headers), so '_' is
// sent as '-' and read back as '_'. The mapping is one-to-one because keys never contain '-'.
// Names starting with "strata-" are Strata's own (s3_integrity.h) and never reach the caller.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "objstore/object_store.h"
#include "objstore/s3_http.h"
#include "objstore/s3_integrity.h"
#include "objstore/s3_options.h"

namespace strata::objstore {

// "x-amz-meta-" or "x-goog-meta-".
std::string_view metadata_prefix(S3Dialect dialect);

// "x-amz-meta-base-offset: 42" for each entry.
void add_metadata_headers(S3Dialect dialect, const Metadata& metadata, std::vector<std::string>& headers);

struct S3ObjectHead {
  ObjectInfo info;  // key left to the caller
  ObjectChecksums checksums;
};

// From the headers of a 200/206 GET or a 200 HEAD. The size comes from Content-Range when there
// is one (a ranged GET), else from Content-Length.
result<S3ObjectHead> parse_object_head(S3Dialect dialect, const HttpResponse& response);

// After a PUT of an object or a part whose MD5 was computed while it was sent
// (HttpRequest::hash_body): corrupt if the ETag of the response, the MD5 of what the server stored,
// differs. Nothing is checked where the ETag is not an MD5: GCS, SSE-KMS and SSE-C, or an ETag that
// is not 32 hex digits.
result<void> check_stored_md5(S3Dialect dialect, const HttpResponse& response, std::string_view what);

// The MD5 an ETag of 32 hex digits (quoted or not) stands for; nothing for any other ETag.
std::optional<Md5Digest> etag_md5(std::string_view etag);

}  // namespace strata::objstore
