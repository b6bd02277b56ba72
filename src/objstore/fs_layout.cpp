#include "objstore/fs_layout.h"

#include <fmt/format.h>

#include "objstore/errc.h"

namespace strata::objstore::fslayout {

std::string encode_component(std::string_view component) {
  std::string out;
  out.reserve(component.size());
  for (char c : component) {
    if (c == '%') {
      out += kEscapedPercent;
    } else {
      out += c;
    }
  }
  return out;
}

std::optional<std::string> decode_component(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  for (size_t i = 0; i < name.size(); ++i) {
    if (name[i] != '%') {
      out += name[i];
    } else if (name.substr(i, kEscapedPercent.size()) == kEscapedPercent) {
      out += '%';
      i += kEscapedPercent.size() - 1;
    } else {
      return std::nullopt;
    }
  }
  if (out.empty() || out == "." || out == "..") return std::nullopt;
  return out;
}

Entry classify(std::string_view name, bool is_directory) {
  if (is_directory) {
    if (!name.ends_with(kDirSuffix)) return {};
    std::optional<std::string> component = decode_component(name.substr(0, name.size() - kDirSuffix.size()));
    if (!component) return {};
    return Entry{EntryKind::directory, std::move(*component)};
  }
  std::optional<std::string> component = decode_component(name);
  if (!component) return {};
  return Entry{EntryKind::object, std::move(*component)};
}

result<std::string> relative_path(std::string_view key) {
  std::string path;
  size_t start = 0;
  while (true) {
    const size_t slash = key.find('/', start);
    const bool last = slash == std::string_view::npos;
    const std::string_view component = key.substr(start, last ? std::string_view::npos : slash - start);
    std::string name = encode_component(component);
    if (!last) name += kDirSuffix;
    if (name.size() > kMaxNameSize) {
      return Error(ObjstoreErrc::invalid_argument,
                   fmt::format("key '{}': the component '{}' is too long for the filesystem store ({} bytes "
                               "encoded, the limit is {})",
                               key, component, name.size(), kMaxNameSize));
    }
    path += name;
    if (last) break;
    path += '/';
    start = slash + 1;
  }
  return path;
}

}  // namespace strata::objstore::fslayout
