#include "objstore/store_url.h"

#include "objstore/errc.h"

namespace strata::objstore {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

result<std::string> percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      const int hi = i + 1 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0) return Error(ObjstoreErrc::invalid_argument, "bad percent-encoding in the URL");
      out.push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else if (s[i] == '+' && plus_is_space) {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

}  // namespace

result<StoreLocation> parse_store_location(std::string_view rest) {
  StoreLocation out;
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  STRATA_TRY_ASSIGN(out.bucket, percent_decode(rest.substr(0, slash), false));
  if (slash != std::string_view::npos) {
    STRATA_TRY_ASSIGN(out.prefix, percent_decode(rest.substr(slash + 1), false));
  }
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    STRATA_TRY_ASSIGN(std::string name, percent_decode(pair.substr(0, eq), true));
    STRATA_TRY_ASSIGN(std::string value,
                      percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1), true));
    out.params.emplace_back(std::move(name), std::move(value));
  }
  return out;
}

}  // namespace strata::objstore
