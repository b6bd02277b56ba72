#include "objstore/errc.h"

namespace strata::objstore {

std::string_view to_string(ObjstoreErrc code) {
  switch (code) {
    case ObjstoreErrc::not_found: return "not_found";
    case ObjstoreErrc::access_denied: return "access_denied";
    case ObjstoreErrc::throttled: return "throttled";
    case ObjstoreErrc::precondition_failed: return "precondition_failed";
    case ObjstoreErrc::transient: return "transient";
    case ObjstoreErrc::permanent: return "permanent";
    case ObjstoreErrc::cancelled: return "cancelled";
    case ObjstoreErrc::invalid_argument: return "invalid_argument";
    case ObjstoreErrc::invalid_range: return "invalid_range";
    case ObjstoreErrc::corrupt: return "corrupt";
  }
  return "unknown";
}

bool is_retryable(const Error& error) { return error.is(ObjstoreErrc::transient) || error.is(ObjstoreErrc::throttled); }

}  // namespace strata::objstore
