#include "objstore/azure_errors.h"

#include <fmt/format.h>

#include "objstore/azure_xml.h"
#include "objstore/errc.h"

namespace strata::objstore {

namespace {

constexpr long kUnauthorized = 401;
constexpr long kForbidden = 403;
constexpr long kNotFound = 404;
constexpr long kConflict = 409;
constexpr long kPreconditionFailed = 412;
constexpr long kRangeNotSatisfiable = 416;
constexpr long kTooManyRequests = 429;
constexpr long kServerError = 500;
constexpr long kServiceUnavailable = 503;
// The service's message is a line of text followed by "RequestId:...\nTime:...": the first line
// says it all.
constexpr std::string_view kMessageEnd = "\n";

struct Mapped {
  ObjstoreErrc kind;
  std::string_view advice;
};

Mapped map(long status, std::string_view code) {
  if (code == "BlobNotFound") return {ObjstoreErrc::not_found, ""};
  if (code == "ContainerNotFound") {
    return {ObjstoreErrc::not_found, "the container does not exist; check rsm.config.azure.container"};
  }
  // Azure answers a wrong signature with AuthenticationFailed, Azurite with AuthorizationFailure.
  if (code == "AuthenticationFailed" || code == "AuthorizationFailure") {
    return {ObjstoreErrc::access_denied,
            "the signature was refused: check the account key, and that this machine's clock is within 15 minutes "
            "of the service's (NTP)"};
  }
  if (code == "AuthorizationPermissionMismatch" || code == "InsufficientAccountPermissions" ||
      status == kUnauthorized || status == kForbidden) {
    return {ObjstoreErrc::access_denied, "the account may not do this; check the account name and key"};
  }
  if (code == "ServerBusy" || status == kTooManyRequests || status == kServiceUnavailable) {
    return {ObjstoreErrc::throttled, ""};
  }
  if (code == "ConditionNotMet" || code == "BlobAlreadyExists" || status == kPreconditionFailed ||
      status == kConflict) {
    return {ObjstoreErrc::precondition_failed, ""};
  }
  if (code == "InvalidRange" || status == kRangeNotSatisfiable) return {ObjstoreErrc::invalid_range, ""};
  if (code == "OperationTimedOut" || code == "InternalError" || status >= kServerError) {
    return {ObjstoreErrc::transient, ""};
  }
  if (status == kNotFound) return {ObjstoreErrc::not_found, ""};
  return {ObjstoreErrc::permanent, ""};
}

}  // namespace

Error azure_error(long status, std::string_view code, std::string_view message, std::string_view request_id,
                  std::string_view what) {
  const Mapped m = map(status, code);
  std::string text = fmt::format("{}: HTTP {}", what, status);
  if (!code.empty()) text += fmt::format(" {}", code);
  message = message.substr(0, message.find(kMessageEnd));
  if (!message.empty()) text += fmt::format(": {}", message);
  if (!m.advice.empty()) text += fmt::format(" ({})", m.advice);
  if (!request_id.empty()) text += fmt::format(" [request id {}]", request_id);
  return Error(m.kind, std::move(text));
}

Error azure_error(const HttpResponse& response, std::string_view what) {
  const std::optional<AzureErrorBody> body = parse_azure_error(response.text);
  const std::optional<std::string_view> header_code = response.header("x-ms-error-code");
  const std::optional<std::string_view> id = response.header("x-ms-request-id");
  const std::string_view code = header_code ? *header_code : body ? std::string_view(body->code) : std::string_view();
  return azure_error(response.status, code, body ? std::string_view(body->message) : std::string_view(),
                     id ? *id : std::string_view(), what);
}

}  // namespace strata::objstore
