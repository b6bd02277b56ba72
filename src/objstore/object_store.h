// One object-store interface for every backend (filesystem, S3, Azure Blob, GCS) and for the
// fault-injecting wrapper (issue 6). Tiered storage and backups move every byte that leaves the
// broker through it, so its contract is written down here and checked for every backend by one
// conformance suite (tests/conformance.h).
//
// Execution: every operation is an asio::awaitable (C++20 coroutine) that runs on, and completes
// on, the awaiting coroutine's executor; backends push blocking work onto their own pools
// (coro_support.h). Every operation is cancellable with Asio per-operation cancellation (a
// cancellation slot bound to the co_spawn, or `op || timer`): it stops at its next safe point and
// returns ObjstoreErrc::cancelled, having published nothing, or, if its work was already done,
// its normal result. (A caller that keeps awaiting after requesting
// its own cancellation turns off Asio's throw_if_cancelled, or Asio throws at its next co_await.)
// Errors are values: result<T> with an ObjstoreErrc (errc.h).
//
// Semantics, the same for every backend (S3's, where backends differ):
//   - Keys are UTF-8 strings of 1..kMaxKeySize bytes, '/'-separated into non-empty components
//     other than "." and ".."; no leading or trailing '/', no control characters (validate_key).
//     Listing order is the bytewise order of keys. A key may be both an object and a prefix of
//     other keys ("a/b" and "a/b/c").
//   - Writes are atomic: a reader sees the old object or the new one, never a mix, and a failed,
//     aborted or cancelled write leaves nothing visible.
//   - Every object carries a checksum that readers verify; bad bytes are reported as
//     ObjstoreErrc::corrupt, never returned as good data (see get() for what a sink may see).
//   - Deleting a missing key succeeds.
//
// Lifetime: a store must outlive every operation and every Upload it created. Stores are safe to
// use from several event loops at once; an Upload is used by one coroutine at a time.
//
// No function here has a defaulted parameter of class type: GCC 12 builds such a default
// argument wrongly when the call is inside a co_await expression (the callee sees garbage), so
// the shorter forms are overloads. Callers must likewise name option structs before awaiting
// (rule 3 in coro_support.h).
#pragma once

#include <asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/bytes.h"
#include "base/result.h"
#include "objstore/errc.h"

namespace strata::objstore {

// S3's and Azure's limit on a key, in bytes.
inline constexpr size_t kMaxKeySize = 1024;
// S3's limit on user metadata: the bytes of all keys and values together.
inline constexpr size_t kMaxMetadataSize = 2048;
// A metadata key is [a-z][a-z0-9_]* of at most this many bytes: the names S3 and Azure both keep
// as they are (Azure requires C# identifiers; both compare them case-insensitively).
inline constexpr size_t kMaxMetadataKeySize = 128;
// Metadata keys starting with this are reserved for the backends' own bookkeeping.
inline constexpr std::string_view kReservedMetadataPrefix = "strata_";
// The most keys one list() page returns (S3 ListObjectsV2's cap); larger max_keys are lowered.
inline constexpr uint32_t kMaxListKeys = 1000;

// User metadata stored with an object: small string pairs, ordered by key.
using Metadata = std::map<std::string, std::string, std::less<>>;

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;  // bytes of the object's data
  // Opaque; differs between two writes of the key (the filesystem backend) or at least between
  // two different contents (S3's MD5-based ETag).
  std::string etag;
  std::optional<uint32_t> crc32c;  // CRC32C of the whole object, when the backend knows it
  int64_t last_modified_ms = 0;    // milliseconds since the Unix epoch
  Metadata metadata;               // filled by head() and get(); empty in list() results
};

struct PutOptions {
  Metadata metadata;
  // Conditional create: fail with ObjstoreErrc::precondition_failed, leaving the existing object
  // untouched, if the key exists when the write would be published. Atomic against concurrent
  // writers of the same key: of several racing creators exactly one succeeds.
  bool if_absent = false;
};

// A byte range of an object: `length` bytes from `offset`. A range that runs past the end of the
// object is cut at the end (HTTP semantics); one that starts at or past the end fails with
// ObjstoreErrc::invalid_range. `length` must be at least 1.
struct ByteRange {
  static constexpr uint64_t kToEnd = std::numeric_limits<uint64_t>::max();

  uint64_t offset = 0;
  uint64_t length = kToEnd;

  static ByteRange from(uint64_t offset) { return ByteRange{offset, kToEnd}; }
};

struct GetOptions {
  std::optional<ByteRange> range;  // none: the whole object
};

// What a get() delivered.
struct GetResult {
  ObjectInfo object;    // the object the bytes came from (all of it, not only the range)
  uint64_t offset = 0;  // first byte delivered
  uint64_t length = 0;  // number of bytes delivered
};

// Receives an object's bytes in order, in chunks of a backend-chosen size (bounded, so that no
// whole object is held in memory), on the caller's executor. `chunk` is valid only until the
// returned awaitable completes. Returning an error stops the get, which returns that error.
using Sink = std::function<asio::awaitable<result<void>>(bytes_view chunk)>;

struct ListOptions {
  std::string prefix;                // only keys starting with this
  std::string delimiter;             // when not empty, keys with the delimiter after the prefix are rolled
                                     // up into common prefixes (prefix + text up to the delimiter, inclusive)
  std::string continuation;          // from the previous page; empty for the first page
  uint32_t max_keys = kMaxListKeys;  // objects + common prefixes per page, 1..kMaxListKeys
};

struct ListPage {
  std::vector<ObjectInfo> objects;           // in key order, without metadata
  std::vector<std::string> common_prefixes;  // in order; each appears in one page only
  // Non-empty when more results follow: pass it back as ListOptions::continuation, with the same
  // prefix and delimiter.
  std::string continuation;

  bool truncated() const { return !continuation.empty(); }
};

struct DeleteFailure {
  std::string key;
  Error error;
};

// A streamed write of one object (S3 multipart upload, Azure block list, a staging file). The
// object becomes visible atomically when complete() succeeds, and not before.
//
// States: open -> completed | aborted. A failed write() or complete() aborts the upload (best
// effort) before returning the error; later calls return that error again. Destroying an upload
// that is neither completed nor aborted aborts it in the background.
class Upload {
 public:
  Upload(const Upload&) = delete;
  Upload& operator=(const Upload&) = delete;
  virtual ~Upload() = default;

  const std::string& key() const { return key_; }
  // Bytes accepted by write() so far.
  uint64_t bytes_written() const { return bytes_written_; }

  // Appends `data`, which is borrowed until the returned awaitable completes. An empty write is
  // accepted and does nothing.
  asio::awaitable<result<void>> write(bytes_view data);
  // Publishes the object with everything written so far.
  asio::awaitable<result<ObjectInfo>> complete();
  // Discards everything written. Idempotent; a no-op after complete().
  asio::awaitable<result<void>> abort();

 protected:
  explicit Upload(std::string key) : key_(std::move(key)) {}

  // Called in state open only, one at a time.
  virtual asio::awaitable<result<void>> do_write(bytes_view data) = 0;
  virtual asio::awaitable<result<ObjectInfo>> do_complete() = 0;
  // Called at most once, in state open.
  virtual asio::awaitable<result<void>> do_abort() = 0;

  // True while neither complete() nor abort() has run: a backend's destructor then cleans up.
  bool is_open() const { return state_ == State::open; }

 private:
  enum class State { open, completed, aborted };

  asio::awaitable<result<void>> write_checked(bytes_view data);
  asio::awaitable<result<ObjectInfo>> complete_checked();
  asio::awaitable<result<void>> abort_checked();
  // Checks that a call may start: not after a failure or after the end, not during another call.
  result<void> check_callable(std::string_view call) const;
  // Aborts after a failure and remembers `error`, which later calls return.
  asio::awaitable<Error> fail(Error error);

  std::string key_;
  State state_ = State::open;
  bool busy_ = false;             // a call is running (an Upload is used by one coroutine at a time)
  std::optional<Error> failure_;  // set when a write or complete failed
  uint64_t bytes_written_ = 0;
};

class ObjectStore {
 public:
  ObjectStore() = default;
  ObjectStore(const ObjectStore&) = delete;
  ObjectStore& operator=(const ObjectStore&) = delete;
  virtual ~ObjectStore() = default;

  // Where the store is, for logs and messages: "file:///var/lib/strata/objects". Never a secret.
  virtual std::string describe() const = 0;

  // Writes a whole object in one call; `data` is borrowed until the awaitable completes.
  asio::awaitable<result<ObjectInfo>> put(std::string key, bytes_view data, PutOptions options);
  asio::awaitable<result<ObjectInfo>> put(std::string key, bytes_view data) {
    return put(std::move(key), data, PutOptions{});
  }

  // Starts a streamed write of an object too large for one buffer. Nothing is visible until the
  // upload completes; if_absent is checked at completion.
  asio::awaitable<result<std::unique_ptr<Upload>>> start_upload(std::string key, PutOptions options);
  asio::awaitable<result<std::unique_ptr<Upload>>> start_upload(std::string key) {
    return start_upload(std::move(key), PutOptions{});
  }

  // Streams the object, or a range of it, into `sink`. The bytes are verified against the
  // object's checksum: a backend that verifies per block (filesystem) never passes bad bytes to
  // the sink; one that can only verify at the end (a whole-object checksum) returns
  // ObjstoreErrc::corrupt after the last chunk. Either way, what the sink received is good only
  // if get() succeeds.
  asio::awaitable<result<GetResult>> get(std::string key, Sink sink, GetOptions options);
  asio::awaitable<result<GetResult>> get(std::string key, Sink sink) {
    return get(std::move(key), std::move(sink), GetOptions{});
  }

  // Reads min(out.size(), size - offset) bytes from `offset` into `out` (borrowed until the
  // awaitable completes) and returns how many. `out` must not be empty; `offset` at or past the
  // end fails with ObjstoreErrc::invalid_range.
  asio::awaitable<result<uint64_t>> read(std::string key, uint64_t offset, std::span<std::byte> out);

  // Size, checksum, etag and metadata of an object.
  asio::awaitable<result<ObjectInfo>> head(std::string key);

  // One page of the keys under a prefix, in key order.
  asio::awaitable<result<ListPage>> list(ListOptions options);

  // Deletes one object; deleting a missing key succeeds.
  asio::awaitable<result<void>> remove(std::string key);

  // Deletes many objects (any number; backends split into requests of their own size). The
  // value lists the keys that could not be deleted; missing keys count as deleted. The call fails
  // as a whole only when no key could be attempted (e.g. an outage or cancellation before start).
  asio::awaitable<result<std::vector<DeleteFailure>>> remove_batch(std::vector<std::string> keys);

 protected:
  // Backends implement these. The public functions above have already validated keys, metadata,
  // ranges and list options, and run these with cancellation reported as a value
  // (coro_support.h).
  virtual asio::awaitable<result<ObjectInfo>> do_put(std::string key, bytes_view data, PutOptions options) = 0;
  virtual asio::awaitable<result<std::unique_ptr<Upload>>> do_start_upload(std::string key, PutOptions options) = 0;
  virtual asio::awaitable<result<GetResult>> do_get(std::string key, Sink sink, GetOptions options) = 0;
  // Default: do_get() with a sink that copies into `out`.
  virtual asio::awaitable<result<uint64_t>> do_read(std::string key, uint64_t offset, std::span<std::byte> out);
  virtual asio::awaitable<result<ObjectInfo>> do_head(std::string key) = 0;
  // options.max_keys is already within 1..kMaxListKeys.
  virtual asio::awaitable<result<ListPage>> do_list(ListOptions options) = 0;
  virtual asio::awaitable<result<void>> do_remove(std::string key) = 0;
  // Default: do_remove() key by key, stopping early (with the rest reported as cancelled) on
  // cancellation.
  virtual asio::awaitable<result<std::vector<DeleteFailure>>> do_remove_batch(std::vector<std::string> keys);
};

// Checks a key against the rules above; the error says which rule it breaks.
result<void> validate_key(std::string_view key);
// Checks metadata keys ([a-z][a-z0-9_]*, not reserved), values (printable ASCII) and total size.
result<void> validate_metadata(const Metadata& metadata);

// Reads a whole object, or a range, into memory. For small objects (manifests, indexes) only.
asio::awaitable<result<bytes>> get_bytes(ObjectStore& store, std::string key, std::optional<ByteRange> range);
inline asio::awaitable<result<bytes>> get_bytes(ObjectStore& store, std::string key) {
  return get_bytes(store, std::move(key), std::nullopt);
}

}  // namespace strata::objstore
