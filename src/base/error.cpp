#include "base/error.h"

#include <fmt/format.h>

namespace strata {

std::string Error::to_string() const {
  if (category_.empty()) return message_;
  return fmt::format("{} error {}: {}", category_, code_, message_);
}

Error Error::with_context(std::string_view context) const {
  Error copy = *this;
  copy.message_ = fmt::format("{}: {}", context, message_);
  return copy;
}

}  // namespace strata
