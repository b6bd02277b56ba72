#include "storage/transaction_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include <fmt/format.h>

#include "storage/storage_error.h"

namespace strata::storage {
namespace {

int64_t load_i64(const std::byte* p) { return static_cast<int64_t>(load_be<uint64_t>(p)); }

// The last offset of a raw entry, without checking its version.
Offset raw_last_offset(const std::byte* entry) { return Offset{load_i64(entry + kAbortedTxnLastOffsetField)}; }

}  // namespace

std::array<std::byte, kAbortedTxnSize> encode_aborted_txn(const AbortedTxn& txn) {
  std::array<std::byte, kAbortedTxnSize> out;
  store_be<uint16_t>(out.data() + kAbortedTxnVersionField, static_cast<uint16_t>(kAbortedTxnCurrentVersion));
  store_be<uint64_t>(out.data() + kAbortedTxnProducerIdField, static_cast<uint64_t>(txn.producer_id.value()));
  store_be<uint64_t>(out.data() + kAbortedTxnFirstOffsetField, static_cast<uint64_t>(txn.first_offset.value()));
  store_be<uint64_t>(out.data() + kAbortedTxnLastOffsetField, static_cast<uint64_t>(txn.last_offset.value()));
  store_be<uint64_t>(out.data() + kAbortedTxnLastStableOffsetField,
                     static_cast<uint64_t>(txn.last_stable_offset.value()));
  return out;
}

result<AbortedTxn> decode_aborted_txn(bytes_view entry) {
  if (entry.size() != static_cast<size_t>(kAbortedTxnSize)) {
    return Error(StorageErrc::invalid_argument,
                 fmt::format("an aborted transaction entry is {} bytes, not {}", entry.size(), kAbortedTxnSize));
  }
  // Kafka reads the version with ByteBuffer.get (one byte) and rejects only versions above 0; we read
  // the int16 it wrote and accept exactly 0, the only version there is.
  auto version = static_cast<int16_t>(load_be<uint16_t>(entry.data() + kAbortedTxnVersionField));
  if (version != kAbortedTxnCurrentVersion) {
    return Error(StorageErrc::corrupt_index, fmt::format("Unexpected aborted transaction version {}, current version "
                                                         "is {}",
                                                         version, kAbortedTxnCurrentVersion));
  }
  return AbortedTxn{ProducerId{load_i64(entry.data() + kAbortedTxnProducerIdField)},
                    Offset{load_i64(entry.data() + kAbortedTxnFirstOffsetField)},
                    Offset{load_i64(entry.data() + kAbortedTxnLastOffsetField)},
                    Offset{load_i64(entry.data() + kAbortedTxnLastStableOffsetField)}};
}

result<TransactionIndex> TransactionIndex::open(std::filesystem::path path, Offset start_offset) {
  TransactionIndex index(std::move(path), start_offset);
  auto fd = open_file(index.path_, O_RDWR);
  if (!fd) {
    if (fd.error().is(StorageErrc::not_found)) return index;  // created by the first append
    return std::move(fd).error();
  }
  index.fd_ = std::move(fd).value();
  STRATA_TRY_ASSIGN(index.size_, file_size(index.fd_.get(), index.path_));
  int64_t whole = index.size_ - index.size_ % kAbortedTxnSize;
  if (whole > 0) {
    std::array<std::byte, kAbortedTxnSize> last;
    STRATA_TRY(pread_exact(index.fd_.get(), last, static_cast<off_t>(whole - kAbortedTxnSize), index.path_));
    index.last_offset_ = raw_last_offset(last.data());
  }
  return index;
}

result<void> TransactionIndex::append(const AbortedTxn& txn) {
  if (last_offset_ && *last_offset_ >= txn.last_offset) {
    return Error(StorageErrc::invalid_offset,
                 fmt::format("The last offset of appended transactions must increase sequentially, but {} is not "
                             "greater than current last offset {} of index {}",
                             txn.last_offset, *last_offset_, path_.string()));
  }
  if (size_ % kAbortedTxnSize != 0) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Transaction index {} ends in a partial entry ({} bytes); rebuild it before appending",
                             path_.string(), size_));
  }
  if (!fd_.valid()) {
    STRATA_TRY_ASSIGN(fd_, open_file(path_, O_RDWR | O_CREAT));
  }
  auto entry = encode_aborted_txn(txn);
  STRATA_TRY(pwrite_all(fd_.get(), entry, static_cast<off_t>(size_), path_));
  size_ += kAbortedTxnSize;
  last_offset_ = txn.last_offset;
  return success();
}

result<bytes> TransactionIndex::read_entries() const {
  int64_t whole = size_ - size_ % kAbortedTxnSize;
  bytes data(static_cast<size_t>(whole));
  if (whole > 0) STRATA_TRY(pread_exact(fd_.get(), data, 0, path_));
  return data;
}

result<std::vector<AbortedTxn>> TransactionIndex::all_aborted_txns() const {
  STRATA_TRY_ASSIGN(bytes data, read_entries());
  std::vector<AbortedTxn> txns;
  txns.reserve(data.size() / kAbortedTxnSize);
  for (size_t pos = 0; pos < data.size(); pos += kAbortedTxnSize) {
    STRATA_TRY_ASSIGN(AbortedTxn txn, decode_aborted_txn(bytes_view(data).subspan(pos, kAbortedTxnSize)));
    txns.push_back(txn);
  }
  return txns;
}

result<TxnIndexSearchResult> TransactionIndex::collect_aborted_txns(Offset fetch_offset,
                                                                    Offset upper_bound_offset) const {
  STRATA_TRY_ASSIGN(bytes data, read_entries());
  TxnIndexSearchResult found;
  for (size_t pos = 0; pos < data.size(); pos += kAbortedTxnSize) {
    STRATA_TRY_ASSIGN(AbortedTxn txn, decode_aborted_txn(bytes_view(data).subspan(pos, kAbortedTxnSize)));
    if (txn.last_offset >= fetch_offset && txn.first_offset < upper_bound_offset) {
      found.aborted_transactions.push_back(txn);
    }
    if (txn.last_stable_offset >= upper_bound_offset) {
      found.is_complete = true;
      return found;
    }
  }
  return found;
}

result<void> TransactionIndex::truncate_to(Offset offset) {
  STRATA_TRY_ASSIGN(bytes data, read_entries());
  std::optional<Offset> new_last_offset;
  for (size_t pos = 0; pos < data.size(); pos += kAbortedTxnSize) {
    STRATA_TRY_ASSIGN(AbortedTxn txn, decode_aborted_txn(bytes_view(data).subspan(pos, kAbortedTxnSize)));
    if (txn.last_offset >= offset) {
      if (::ftruncate(fd_.get(), static_cast<off_t>(pos)) != 0) return errno_error("ftruncate", path_, errno);
      size_ = static_cast<int64_t>(pos);
      last_offset_ = new_last_offset;
      return success();
    }
    new_last_offset = txn.last_offset;
  }
  return success();
}

result<void> TransactionIndex::reset() {
  if (fd_.valid() && ::ftruncate(fd_.get(), 0) != 0) return errno_error("ftruncate", path_, errno);
  size_ = 0;
  last_offset_.reset();
  return success();
}

result<void> TransactionIndex::sanity_check() const {
  if (size_ % kAbortedTxnSize != 0) {
    return Error(StorageErrc::corrupt_index,
                 fmt::format("Transaction index {} is {} bytes, not a multiple of the entry size {}", path_.string(),
                             size_, kAbortedTxnSize));
  }
  STRATA_TRY_ASSIGN(bytes data, read_entries());
  for (size_t pos = 0; pos < data.size(); pos += kAbortedTxnSize) {
    auto txn = decode_aborted_txn(bytes_view(data).subspan(pos, kAbortedTxnSize));
    if (!txn)
      return txn.error().with_context(
          fmt::format("Transaction index {} entry {}", path_.string(), pos / kAbortedTxnSize));
    if (txn->last_offset < start_offset_) {
      return Error(StorageErrc::corrupt_index,
                   fmt::format("Last offset of aborted transaction (producerId={}, firstOffset={}, lastOffset={}) in "
                               "index {} is less than start offset {}",
                               txn->producer_id, txn->first_offset, txn->last_offset, path_.string(), start_offset_));
    }
  }
  return success();
}

result<void> TransactionIndex::flush() {
  if (fd_.valid() && ::fsync(fd_.get()) != 0) return errno_error("fsync", path_, errno);
  return success();
}

result<void> TransactionIndex::close() { return fd_.close(path_); }

result<void> TransactionIndex::rename_to(const std::filesystem::path& new_path) {
  // Like Kafka, renaming an index whose file was never created only changes the name it will use.
  if (fd_.valid() && ::rename(path_.c_str(), new_path.c_str()) != 0) {
    return errno_error(fmt::format("rename to {}", new_path.string()), path_, errno);
  }
  path_ = new_path;
  return success();
}

result<bool> TransactionIndex::delete_if_exists() {
  fd_ = UniqueFd();
  size_ = 0;
  last_offset_.reset();
  if (::unlink(path_.c_str()) != 0) {
    if (errno == ENOENT) return false;
    return errno_error("unlink", path_, errno);
  }
  return true;
}

}  // namespace strata::storage
