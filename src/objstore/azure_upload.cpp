#include "objstore/azure_upload.h"

#include <fmt/format.h>

#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/this_coro.hpp>
#include <atomic>
#include <memory>
#include <random>

#include "base/clock.h"
#include "base/crc32c.h"
#include "objstore/azure_errors.h"
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

asio::awaitable<result<void>> AzureUpload::send_pending() {
  const size_t first = block_ids_.size();
  if (first + pending_.size() > AzureOptions::kMaxBlocks) {
    co_return Error(ObjstoreErrc::invalid_argument,
                    fmt::format("upload {}: more than {} blocks of {} bytes; raise the block size", key(),
                                AzureOptions::kMaxBlocks, store_.options_.block_size));
  }
  std::vector<AzureRequest> requests;  // paths relative to the container, as send() takes them
  std::vector<std::string> ids;
  std::vector<std::string> whats;
  for (size_t i = 0; i < pending_.size(); ++i) {
    ids.push_back(base64(as_bytes_view(fmt::format("{}{:08d}", upload_id_, first + i))));
    AzureRequest request;
    request.method = "PUT";
    request.path = store_.blob_path(key());
    request.query = {{"comp", "block"}, {"blockid", ids.back()}};
    request.body = pending_[i];
    requests.push_back(std::move(request));
    whats.push_back(fmt::format("upload {} block {}", key(), first + i));
  }
  // On the pool: the MD5s (Content-MD5 is signed, so they come first), then one round of
  // parallel Put Blocks.
  auto cancel = std::make_shared<std::atomic<bool>>(false);
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  asio::cancellation_slot slot = state.slot();
  if (slot.is_connected()) slot.assign([cancel](asio::cancellation_type) { cancel->store(true); });
  auto perform = [this, &requests, &whats, cancel]() {
    std::vector<HttpRequest> signed_requests;
    const int64_t now = system_clock().now_wall_ms() / 1000;
    for (AzureRequest& request : requests) {
      request.headers.emplace_back("Content-MD5", base64(md5(request.body)));
      AzureRequest full = request;
      full.path = store_.container_path_ + full.path;
      signed_requests.push_back(store_.signer_.sign(full, now));
      signed_requests.back().cancel = cancel.get();
    }
    std::vector<result<HttpResponse>> answers = store_.http_.perform_many(signed_requests, whats);
    std::vector<result<void>> out;
    for (size_t i = 0; i < answers.size(); ++i) {
      if (!answers[i]) {
        out.emplace_back(answers[i].error());
      } else if (answers[i]->status < 200 || answers[i]->status >= 300) {
        out.emplace_back(azure_error(*answers[i], whats[i]));
      } else {
        out.emplace_back(success());
      }
    }
    return out;
  };
  std::vector<result<void>> outcomes = co_await offload(store_.pool_.get_executor(), std::move(perform));
  if (slot.is_connected()) slot.clear();
  for (size_t i = 0; i < requests.size(); ++i) {
    if (!outcomes[i] && is_retryable(outcomes[i].error())) {
      result<HttpResponse> again = co_await store_.send(std::move(requests[i]), whats[i], nullptr);
      outcomes[i] = again ? result<void>(success()) : result<void>(again.error());
    }
    OBJSTORE_CO_TRY(outcomes[i]);
  }
  block_ids_.insert(block_ids_.end(), ids.begin(), ids.end());
  pending_.clear();
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
      pending_.push_back(std::move(block_));
      block_ = bytes();
      if (pending_.size() == store_.options_.upload_parallelism) {
        const bool cancelled = co_await cancellation_requested();
        if (cancelled) co_return cancelled_error("upload " + key() + ": write");
        OBJSTORE_CO_TRY(co_await send_pending());
      }
    }
  }
  co_return success();
}

asio::awaitable<result<ObjectInfo>> AzureUpload::do_complete() {
  const bool blocks = !block_ids_.empty() || !pending_.empty();
  if (blocks) {
    if (!block_.empty()) pending_.push_back(std::move(block_));
    block_ = bytes();
    OBJSTORE_CO_TRY(co_await send_pending());
  }
  // Never filled a block: one Put Blob of what there is.
  const bytes_view single = blocks ? bytes_view() : bytes_view(block_);
  const std::vector<std::string> ids = block_ids_;
  result<ObjectInfo> info = co_await store_.publish(key(), single, ids, crc_, size_, options_);
  block_ = bytes();
  co_return info;
}

asio::awaitable<result<void>> AzureUpload::do_abort() {
  // Uncommitted blocks are invisible and expire on their own: nothing to send.
  block_ = bytes();
  pending_.clear();
  block_ids_.clear();
  co_return success();
}

}  // namespace strata::objstore
