// Round trip of every generated message at every valid version: random values -> encode ->
// decode -> equal, and re-encode -> identical bytes. Prints how many (message, version) pairs it
// covered and checks that this is every pair in the schemas.
#include <gtest/gtest.h>

#include <functional>
#include <iostream>
#include <string>

#include "protocol/codec.h"
#include "protocol/generated/api_visit.h"
#include "protocol/generated/other_messages.h"
#include "protocol/generated/testing/random_fill.h"

namespace strata::protocol {
namespace {

// Several random messages per version: nullable fields are null in some, arrays empty in some.
constexpr int kSeedsPerVersion = 8;

struct Coverage {
  int pairs = 0;
  int messages = 0;
  int failures = 0;
};

template <class M>
void roundtrip_every_version(Coverage& coverage) {
  ++coverage.messages;
  for (int16_t version = M::kLowestVersion; version <= M::kHighestVersion; ++version) {
    ++coverage.pairs;
    for (int seed = 0; seed < kSeedsPerVersion; ++seed) {
      const uint64_t full_seed = std::hash<std::string_view>{}(M::kName) ^ (uint64_t(version) << 32) ^ seed;
      testing::RandomSource rnd(full_seed);
      M original;
      testing::randomize(original, version, rnd);
      const std::string where =
          std::string(M::kName) + " v" + std::to_string(version) + " seed " + std::to_string(full_seed);

      auto wire = encode(original, version);
      if (!wire) {
        ADD_FAILURE() << where << ": encode failed: " << wire.error().to_string();
        ++coverage.failures;
        continue;
      }
      auto decoded = decode<M>(*wire, version);
      if (!decoded) {
        ADD_FAILURE() << where << ": decode failed: " << decoded.error().to_string();
        ++coverage.failures;
        continue;
      }
      if (!(*decoded == original)) {
        ADD_FAILURE() << where << ": decoded message differs from the original";
        ++coverage.failures;
        continue;
      }
      auto again = encode(*decoded, version);
      if (!again || *again != *wire) {
        ADD_FAILURE() << where << ": re-encoding did not reproduce the bytes";
        ++coverage.failures;
      }
    }
  }
}

TEST(ProtocolRoundTrip, EveryMessageAtEveryVersion) {
  Coverage coverage;
  auto visit = [&]<class M>(std::type_identity<M>) { roundtrip_every_version<M>(coverage); };
  for_each_request_type(visit);
  for_each_response_type(visit);
  for_each_other_message_type(visit);
  std::cout << "protocol round trip: " << coverage.pairs << " (message, version) pairs of " << coverage.messages
            << " messages, " << kSeedsPerVersion << " random messages each, " << coverage.failures << " failures\n";
  EXPECT_EQ(coverage.messages, kGeneratedMessageCount);
  EXPECT_EQ(coverage.pairs, kGeneratedMessageVersionCount);
  EXPECT_EQ(coverage.failures, 0);
}

// Decoding consumes an encoding exactly, so every strict prefix of one must be rejected as
// truncated: this shows the decoder never guesses past the end of its input.
TEST(ProtocolRoundTrip, TruncatedEncodingsAreRejected) {
  int checked = 0;
  auto visit = [&]<class M>(std::type_identity<M>) {
    for (int16_t version = M::kLowestVersion; version <= M::kHighestVersion; ++version) {
      testing::RandomSource rnd(uint64_t(version) * 7919);
      M original;
      testing::randomize(original, version, rnd);
      auto wire = encode(original, version);
      ASSERT_TRUE(wire.has_value());
      if (wire->empty()) continue;
      // Every strict prefix must fail to decode, never read out of bounds (ASan checks that).
      for (size_t cut : {size_t{0}, wire->size() / 2, wire->size() - 1}) {
        auto r = decode<M>(bytes_view(*wire).first(cut), version);
        EXPECT_FALSE(r.has_value()) << M::kName << " v" << version << " decoded from " << cut << " of " << wire->size()
                                    << " bytes";
      }
      ++checked;
    }
  };
  for_each_request_type(visit);
  for_each_response_type(visit);
  EXPECT_GT(checked, 500);
}

}  // namespace
}  // namespace strata::protocol
