#include "protocol/request_frame.h"

#include <fmt/format.h>

#include "protocol/generated/api_keys.h"

namespace strata::protocol {

result<RequestFrame> parse_request_frame(bytes_view frame) {
  // api_key and api_version come first in every header version.
  constexpr size_t kKeyAndVersionSize = 2 * sizeof(int16_t);
  if (frame.size() < kKeyAndVersionSize) {
    return Error(ProtocolErrc::truncated, fmt::format("request frame of {} bytes has no header", frame.size()));
  }
  const auto api_key = static_cast<int16_t>(load_be<uint16_t>(frame.data()));
  const auto api_version = static_cast<int16_t>(load_be<uint16_t>(frame.data() + sizeof(int16_t)));
  const int16_t header_version = request_header_version(api_key, api_version);
  if (header_version < 0) {
    return Error(ProtocolErrc::unknown_api_key, fmt::format("unknown API key {}", api_key));
  }
  Reader reader(frame);
  RequestFrame out;
  out.header_version = header_version;
  out.header.read(reader, header_version);
  if (!reader.ok()) return reader.error().with_context(fmt::format("RequestHeader v{}", header_version));
  out.body = reader.rest();
  return out;
}

}  // namespace strata::protocol
