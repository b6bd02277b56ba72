// How S3's failures map onto ObjstoreErrc (errc.h), so that callers decide from the kind alone:
//   NoSuchKey, NoSuchUpload, 404                      -> not_found
//   AccessDenied, InvalidAccessKeyId,
//   SignatureDoesNotMatch, RequestTimeTooSkewed, 401/403 -> access_denied (the message says which,
//                                                         and what to check)
//   SlowDown, 429, 503                                -> throttled
//   PreconditionFailed, 412, 409                      -> precondition_failed
//   InvalidRange, 416                                 -> invalid_range
//   other 5xx, RequestTimeout, InternalError          -> transient
//   everything else                                   -> permanent
// Messages carry the operation, the status, S3's code and request id; never a secret.
#pragma once

#include <string_view>

#include "base/error.h"
#include "objstore/s3_http.h"

namespace strata::objstore {

// The error for a response whose status is not 2xx (or a 200 whose body is an <Error>).
Error s3_error(const HttpResponse& response, std::string_view what);
Error s3_error(long status, std::string_view code, std::string_view message, std::string_view request_id,
               std::string_view what);

}  // namespace strata::objstore
