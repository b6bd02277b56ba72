// One client connection (Kafka's processor + the request channel of one socket): read a
// size-prefixed request, hand it to the broker, write the response, repeat. Requests of one
// connection are handled one at a time, in order, as Kafka does (it mutes a channel until its
// response is sent), so responses always leave in request order. A connection lives on one shard
// (the broker hands accepted sockets round-robin to the shards): its coroutine, its watchdog and
// its socket are touched there only.
#include <sys/sendfile.h>

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/read.hpp>
#include <asio/redirect_error.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include "server/broker.h"
#include "server/logging.h"

namespace strata::server {

using asio::ip::tcp;

namespace {

// What the connection and its idle watchdog share; the watchdog may resume after the connection
// coroutine ended, so both hold it.
struct ConnectionState {
  explicit ConnectionState(tcp::socket s) : socket(std::move(s)), deadline(socket.get_executor()) {}
  tcp::socket socket;
  asio::steady_timer deadline;
  bool done = false;
};

// Closes the socket when no request arrived for connections.max.idle.ms.
asio::awaitable<void> idle_watchdog(std::shared_ptr<ConnectionState> state, std::string name) {
  while (!state->done) {
    std::error_code ec;
    co_await state->deadline.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (state->done) co_return;
    if (state->deadline.expiry() <= std::chrono::steady_clock::now()) {
      log(LogLevel::info, "{}: closing, idle for connections.max.idle.ms", name);
      state->socket.close(ec);
      co_return;
    }
  }
}

// Sends bytes [offset, offset + size) of `fd` with sendfile(2), waiting for the socket to drain
// whenever the kernel's buffer is full. A file shorter than the range is an error: the frame's
// size prefix promised those bytes.
asio::awaitable<std::error_code> send_file(tcp::socket& socket, const storage::FileSlice& slice) {
  std::error_code ec;
  if (!socket.native_non_blocking()) socket.native_non_blocking(true, ec);
  if (ec) co_return ec;
  off_t offset = static_cast<off_t>(slice.position.value());
  int64_t left = slice.size;
  while (left > 0) {
    const ssize_t sent = ::sendfile(socket.native_handle(), slice.file->fd(), &offset,
                                    static_cast<size_t>(std::min<int64_t>(left, 1 << 30)));
    if (sent > 0) {
      left -= sent;
      continue;
    }
    if (sent == 0) co_return std::make_error_code(std::errc::io_error);  // the file ended early
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) co_return std::error_code(errno, std::system_category());
    co_await socket.async_wait(tcp::socket::wait_write, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
  }
  co_return std::error_code{};
}

// Writes a response: the frame's bytes, with each file range sent from its file at its place.
asio::awaitable<std::error_code> write_response(tcp::socket& socket, const bytes& frame,
                                                const std::vector<Broker::FileRange>& file_ranges) {
  std::error_code ec;
  size_t written = 0;
  for (const Broker::FileRange& range : file_ranges) {
    co_await asio::async_write(socket, asio::buffer(frame.data() + written, range.at - written),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    written = range.at;
    ec = co_await send_file(socket, range.slice);
    if (ec) co_return ec;
  }
  co_await asio::async_write(socket, asio::buffer(frame.data() + written, frame.size() - written),
                             asio::redirect_error(asio::use_awaitable, ec));
  co_return ec;
}

}  // namespace

asio::awaitable<void> Broker::serve(tcp::socket accepted) {
  auto state = std::make_shared<ConnectionState>(std::move(accepted));
  tcp::socket& socket = state->socket;
  std::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  const uint64_t id = next_connection_id_++;
  const std::string name = fmt::format("connection {} from {}:{}", id, remote.address().to_string(), remote.port());
  Shard& shard = *shards_.at(current_shard());
  shard.connections[id] = &socket;
  log(LogLevel::debug, "{}: accepted", name);

  const auto idle = std::chrono::milliseconds(std::max<int64_t>(config_.connections_max_idle_ms, 1));
  asio::steady_timer& deadline = state->deadline;
  deadline.expires_after(idle);
  asio::co_spawn(socket.get_executor(), idle_watchdog(state, name), asio::detached);

  bytes frame;
  while (!stopping_) {
    std::array<std::byte, 4> size_prefix{};
    co_await asio::async_read(socket, asio::buffer(size_prefix), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;  // the client went away (or the idle watchdog closed the socket)
    const int32_t size = static_cast<int32_t>(load_be<uint32_t>(size_prefix.data()));
    // Checked before allocating: a hostile size cannot make the broker reserve memory.
    if (size < 0 || size > config_.socket_request_max_bytes) {
      log(LogLevel::warn, "{}: request size {} is larger than socket.request.max.bytes ({}); closing", name, size,
          config_.socket_request_max_bytes);
      break;
    }
    frame.resize(static_cast<size_t>(size));
    co_await asio::async_read(socket, asio::buffer(frame), asio::redirect_error(asio::use_awaitable, ec));
    if (ec) break;
    deadline.expires_after(idle);
    const auto arrived = std::chrono::steady_clock::now();
    std::vector<FileRange> file_ranges;
    result<std::optional<bytes>> response = co_await handle_request(frame, name, file_ranges);
    if (response && frame.size() >= 4) {
      // RequestMetrics: the header's api key and version, the time until the response was ready.
      metrics_.record_request(static_cast<int16_t>(load_be<uint16_t>(frame.data())),
                              static_cast<int16_t>(load_be<uint16_t>(frame.data() + 2)),
                              std::chrono::steady_clock::now() - arrived);
    }
    if (!response) {
      log(LogLevel::warn, "{}: {}; closing the connection", name, response.error().message());
      break;
    }
    if (!*response) continue;
    ec = co_await write_response(socket, **response, file_ranges);
    if (ec) {
      if (!file_ranges.empty()) log(LogLevel::debug, "{}: sending a fetch response failed: {}", name, ec.message());
      break;
    }
    deadline.expires_after(idle);
  }
  shard.connections.erase(id);
  state->done = true;
  socket.close(ec);
  deadline.cancel();
  log(LogLevel::debug, "{}: closed", name);
  --live_connections_;  // counted by accept_loop
}

}  // namespace strata::server
