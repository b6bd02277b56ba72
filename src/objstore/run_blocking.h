// Running an objstore coroutine to completion from plain code: for tools (`strata objstore`),
// benchmarks and tests, which have no event loop of their own. Never call it on a thread that runs
// an event loop: it runs `io` until the coroutine is done.
#pragma once

#include <asio/awaitable.hpp>
#include <asio/co_spawn.hpp>
#include <asio/io_context.hpp>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace strata::objstore {

// Runs `aw` on `io` (on this thread) until it completes and returns its value; rethrows what it
// throws.
template <class T>
T run_blocking(asio::io_context& io, asio::awaitable<T> aw) {
  std::optional<T> out;
  std::exception_ptr thrown;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(aw)); },
      [&](std::exception_ptr e) { thrown = e; });
  io.restart();
  io.run();
  if (thrown) std::rethrow_exception(thrown);
  if (!out) throw std::logic_error("the coroutine did not complete (the io_context ran out of work)");
  return std::move(*out);
}

}  // namespace strata::objstore
