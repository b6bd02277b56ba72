#include "group/offsets_records.h"

#include <limits>

#include "base/bytes.h"
#include "protocol/codec.h"
#include "protocol/generated/coordinator/group_metadata_key.h"
#include "protocol/generated/coordinator/offset_commit_key.h"
#include "protocol/generated/coordinator/offset_commit_value.h"

namespace strata::group {

namespace coordinator = protocol::coordinator;

namespace {

constexpr uint32_t kReplacementCharacter = 0xFFFD;

// The next code point of UTF-8 text at `i` (advancing it); U+FFFD for a malformed sequence.
uint32_t next_code_point(std::string_view s, size_t& i) {
  const auto byte = [&](size_t at) { return static_cast<uint8_t>(s[at]); };
  const uint8_t first = byte(i);
  if (first < 0x80) {
    ++i;
    return first;
  }
  size_t length = 0;
  uint32_t cp = 0;
  uint32_t min = 0;
  if ((first & 0xE0) == 0xC0) {
    length = 2, cp = first & 0x1F, min = 0x80;
  } else if ((first & 0xF0) == 0xE0) {
    length = 3, cp = first & 0x0F, min = 0x800;
  } else if ((first & 0xF8) == 0xF0) {
    length = 4, cp = first & 0x07, min = 0x10000;
  } else {
    ++i;
    return kReplacementCharacter;
  }
  if (i + length > s.size()) {
    ++i;
    return kReplacementCharacter;
  }
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) {
      ++i;
      return kReplacementCharacter;
    }
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  i += length;
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return kReplacementCharacter;
  return cp;
}

template <class M>
bytes versioned(const M& message, int16_t version) {
  protocol::Writer writer;
  writer.write_int16(version);
  message.write(writer, version);
  return writer.take();
}

template <class M>
result<M> read_versioned_body(protocol::Reader& reader, int16_t version) {
  M message;
  message.read(reader, version);
  if (!reader.ok()) return reader.error().with_context(std::string(M::kName));
  // Newer versions may append fields; Kafka's readers ignore what they do not know.
  return message;
}

}  // namespace

int32_t java_string_hash(std::string_view s) {
  uint32_t h = 0;  // Java's int arithmetic wraps; unsigned arithmetic wraps the same way
  size_t i = 0;
  while (i < s.size()) {
    const uint32_t cp = next_code_point(s, i);
    if (cp >= 0x10000) {
      const uint32_t v = cp - 0x10000;
      h = 31 * h + (0xD800 + (v >> 10));
      h = 31 * h + (0xDC00 + (v & 0x3FF));
    } else {
      h = 31 * h + cp;
    }
  }
  return static_cast<int32_t>(h);
}

int32_t partition_for(std::string_view group_id, int32_t partitions) {
  const int32_t h = java_string_hash(group_id);
  const int32_t abs = h == std::numeric_limits<int32_t>::min() ? 0 : (h < 0 ? -h : h);
  return abs % partitions;
}

bytes offset_commit_key(std::string_view group, std::string_view topic, int32_t partition) {
  coordinator::OffsetCommitKey key;
  key.group = std::string(group);
  key.topic = std::string(topic);
  key.partition = partition;
  return versioned(key, kOffsetCommitKeyVersion);
}

bytes offset_commit_value(const CommittedOffset& offset) {
  coordinator::OffsetCommitValue value;
  value.offset = offset.offset;
  value.metadata = offset.metadata;
  value.commit_timestamp = offset.commit_timestamp_ms;
  if (offset.expire_timestamp_ms) {
    value.expire_timestamp = *offset.expire_timestamp_ms;
    return versioned(value, kOffsetCommitValueVersionWithExpire);
  }
  value.leader_epoch = offset.leader_epoch;
  return versioned(value, kOffsetCommitValueVersion);
}

bytes group_metadata_key(std::string_view group) {
  coordinator::GroupMetadataKey key;
  key.group = std::string(group);
  return versioned(key, kGroupMetadataKeyVersion);
}

bytes group_metadata_value(const coordinator::GroupMetadataValue& value) {
  return versioned(value, kGroupMetadataValueVersion);
}

result<OffsetsTopicRecord> decode_offsets_record(bytes_view key, std::optional<bytes_view> value) {
  protocol::Reader key_reader(key);
  const int16_t key_version = key_reader.read_int16();
  if (!key_reader.ok()) return key_reader.error().with_context("__consumer_offsets key");
  if (key_version == 0 || key_version == 1) {
    STRATA_TRY_ASSIGN(auto k, read_versioned_body<coordinator::OffsetCommitKey>(key_reader, key_version));
    OffsetCommitRecord out{std::move(k.group), std::move(k.topic), k.partition, std::nullopt};
    if (value) {
      protocol::Reader reader(*value);
      int16_t version = reader.read_int16();
      if (reader.ok() && version > coordinator::OffsetCommitValue::kHighestVersion) {
        version = coordinator::OffsetCommitValue::kHighestVersion;
      }
      STRATA_TRY_ASSIGN(auto v, read_versioned_body<coordinator::OffsetCommitValue>(reader, version));
      CommittedOffset offset;
      offset.offset = v.offset;
      offset.leader_epoch = v.leader_epoch;
      offset.metadata = std::move(v.metadata);
      offset.commit_timestamp_ms = v.commit_timestamp;
      if (version == 1 && v.expire_timestamp != -1) offset.expire_timestamp_ms = v.expire_timestamp;
      out.value = std::move(offset);
    }
    return OffsetsTopicRecord(std::move(out));
  }
  if (key_version == kGroupMetadataKeyVersion) {
    STRATA_TRY_ASSIGN(auto k, read_versioned_body<coordinator::GroupMetadataKey>(key_reader, key_version));
    GroupMetadataRecord out{std::move(k.group), std::nullopt};
    if (value) {
      protocol::Reader reader(*value);
      int16_t version = reader.read_int16();
      if (reader.ok() && version > coordinator::GroupMetadataValue::kHighestVersion) {
        version = coordinator::GroupMetadataValue::kHighestVersion;
      }
      STRATA_TRY_ASSIGN(auto v, read_versioned_body<coordinator::GroupMetadataValue>(reader, version));
      out.value = std::move(v);
    }
    return OffsetsTopicRecord(std::move(out));
  }
  return OffsetsTopicRecord(OtherRecord{key_version});
}

}  // namespace strata::group
