#include "base/strong.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <type_traits>
#include <unordered_set>

#include "base/types.h"

namespace strata {
namespace {

// Mixing them up must not compile. GoogleTest cannot test for a compile error, so the type traits
// say it instead: no conversion between strong types, none from or to the raw integer.
static_assert(!std::is_convertible_v<Offset, FilePosition>);
static_assert(!std::is_convertible_v<FilePosition, Offset>);
static_assert(!std::is_constructible_v<Offset, FilePosition>);
static_assert(!std::is_constructible_v<FilePosition, Offset>);
static_assert(!std::is_convertible_v<PartitionId, NodeId>);
static_assert(!std::is_constructible_v<NodeId, PartitionId>);
static_assert(!std::is_convertible_v<LeaderEpoch, ProducerEpoch>);
static_assert(!std::is_constructible_v<ProducerId, Offset>);
static_assert(!std::is_convertible_v<int64_t, Offset>);  // construction is explicit
static_assert(!std::is_convertible_v<Offset, int64_t>);  // only through value()
static_assert(std::is_constructible_v<Offset, int64_t>);
static_assert(!std::equality_comparable_with<Offset, FilePosition>);
static_assert(!std::equality_comparable_with<Offset, int64_t>);

// The widths of Kafka's fields.
static_assert(std::is_same_v<Offset::value_type, int64_t>);
static_assert(std::is_same_v<PartitionId::value_type, int32_t>);
static_assert(std::is_same_v<NodeId::value_type, int32_t>);
static_assert(std::is_same_v<LeaderEpoch::value_type, int32_t>);
static_assert(std::is_same_v<ProducerId::value_type, int64_t>);
static_assert(std::is_same_v<ProducerEpoch::value_type, int16_t>);
static_assert(sizeof(Offset) == sizeof(int64_t));
static_assert(std::is_trivially_copyable_v<Offset>);

// Arithmetic exists only where it means something.
template <class A, class B>
concept Addable = requires(A a, B b) {
  a + b;
};
template <class A, class B>
concept Subtractable = requires(A a, B b) {
  a - b;
};
static_assert(Addable<Offset, int64_t>);
static_assert(!Addable<Offset, Offset>);  // two positions do not add up
static_assert(!Addable<Offset, FilePosition>);
static_assert(std::is_same_v<decltype(Offset{} - Offset{}), int64_t>);
static_assert(Addable<ByteCount, ByteCount>);
static_assert(!Addable<ByteCount, int64_t>);
static_assert(!Addable<PartitionId, int32_t>);  // ids are names, not numbers
static_assert(!Subtractable<NodeId, NodeId>);
static_assert(!Addable<ByteCount, FilePosition>);

TEST(Strong, ValueAndComparison) {
  constexpr Offset a{5};
  constexpr Offset b{7};
  EXPECT_EQ(a.value(), 5);
  EXPECT_LT(a, b);
  EXPECT_GT(b, a);
  EXPECT_NE(a, b);
  EXPECT_EQ(a, Offset{5});
  EXPECT_EQ(Offset{}.value(), 0);
  EXPECT_EQ(a <=> b, std::strong_ordering::less);
}

TEST(Strong, PositionArithmetic) {
  Offset o{10};
  EXPECT_EQ(o + 5, Offset{15});
  EXPECT_EQ(o - 3, Offset{7});
  EXPECT_EQ(Offset{15} - o, 5);
  EXPECT_EQ(++o, Offset{11});
  EXPECT_EQ(o++, Offset{11});
  EXPECT_EQ(o, Offset{12});
  o += 8;
  EXPECT_EQ(o.value(), 20);
  o -= 20;
  EXPECT_EQ(o.value(), 0);
  EXPECT_EQ(--o, kNoOffset);
}

TEST(Strong, QuantityArithmetic) {
  ByteCount total{100};
  total += ByteCount{28};
  EXPECT_EQ(total, ByteCount{128});
  EXPECT_EQ(total - ByteCount{28}, ByteCount{100});
  EXPECT_EQ(ByteCount{1} + ByteCount{2}, ByteCount{3});
}

TEST(Strong, Sentinels) {
  EXPECT_EQ(kNoOffset.value(), -1);
  EXPECT_EQ(kNoProducerId.value(), -1);
  EXPECT_EQ(kNoProducerEpoch.value(), -1);
  EXPECT_EQ(kNoLeaderEpoch.value(), -1);
  EXPECT_EQ(kNoNodeId.value(), -1);
}

TEST(Strong, HashAndOrderedContainers) {
  std::unordered_set<PartitionId> ids = {PartitionId{0}, PartitionId{3}, PartitionId{3}};
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_TRUE(ids.contains(PartitionId{3}));
  EXPECT_FALSE(ids.contains(PartitionId{1}));
  EXPECT_EQ(std::hash<Offset>{}(Offset{42}), std::hash<int64_t>{}(42));

  std::map<Offset, int> by_offset = {{Offset{9}, 1}, {Offset{2}, 2}};
  EXPECT_EQ(by_offset.begin()->first, Offset{2});
}

TEST(Strong, Formatting) {
  EXPECT_EQ(fmt::format("{}", Offset{42}), "42");
  EXPECT_EQ(fmt::format("{:>5}", PartitionId{3}), "    3");
  EXPECT_EQ(fmt::format("{:020}", Offset{42}), "00000000000000000042");  // segment file names
  EXPECT_EQ(fmt::format("{}", kNoProducerEpoch), "-1");
  std::ostringstream os;
  os << NodeId{7} << ' ' << ProducerEpoch{-1};
  EXPECT_EQ(os.str(), "7 -1");
}

}  // namespace
}  // namespace strata
