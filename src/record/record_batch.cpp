#include "record/record_batch.h"

#include <fmt/format.h>

#include <limits>

#include "base/crc32c.h"

namespace strata::record {

namespace {

template <class T>
void store(std::span<std::byte> data, size_t at, T value) {
  using U = std::make_unsigned_t<T>;
  store_be<U>(data.data() + at, static_cast<U>(value));
}

}  // namespace

uint16_t make_attributes(CompressionCodec codec, TimestampType timestamp_type, bool transactional, bool control,
                         bool delete_horizon) {
  uint16_t attributes = static_cast<uint16_t>(codec) & kAttributeCompressionMask;
  if (timestamp_type == TimestampType::log_append_time) attributes |= kAttributeTimestampTypeMask;
  if (transactional) attributes |= kAttributeTransactionalMask;
  if (control) attributes |= kAttributeControlMask;
  if (delete_horizon) attributes |= kAttributeDeleteHorizonMask;
  return attributes;
}

result<size_t> peek_batch_size(bytes_view records, size_t max_batch_size, bool require_complete) {
  if (records.size() < kLogOverhead) {
    return Error(RecordErrc::truncated, fmt::format("{} bytes cannot hold a batch's offset and length (need {})",
                                                    records.size(), kLogOverhead));
  }
  const auto length = static_cast<int32_t>(load_be<uint32_t>(records.data() + kBatchLengthOffset));
  if (length < kMinBatchLengthAnyMagic) {
    return Error(
        RecordErrc::batch_too_small,
        fmt::format("batch length {} is less than the minimum record overhead ({})", length, kMinBatchLengthAnyMagic));
  }
  const size_t size = static_cast<size_t>(length) + kLogOverhead;
  if (size > max_batch_size) {
    return Error(RecordErrc::batch_too_large,
                 fmt::format("batch size {} exceeds the largest allowed ({})", size, max_batch_size));
  }
  if (records.size() < kHeaderSizeUpToMagic) {
    return Error(RecordErrc::truncated, fmt::format("{} bytes end before the batch's magic byte", records.size()));
  }
  const auto magic = static_cast<int8_t>(records[kMagicOffset]);
  if (magic < kMagicV0 || magic > kCurrentMagic) {
    return Error(RecordErrc::invalid_magic, fmt::format("invalid magic {} in batch header", magic));
  }
  if (magic != kMagicV2) {
    return Error(RecordErrc::unsupported_magic,
                 fmt::format("batch has magic {}; only record batch v2 (magic 2) is supported", magic));
  }
  if (length < kMinBatchLengthV2) {
    return Error(RecordErrc::batch_too_small,
                 fmt::format("batch length {} is smaller than the v2 header needs ({})", length, kMinBatchLengthV2));
  }
  if (require_complete && records.size() < size) {
    return Error(RecordErrc::truncated,
                 fmt::format("batch of {} bytes is cut off after {} bytes", size, records.size()));
  }
  return size;
}

result<RecordBatchView> RecordBatchView::parse(bytes_view batch) {
  STRATA_TRY_ASSIGN(const size_t size, peek_batch_size(batch));
  if (size != batch.size()) {
    return Error(RecordErrc::invalid_batch,
                 fmt::format("batch length says {} bytes but {} bytes were given", size, batch.size()));
  }
  return RecordBatchView(batch);
}

Offset RecordBatchView::last_offset() const {
  // Unsigned arithmetic: a hostile baseOffset near INT64_MAX must not be undefined behaviour.
  return Offset{static_cast<int64_t>(static_cast<uint64_t>(base_offset().value()) +
                                     static_cast<uint64_t>(static_cast<int64_t>(last_offset_delta())))};
}

int32_t RecordBatchView::last_sequence() const {
  const int32_t base = base_sequence();
  if (base == kNoSequence) return kNoSequence;
  const int32_t delta = last_offset_delta();
  constexpr int32_t kMax = std::numeric_limits<int32_t>::max();
  // DefaultRecordBatch.incrementSequence: sequences wrap from INT32_MAX to 0.
  if (delta >= 0 && base > kMax - delta) return delta - (kMax - base) - 1;
  return static_cast<int32_t>(static_cast<uint32_t>(base) + static_cast<uint32_t>(delta));
}

result<CompressionCodec> RecordBatchView::codec() const {
  auto codec = codec_from_id(codec_id());
  if (!codec) return Error(RecordErrc::unknown_compression, fmt::format("unknown compression codec id {}", codec_id()));
  return *codec;
}

std::optional<int64_t> RecordBatchView::delete_horizon_ms() const {
  if (!has_delete_horizon()) return std::nullopt;
  return base_timestamp();
}

uint32_t RecordBatchView::compute_crc() const { return crc32c::compute(data_.subspan(kAttributesOffset)); }

result<void> RecordBatchView::check_crc() const {
  const uint32_t computed = compute_crc();
  if (computed == crc()) return success();
  return Error(RecordErrc::crc_mismatch,
               fmt::format("record batch is corrupt (stored crc = {}, computed crc = {})", crc(), computed));
}

result<MutableRecordBatch> MutableRecordBatch::parse(std::span<std::byte> batch) {
  STRATA_TRY_ASSIGN(auto view, RecordBatchView::parse(batch));
  return MutableRecordBatch(batch, view);
}

void MutableRecordBatch::set_base_offset(Offset base_offset) { store(data_, kBaseOffsetOffset, base_offset.value()); }

void MutableRecordBatch::set_last_offset(Offset last_offset) {
  set_base_offset(Offset{static_cast<int64_t>(static_cast<uint64_t>(last_offset.value()) -
                                              static_cast<uint64_t>(static_cast<int64_t>(view_.last_offset_delta())))});
}

void MutableRecordBatch::set_partition_leader_epoch(LeaderEpoch epoch) {
  store(data_, kPartitionLeaderEpochOffset, epoch.value());
}

void MutableRecordBatch::set_max_timestamp(TimestampType type, int64_t max_timestamp) {
  if (view_.timestamp_type() == type && view_.max_timestamp() == max_timestamp) return;
  // The codec id is kept as stored (even an unknown one): this rewrite must not change what the
  // records mean.
  const uint16_t codec_bits = view_.attributes() & kAttributeCompressionMask;
  uint16_t attributes = make_attributes(CompressionCodec::none, type, view_.is_transactional(), view_.is_control(),
                                        view_.has_delete_horizon());
  attributes |= codec_bits;
  store(data_, kAttributesOffset, attributes);
  store(data_, kMaxTimestampOffset, max_timestamp);
  update_crc();
}

void MutableRecordBatch::update_crc() { store(data_, kCrcOffset, view_.compute_crc()); }

result<std::optional<RecordBatchView>> RecordBatchReader::next() {
  if (at_end()) return std::optional<RecordBatchView>{};
  const bytes_view rest = records_.subspan(position_);
  STRATA_TRY_ASSIGN(const size_t size, peek_batch_size(rest, max_batch_size_));
  STRATA_TRY_ASSIGN(auto view, RecordBatchView::parse(rest.first(size)));
  position_ += size;
  return std::optional<RecordBatchView>(view);
}

result<std::vector<RecordBatchView>> split_batches(bytes_view records, size_t max_batch_size) {
  std::vector<RecordBatchView> batches;
  RecordBatchReader reader(records, max_batch_size);
  while (true) {
    auto next = reader.next();
    if (!next) return next.error().with_context(fmt::format("batch at byte {}", reader.position()));
    if (!next->has_value()) break;
    batches.push_back(**next);
  }
  return batches;
}

}  // namespace strata::record
