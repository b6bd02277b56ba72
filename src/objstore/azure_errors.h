// How the Blob service's failures map onto ObjstoreErrc (errc.h), so that callers decide from the
// kind alone. The service's code comes from the x-ms-error-code header (HEAD answers have no body)
// or the <Error><Code> of the body:
//   BlobNotFound, ContainerNotFound, 404          -> not_found
//   AuthenticationFailed, AuthorizationFailure,
//   AuthorizationPermissionMismatch, 401/403      -> access_denied (check the account key and clock)
//   ServerBusy, 429, 503                          -> throttled
//   ConditionNotMet, BlobAlreadyExists, 409, 412  -> precondition_failed
//   InvalidRange, 416                             -> invalid_range
//   other 5xx, OperationTimedOut, InternalError   -> transient
//   everything else                               -> permanent
// Messages carry the operation, the status, the service's code and request id; never a secret.
#pragma once

#include <string_view>

#include "base/error.h"
#include "objstore/s3_http.h"

namespace strata::objstore {

// The error for a response whose status is not 2xx.
Error azure_error(const HttpResponse& response, std::string_view what);
Error azure_error(long status, std::string_view code, std::string_view message, std::string_view request_id,
                  std::string_view what);

}  // namespace strata::objstore
