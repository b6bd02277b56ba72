// result<T>: the return type of every fallible call (ARCHITECTURE §3.1). It holds either a T or an
// Error. The shape follows Boost.Outcome's result (value(), error(), has_value(), explicit bool)
// but is small and in-house so that it compiles quickly under both GCC 12 and Clang 14.
//
// Invariant: exactly one of value and error is present. Calling value() on an error, or error()
// on a value, is a programming error and aborts.
#pragma once

#include <cstdlib>
#include <type_traits>
#include <utility>
#include <variant>

#include "base/error.h"

namespace strata {

// Marks an Error as the failure side when T is itself constructible from an Error-like value.
struct Failure {
  Error error;
};
inline Failure failure(Error e) { return Failure{std::move(e)}; }

template <class T>
class [[nodiscard]] result {
 public:
  using value_type = T;

  result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT: implicit by design
  result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  result(Failure f) : state_(std::in_place_index<1>, std::move(f.error)) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  bool has_error() const { return state_.index() == 1; }
  explicit operator bool() const { return has_value(); }

  T& value() & {
    check_value();
    return std::get<0>(state_);
  }
  const T& value() const& {
    check_value();
    return std::get<0>(state_);
  }
  T&& value() && {
    check_value();
    return std::get<0>(std::move(state_));
  }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& {
    check_error();
    return std::get<1>(state_);
  }
  Error&& error() && {
    check_error();
    return std::get<1>(std::move(state_));
  }

 private:
  void check_value() const {
    if (!has_value()) std::abort();
  }
  void check_error() const {
    if (!has_error()) std::abort();
  }

  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] result<void> {
 public:
  using value_type = void;

  result() = default;
  result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT
  result(Failure f) : error_(std::move(f.error)), failed_(true) {}  // NOLINT

  bool has_value() const { return !failed_; }
  bool has_error() const { return failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const {
    if (failed_) std::abort();
  }

  const Error& error() const& {
    if (!failed_) std::abort();
    return error_;
  }
  Error&& error() && {
    if (!failed_) std::abort();
    return std::move(error_);
  }

 private:
  Error error_;
  bool failed_ = false;
};

inline result<void> success() { return {}; }

}  // namespace strata

// Evaluates a result-returning expression and returns its error from the enclosing function.
#define STRATA_TRY(expr)                                        \
  do {                                                          \
    auto&& strata_try_result_ = (expr);                         \
    if (!strata_try_result_) return strata_try_result_.error(); \
  } while (0)

#define STRATA_CONCAT_INNER_(a, b) a##b
#define STRATA_CONCAT_(a, b) STRATA_CONCAT_INNER_(a, b)

// STRATA_TRY_ASSIGN(auto x, expr): declares x from the value of expr or returns its error.
// The result is held by value, so a named result passed as expr is copied, never moved from;
// __COUNTER__ keeps two uses on one line apart.
#define STRATA_TRY_ASSIGN(decl, expr) STRATA_TRY_ASSIGN_IMPL_(decl, expr, STRATA_CONCAT_(strata_try_tmp_, __COUNTER__))
#define STRATA_TRY_ASSIGN_IMPL_(decl, expr, tmp) \
  auto tmp = (expr);                             \
  if (!tmp) return std::move(tmp).error();       \
  decl = std::move(tmp).value()
