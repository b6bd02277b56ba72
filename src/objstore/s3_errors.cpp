#include "objstore/s3_errors.h"

#include <fmt/format.h>

#include "objstore/errc.h"
#include "objstore/s3_xml.h"

namespace strata::objstore {

namespace {

constexpr long kBadRequest = 400;
constexpr long kUnauthorized = 401;
constexpr long kForbidden = 403;
constexpr long kNotFound = 404;
constexpr long kConflict = 409;
constexpr long kPreconditionFailed = 412;
constexpr long kRangeNotSatisfiable = 416;
constexpr long kTooManyRequests = 429;
constexpr long kServerError = 500;
constexpr long kServiceUnavailable = 503;

struct Mapped {
  ObjstoreErrc kind;
  std::string_view advice;
};

Mapped map(long status, std::string_view code) {
  if (code == "NoSuchKey" || code == "NoSuchUpload") return {ObjstoreErrc::not_found, ""};
  if (code == "NoSuchBucket") return {ObjstoreErrc::permanent, "check the bucket name and the region"};
  if (code == "SignatureDoesNotMatch") {
    return {ObjstoreErrc::access_denied, "the secret access key is wrong for this access key id; check the secret"};
  }
  if (code == "InvalidAccessKeyId") {
    return {ObjstoreErrc::access_denied, "the server does not know this access key id; check the access key id"};
  }
  if (code == "RequestTimeTooSkewed") {
    return {ObjstoreErrc::access_denied,
            "this machine's clock differs from the server's by too much (over 15 minutes); fix the clock (NTP)"};
  }
  if (code == "ExpiredToken" || code == "InvalidToken") {
    return {ObjstoreErrc::access_denied, "the session token is invalid or expired; refresh the credentials"};
  }
  if (code == "AccessDenied" || status == kUnauthorized || status == kForbidden) {
    return {ObjstoreErrc::access_denied, "the credentials lack permission for this bucket or key; check the policy"};
  }
  if (code == "SlowDown" || code == "Throttling" || status == kTooManyRequests || status == kServiceUnavailable) {
    return {ObjstoreErrc::throttled, ""};
  }
  if (code == "PreconditionFailed" || status == kPreconditionFailed || status == kConflict) {
    return {ObjstoreErrc::precondition_failed, ""};
  }
  if (code == "InvalidRange" || status == kRangeNotSatisfiable) return {ObjstoreErrc::invalid_range, ""};
  if (code == "RequestTimeout" || code == "InternalError" || status >= kServerError) {
    return {ObjstoreErrc::transient, ""};
  }
  if (status == kNotFound) return {ObjstoreErrc::not_found, ""};
  if (code == "InvalidArgument" && status == kBadRequest) return {ObjstoreErrc::invalid_argument, ""};
  return {ObjstoreErrc::permanent, ""};
}

}  // namespace

Error s3_error(long status, std::string_view code, std::string_view message, std::string_view request_id,
               std::string_view what) {
  const Mapped m = map(status, code);
  std::string text = fmt::format("{}: HTTP {}", what, status);
  if (!code.empty()) text += fmt::format(" {}", code);
  if (!message.empty()) text += fmt::format(": {}", message);
  if (!m.advice.empty()) text += fmt::format(" ({})", m.advice);
  if (!request_id.empty()) text += fmt::format(" [request id {}]", request_id);
  return Error(m.kind, std::move(text));
}

Error s3_error(const HttpResponse& response, std::string_view what) {
  const std::optional<S3ErrorBody> body = parse_error_body(response.text);
  if (body) return s3_error(response.status, body->code, body->message, body->request_id, what);
  const std::optional<std::string_view> id = response.header("x-amz-request-id");
  return s3_error(response.status, "", "", id ? *id : std::string_view(), what);
}

}  // namespace strata::objstore
