// The strong types of Strata's domain (see strong.h) and Kafka's sentinel values for them.
// Widths follow Kafka's wire and disk formats, so a value read off the wire fits without checks.
#pragma once

#include <cstdint>

#include "base/strong.h"

namespace strata {

// A record's offset in its partition (Kafka: int64).
struct OffsetTag {
  static constexpr StrongOps kOps = StrongOps::position;
};
using Offset = strong<int64_t, OffsetTag>;

// A byte position inside a segment file. Kafka stores it as an int32 (the 4-byte physical position
// of .index entries; a segment is at most Integer.MAX_VALUE bytes). We hold it as int64 anyway:
// it matches off_t for pread/sendfile, `position + batch_size` cannot overflow (signed overflow
// is undefined), and the single narrowing point is the index encoder, which checks the range
// against the segment size limit that the storage module enforces.
struct FilePositionTag {
  static constexpr StrongOps kOps = StrongOps::position;
};
using FilePosition = strong<int64_t, FilePositionTag>;

// An amount of bytes (segment sizes, retention.bytes, quotas).
struct ByteCountTag {
  static constexpr StrongOps kOps = StrongOps::quantity;
};
using ByteCount = strong<int64_t, ByteCountTag>;

// A partition's index within its topic (Kafka: int32).
struct PartitionIdTag {};
using PartitionId = strong<int32_t, PartitionIdTag>;

// A broker/node id (Kafka: int32 broker.id / node.id).
struct NodeIdTag {};
using NodeId = strong<int32_t, NodeIdTag>;

// The epoch of a partition's leader (Kafka: int32), stamped on every batch it appends.
struct LeaderEpochTag {};
using LeaderEpoch = strong<int32_t, LeaderEpochTag>;

// An idempotent/transactional producer's id (Kafka: int64) and epoch (Kafka: int16).
struct ProducerIdTag {};
using ProducerId = strong<int64_t, ProducerIdTag>;
struct ProducerEpochTag {};
using ProducerEpoch = strong<int16_t, ProducerEpochTag>;

// Kafka's "none" values (RecordBatch.NO_PRODUCER_ID, NO_PRODUCER_EPOCH,
// NO_PARTITION_LEADER_EPOCH; -1 offsets and node ids in the protocol).
inline constexpr Offset kNoOffset{-1};
inline constexpr NodeId kNoNodeId{-1};
inline constexpr LeaderEpoch kNoLeaderEpoch{-1};
inline constexpr ProducerId kNoProducerId{-1};
inline constexpr ProducerEpoch kNoProducerEpoch{-1};

}  // namespace strata
