#include "storage/log_segment.h"

#include <sys/stat.h>

#include <fmt/format.h>
#include <algorithm>
#include <cerrno>

#include "storage/storage_error.h"

namespace strata::storage {

namespace {

std::filesystem::path segment_path(const std::filesystem::path& dir, Offset base, SegmentFileType type,
                                   SegmentFileState state) {
  return dir / segment_file_name(base, type, state);
}

}  // namespace

LogSegment::LogSegment(Offset base_offset, SegmentOptions options, std::filesystem::path dir, SegmentFileState state,
                       LogFile log, OffsetIndex offset_index, TimeIndex time_index, TransactionIndex txn_index,
                       int64_t now_ms)
    : base_offset_(base_offset),
      options_(options),
      dir_(std::move(dir)),
      state_(state),
      log_(std::move(log)),
      offset_index_(std::move(offset_index)),
      time_index_(std::move(time_index)),
      txn_index_(std::move(txn_index)),
      created_ms_(now_ms),
      offset_of_max_timestamp_so_far_(base_offset) {}

result<std::unique_ptr<LogSegment>> LogSegment::open(const std::filesystem::path& dir, Offset base_offset,
                                                     const SegmentOptions& options, int64_t now_ms,
                                                     SegmentFileState state) {
  std::error_code ec;
  const auto offset_index_path = segment_path(dir, base_offset, SegmentFileType::offset_index, state);
  const auto time_index_path = segment_path(dir, base_offset, SegmentFileType::time_index, state);
  const bool offset_index_existed = std::filesystem::exists(offset_index_path, ec);
  const bool time_index_existed = std::filesystem::exists(time_index_path, ec);
  STRATA_TRY_ASSIGN(LogFile log, LogFile::open(segment_path(dir, base_offset, SegmentFileType::log, state),
                                               options.preallocate_bytes));
  STRATA_TRY_ASSIGN(OffsetIndex offset_index,
                    OffsetIndex::open(offset_index_path, base_offset, options.max_index_size));
  STRATA_TRY_ASSIGN(TimeIndex time_index, TimeIndex::open(time_index_path, base_offset, options.max_index_size));
  STRATA_TRY_ASSIGN(
      TransactionIndex txn_index,
      TransactionIndex::open(segment_path(dir, base_offset, SegmentFileType::txn_index, state), base_offset));
  std::unique_ptr<LogSegment> segment(new LogSegment(base_offset, options, dir, state, std::move(log),
                                                     std::move(offset_index), std::move(time_index),
                                                     std::move(txn_index), now_ms));
  segment->offset_index_existed_ = offset_index_existed;
  segment->time_index_existed_ = time_index_existed;
  segment->load_largest_timestamp();
  return segment;
}

void LogSegment::load_largest_timestamp() {
  TimestampOffset last = time_index_.last_entry();
  max_timestamp_so_far_ = last.timestamp;
  offset_of_max_timestamp_so_far_ = last.offset;
}

int64_t LogSegment::largest_timestamp() const {
  if (max_timestamp_so_far_ >= 0) return max_timestamp_so_far_;
  struct stat st {};
  if (::stat(log_.path().c_str(), &st) != 0) return 0;
  return int64_t{st.st_mtim.tv_sec} * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

result<std::optional<int64_t>> LogSegment::rolling_based_timestamp() {
  if (!rolling_based_timestamp_loaded_) {
    LogFileScanner scanner(log_, FilePosition{0}, log_.size(), static_cast<int64_t>(record::kRecordBatchHeaderSize));
    STRATA_TRY_ASSIGN(std::optional<BatchPosition> first, scanner.next());
    rolling_based_timestamp_ = first ? std::optional<int64_t>(first->max_timestamp) : std::nullopt;
    rolling_based_timestamp_loaded_ = true;
  }
  return rolling_based_timestamp_;
}

result<void> LogSegment::append(Offset largest_offset, int64_t largest_timestamp,
                                Offset shallow_offset_of_max_timestamp, bytes_view batches) {
  if (batches.empty()) return success();
  const int64_t physical_position = log_.size();
  if (!relative_offset(base_offset_, largest_offset)) {
    return Error(StorageErrc::offset_overflow,
                 fmt::format("{}: offset {} does not fit a segment based at {}; roll the segment first",
                             log_.path().string(), largest_offset.value(), base_offset_.value()));
  }
  STRATA_TRY(log_.append(batches));
  if (physical_position == 0) {
    rolling_based_timestamp_ = largest_timestamp;
    rolling_based_timestamp_loaded_ = true;
  }
  if (largest_timestamp > max_timestamp_so_far_) {
    max_timestamp_so_far_ = largest_timestamp;
    offset_of_max_timestamp_so_far_ = shallow_offset_of_max_timestamp;
  }
  if (bytes_since_last_index_entry_ > options_.index_interval_bytes) {
    STRATA_TRY(offset_index_.append(largest_offset, FilePosition{physical_position}));
    STRATA_TRY(time_index_.maybe_append(max_timestamp_so_far_, offset_of_max_timestamp_so_far_));
    bytes_since_last_index_entry_ = 0;
  }
  bytes_since_last_index_entry_ += static_cast<int64_t>(batches.size());
  return success();
}

result<std::optional<SegmentRead>> LogSegment::read(Offset start_offset, int32_t max_size, int64_t max_position,
                                                    bool min_one_message) {
  if (max_size < 0) {
    return Error(StorageErrc::invalid_argument, fmt::format("invalid max size {} for a segment read", max_size));
  }
  const OffsetPosition mapping = offset_index_.lookup(start_offset);
  STRATA_TRY_ASSIGN(std::optional<LogOffsetPosition> start,
                    log_.search_for_offset_with_size(start_offset, mapping.position));
  if (!start) return std::optional<SegmentRead>{};
  const int64_t adjusted_max_size = min_one_message ? std::max<int64_t>(max_size, start->size) : max_size;
  const int64_t fetch_size =
      std::max<int64_t>(0, std::min(std::min(max_position, log_.size()) - start->position.value(), adjusted_max_size));
  return std::optional<SegmentRead>(SegmentRead{start->offset, log_.slice(start->position, fetch_size)});
}

result<std::optional<TimestampAndOffset>> LogSegment::find_offset_by_timestamp(int64_t target, Offset starting_offset) {
  const TimestampOffset entry = time_index_.lookup(target);
  const FilePosition position = offset_index_.lookup(std::max(entry.offset, starting_offset)).position;
  return log_.search_for_timestamp(target, position, starting_offset);
}

result<SegmentRecovery> LogSegment::recover(int32_t max_batch_size, RecoveryObserver* observer) {
  STRATA_TRY(offset_index_.reset());
  STRATA_TRY(time_index_.reset());
  STRATA_TRY(txn_index_.reset());
  max_timestamp_so_far_ = record::kNoTimestamp;
  offset_of_max_timestamp_so_far_ = base_offset_;
  rolling_based_timestamp_loaded_ = false;

  SegmentRecovery out;
  int64_t last_index_entry = 0;
  LogFileScanner scanner(log_, FilePosition{0}, log_.size());
  while (true) {
    auto header = scanner.next();
    if (!header) {
      out.reason = header.error();
      break;
    }
    if (!*header) break;
    const BatchPosition& batch = **header;
    if (batch.size > max_batch_size) {
      out.reason = Error(record::RecordErrc::batch_too_large,
                         fmt::format("batch at position {} is {} bytes, above the limit of {}", batch.position.value(),
                                     batch.size, max_batch_size));
      break;
    }
    auto view = scanner.full();
    if (!view) {
      out.reason = view.error();
      break;
    }
    if (auto crc = view->check_crc(); !crc) {
      out.reason = crc.error().with_context(fmt::format("batch at position {}", batch.position.value()));
      break;
    }
    if (batch.base_offset < base_offset_ || batch.last_offset < batch.base_offset ||
        !relative_offset(base_offset_, batch.last_offset)) {
      out.reason = Error(
          record::RecordErrc::invalid_batch,
          fmt::format("batch at position {} has offsets {}..{}, outside a segment based at {}", batch.position.value(),
                      batch.base_offset.value(), batch.last_offset.value(), base_offset_.value()));
      break;
    }
    if (batch.max_timestamp > max_timestamp_so_far_) {
      max_timestamp_so_far_ = batch.max_timestamp;
      offset_of_max_timestamp_so_far_ = batch.last_offset;
    }
    if (out.valid_bytes - last_index_entry > options_.index_interval_bytes) {
      STRATA_TRY(offset_index_.append(batch.last_offset, FilePosition{out.valid_bytes}));
      STRATA_TRY(time_index_.maybe_append(max_timestamp_so_far_, offset_of_max_timestamp_so_far_));
      last_index_entry = out.valid_bytes;
    }
    out.valid_bytes += batch.size;
    if (observer) STRATA_TRY(observer->on_batch(*view, batch.position));
  }
  STRATA_TRY_ASSIGN(out.truncated_bytes, log_.truncate_to(out.valid_bytes));
  if (out.truncated_bytes == 0) out.reason.reset();
  STRATA_TRY(offset_index_.trim_to_valid_size());
  STRATA_TRY(
      time_index_.maybe_append(max_timestamp_so_far_, offset_of_max_timestamp_so_far_, /*skip_full_check=*/true));
  STRATA_TRY(time_index_.trim_to_valid_size());
  bytes_since_last_index_entry_ = out.valid_bytes - last_index_entry;
  return out;
}

result<void> LogSegment::sanity_check() const {
  STRATA_TRY(offset_index_.sanity_check());
  STRATA_TRY(time_index_.sanity_check());
  STRATA_TRY(txn_index_.sanity_check());
  return success();
}

result<int64_t> LogSegment::truncate_to(Offset offset) {
  const OffsetPosition mapping = offset_index_.lookup(offset);
  STRATA_TRY_ASSIGN(std::optional<LogOffsetPosition> cut, log_.search_for_offset_with_size(offset, mapping.position));
  offset_index_.truncate_to(offset);
  time_index_.truncate_to(offset);
  STRATA_TRY(txn_index_.truncate_to(offset));
  STRATA_TRY(offset_index_.resize(options_.max_index_size));
  STRATA_TRY(time_index_.resize(options_.max_index_size));
  int64_t removed = 0;
  if (cut) {
    STRATA_TRY_ASSIGN(removed, log_.truncate_to(cut->position.value()));
  }
  if (log_.size() == 0) rolling_based_timestamp_loaded_ = false;
  bytes_since_last_index_entry_ = 0;
  // Kafka's readLargestTimestamp: the last time index entry, or a later batch's larger timestamp.
  load_largest_timestamp();
  const FilePosition after_entry = offset_index_.lookup(offset_of_max_timestamp_so_far_).position;
  STRATA_TRY_ASSIGN(std::optional<BatchPosition> later, log_.find_max_timestamp_batch(after_entry));
  if (later && later->max_timestamp > max_timestamp_so_far_) {
    max_timestamp_so_far_ = later->max_timestamp;
    offset_of_max_timestamp_so_far_ = later->last_offset;
  }
  return removed;
}

result<Offset> LogSegment::read_next_offset() {
  const OffsetPosition from = offset_index_.lookup(offset_index_.last_offset());
  LogFileScanner scanner(log_, from.position, log_.size());
  Offset next = base_offset_;
  while (true) {
    STRATA_TRY_ASSIGN(std::optional<BatchPosition> batch, scanner.next());
    if (!batch) return next;
    next = Offset{batch->last_offset.value() + 1};
  }
}

result<bool> LogSegment::should_roll(const RollParams& params) {
  STRATA_TRY_ASSIGN(std::optional<int64_t> first_timestamp, rolling_based_timestamp());
  const int64_t waited = first_timestamp && *first_timestamp >= 0 ? params.max_timestamp_in_messages - *first_timestamp
                                                                  : params.now_ms - created_ms_;
  const bool reached_roll_ms = waited > params.max_segment_ms - options_.rolling_jitter_ms;
  return size() > int64_t{params.max_segment_bytes} - params.messages_size || (size() > 0 && reached_roll_ms) ||
         offset_index_.is_full() || time_index_.is_full() ||
         !relative_offset(base_offset_, params.max_offset_in_messages).has_value();
}

result<void> LogSegment::resize_indexes(int32_t max_index_size) {
  STRATA_TRY(offset_index_.resize(max_index_size));
  STRATA_TRY(time_index_.resize(max_index_size));
  return success();
}

result<void> LogSegment::on_become_inactive() {
  STRATA_TRY(
      time_index_.maybe_append(max_timestamp_so_far_, offset_of_max_timestamp_so_far_, /*skip_full_check=*/true));
  STRATA_TRY(offset_index_.trim_to_valid_size());
  STRATA_TRY(time_index_.trim_to_valid_size());
  STRATA_TRY(log_.trim());
  return success();
}

result<void> LogSegment::flush() {
  STRATA_TRY(log_.flush());
  STRATA_TRY(offset_index_.flush());
  STRATA_TRY(time_index_.flush());
  STRATA_TRY(txn_index_.flush());
  return success();
}

result<std::vector<UniqueFd>> LogSegment::dup_descriptors_for_flush() const {
  std::vector<UniqueFd> out;
  STRATA_TRY_ASSIGN(UniqueFd log_fd, dup_descriptor(log_.handle()->fd(), log_.path()));
  out.push_back(std::move(log_fd));
  for (auto [fd, path] : {std::pair{offset_index_.descriptor(), &offset_index_.path()},
                          std::pair{time_index_.descriptor(), &time_index_.path()},
                          std::pair{txn_index_.descriptor(), &txn_index_.path()}}) {
    if (fd < 0) continue;
    STRATA_TRY_ASSIGN(UniqueFd copy, dup_descriptor(fd, *path));
    out.push_back(std::move(copy));
  }
  return out;
}

result<void> LogSegment::close() {
  if (max_timestamp_so_far_ >= 0) {
    STRATA_TRY(time_index_.maybe_append(max_timestamp_so_far_, offset_of_max_timestamp_so_far_, true));
  }
  STRATA_TRY(offset_index_.close());
  STRATA_TRY(time_index_.close());
  STRATA_TRY(log_.trim());
  STRATA_TRY(txn_index_.close());
  return success();
}

result<void> LogSegment::change_state(SegmentFileState state) {
  if (state == state_) return success();
  STRATA_TRY(log_.rename_to(segment_path(dir_, base_offset_, SegmentFileType::log, state)));
  STRATA_TRY(offset_index_.rename_to(segment_path(dir_, base_offset_, SegmentFileType::offset_index, state)));
  STRATA_TRY(time_index_.rename_to(segment_path(dir_, base_offset_, SegmentFileType::time_index, state)));
  STRATA_TRY(txn_index_.rename_to(segment_path(dir_, base_offset_, SegmentFileType::txn_index, state)));
  state_ = state;
  return success();
}

result<void> LogSegment::delete_files() {
  STRATA_TRY(log_.delete_if_exists());
  STRATA_TRY(offset_index_.delete_if_exists());
  STRATA_TRY(time_index_.delete_if_exists());
  STRATA_TRY(txn_index_.delete_if_exists());
  return success();
}

}  // namespace strata::storage
