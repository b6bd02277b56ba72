#include "objstore/object_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "objstore/coro_support.h"

namespace strata::objstore {

namespace {

Error invalid(std::string message) { return Error(ObjstoreErrc::invalid_argument, std::move(message)); }

// Length of the UTF-8 sequence starting at s[i], or 0 if it is not a valid, shortest-form
// encoding of a code point outside the surrogates.
size_t utf8_sequence_length(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t len = 0;
  uint32_t cp = 0;
  uint32_t min_cp = 0;
  if ((lead & 0xE0) == 0xC0) {
    len = 2, cp = lead & 0x1F, min_cp = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    len = 3, cp = lead & 0x0F, min_cp = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    len = 4, cp = lead & 0x07, min_cp = 0x10000;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3F);
  }
  constexpr uint32_t kMaxCodePoint = 0x10FFFF;
  constexpr uint32_t kSurrogateFirst = 0xD800;
  constexpr uint32_t kSurrogateLast = 0xDFFF;
  if (cp < min_cp || cp > kMaxCodePoint || (cp >= kSurrogateFirst && cp <= kSurrogateLast)) return 0;
  return len;
}

bool is_control(unsigned char c) {
  constexpr unsigned char kFirstPrintable = 0x20;
  constexpr unsigned char kDelete = 0x7F;
  return c < kFirstPrintable || c == kDelete;
}

// Checks what keys and prefixes share: valid UTF-8 without control characters.
result<void> validate_text(std::string_view what, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const size_t len = utf8_sequence_length(s, i);
    if (len == 0) return invalid(fmt::format("{} is not valid UTF-8 (byte {})", what, i));
    if (len == 1 && is_control(static_cast<unsigned char>(s[i]))) {
      return invalid(fmt::format("{} contains a control character (byte {})", what, i));
    }
    i += len;
  }
  return success();
}

result<void> validate_range(const std::optional<ByteRange>& range) {
  if (range && range->length == 0) return invalid("a byte range must not be empty");
  return success();
}

// The checks every public operation makes before it reaches the backend, in one place so that
// every backend rejects the same requests: validation, then cancellation requested already.
template <class T>
asio::awaitable<result<T>> start_checked(std::string what, result<void> valid, asio::awaitable<result<T>> op) {
  if (!valid) co_return valid.error().with_context(what);
  const bool cancelled = co_await cancellation_requested();
  if (cancelled) co_return cancelled_error(what);
  co_return co_await std::move(op);
}

template <class T>
asio::awaitable<result<T>> checked(std::string what, result<void> valid, asio::awaitable<result<T>> op) {
  return with_cancellation_as_value(start_checked(std::move(what), std::move(valid), std::move(op)));
}

}  // namespace

result<void> validate_key(std::string_view key) {
  if (key.empty()) return invalid("the key is empty");
  if (key.size() > kMaxKeySize) {
    return invalid(fmt::format("the key is {} bytes long; the limit is {}", key.size(), kMaxKeySize));
  }
  STRATA_TRY(validate_text(fmt::format("key '{}'", key), key));
  if (key.front() == '/') return invalid(fmt::format("key '{}' starts with '/'", key));
  if (key.back() == '/') return invalid(fmt::format("key '{}' ends with '/'", key));
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    const std::string_view component = key.substr(start, end - start);
    if (component.empty()) return invalid(fmt::format("key '{}' has an empty component ('//')", key));
    if (component == "." || component == "..") {
      return invalid(fmt::format("key '{}' has a '{}' component", key, component));
    }
    start = end + 1;
  }
  return success();
}

result<void> validate_metadata(const Metadata& metadata) {
  size_t total = 0;
  for (const auto& [key, value] : metadata) {
    if (key.empty() || key.size() > kMaxMetadataKeySize) {
      return invalid(fmt::format("metadata key '{}' must be 1 to {} bytes", key, kMaxMetadataKeySize));
    }
    const bool starts_with_letter = key.front() >= 'a' && key.front() <= 'z';
    const bool identifier = std::all_of(
        key.begin(), key.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
    if (!starts_with_letter || !identifier) {
      return invalid(fmt::format("metadata key '{}' must match [a-z][a-z0-9_]*", key));
    }
    if (key.starts_with(kReservedMetadataPrefix)) {
      return invalid(fmt::format("metadata key '{}' uses the reserved prefix '{}'", key, kReservedMetadataPrefix));
    }
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (is_control(byte) || byte >= 0x80) {
        return invalid(fmt::format("metadata value of '{}' must be printable ASCII", key));
      }
    }
    total += key.size() + value.size();
  }
  if (total > kMaxMetadataSize) {
    return invalid(fmt::format("metadata is {} bytes; the limit is {}", total, kMaxMetadataSize));
  }
  return success();
}

// ---- Upload ----

result<void> Upload::check_callable(std::string_view call) const {
  if (busy_) {
    return invalid(fmt::format("upload {}: {} while another call runs (an upload is used by one coroutine at a time)",
                               key_, call));
  }
  if (failure_) return *failure_;
  if (state_ == State::completed) return invalid(fmt::format("upload {}: {} after complete", key_, call));
  if (state_ == State::aborted) return invalid(fmt::format("upload {}: {} after abort", key_, call));
  return success();
}

asio::awaitable<Error> Upload::fail(Error error) {
  failure_ = error;
  state_ = State::aborted;
  // Best effort: the failure is what the caller needs to see, not a failed cleanup.
  result<void> aborted = co_await do_abort();
  (void)aborted;
  co_return error;
}

asio::awaitable<result<void>> Upload::write(bytes_view data) { return with_cancellation_as_value(write_checked(data)); }

asio::awaitable<result<void>> Upload::write_checked(bytes_view data) {
  OBJSTORE_CO_TRY(check_callable("write"));
  busy_ = true;
  result<void> r = success();
  const bool cancelled = co_await cancellation_requested();
  if (cancelled) {
    r = cancelled_error("upload " + key_ + ": write");
  } else if (!data.empty()) {
    r = co_await do_write(data);
  }
  if (!r) {
    Error error = co_await fail(std::move(r).error());
    busy_ = false;
    co_return error;
  }
  bytes_written_ += data.size();
  busy_ = false;
  co_return success();
}

asio::awaitable<result<ObjectInfo>> Upload::complete() { return with_cancellation_as_value(complete_checked()); }

asio::awaitable<result<ObjectInfo>> Upload::complete_checked() {
  OBJSTORE_CO_TRY(check_callable("complete"));
  busy_ = true;
  const bool cancelled = co_await cancellation_requested();
  if (cancelled) {
    Error error = co_await fail(cancelled_error("upload " + key_ + ": complete"));
    busy_ = false;
    co_return error;
  }
  result<ObjectInfo> r = co_await do_complete();
  if (!r) {
    Error error = co_await fail(std::move(r).error());
    busy_ = false;
    co_return error;
  }
  state_ = State::completed;
  busy_ = false;
  co_return r;
}

asio::awaitable<result<void>> Upload::abort() { return with_cancellation_as_value(abort_checked()); }

asio::awaitable<result<void>> Upload::abort_checked() {
  if (busy_) co_return check_callable("abort");
  // Aborting is always allowed and idempotent: after a failure the upload is aborted already,
  // after complete() there is nothing left to abort.
  if (state_ != State::open) co_return success();
  busy_ = true;
  state_ = State::aborted;
  // Runs even when cancellation was requested: it is the cleanup.
  result<void> r = co_await do_abort();
  busy_ = false;
  co_return r;
}

// ---- ObjectStore ----

asio::awaitable<result<ObjectInfo>> ObjectStore::put(std::string key, bytes_view data, PutOptions options) {
  result<void> valid = validate_key(key);
  if (valid) valid = validate_metadata(options.metadata);
  std::string what = "put " + key;
  return checked(std::move(what), std::move(valid), do_put(std::move(key), data, std::move(options)));
}

asio::awaitable<result<std::unique_ptr<Upload>>> ObjectStore::start_upload(std::string key, PutOptions options) {
  result<void> valid = validate_key(key);
  if (valid) valid = validate_metadata(options.metadata);
  std::string what = "start upload " + key;
  return checked(std::move(what), std::move(valid), do_start_upload(std::move(key), std::move(options)));
}

asio::awaitable<result<GetResult>> ObjectStore::get(std::string key, Sink sink, GetOptions options) {
  result<void> valid = validate_key(key);
  if (valid) valid = validate_range(options.range);
  if (valid && !sink) valid = invalid("get needs a sink");
  std::string what = "get " + key;
  return checked(std::move(what), std::move(valid), do_get(std::move(key), std::move(sink), options));
}

asio::awaitable<result<uint64_t>> ObjectStore::read(std::string key, uint64_t offset, std::span<std::byte> out) {
  result<void> valid = validate_key(key);
  if (valid && out.empty()) valid = invalid("read needs a non-empty buffer");
  std::string what = "read " + key;
  return checked(std::move(what), std::move(valid), do_read(std::move(key), offset, out));
}

asio::awaitable<result<ObjectInfo>> ObjectStore::head(std::string key) {
  result<void> valid = validate_key(key);
  std::string what = "head " + key;
  return checked(std::move(what), std::move(valid), do_head(std::move(key)));
}

asio::awaitable<result<ListPage>> ObjectStore::list(ListOptions options) {
  result<void> valid = success();
  if (options.prefix.size() > kMaxKeySize) {
    valid = invalid(fmt::format("the prefix is {} bytes long; the limit is {}", options.prefix.size(), kMaxKeySize));
  } else if (options.delimiter.size() > kMaxKeySize) {
    valid =
        invalid(fmt::format("the delimiter is {} bytes long; the limit is {}", options.delimiter.size(), kMaxKeySize));
  } else if (options.max_keys == 0) {
    valid = invalid("max_keys must be at least 1");
  }
  if (valid) valid = validate_text("the prefix", options.prefix);
  if (valid) valid = validate_text("the delimiter", options.delimiter);
  options.max_keys = std::min(options.max_keys, kMaxListKeys);
  std::string what = "list '" + options.prefix + "'";
  return checked(std::move(what), std::move(valid), do_list(std::move(options)));
}

asio::awaitable<result<void>> ObjectStore::remove(std::string key) {
  result<void> valid = validate_key(key);
  std::string what = "delete " + key;
  return checked(std::move(what), std::move(valid), do_remove(std::move(key)));
}

asio::awaitable<result<std::vector<DeleteFailure>>> ObjectStore::remove_batch(std::vector<std::string> keys) {
  result<void> valid = success();
  for (const std::string& key : keys) {
    valid = validate_key(key);
    if (!valid) break;
  }
  std::string what = fmt::format("delete {} keys", keys.size());
  return checked(std::move(what), std::move(valid), do_remove_batch(std::move(keys)));
}

asio::awaitable<result<uint64_t>> ObjectStore::do_read(std::string key, uint64_t offset, std::span<std::byte> out) {
  uint64_t filled = 0;
  Sink copy_into_out = [out, &filled](bytes_view chunk) -> asio::awaitable<result<void>> {
    if (chunk.size() > out.size() - filled) {
      co_return Error(ObjstoreErrc::permanent, "the store returned more bytes than the range asked for");
    }
    std::memcpy(out.data() + filled, chunk.data(), chunk.size());
    filled += chunk.size();
    co_return success();
  };
  const GetOptions range{ByteRange{offset, out.size()}};  // named: see coro_support.h
  OBJSTORE_CO_TRY_ASSIGN(GetResult got, co_await do_get(key, std::move(copy_into_out), range));
  if (got.length != filled) {
    co_return Error(ObjstoreErrc::permanent,
                    fmt::format("read {}: the store reported {} bytes but delivered {}", key, got.length, filled));
  }
  co_return filled;
}

asio::awaitable<result<std::vector<DeleteFailure>>> ObjectStore::do_remove_batch(std::vector<std::string> keys) {
  std::vector<DeleteFailure> failures;
  for (size_t i = 0; i < keys.size(); ++i) {
    const bool cancelled = co_await cancellation_requested();
    if (cancelled) {
      for (size_t j = i; j < keys.size(); ++j) {
        failures.push_back(DeleteFailure{keys[j], cancelled_error("delete " + keys[j])});
      }
      break;
    }
    result<void> r = co_await do_remove(keys[i]);
    if (!r) failures.push_back(DeleteFailure{keys[i], std::move(r).error()});
  }
  co_return failures;
}

namespace {

asio::awaitable<result<bytes>> get_bytes_impl(ObjectStore& store, std::string key, std::optional<ByteRange> range) {
  bytes out;
  Sink append = [&out](bytes_view chunk) -> asio::awaitable<result<void>> {
    out.insert(out.end(), chunk.begin(), chunk.end());
    co_return success();
  };
  const GetOptions options{range};  // named: see coro_support.h
  OBJSTORE_CO_TRY(co_await store.get(std::move(key), std::move(append), options));
  co_return out;
}

}  // namespace

asio::awaitable<result<bytes>> get_bytes(ObjectStore& store, std::string key, std::optional<ByteRange> range) {
  return with_cancellation_as_value(get_bytes_impl(store, std::move(key), range));
}

}  // namespace strata::objstore
