// libFuzzer target over the request decoder: the input is a request frame as it arrives after
// the 4-byte size prefix (header + body). Checks, for every input:
// - parsing the header and decoding the body never reads out of bounds or crashes (ASan/UBSan);
// - whatever decodes re-encodes, and encoding is a fixed point: encode(decode(encode(m))) is
//   byte-identical to encode(m). (Comparing bytes, not messages, keeps NaN floats from tripping
//   equality.)
// Corpus: src/protocol/fuzz/corpus/ (seeded with the golden client captures). Run by
// scripts/run-fuzz.sh for a bounded time in `make test`.
#include <cstdint>
#include <cstdlib>

#include "protocol/codec.h"
#include "protocol/generated/api_visit.h"
#include "protocol/request_frame.h"

using namespace strata;
using namespace strata::protocol;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bytes_view input(reinterpret_cast<const std::byte*>(data), size);
  auto frame = parse_request_frame(input);
  if (!frame) return 0;
  const int16_t version = frame->header.request_api_version;
  with_request_type(frame->header.request_api_key, [&]<class M>(std::type_identity<M>) {
    auto message = decode<M>(frame->body, version);
    if (!message) return;
    auto first = encode(*message, version);
    if (!first) std::abort();  // a decoded message must always re-encode
    auto again = decode<M>(*first, version);
    if (!again) std::abort();
    auto second = encode(*again, version);
    if (!second || *second != *first) std::abort();
  });
  return 0;
}
