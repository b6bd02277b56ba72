#include "objstore/azure_upload.h"

#include <fmt/format.h>

#include <random>

#include "base/crc32c.h"
#include "objstore/azure_object_store.h"
#include "objstore/coro_support.h"
#include "objstore/s3_digest.h"

namespace strata::objstore {

namespace {

std::string random_upload_id() {
  static thread_local std::mt19937_64 rng(std::random_device{}());
  return fmt::format("{:016x}", rng());
}

}  // namespace

AzureUpload::AzureUpload(AzureObjectStore& store, std::string key, PutOptions options)
    : Upload(std::move(key)), store_(store), options_(std::move(options)), upload_id_(random_upload_id()) {}

asio::awaitable<result<void>> AzureUpload::send_block() {
  const size_t index = block_ids_.size();
  if (index >= AzureOptions::kMaxBlocks) {
    co_return Error(ObjstoreErrc::invalid_argument,
                    fmt::format("upload {}: more than {} blocks of {} bytes; raise the block size", key(),
                                AzureOptions::kMaxBlocks, store_.options_.block_size));
  }
  const std::string id = base64(as_bytes_view(fmt::format("{}{:08d}", upload_id_, index)));
  AzureRequest request;
  request.method = "PUT";
  request.path = store_.blob_path(key());
  request.query = {{"comp", "block"}, {"blockid", id}};
  request.headers.emplace_back("Content-MD5", base64(md5(block_)));
  request.body = block_;
  const std::string what = fmt::format("upload {} block {}", key(), index);
  OBJSTORE_CO_TRY(co_await store_.send(std::move(request), what, nullptr));
  block_ids_.push_back(id);
  block_.clear();
  co_return success();
}

asio::awaitable<result<void>> AzureUpload::do_write(bytes_view data) {
  crc_ = crc32c::extend(crc_, data);
  size_ += data.size();
  const size_t block_size = store_.options_.block_size;
  while (!data.empty()) {
    const size_t n = std::min(data.size(), block_size - block_.size());
    block_.insert(block_.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n));
    data = data.subspan(n);
    if (block_.size() == block_size) {
      const bool cancelled = co_await cancellation_requested();
      if (cancelled) co_return cancelled_error("upload " + key() + ": write");
      OBJSTORE_CO_TRY(co_await send_block());
    }
  }
  co_return success();
}

asio::awaitable<result<ObjectInfo>> AzureUpload::do_complete() {
  if (!block_ids_.empty() && !block_.empty()) OBJSTORE_CO_TRY(co_await send_block());
  const bytes_view single = block_ids_.empty() ? bytes_view(block_) : bytes_view();
  const std::vector<std::string> ids = block_ids_;
  result<ObjectInfo> info = co_await store_.publish(key(), single, ids, crc_, size_, options_);
  block_ = bytes();
  co_return info;
}

asio::awaitable<result<void>> AzureUpload::do_abort() {
  // Uncommitted blocks are invisible and expire on their own: nothing to send.
  block_ = bytes();
  block_ids_.clear();
  co_return success();
}

}  // namespace strata::objstore
