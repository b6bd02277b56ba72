#include "objstore/faulty_object_store.h"

#include <fmt/format.h>

#include <cstring>

#include "objstore/coro_support.h"

namespace strata::objstore {

std::string_view to_string(FaultOp op) {
  switch (op) {
    case FaultOp::put: return "put";
    case FaultOp::upload: return "upload";
    case FaultOp::get: return "get";
    case FaultOp::head: return "head";
    case FaultOp::list: return "list";
    case FaultOp::remove: return "remove";
  }
  return "unknown";
}

// ---- FaultyUpload ----

class FaultyUpload final : public Upload {
 public:
  FaultyUpload(FaultyObjectStore& store, std::unique_ptr<Upload> inner)
      : Upload(inner->key()), store_(store), inner_(std::move(inner)) {}
  // Destroying inner_ aborts it if it is still open.

 protected:
  asio::awaitable<result<void>> do_write(bytes_view data) override {
    OBJSTORE_CO_TRY(co_await store_.before(FaultOp::upload, "upload " + key() + ": write"));
    const std::optional<uint64_t> limit = store_.config().fail_put_after_bytes;
    if (limit && sent_ + data.size() > *limit) {
      // Invariant: sent_ <= *limit, since the write that crossed the limit failed the upload.
      const uint64_t passed = *limit - sent_;
      if (passed > 0) OBJSTORE_CO_TRY(co_await inner_->write(data.first(passed)));
      sent_ += passed;
      co_return store_.injected(FaultOp::upload, ObjstoreErrc::transient, "upload " + key(),
                                fmt::format("connection cut after {} bytes", *limit));
    }
    OBJSTORE_CO_TRY(co_await inner_->write(data));
    sent_ += data.size();
    co_return success();
  }

  asio::awaitable<result<ObjectInfo>> do_complete() override {
    OBJSTORE_CO_TRY(co_await store_.before(FaultOp::upload, "upload " + key() + ": complete"));
    co_return co_await inner_->complete();
  }

  asio::awaitable<result<void>> do_abort() override { co_return co_await inner_->abort(); }

 private:
  FaultyObjectStore& store_;
  std::unique_ptr<Upload> inner_;
  uint64_t sent_ = 0;  // bytes passed on to inner_
};

// ---- FaultyObjectStore ----

FaultyObjectStore::FaultyObjectStore(ObjectStore& inner, uint64_t seed, Sleeper& sleeper)
    : inner_(inner), sleeper_(sleeper), rng_(seed) {}

void FaultyObjectStore::set_config(FaultConfig config) {
  std::lock_guard lock(mu_);
  config_ = config;
}

FaultConfig FaultyObjectStore::config() const {
  std::lock_guard lock(mu_);
  return config_;
}

void FaultyObjectStore::set_outage(bool on) {
  std::lock_guard lock(mu_);
  config_.outage = on;
}

uint64_t FaultyObjectStore::injected_faults(FaultOp op) const { return injected_[static_cast<size_t>(op)].load(); }

uint64_t FaultyObjectStore::injected_faults_total() const {
  uint64_t total = 0;
  for (const auto& count : injected_) total += count.load();
  return total;
}

Error FaultyObjectStore::injected(FaultOp op, ObjstoreErrc kind, std::string_view what, std::string_view how) {
  injected_[static_cast<size_t>(op)].fetch_add(1);
  return Error(kind, fmt::format("{}: injected fault: {} ({})", what, how, describe()));
}

asio::awaitable<result<void>> FaultyObjectStore::before(FaultOp op, std::string what) {
  const std::chrono::nanoseconds latency = config().latency;
  if (latency > std::chrono::nanoseconds::zero()) OBJSTORE_CO_TRY(co_await sleeper_.sleep(latency));
  bool outage = false;
  bool drawn = false;
  ObjstoreErrc kind = ObjstoreErrc::transient;
  {
    std::lock_guard lock(mu_);
    outage = config_.outage;
    const double rate = config_.error_rate[static_cast<size_t>(op)];
    // Draw only when a rate is set, so that turning faults on for one kind of operation leaves
    // the sequence of another kind's faults as it was.
    if (!outage && rate > 0) drawn = std::uniform_real_distribution<double>(0, 1)(rng_) < rate;
    kind = config_.injected_error;
  }
  if (outage) co_return injected(op, ObjstoreErrc::transient, what, "the store is unreachable (outage)");
  if (drawn) co_return injected(op, kind, what, fmt::format("{} error", to_string(op)));
  co_return success();
}

asio::awaitable<result<ObjectInfo>> FaultyObjectStore::do_put(std::string key, bytes_view data, PutOptions options) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::put, "put " + key));
  const std::optional<uint64_t> limit = config().fail_put_after_bytes;
  if (!limit || data.size() <= *limit) co_return co_await inner_.put(std::move(key), data, std::move(options));
  // The connection drops after `limit` bytes: the store has received a prefix of the object in
  // an upload that is never completed.
  OBJSTORE_CO_TRY_ASSIGN(std::unique_ptr<Upload> upload, co_await inner_.start_upload(key, std::move(options)));
  result<void> written = co_await upload->write(data.first(*limit));
  result<void> aborted = co_await upload->abort();
  (void)written;
  (void)aborted;
  co_return injected(FaultOp::put, ObjstoreErrc::transient, "put " + key,
                     fmt::format("connection cut after {} bytes", *limit));
}

asio::awaitable<result<std::unique_ptr<Upload>>> FaultyObjectStore::do_start_upload(std::string key,
                                                                                    PutOptions options) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::upload, "start upload " + key));
  OBJSTORE_CO_TRY_ASSIGN(std::unique_ptr<Upload> inner,
                         co_await inner_.start_upload(std::move(key), std::move(options)));
  co_return std::unique_ptr<Upload>(std::make_unique<FaultyUpload>(*this, std::move(inner)));
}

asio::awaitable<result<GetResult>> FaultyObjectStore::get_with_cut(std::string key, Sink sink, GetOptions options) {
  const std::optional<uint64_t> limit = config().fail_get_after_bytes;
  if (!limit) co_return co_await inner_.get(std::move(key), std::move(sink), options);
  uint64_t delivered = 0;
  const std::string what = "get " + key;
  Sink cutting = [&](bytes_view chunk) -> asio::awaitable<result<void>> {
    if (delivered + chunk.size() > *limit) {
      const uint64_t passed = *limit - delivered;
      if (passed > 0) OBJSTORE_CO_TRY(co_await sink(chunk.first(passed)));
      delivered += passed;
      co_return injected(FaultOp::get, ObjstoreErrc::transient, what,
                         fmt::format("connection cut after {} bytes", *limit));
    }
    OBJSTORE_CO_TRY(co_await sink(chunk));
    delivered += chunk.size();
    co_return success();
  };
  co_return co_await inner_.get(std::move(key), std::move(cutting), options);
}

asio::awaitable<result<GetResult>> FaultyObjectStore::do_get(std::string key, Sink sink, GetOptions options) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::get, "get " + key));
  co_return co_await get_with_cut(std::move(key), std::move(sink), options);
}

asio::awaitable<result<uint64_t>> FaultyObjectStore::do_read(std::string key, uint64_t offset,
                                                             std::span<std::byte> out) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::get, "read " + key));
  if (!config().fail_get_after_bytes) co_return co_await inner_.read(std::move(key), offset, out);
  uint64_t filled = 0;
  Sink copy_into_out = [out, &filled](bytes_view chunk) -> asio::awaitable<result<void>> {
    std::memcpy(out.data() + filled, chunk.data(), chunk.size());
    filled += chunk.size();
    co_return success();
  };
  const GetOptions range{ByteRange{offset, out.size()}};  // named: see coro_support.h
  OBJSTORE_CO_TRY(co_await get_with_cut(std::move(key), std::move(copy_into_out), range));
  co_return filled;
}

asio::awaitable<result<ObjectInfo>> FaultyObjectStore::do_head(std::string key) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::head, "head " + key));
  co_return co_await inner_.head(std::move(key));
}

asio::awaitable<result<ListPage>> FaultyObjectStore::do_list(ListOptions options) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::list, "list '" + options.prefix + "'"));
  co_return co_await inner_.list(std::move(options));
}

asio::awaitable<result<void>> FaultyObjectStore::do_remove(std::string key) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::remove, "delete " + key));
  co_return co_await inner_.remove(std::move(key));
}

asio::awaitable<result<std::vector<DeleteFailure>>> FaultyObjectStore::do_remove_batch(std::vector<std::string> keys) {
  OBJSTORE_CO_TRY(co_await before(FaultOp::remove, fmt::format("delete {} keys", keys.size())));
  co_return co_await inner_.remove_batch(std::move(keys));
}

}  // namespace strata::objstore
