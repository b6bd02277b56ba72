// strong<T, Tag>: a T that does not mix with other Ts. Offsets, file positions, byte counts, ids
// and epochs are all integers; wrapping each in its own strong type makes passing one where another
// is expected a compile error (STYLE.md, "Strong types").
//
//   struct OffsetTag { static constexpr StrongOps kOps = StrongOps::position; };
//   using Offset = strong<int64_t, OffsetTag>;
//   Offset o{42};  o.value() == 42;  Offset p = o + 1;  int64_t d = p - o;
//
// Construction from T is explicit; there is no conversion back except value(). Every strong type
// compares (<=>), hashes (std::hash) and formats (fmt, operator<<) as its T. Arithmetic is opt-in
// through the tag's kOps, because it only makes sense for some of them (see StrongOps).
#pragma once

#include <fmt/core.h>

#include <compare>
#include <cstddef>
#include <functional>
#include <ostream>
#include <type_traits>
#include <utility>

namespace strata {

enum class StrongOps {
  // Identity only: compare, hash, format. Ids and epochs (an epoch is bumped by rebuilding it).
  none,
  // A point on a line, like an offset or a file position: point ± T is a point, point - point is a
  // distance T, ++/--. Adding two points is meaningless and does not compile.
  position,
  // An amount, like a byte count: amount ± amount is an amount.
  quantity,
};

namespace detail {
template <class Tag>
constexpr StrongOps strong_ops() {
  if constexpr (requires { Tag::kOps; }) {
    return Tag::kOps;
  } else {
    return StrongOps::none;
  }
}
}  // namespace detail

template <class T, class Tag>
class strong {
 public:
  using value_type = T;
  using tag_type = Tag;
  static constexpr StrongOps kOps = detail::strong_ops<Tag>();

  constexpr strong() = default;  // T{}: zero for the integer types
  constexpr explicit strong(T value) noexcept(std::is_nothrow_move_constructible_v<T>) : value_(std::move(value)) {}

  constexpr const T& value() const noexcept { return value_; }

  friend constexpr bool operator==(const strong&, const strong&) = default;
  friend constexpr auto operator<=>(const strong&, const strong&) = default;

  // position
  friend constexpr strong operator+(strong a, T d) requires(kOps == StrongOps::position) {
    return strong(a.value_ + d);
  }
  friend constexpr strong operator-(strong a, T d) requires(kOps == StrongOps::position) {
    return strong(a.value_ - d);
  }
  friend constexpr T operator-(strong a, strong b) requires(kOps == StrongOps::position) { return a.value_ - b.value_; }
  constexpr strong& operator+=(T d) requires(kOps == StrongOps::position) {
    value_ += d;
    return *this;
  }
  constexpr strong& operator-=(T d) requires(kOps == StrongOps::position) {
    value_ -= d;
    return *this;
  }
  constexpr strong& operator++() requires(kOps == StrongOps::position) {
    ++value_;
    return *this;
  }
  constexpr strong operator++(int) requires(kOps == StrongOps::position) {
    strong old = *this;
    ++value_;
    return old;
  }
  constexpr strong& operator--() requires(kOps == StrongOps::position) {
    --value_;
    return *this;
  }
  constexpr strong operator--(int) requires(kOps == StrongOps::position) {
    strong old = *this;
    --value_;
    return old;
  }

  // quantity
  friend constexpr strong operator+(strong a, strong b) requires(kOps == StrongOps::quantity) {
    return strong(a.value_ + b.value_);
  }
  friend constexpr strong operator-(strong a, strong b) requires(kOps == StrongOps::quantity) {
    return strong(a.value_ - b.value_);
  }
  constexpr strong& operator+=(strong b) requires(kOps == StrongOps::quantity) {
    value_ += b.value_;
    return *this;
  }
  constexpr strong& operator-=(strong b) requires(kOps == StrongOps::quantity) {
    value_ -= b.value_;
    return *this;
  }

  // For GoogleTest failure messages and streams; fmt uses the formatter below.
  friend std::ostream& operator<<(std::ostream& os, const strong& s) {
    if constexpr (sizeof(T) == 1 && std::is_integral_v<T>) {
      return os << static_cast<int>(s.value_);  // not as a character
    } else {
      return os << s.value_;
    }
  }

 private:
  T value_{};
};

}  // namespace strata

template <class T, class Tag>
struct std::hash<strata::strong<T, Tag>> {
  size_t operator()(const strata::strong<T, Tag>& s) const noexcept(noexcept(std::hash<T>{}(s.value()))) {
    return std::hash<T>{}(s.value());
  }
};

// Formats as the underlying value, with the same format specs: fmt::format("{:>8}", Offset{7}).
template <class T, class Tag, class Char>
struct fmt::formatter<strata::strong<T, Tag>, Char> : fmt::formatter<T, Char> {
  template <class FormatContext>
  auto format(const strata::strong<T, Tag>& s, FormatContext& ctx) const {
    return fmt::formatter<T, Char>::format(s.value(), ctx);
  }
};
