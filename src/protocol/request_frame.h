// A request as it arrives on a Kafka connection, after the 4-byte size prefix: the request header
// (whose version depends on the API and its version, see api_keys.h) followed by the body.
#pragma once

#include "base/result.h"
#include "protocol/generated/messages/request_header.h"
#include "protocol/generated/messages/response_header.h"

namespace strata::protocol {

struct RequestFrame {
  RequestHeader header;
  int16_t header_version = 0;
  bytes_view body;  // borrowed from the frame
};

// Parses the request header of `frame`. Fails with unknown_api_key for an API key without a
// schema (Kafka closes such connections) and with a decoding error for a malformed header; the
// body is not looked at. A version above the API's range is not an error here: the server answers
// ApiVersions at any version and rejects other unsupported versions itself.
result<RequestFrame> parse_request_frame(bytes_view frame);

// Encodes a complete request frame (size prefix, header, body) as a client sends it; used by
// tests and by tools that talk to brokers.
template <class M>
result<bytes> encode_request_frame(const M& body, int16_t version, int32_t correlation_id,
                                   std::optional<std::string> client_id);

}  // namespace strata::protocol

#include "protocol/request_frame_impl.h"
