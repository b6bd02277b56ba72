#include "storage/log_cleaner.h"

#include <fmt/format.h>
#include <algorithm>
#include <thread>

#include "record/control_record.h"
#include "record/record.h"
#include "record/record_batch_builder.h"
#include "storage/storage_error.h"

namespace strata::storage {

namespace {

// What an offset map entry costs: the key's bytes and the hash table's node.
constexpr int64_t kOffsetMapEntryOverhead = 64;

bool in_aborted_txn(const std::vector<AbortedTxn>& aborted, ProducerId producer, Offset offset) {
  for (const AbortedTxn& txn : aborted) {
    if (txn.producer_id == producer && txn.first_offset <= offset && offset <= txn.last_offset) return true;
  }
  return false;
}

}  // namespace

void Throttler::maybe_throttle(int64_t bytes) {
  bytes_ += bytes;
  if (rate_ >= 1e300) return;
  const auto elapsed = std::chrono::steady_clock::now() - start_;
  const auto needed = std::chrono::duration<double>(static_cast<double>(bytes_) / rate_);
  if (needed > elapsed) {
    const auto pause = std::chrono::duration_cast<std::chrono::nanoseconds>(needed - elapsed);
    std::this_thread::sleep_for(pause);
    slept_ += pause;
  }
}

result<void> CleaningJob::run(Throttler& throttler) {
  if (ran_) return Error(StorageErrc::invalid_argument, "a cleaning job runs once");
  ran_ = true;
  auto outcome = [&]() -> result<void> {
    STRATA_TRY(build_offset_map(throttler));
    for (OutputGroup& group : groups_) STRATA_TRY(clean_group(group, throttler));
    return success();
  }();
  if (!outcome) discard_outputs();
  return outcome;
}

result<void> CleaningJob::build_offset_map(Throttler& throttler) {
  int64_t memory = 0;
  for (size_t i = first_dirty_source_; i < sources_.size(); ++i) {
    const CleanerSource& source = sources_[i];
    LogFileScanner scanner(source.log, FilePosition{0}, source.log.size);
    // Keys of this segment: added to the map only when the whole segment fits the buffer, so the
    // map always ends at a segment boundary.
    std::unordered_map<std::string, int64_t> segment_keys;
    int64_t segment_memory = 0;
    while (true) {
      STRATA_TRY_ASSIGN(std::optional<BatchPosition> header, scanner.next());
      if (!header) break;
      STRATA_TRY_ASSIGN(record::RecordBatchView batch, scanner.full());
      throttler.maybe_throttle(header->size);
      stats_.bytes_read += header->size;
      if (batch.is_control()) continue;
      if (batch.is_transactional() && in_aborted_txn(aborted_, batch.producer_id(), batch.base_offset())) {
        continue;  // aborted records never shadow committed ones
      }
      STRATA_TRY_ASSIGN(record::BatchRecords records, record::BatchRecords::open(batch));
      record::RecordIterator it = records.iterator();
      while (true) {
        STRATA_TRY_ASSIGN(std::optional<record::Record> r, it.next());
        if (!r) break;
        if (!r->key) continue;
        std::string key(as_string_view(*r->key));
        auto [pos, inserted] = segment_keys.try_emplace(std::move(key), r->offset.value());
        if (inserted) {
          segment_memory += static_cast<int64_t>(pos->first.size()) + kOffsetMapEntryOverhead;
        } else {
          pos->second = r->offset.value();
        }
      }
    }
    if (memory + segment_memory > config_.dedupe_buffer_bytes) {
      if (i == first_dirty_source_) {
        return Error(
            StorageErrc::invalid_argument,
            fmt::format("{}: the keys of segment {} need about {} bytes, more than "
                        "log.cleaner.dedupe.buffer.size ({}); raise it",
                        dir_.string(), source.base_offset.value(), segment_memory, config_.dedupe_buffer_bytes));
      }
      // The map stops before this segment: clean up to it, the rest next time.
      sources_.resize(i);
      break;
    }
    memory += segment_memory;
    for (auto& [key, offset] : segment_keys) offset_map_[key] = offset;  // later segments win
  }
  stats_.end_offset = sources_.back().next_offset;
  // Groups of consecutive sources whose data fits one segment (Kafka's groupSegmentsBySize).
  groups_.clear();
  int64_t group_bytes = 0;
  for (size_t i = 0; i < sources_.size(); ++i) {
    const CleanerSource& s = sources_[i];
    const bool fits =
        !groups_.empty() && group_bytes + s.log.size <= segment_bytes_ &&
        relative_offset(sources_[groups_.back().sources.front()].base_offset, Offset{s.next_offset.value() - 1})
            .has_value();
    if (!fits) {
      groups_.push_back(OutputGroup{});
      group_bytes = 0;
    }
    groups_.back().sources.push_back(i);
    group_bytes += s.log.size;
  }
  return success();
}

result<void> CleaningJob::clean_group(OutputGroup& group, Throttler& throttler) {
  const CleanerSource& first = sources_[group.sources.front()];
  STRATA_TRY_ASSIGN(group.cleaned,
                    LogSegment::open(dir_, first.base_offset, segment_options_, now_ms_, SegmentFileState::cleaned));
  // Per producer: whether its current transaction kept any record (its marker then stays).
  std::unordered_map<int64_t, bool> txn_kept_records;
  for (size_t index : group.sources) {
    const CleanerSource& source = sources_[index];
    LogFileScanner scanner(source.log, FilePosition{0}, source.log.size);
    while (true) {
      STRATA_TRY_ASSIGN(std::optional<BatchPosition> header, scanner.next());
      if (!header) break;
      STRATA_TRY_ASSIGN(record::RecordBatchView batch, scanner.full());
      throttler.maybe_throttle(header->size);
      stats_.bytes_read += header->size;
      const std::optional<int64_t> horizon = batch.delete_horizon_ms();
      const bool horizon_passed = horizon && now_ms_ >= *horizon;

      STRATA_TRY_ASSIGN(record::BatchRecords records, record::BatchRecords::open(batch));
      STRATA_TRY_ASSIGN(std::vector<record::Record> all, records.read_all());
      stats_.records_read += static_cast<int64_t>(all.size());
      std::vector<const record::Record*> kept;
      bool has_tombstone = false;
      if (batch.is_control()) {
        // A marker goes once its delete horizon passed and its transaction kept no record.
        const bool kept_data = txn_kept_records[batch.producer_id().value()];
        txn_kept_records.erase(batch.producer_id().value());
        if (!horizon_passed || kept_data) {
          for (const auto& r : all) kept.push_back(&r);
          has_tombstone = true;  // a marker needs a delete horizon like a tombstone
        }
      } else if (batch.is_transactional() && in_aborted_txn(aborted_, batch.producer_id(), batch.base_offset())) {
        stats_.aborted_records_removed += static_cast<int64_t>(all.size());
      } else {
        for (const auto& r : all) {
          if (!r.key) continue;  // a keyless record cannot be compacted (Kafka drops it too)
          auto latest = offset_map_.find(std::string(as_string_view(*r.key)));
          if (latest != offset_map_.end() && latest->second > r.offset.value()) continue;  // superseded
          if (!r.value) {
            if (horizon_passed) {
              ++stats_.tombstones_removed;
              continue;
            }
            has_tombstone = true;
          }
          kept.push_back(&r);
        }
        if (batch.is_transactional() && !kept.empty()) txn_kept_records[batch.producer_id().value()] = true;
      }
      stats_.records_retained += static_cast<int64_t>(kept.size());
      if (kept.empty()) continue;

      // A batch kept whole, with no horizon to set, is copied byte for byte.
      const bool needs_horizon = has_tombstone && !horizon;
      bytes rebuilt;
      bytes_view out = batch.data();
      if (kept.size() != all.size() || needs_horizon) {
        record::BatchBuilderOptions o;
        o.base_offset = batch.base_offset();
        o.partition_leader_epoch = batch.partition_leader_epoch();
        STRATA_TRY_ASSIGN(record::CompressionCodec codec, batch.codec());
        o.compression = record::Compression::of(codec);
        o.timestamp_type = batch.timestamp_type();
        if (batch.timestamp_type() == record::TimestampType::log_append_time) o.log_append_time = batch.max_timestamp();
        o.producer_id = batch.producer_id();
        o.producer_epoch = batch.producer_epoch();
        o.base_sequence = batch.base_sequence();
        o.transactional = batch.is_transactional();
        o.control = batch.is_control();
        if (horizon) {
          o.delete_horizon_ms = horizon;
        } else if (has_tombstone) {
          o.delete_horizon_ms = now_ms_ + delete_retention_ms_;
        }
        record::RecordBatchBuilder builder(o);
        for (const record::Record* r : kept) {
          std::vector<record::RecordHeaderView> headers(r->headers.begin(), r->headers.end());
          STRATA_TRY(
              builder.append_with_offset_delta(static_cast<int32_t>(r->offset.value() - batch.base_offset().value()),
                                               r->timestamp, r->key, r->value, headers));
        }
        STRATA_TRY_ASSIGN(rebuilt, builder.build());
        out = rebuilt;
      }
      STRATA_TRY_ASSIGN(record::RecordBatchView written, record::RecordBatchView::parse(out));
      STRATA_TRY(group.cleaned->append(written.last_offset(), written.max_timestamp(), written.last_offset(), out));
      throttler.maybe_throttle(static_cast<int64_t>(out.size()));
      stats_.bytes_written += static_cast<int64_t>(out.size());
    }
    // The transaction index keeps the aborted transactions whose markers survived.
    for (const AbortedTxn& txn : aborted_) {
      if (txn.last_offset < source.base_offset || txn.last_offset >= source.next_offset) continue;
      auto marker = group.cleaned->log().search_for_offset_with_size(txn.last_offset, FilePosition{0});
      if (marker && *marker && (*marker)->offset == txn.last_offset) STRATA_TRY(group.cleaned->txn_index().append(txn));
    }
  }
  STRATA_TRY(group.cleaned->on_become_inactive());
  STRATA_TRY(group.cleaned->flush());
  return success();
}

void CleaningJob::discard_outputs() {
  for (OutputGroup& group : groups_) {
    if (group.cleaned) (void)group.cleaned->delete_files();
    group.cleaned.reset();
  }
}

}  // namespace strata::storage
