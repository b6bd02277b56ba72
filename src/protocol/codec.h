// Decoding and encoding whole messages of any generated type M (see generated/messages/*.h).
//
//   result<ProduceRequest> req = decode<ProduceRequest>(body, version);
//   result<bytes> wire = encode(response, version);
//
// decode() checks the version against M's valid versions, reads with the sticky-error Reader and
// rejects trailing bytes, so a message either decodes exactly or yields a protocol Error naming
// the message, version and field. Decoded `records` fields borrow from `input`.
#pragma once

#include <fmt/format.h>

#include "base/result.h"
#include "protocol/reader.h"
#include "protocol/writer.h"

namespace strata::protocol {

template <class M>
bool is_valid_version(int16_t version) {
  return version >= M::kLowestVersion && version <= M::kHighestVersion;
}

template <class M>
Error unsupported_version_error(int16_t version) {
  return Error(ProtocolErrc::unsupported_version, fmt::format("{} version {} is not supported (valid: {}-{})", M::kName,
                                                              version, M::kLowestVersion, M::kHighestVersion));
}

enum class TrailingBytes { reject, ignore };

template <class M>
result<M> decode(bytes_view input, int16_t version, TrailingBytes trailing = TrailingBytes::reject) {
  if (!is_valid_version<M>(version)) return unsupported_version_error<M>(version);
  Reader reader(input);
  M message;
  message.read(reader, version);
  if (reader.ok() && reader.remaining() != 0 && trailing == TrailingBytes::reject) {
    reader.fail(ProtocolErrc::trailing_bytes, fmt::format("{} unexpected bytes after the message", reader.remaining()));
  }
  if (!reader.ok()) return reader.error().with_context(fmt::format("{} v{}", M::kName, version));
  return message;
}

// A request body as Kafka's broker reads it: bytes after the message are ignored, because Kafka's
// parser never looks at them and clients rely on it (librdkafka 2.0.2 sends an extra byte after
// ListGroups v4 and OffsetFetch v7 bodies). Everything inside the message is still checked.
template <class M>
result<M> decode_request(bytes_view input, int16_t version) {
  return decode<M>(input, version, TrailingBytes::ignore);
}

// Appends the encoding of `message` at `version` to `writer`.
template <class M>
result<void> encode_into(Writer& writer, const M& message, int16_t version) {
  if (!is_valid_version<M>(version)) return unsupported_version_error<M>(version);
  message.write(writer, version);
  if (!writer.ok()) return writer.error().with_context(fmt::format("{} v{}", M::kName, version));
  return success();
}

template <class M>
result<bytes> encode(const M& message, int16_t version) {
  Writer writer;
  STRATA_TRY(encode_into(writer, message, version));
  return writer.take();
}

}  // namespace strata::protocol
