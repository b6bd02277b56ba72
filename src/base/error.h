// The one error type of Strata. Every fallible call returns result<T> (see result.h) whose error
// side is an Error: a module category, a code from that module's enum, and a human message that
// says what happened and, where it can, what to do about it.
//
// A module declares its codes as an enum and tells Error its category by an ADL-found function:
//
//   enum class ProtocolErrc { truncated = 1, ... };
//   constexpr std::string_view error_category(ProtocolErrc) { return "protocol"; }
//
// and then builds errors with Error(ProtocolErrc::truncated, "...") and tests them with
// err.is(ProtocolErrc::truncated).
#pragma once

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>

namespace strata {

template <class E>
concept ErrorEnum = std::is_enum_v<E> && requires(E e) {
  { error_category(e) } -> std::convertible_to<std::string_view>;
};

class Error {
 public:
  Error() = default;

  template <ErrorEnum E>
  Error(E code, std::string message)
      : category_(error_category(code)), code_(static_cast<int>(code)), message_(std::move(message)) {}

  // The module that raised the error ("protocol", "storage", ...). Empty for a default Error.
  std::string_view category() const { return category_; }
  int code() const { return code_; }
  const std::string& message() const { return message_; }

  template <ErrorEnum E>
  bool is(E code) const {
    return category_ == error_category(code) && code_ == static_cast<int>(code);
  }

  // "protocol error 3: ..." — for logs and CLI output.
  std::string to_string() const;

  // Prefixes the message with where the error happened, keeping category and code:
  // err.with_context("ProduceRequest v9") -> "ProduceRequest v9: <message>".
  Error with_context(std::string_view context) const;

 private:
  std::string_view category_;  // points at a string literal returned by error_category()
  int code_ = 0;
  std::string message_;
};

}  // namespace strata
