// How objstore's coroutines cooperate with Asio: running blocking work off the event loop, and
// seeing cancellation as a value rather than as an exception.
//
// Threading model (ARCHITECTURE §3.4): every operation is an asio::awaitable that runs on the
// caller's executor (its event loop) and completes there. Blocking system calls (file I/O, fsync)
// are sent to a small thread pool with offload() and their result is posted back to the caller's
// executor, so the caller's state is only ever touched on its own loop.
//
// Cancellation: operations honour Asio per-operation cancellation (a cancellation slot bound to
// the co_spawn, or `op || timer` from awaitable_operators). Asio coroutines normally throw
// operation_aborted from the next co_await once cancelled; objstore operations switch that off for
// their duration (with_cancellation_as_value) and check cancellation_requested() at safe points, so
// a cancelled operation cleans up and returns ObjstoreErrc::cancelled.
#pragma once

#include <asio/associated_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/awaitable.hpp>
#include <asio/cancellation_state.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <string>
#include <type_traits>
#include <utility>

#include "base/result.h"
#include "objstore/errc.h"

// GCC 12's coroutines have bugs that corrupt memory silently; objstore code (and its callers)
// keeps to three rules, each of which a test here once caught:
//   1. No co_await inside an `if` condition: `if (co_await f()) co_return x;` corrupts the frame.
//      Await into a variable first.
//   2. No capturing lambda written inside a co_await expression: it is destroyed twice. Name it
//      first (offload below).
//   3. No brace-initialized class temporary inside a co_await expression
//      (`co_await s.put(k, d, PutOptions{...})`, or a defaulted `= {}` parameter): the callee
//      receives garbage. Name it first; that is why the interface has overloads, not defaults.
// Clang 14 compiles all three correctly. Run the tests built by GCC (best with STRATA_SANITIZE=ON)
// to catch a regression: the Clang ASan build alone does not see these.

// STRATA_TRY and STRATA_TRY_ASSIGN (base/result.h) for coroutines, where `return` must be
// `co_return`.
#define OBJSTORE_CO_TRY(expr)                                          \
  do {                                                                 \
    auto&& objstore_try_result_ = (expr);                              \
    if (!objstore_try_result_) co_return objstore_try_result_.error(); \
  } while (0)

#define OBJSTORE_CO_TRY_ASSIGN(decl, expr) \
  OBJSTORE_CO_TRY_ASSIGN_IMPL_(decl, expr, STRATA_CONCAT_(objstore_try_tmp_, __COUNTER__))
#define OBJSTORE_CO_TRY_ASSIGN_IMPL_(decl, expr, tmp) \
  auto tmp = (expr);                                  \
  if (!tmp) co_return std::move(tmp).error();         \
  decl = std::move(tmp).value()

namespace strata::objstore {

// Runs fn() on `pool` and resumes the awaiting coroutine on its own executor with fn's return
// value.
//
// Name the function before awaiting: `auto fn = [...] {...}; co_await offload(pool, std::move(fn));`.
// GCC 12 destroys a capturing lambda written inside a co_await expression twice.
//
// Invariant: the awaiting coroutine stays suspended until fn has returned, even if cancellation is
// requested meanwhile, so fn may borrow the caller's memory (a buffer to write, a buffer to fill)
// for its whole run. fn must not throw (errors are values); it runs on a pool thread and must not
// touch state owned by an event loop.
template <class PoolExecutor, class F>
asio::awaitable<std::invoke_result_t<F&>> offload(PoolExecutor pool, F fn) {
  using R = std::invoke_result_t<F&>;
  return asio::async_initiate<const asio::use_awaitable_t<>&, void(R)>(
      [pool](auto handler, F work_fn) {
        // Keeps the caller's event loop from running out of work while fn is away on the pool.
        auto caller_work = asio::make_work_guard(asio::get_associated_executor(handler));
        asio::post(pool, [handler = std::move(handler), work_fn = std::move(work_fn),
                          caller_work = std::move(caller_work)]() mutable {
          R value = work_fn();
          auto caller = caller_work.get_executor();
          asio::post(caller, [handler = std::move(handler), value = std::move(value)]() mutable {
            std::move(handler)(std::move(value));
          });
        });
      },
      asio::use_awaitable, std::move(fn));
}

// True once cancellation of the current operation has been requested (sticky). Call it only
// inside with_cancellation_as_value().
//
// Await it into a variable, never inside an `if` condition (rule 1 above).
inline asio::awaitable<bool> cancellation_requested() {
  asio::cancellation_state state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// Runs `op` with Asio's throw-on-cancel turned off, restoring the caller's setting afterwards.
//
// Every public objstore operation is a plain function that returns this coroutine directly (it
// must not co_await anything first: once cancellation is requested, any co_await of an awaitable
// with throw-on-cancel on would throw). Inside `op`, cancellation is seen only through
// cancellation_requested() and the error codes of timers, and reported as ObjstoreErrc::cancelled.
template <class T>
asio::awaitable<T> with_cancellation_as_value(asio::awaitable<T> op) {
  // Only this_coro queries before the flag is off: they never throw.
  const bool caller_throws = co_await asio::this_coro::throw_if_cancelled();
  co_await asio::this_coro::throw_if_cancelled(false);
  T r = co_await std::move(op);
  co_await asio::this_coro::throw_if_cancelled(caller_throws);
  co_return r;
}

// The error of an operation cancelled by its caller.
inline Error cancelled_error(std::string_view what) {
  return Error(ObjstoreErrc::cancelled, std::string(what) + ": cancelled");
}

}  // namespace strata::objstore
