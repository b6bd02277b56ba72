// A fault-injecting wrapper over any ObjectStore, for tests (issue 6): added latency, an error
// rate per kind of operation drawn from a seeded RNG (the same seed gives the same faults for the
// same sequence of calls), transfers cut after N bytes, and a full outage switch.
//
// Faults are injected where a network would cause them: before the request reaches the store
// (latency, errors, outage), or in the middle of a transfer (cut after N bytes), where the store
// has received part of the object and the client's upload is aborted, as a dropped connection
// leaves it. The wrapper never makes a partial object visible by itself; tests use it to check
// that the store and its callers don't either. Aborts pass through unfaulted so that tests can
// check the cleanup.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "objstore/object_store.h"
#include "objstore/retry.h"

namespace strata::objstore {

// Kinds of operation with their own error rate. `upload` covers start_upload() and the writes
// and completion of a streamed upload; `put` the one-call put(); `get` get() and read(); `remove`
// remove() and remove_batch().
enum class FaultOp { put, upload, get, head, list, remove };
inline constexpr size_t kFaultOpCount = 6;
std::string_view to_string(FaultOp op);

struct FaultConfig {
  // Every operation fails with ObjstoreErrc::transient before reaching the store.
  bool outage = false;
  // Added before every operation (and every upload write).
  std::chrono::nanoseconds latency{0};
  // Probability in [0, 1] that an operation of each kind fails before reaching the store.
  std::array<double, kFaultOpCount> error_rate{};
  // The kind of the errors drawn at error_rate.
  ObjstoreErrc injected_error = ObjstoreErrc::transient;
  // A put or upload fails (transient) once it would send more than this many bytes; the store
  // receives exactly this many, and the upload is aborted.
  std::optional<uint64_t> fail_put_after_bytes;
  // A get or read fails (transient) once it would deliver more than this many bytes; the sink
  // receives exactly this many first.
  std::optional<uint64_t> fail_get_after_bytes;

  FaultConfig& with_error_rate(FaultOp op, double rate) {
    error_rate[static_cast<size_t>(op)] = rate;
    return *this;
  }
};

class FaultyObjectStore final : public ObjectStore {
 public:
  // `inner` and `sleeper` (for latency) must outlive the wrapper.
  FaultyObjectStore(ObjectStore& inner, uint64_t seed, Sleeper& sleeper = timer_sleeper());

  // Changes take effect for operations that start afterwards (and for the next write of an
  // upload). Safe to call from any thread.
  void set_config(FaultConfig config);
  FaultConfig config() const;
  void set_outage(bool on);

  // How many faults of each kind of operation were injected so far.
  uint64_t injected_faults(FaultOp op) const;
  uint64_t injected_faults_total() const;

  std::string describe() const override { return "faulty(" + inner_.describe() + ")"; }

 protected:
  asio::awaitable<result<ObjectInfo>> do_put(std::string key, bytes_view data, PutOptions options) override;
  asio::awaitable<result<std::unique_ptr<Upload>>> do_start_upload(std::string key, PutOptions options) override;
  asio::awaitable<result<GetResult>> do_get(std::string key, Sink sink, GetOptions options) override;
  asio::awaitable<result<uint64_t>> do_read(std::string key, uint64_t offset, std::span<std::byte> out) override;
  asio::awaitable<result<ObjectInfo>> do_head(std::string key) override;
  asio::awaitable<result<ListPage>> do_list(ListOptions options) override;
  asio::awaitable<result<void>> do_remove(std::string key) override;
  asio::awaitable<result<std::vector<DeleteFailure>>> do_remove_batch(std::vector<std::string> keys) override;

 private:
  friend class FaultyUpload;

  // What happens before a request reaches the store: the latency, then the outage or an error
  // drawn at the operation's rate.
  asio::awaitable<result<void>> before(FaultOp op, std::string what);
  // The error for a fault injected into `op`, counted.
  Error injected(FaultOp op, ObjstoreErrc kind, std::string_view what, std::string_view how);
  // get() past the faults injected before it: cuts the transfer after fail_get_after_bytes.
  asio::awaitable<result<GetResult>> get_with_cut(std::string key, Sink sink, GetOptions options);

  ObjectStore& inner_;
  Sleeper& sleeper_;
  mutable std::mutex mu_;
  FaultConfig config_;   // guarded by mu_
  std::mt19937_64 rng_;  // guarded by mu_
  std::array<std::atomic<uint64_t>, kFaultOpCount> injected_{};
};

}  // namespace strata::objstore
