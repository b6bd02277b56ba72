// Template definitions for request_frame.h.
#pragma once

#include "protocol/codec.h"
#include "protocol/generated/api_keys.h"

namespace strata::protocol {

template <class M>
result<bytes> encode_request_frame(const M& body, int16_t version, int32_t correlation_id,
                                   std::optional<std::string> client_id) {
  RequestHeader header;
  header.request_api_key = static_cast<int16_t>(M::kApiKey);
  header.request_api_version = version;
  header.correlation_id = correlation_id;
  header.client_id = std::move(client_id);
  const int16_t header_version = request_header_version(header.request_api_key, version);
  Writer writer;
  writer.write_int32(0);  // size prefix, patched below
  STRATA_TRY(encode_into(writer, header, header_version));
  STRATA_TRY(encode_into(writer, body, version));
  bytes out = writer.take();
  store_be<uint32_t>(out.data(), static_cast<uint32_t>(out.size() - sizeof(int32_t)));
  return out;
}

}  // namespace strata::protocol
